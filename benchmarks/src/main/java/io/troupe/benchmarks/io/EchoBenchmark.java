package io.troupe.benchmarks.io;

import io.troupe.actors.DispatcherKind;
import io.troupe.io.IoSettings;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * The echo workloads of {@link AbstractEchoBenchmark} against the Troupe echo server and the raw
 * NIO reference. Netty's runs in the same session under the {@code peers} profile
 * ({@code io.troupe.benchmarks.peers.io.NettyEchoBenchmark}).
 */
@State(Scope.Benchmark)
public class EchoBenchmark extends AbstractEchoBenchmark {
    /** The servers of the main source set. */
    public enum Server {
        /** {@link RawNioEchoServer}: one thread, one selector; the reference. */
        RAW_NIO,
        /** {@link TroupeEchoServer}: io-actors, a handler actor per connection. */
        TROUPE
    }

    @Param({"RAW_NIO", "TROUPE"})
    public Server server;

    /**
     * Troupe's dispatcher threads (0: the library default, one per core). Both 1 and 2 are
     * measured, as Netty's 1 and 2 event loops are: on 2 cores shared with the client, fewer
     * server threads can be faster. RAW_NIO ignores it; its two rows show the run-to-run spread.
     */
    @Param({"1", "2"})
    public int troupeWorkers;

    /** Troupe's dispatcher. Ignored by RAW_NIO. */
    @Param({"WORK_STEALING"})
    public DispatcherKind troupeDispatcher;

    /** Who drives Troupe's selector: the idle workers, or a reactor thread of its own. Ignored by RAW_NIO. */
    @Param({"WORKERS", "REACTOR_THREADS"})
    public IoSettings.Driver troupeIo;

    /**
     * The Troupe handler's back-pressure recipe. The lossless one, answered reads, is the
     * default; {@code -p troupeBackPressure=ANSWERED_READS,SUSPEND_READING} measures what it
     * costs against the older one. Ignored by RAW_NIO.
     */
    @Param({"ANSWERED_READS"})
    public TroupeEchoServer.BackPressure troupeBackPressure;

    @Override
    protected EchoServer startServer() {
        return switch (server) {
            case RAW_NIO -> RawNioEchoServer.start();
            case TROUPE -> TroupeEchoServer.start(troupeDispatcher, troupeWorkers, IoSettings.defaults().withDriver(troupeIo),
                    troupeBackPressure);
        };
    }
}
