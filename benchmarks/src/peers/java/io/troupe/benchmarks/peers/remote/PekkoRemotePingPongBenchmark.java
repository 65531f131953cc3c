package io.troupe.benchmarks.peers.remote;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.troupe.benchmarks.remote.RemoteWorkload;
import io.troupe.benchmarks.remote.RoundTripCounters;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.SpawnProtocol;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
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
 * Remote ping-pong on Pekko Artery, the reference for troupe-remote (issue #17): two actor
 * systems in this JVM, {@code a} with the pingers and {@code b} with the pongers, talking over
 * loopback with Artery's {@code aeron-udp} or {@code tcp} transport. Each of {@code pairs} pairs
 * keeps one message in flight: the pinger sends {@code Ping(n)}, the ponger sends it back, the
 * pinger checks {@code n} and sends the next. Score: round trips per second over all pairs;
 * secondary results: round-trip percentiles and bytes on loopback per message
 * ({@link RoundTripCounters}).
 *
 * <p>Why one JVM: both systems cross the real transport (Artery never short-cuts between two
 * systems: each has its own address, its own media driver or TCP connection), the Troupe
 * benchmark does the same, and JMH then measures directly; two JVMs on this 2-core machine would
 * add a second GC and JIT competing for the same two cores without making the transport path
 * any different.
 *
 * <p>Pekko at its best here (each setting was measured against its alternatives; see the
 * README): the message is a 4-byte int through {@link PekkoPingSerializer} (no manifest, written
 * into Artery's buffer); the refs are resolved once by path, so no ref travels in a message and
 * the recipient's path is compressed to an id after the first advertisement (made 1 s instead of
 * a minute so it happens during warmup); dispatchers sized to the cores as in the other Pekko
 * benchmarks; logging off. The parameters pin the transport and the Artery knobs that matter
 * most: {@code idleCpuLevel} (aeron-udp; read from Pekko 1.7.0's bytecode: 1 = the driver in shared
 * threading mode, sleeping idle; 2-7 = shared-network threading, backoff idle spinning more with
 * the level; 8-9 = dedicated driver threads, backoff; 10 = dedicated threads, busy spin), {@code inboundLanes} (1 saves a
 * hop), {@code sharedDriver} (both systems on one embedded media driver instead of one each).
 *
 * <p>Why one shared media driver for aeron-udp: with one embedded driver per system (Pekko's
 * default), two systems in one JVM stall after a few hundred to a few thousand round trips (a
 * ping or pong never arrives; 5 of 5 tries on 2026-12-03, idle-cpu-level 5 and 10, with Aeron
 * 1.48.4 and with Pekko's own 1.45.2; no UDP receive errors in {@code /proc/net/snmp}). With system
 * {@code a}'s embedded driver serving {@code b} too ({@code embedded-media-driver = off} and the
 * same {@code aeron-dir} on {@code b}) it runs; it is also Aeron's usual deployment (one driver per
 * host) and it saves threads on two cores, so it favours Pekko if anything. troupe-remote runs
 * one embedded driver per node, its default.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
// Agrona 2 (under Aeron) reads jdk.internal.misc.Unsafe.
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED"})
public class PekkoRemotePingPongBenchmark {
    @Param({"aeron-udp", "tcp"})
    public String transport;

    @Param({"1", "8"})
    public int pairs;

    @Param({"5"})
    public int idleCpuLevel;

    @Param({"1"})
    public int inboundLanes;

    /** aeron-udp only (tcp ignores it). Off, the two systems' embedded drivers stall in one JVM (see the class comment). */
    @Param({"true"})
    public boolean sharedDriver;

    private ActorSystem<SpawnProtocol.Command> a;
    private ActorSystem<SpawnProtocol.Command> b;
    private Path aeronDir;
    private ActorRef<Object>[] pingers;
    private Pinger.Samples[] samples;

    /** The message, both ways. Serialized by {@link PekkoPingSerializer}. */
    public record Ping(int n) {}

    /** Starts a pinger: {@code roundTrips} round trips, each one's time in {@code samples}, then {@code done}. */
    record Start(int roundTrips, Pinger.Samples samples, CountDownLatch done) {}

    static final class Pinger extends AbstractBehavior<Object> {
        /** Filled by the pinger, read by the benchmark thread after {@code done} (the latch orders them). */
        static final class Samples {
            final long[] nanos;
            int count;
            int mismatches;

            Samples(int capacity) {
                nanos = new long[capacity];
            }
        }

        private final ActorRef<Object> ponger;
        private int left;
        private long sentAt;
        private Samples samples;
        private CountDownLatch done;

        Pinger(ActorContext<Object> context, ActorRef<Object> ponger) {
            super(context);
            this.ponger = ponger;
        }

        @Override
        public Receive<Object> createReceive() {
            return newReceiveBuilder().onAnyMessage(this::onMessage).build();
        }

        private Behavior<Object> onMessage(Object message) {
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
            return this;
        }
    }

    /** Sends every ping back to {@code pinger}. */
    static Behavior<Object> ponger(ActorRef<Object> pinger) {
        return Behaviors.receiveMessage(message -> {
            pinger.tell(message);
            return Behaviors.same();
        });
    }

    /** The configuration of one system (see the class comment). */
    Config config(boolean embeddedDriver) {
        final int cores = Runtime.getRuntime().availableProcessors();
        final String pool = "fork-join-executor { parallelism-min = " + cores + ", parallelism-factor = 1.0, parallelism-max = " + cores + " }\n";
        final String aeron = aeronDir == null ? ""
                : "pekko.remote.artery.advanced.aeron { embedded-media-driver = " + (embeddedDriver ? "on" : "off")
                        + ", aeron-dir = \"" + aeronDir + "\", delete-aeron-dir = no }\n";
        return ConfigFactory.systemProperties() // -Dpekko... overrides, for trying other settings
                .withFallback(ConfigFactory.parseString(
                        "pekko {\n"
                        + "  loglevel = \"OFF\"\n"
                        + "  stdout-loglevel = \"OFF\"\n"
                        + "  log-dead-letters = off\n"
                        + "  log-dead-letters-during-shutdown = off\n"
                        + "  actor {\n"
                        + "    provider = remote\n"
                        + "    allow-java-serialization = off\n"
                        + "    serializers.ping = \"" + PekkoPingSerializer.class.getName() + "\"\n"
                        + "    serialization-bindings { \"" + Ping.class.getName() + "\" = ping }\n"
                        + "    default-dispatcher { executor = \"fork-join-executor\", " + pool + " }\n"
                        + "    internal-dispatcher { " + pool + " }\n"
                        + "  }\n"
                        + "  remote.default-remote-dispatcher { " + pool + " }\n"
                        + "  remote.warn-about-direct-use = off\n"
                        + "  remote.artery {\n"
                        + "    transport = " + transport + "\n"
                        + "    canonical { hostname = \"127.0.0.1\", port = 0 }\n"
                        + "    advanced {\n"
                        + "      inbound-lanes = " + inboundLanes + "\n"
                        + "      outbound-lanes = 1\n"
                        + "      aeron.idle-cpu-level = " + idleCpuLevel + "\n"
                        + "      compression.actor-refs.advertisement-interval = 1 s\n"
                        + "      compression.manifests.advertisement-interval = 1 s\n"
                        + "    }\n"
                        + "  }\n"
                        + "}\n"
                        + aeron))
                .withFallback(ConfigFactory.load());
    }

    @Setup(Level.Trial)
    @SuppressWarnings("unchecked")
    public void setUp() throws IOException {
        if (sharedDriver && "aeron-udp".equals(transport)) {
            aeronDir = Files.createTempDirectory(Path.of(Files.isDirectory(Path.of("/dev/shm")) ? "/dev/shm" : System.getProperty("java.io.tmpdir")), "pekko-remote-bench-");
            Files.delete(aeronDir); // the driver creates it
        }
        a = ActorSystem.create(SpawnProtocol.create(), "a", config(true));
        b = ActorSystem.create(SpawnProtocol.create(), "b", config(false));
        final Address addressA = a.address();
        final Address addressB = b.address();
        final ActorRefResolver resolverA = ActorRefResolver.get(a);
        final ActorRefResolver resolverB = ActorRefResolver.get(b);
        pingers = new ActorRef[pairs];
        samples = new Pinger.Samples[pairs];
        for (int i = 0; i < pairs; i++) {
            final ActorRef<Object> pongerThere = resolverA.resolveActorRef(addressB + "/user/ponger-" + i);
            final ActorRef<Object> pingerThere = resolverB.resolveActorRef(addressA + "/user/pinger-" + i);
            spawn(b, ponger(pingerThere), "ponger-" + i);
            pingers[i] = spawn(a, Behaviors.<Object>setup(ctx -> new Pinger(ctx, pongerThere)), "pinger-" + i);
            samples[i] = new Pinger.Samples(RemoteWorkload.ROUND_TRIPS / pairs);
        }
        roundTrips(1, null); // the handshake, bounded
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        terminate(b);
        terminate(a);
        if (aeronDir != null && Files.exists(aeronDir)) {
            try (var files = Files.walk(aeronDir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                    try {
                        Files.delete(p);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
        }
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
        RemoteWorkload.await(done, "Pekko remote ping-pong over " + transport);
        for (Pinger.Samples s : samples) {
            if (s.mismatches != 0) {
                throw new IllegalStateException(s.mismatches + " pongs carried the wrong number");
            }
            if (counters != null) {
                counters.record(s.nanos, s.count);
            }
        }
    }

    private static <T> ActorRef<T> spawn(ActorSystem<SpawnProtocol.Command> system, Behavior<T> behavior, String name) {
        return AskPattern.<SpawnProtocol.Command, ActorRef<T>>ask(system,
                        replyTo -> new SpawnProtocol.Spawn<>(behavior, name, Props.empty(), replyTo),
                        Duration.ofSeconds(RemoteWorkload.TIMEOUT_SECONDS), system.scheduler())
                .toCompletableFuture().join();
    }

    private static void terminate(ActorSystem<?> system) {
        if (system == null) {
            return;
        }
        system.terminate();
        try {
            system.getWhenTerminated().toCompletableFuture().get(RemoteWorkload.TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("Pekko system " + system.name() + " did not terminate", e);
        }
    }
}
