package io.troupe.benchmarks.actors;

import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.DispatcherKind;
import io.troupe.actors.SpawnOptions;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of the observability hooks (issue 15), as A/B pairs that one JMH session runs: each
 * nested class is {@link PingPongBenchmark} or {@link ThreadRingBenchmark} in JVMs started with
 * different flags, so that the ratio of two scores comes from one run on one host.
 *
 * <ul>
 *   <li>{@code *HooksOn}: as shipped: counters, JFR events (no recording running) and the dump's
 *       per-message store on, tracing off.
 *   <li>{@code *HooksOff}: {@code -Dtroupe.observe.hooks=false}, a static final flag the JIT folds,
 *       which skips the per-message and per-activation hooks: the "compiled out" reference.
 *   <li>{@code PingPongTraced}: {@code -Dtroupe.tracing=true}: every message a span (report the
 *       cost, and its allocation with {@code -prof gc}).
 *   <li>{@code PingPongJfr}: a JFR recording with the {@code profile} settings runs in memory.
 * </ul>
 *
 * <pre>
 * flock /tmp/jmh.lock java -jar benchmarks/target/benchmarks.jar 'ObserveCostBenchmark\.(PingPong|ThreadRing)Hooks' \
 *     -p dispatcher=WORK_STEALING -p pairs=1 -f 3 -wi 5 -w 1s -i 10 -r 1s
 * </pre>
 *
 * <p>On a shared 2-core host those scores are bimodal (the pair on one worker or on two) and move
 * with the load. The {@code OneWorker*} variants remove the placement: the same workloads on a
 * system with one worker, so every message is a LIFO-slot hand-off on one thread; and besides
 * the throughput they report {@code cpuNanos} and {@code messages} ({@link CpuCost}), the CPU time
 * the worker thread spent and the messages it handled, whose quotient (CPU ns per message) does
 * not count the time the worker waited for a core. {@code benchmarks/run-observe-cost.sh} runs
 * them as interleaved A/B pairs of short forks and takes the median ratio (benchmarks/README.md,
 * "Observe hooks").
 */
public final class ObserveCostBenchmark {
    private ObserveCostBenchmark() {}

    /** Ping-pong with the hooks as shipped. */
    @Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
    public static class PingPongHooksOn extends PingPongBenchmark {}

    /** Ping-pong with the hooks skipped. */
    @Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-Dtroupe.observe.hooks=false"})
    public static class PingPongHooksOff extends PingPongBenchmark {}

    /** Thread ring with the hooks as shipped. */
    @Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
    public static class ThreadRingHooksOn extends ThreadRingBenchmark {}

    /** Thread ring with the hooks skipped. */
    @Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-Dtroupe.observe.hooks=false"})
    public static class ThreadRingHooksOff extends ThreadRingBenchmark {}

    /** Ping-pong with every message traced. */
    @Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-Dtroupe.tracing=true"})
    public static class PingPongTraced extends PingPongBenchmark {}

    /** Ping-pong while a JFR recording (profile settings, in memory) runs. */
    @Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-XX:StartFlightRecording=disk=false,settings=profile"})
    public static class PingPongJfr extends PingPongBenchmark {}

    // ---------------------------------------------------------------- one worker, CPU time per message

    /**
     * The worker threads' CPU time and the messages handled, per iteration (JMH's auxiliary
     * counters, not normalised by time): {@code cpuNanos / messages} is the CPU cost of a message
     * on the worker, which another process taking the core does not inflate (only caches and
     * clock speed still move it); {@code bestMessagesPerCpuSecond} is the highest rate of one
     * invocation (one whole workload, some milliseconds) in the iteration, messages per second
     * of worker CPU time: the least disturbed invocation (a maximum, because JMH zeroes the
     * counters before each iteration). JMH sums these counters over the iterations in its score
     * line; read them per iteration, as {@code run-observe-cost.sh} does from the JSON's raw data.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class CpuCost {
        /** CPU nanoseconds of the system's worker threads in this iteration. */
        public long cpuNanos;
        /** Messages (or hops) handled in this iteration. */
        public long messages;
        /** The highest messages per second of worker CPU time of one invocation in this iteration. */
        public long bestMessagesPerCpuSecond;

        @Setup(Level.Iteration)
        public void reset() {
            cpuNanos = 0;
            messages = 0;
            bestMessagesPerCpuSecond = 0;
        }

        /** Adds one invocation: {@code nanos} of worker CPU time for {@code handled} messages. */
        void add(long nanos, long handled) {
            cpuNanos += nanos;
            messages += handled;
            if (nanos > 0) {
                bestMessagesPerCpuSecond = Math.max(bestMessagesPerCpuSecond, handled * 1_000_000_000L / nanos);
            }
        }
    }

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** The ids of the threads of {@code system}'s work-stealing workers. */
    static long[] workerIds(ActorSystem system) {
        final List<Long> ids = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(system.name() + "-worker-")) {
                ids.add(t.getId());
            }
        }
        if (ids.isEmpty()) {
            throw new IllegalStateException("no worker threads of " + system.name());
        }
        return ids.stream().mapToLong(Long::longValue).toArray();
    }

    static long cpuNanos(long[] threadIds) {
        long sum = 0;
        for (long id : threadIds) {
            sum += THREADS.getThreadCpuTime(id);
        }
        return sum;
    }

    /** A system with one work-stealing worker (so no placement, no stealing). */
    static ActorSystem oneWorkerSystem(String name) {
        if (!THREADS.isThreadCpuTimeSupported()) {
            throw new IllegalStateException("thread CPU time is not supported by this JVM");
        }
        THREADS.setThreadCpuTimeEnabled(true);
        return ActorSystem.builder(name).dispatcher(DispatcherKind.WORK_STEALING).parallelism(1).build();
    }

    /** Ping-pong, one pair, one worker; throughput and CPU time per message. */
    @State(Scope.Benchmark)
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Warmup(iterations = 3, time = 1)
    @Measurement(iterations = 5, time = 1)
    public abstract static class OneWorkerPingPong {
        private ActorSystem system;
        private ActorRef<Object> pinger;
        private long[] workers;

        @Setup(Level.Trial)
        public void setUp() {
            system = oneWorkerSystem("observe-pp");
            final ActorRef<Object> ponger = system.spawn(PingPongBenchmark.Ponger::new, "ponger");
            pinger = system.spawn(() -> new PingPongBenchmark.Pinger(ponger), "pinger");
            workers = workerIds(system);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            system.close();
        }

        @Benchmark
        @OperationsPerInvocation(Workloads.PING_PONG_MESSAGES)
        public void pingPong(CpuCost cost) {
            final long cpu = cpuNanos(workers);
            final CountDownLatch done = new CountDownLatch(1);
            pinger.tell(new PingPongBenchmark.Start(Workloads.PING_PONG_MESSAGES / 2, done));
            Workloads.await(done, "ping-pong");
            cost.add(cpuNanos(workers) - cpu, Workloads.PING_PONG_MESSAGES);
            TroupeSupport.checkNoDeadLetters(system);
        }
    }

    /** Thread ring, one worker; throughput and CPU time per hop. */
    @State(Scope.Benchmark)
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Warmup(iterations = 3, time = 1)
    @Measurement(iterations = 5, time = 1)
    public abstract static class OneWorkerThreadRing {
        private ActorSystem system;
        private ActorRef<ThreadRingBenchmark.Token>[] ring;
        private long[] workers;

        @Setup(Level.Trial)
        @SuppressWarnings("unchecked")
        public void setUp() {
            system = oneWorkerSystem("observe-ring");
            final ActorRef<ThreadRingBenchmark.Token>[] members = new ActorRef[Workloads.RING_ACTORS];
            for (int i = 0; i < members.length; i++) {
                final int index = i;
                members[i] = system.spawn(() -> new ThreadRingBenchmark.Member(members, index), SpawnOptions.defaults());
            }
            ring = members;
            workers = workerIds(system);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            system.close();
        }

        @Benchmark
        @OperationsPerInvocation(Workloads.RING_HOPS)
        public void threadRing(CpuCost cost) {
            final long cpu = cpuNanos(workers);
            final CountDownLatch done = new CountDownLatch(1);
            ring[0].tell(new ThreadRingBenchmark.Token(Workloads.RING_HOPS, done));
            Workloads.await(done, "thread ring");
            cost.add(cpuNanos(workers) - cpu, Workloads.RING_HOPS);
            TroupeSupport.checkNoDeadLetters(system);
        }
    }

    /** One-worker ping-pong with the hooks as shipped. */
    @Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
    public static class OneWorkerPingPongHooksOn extends OneWorkerPingPong {}

    /** One-worker ping-pong with the hooks skipped. */
    @Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Dtroupe.observe.hooks=false"})
    public static class OneWorkerPingPongHooksOff extends OneWorkerPingPong {}

    /** One-worker thread ring with the hooks as shipped. */
    @Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
    public static class OneWorkerThreadRingHooksOn extends OneWorkerThreadRing {}

    /** One-worker thread ring with the hooks skipped. */
    @Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Dtroupe.observe.hooks=false"})
    public static class OneWorkerThreadRingHooksOff extends OneWorkerThreadRing {}
}
