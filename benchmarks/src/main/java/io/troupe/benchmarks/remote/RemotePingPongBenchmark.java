package io.troupe.benchmarks.remote;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.remote.Codecs;
import io.troupe.remote.RemoteNode;
import io.troupe.remote.RemoteSettings;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Remote ping-pong on troupe-remote (issue #17), in the shape of
 * {@code peers.remote.PekkoRemotePingPongBenchmark}: two actor systems in this JVM, each with a
 * {@link RemoteNode} on Aeron UDP over loopback, {@code a} with the pingers and {@code b} with the
 * pongers. Each of {@code pairs} pairs keeps one message in flight: the pinger sends
 * {@code Ping(n)} (a registered record codec: 8 bytes with its id), the ponger sends it back, the
 * pinger checks {@code n} and sends the next. The refs are resolved once by their
 * {@code troupe://} URIs; no ref travels in a message. Score: round trips per second over all
 * pairs; secondary results: round-trip percentiles and bytes on loopback per message
 * ({@link RoundTripCounters}).
 *
 * <p>Settings: the node's defaults (an embedded media driver per node, run by the node's thread,
 * backoff idle) unless {@code responsiveIdle} is set ({@link RemoteSettings#withResponsiveIdle()}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
// Agrona 2 (under Aeron) reads jdk.internal.misc.Unsafe.
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED"})
public class RemotePingPongBenchmark {
    private static final String SECRET = "benchmark-secret";

    @Param({"1", "8"})
    public int pairs;

    @Param({"false"})
    public boolean responsiveIdle;

    private ActorSystem a;
    private ActorSystem b;
    private RemoteNode nodeA;
    private RemoteNode nodeB;
    private ActorRef<Object>[] pingers;
    private Samples[] samples;

    /** The message, both ways. */
    public record Ping(int n) {}

    /** Starts a pinger: {@code roundTrips} round trips, each one's time in {@code samples}, then {@code done}. */
    record Start(int roundTrips, Samples samples, CountDownLatch done) {}

    /** Filled by a pinger, read by the benchmark thread after {@code done} (the latch orders them). */
    static final class Samples {
        final long[] nanos;
        int count;
        int mismatches;

        Samples(int capacity) {
            nanos = new long[capacity];
        }
    }

    static final class Pinger extends Actor<Object> {
        private final ActorRef<Ping> ponger;
        private int left;
        private long sentAt;
        private Samples samples;
        private CountDownLatch done;

        Pinger(ActorRef<Ping> ponger) {
            this.ponger = ponger;
        }

        @Override
        protected void receive(Object message) {
            if (message instanceof Ping p) {
                final long now = System.nanoTime();
                final Samples s = samples;
                s.nanos[s.count++] = now - sentAt;
                if (p.n() != left) {
                    s.mismatches++;
                }
                if (--left == 0) {
                    done.countDown();
                } else {
                    sentAt = now;
                    ponger.tell(new Ping(left));
                }
            } else if (message instanceof Start s) {
                left = s.roundTrips();
                samples = s.samples();
                samples.count = 0;
                done = s.done();
                sentAt = System.nanoTime();
                ponger.tell(new Ping(left));
            }
        }
    }

    /** Sends every ping back to {@code pinger}. */
    static final class Ponger extends Actor<Ping> {
        private final ActorRef<Ping> pinger;

        Ponger(ActorRef<Ping> pinger) {
            this.pinger = pinger;
        }

        @Override
        protected void receive(Ping message) {
            pinger.tell(message);
        }
    }

    private RemoteSettings settings() {
        final RemoteSettings s = RemoteSettings.udp(0)
                .withSecret(SECRET)
                .withCodecs(Codecs.builder().registerRecord(1, Ping.class).build());
        return responsiveIdle ? s.withResponsiveIdle() : s;
    }

    @Setup(Level.Trial)
    @SuppressWarnings("unchecked")
    public void setUp() {
        a = ActorSystem.create("a");
        b = ActorSystem.create("b");
        nodeA = RemoteNode.start(a, settings());
        nodeB = RemoteNode.start(b, settings());
        pingers = new ActorRef[pairs];
        samples = new Samples[pairs];
        for (int i = 0; i < pairs; i++) {
            final ActorRef<Ping> pongerThere = nodeA.resolve(nodeB.address() + "/user/ponger-" + i);
            pingers[i] = a.spawn(() -> new Pinger(pongerThere), "pinger-" + i);
            final ActorRef<Ping> pingerThere = nodeB.resolve(nodeA.uriOf(pingers[i]));
            b.spawn(() -> new Ponger(pingerThere), "ponger-" + i);
            samples[i] = new Samples(RemoteWorkload.ROUND_TRIPS / pairs);
        }
        roundTrips(1, null); // the handshake, bounded
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        // Each node before its system (RemoteNode's contract).
        nodeB.close();
        nodeA.close();
        b.close();
        a.close();
    }

    @Benchmark
    @OperationsPerInvocation(RemoteWorkload.ROUND_TRIPS)
    public void pingPong(RoundTripCounters counters) {
        roundTrips(RemoteWorkload.ROUND_TRIPS / pairs, counters);
    }

    private void roundTrips(int perPair, RoundTripCounters counters) {
        final CountDownLatch done = new CountDownLatch(pairs);
        for (int i = 0; i < pairs; i++) {
            pingers[i].tell(new Start(perPair, samples[i], done));
        }
        RemoteWorkload.await(done, "Troupe remote ping-pong over Aeron UDP");
        for (Samples s : samples) {
            if (s.mismatches != 0) {
                throw new IllegalStateException(s.mismatches + " pongs carried the wrong number");
            }
            if (counters != null) {
                counters.record(s.nanos, s.count);
            }
        }
    }
}
