package io.troupe.benchmarks.actors;

import org.openjdk.jmh.annotations.Fork;

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
}
