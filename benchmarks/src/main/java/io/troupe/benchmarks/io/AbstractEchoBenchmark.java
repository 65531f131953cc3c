package io.troupe.benchmarks.io;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * The two echo workloads, run against whichever server a subclass starts, with one load
 * generator for all of them ({@link RequestResponseClient}, {@link StreamingClient}) in the
 * benchmark JVM, on the JMH thread. Subclasses: {@link EchoBenchmark} (Troupe and the raw NIO
 * reference) and, under the {@code peers} profile, Netty's, and the benchmarks that run each
 * server in a JVM of its own pinned to one core (with and without many idle connections).
 *
 * <ul>
 *   <li>{@link #requestResponse}: {@value #CONNECTIONS} connections (unless a subclass measures
 *       fewer), {@value #MESSAGE_BYTES}-byte requests, one in flight per connection, beside
 *       {@link #idleConnectionCount()} idle ones (none unless a subclass opens them). Score:
 *       requests per second; secondary results
 *       {@code p50Micros}, {@code p99Micros}, {@code maxMicros} of the round trip, pooled over
 *       the measurement iterations ({@link LatencyCounters}).</li>
 *   <li>{@link #streaming}: {@value #STREAMS} connections each streaming writes of
 *       {@value #STREAM_WRITE_BYTES} bytes with up to {@value #STREAM_WINDOW_BYTES} bytes in
 *       flight. Score: MiB echoed per second (one operation is one MiB back at the client).</li>
 * </ul>
 *
 * <p>The client and the server share the machine: on a small machine the client's thread takes
 * a good part of the CPU, the same for every server.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public abstract class AbstractEchoBenchmark {
    /** Connections of the request/response workload. */
    public static final int CONNECTIONS = 64;
    /** Bytes per request (and per echo). */
    public static final int MESSAGE_BYTES = 64;
    /** Echoes completed per request/response invocation (16 per connection of {@value #CONNECTIONS}). */
    public static final int REQUESTS_PER_INVOCATION = 1024;

    /** Connections of the streaming workload. */
    public static final int STREAMS = 4;
    /** The largest write of a streaming client. */
    public static final int STREAM_WRITE_BYTES = 64 << 10;
    /** Bytes sent and not yet echoed per stream at most; no more than the servers' write queues. */
    public static final int STREAM_WINDOW_BYTES = 1 << 20;
    /** MiB echoed per streaming invocation. */
    public static final int MIB_PER_INVOCATION = 16;

    private EchoServer server;
    private IdleConnections idleConnections;
    private RequestResponseClient requestResponseClient;
    private StreamingClient streamingClient;

    /** Starts the server under test, listening on 127.0.0.1. */
    protected abstract EchoServer startServer() throws Exception;

    /** The connections of {@link #requestResponse}: {@value #CONNECTIONS} unless a subclass says otherwise. */
    protected int requestResponseConnections() {
        return CONNECTIONS;
    }

    /**
     * Connections opened before the workload's own, each answered once and then left idle for
     * the whole trial ({@link IdleConnections}): none unless a subclass says otherwise.
     */
    protected int idleConnectionCount() {
        return 0;
    }

    /** Starts the server, opens the idle connections, then the client of the workload this trial measures. */
    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) throws Exception {
        server = startServer();
        if (idleConnectionCount() > 0) {
            idleConnections = IdleConnections.open(server.address(), idleConnectionCount());
        }
        if (params.getBenchmark().endsWith(".streaming")) {
            streamingClient = new StreamingClient(server.address(), STREAMS, STREAM_WRITE_BYTES, STREAM_WINDOW_BYTES);
        } else {
            requestResponseClient = new RequestResponseClient(server.address(), requestResponseConnections(), MESSAGE_BYTES);
        }
    }

    /** Closes the client, the idle connections, then the server. */
    @TearDown(Level.Trial)
    public void tearDown() {
        if (requestResponseClient != null) {
            requestResponseClient.close();
        }
        if (streamingClient != null) {
            streamingClient.close();
        }
        if (idleConnections != null) {
            idleConnections.close();
        }
        if (server != null) {
            server.close();
        }
    }

    /** {@value #REQUESTS_PER_INVOCATION} round trips over the {@link #requestResponseConnections()} connections. */
    @Benchmark
    @OperationsPerInvocation(REQUESTS_PER_INVOCATION)
    public void requestResponse(LatencyCounters latencies) throws IOException {
        latencies.measure(server);
        requestResponseClient.run(REQUESTS_PER_INVOCATION, latencies);
    }

    /** {@value #MIB_PER_INVOCATION} MiB echoed over the {@value #STREAMS} streams. */
    @Benchmark
    @OperationsPerInvocation(MIB_PER_INVOCATION)
    public void streaming() throws IOException {
        streamingClient.run((long) MIB_PER_INVOCATION << 20);
    }
}
