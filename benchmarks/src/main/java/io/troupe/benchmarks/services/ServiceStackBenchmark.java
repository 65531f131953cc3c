package io.troupe.benchmarks.services;

import io.troupe.services.RetryPolicy;
import io.troupe.services.Service;
import io.troupe.services.Services;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.Blackhole;
import org.openjdk.jmh.infra.IterationParams;

/**
 * The cost of a middleware stack: timeout + retry + concurrency limit around an in-process
 * service, against calling that service bare, in the same run. {@code stack} is the stack as the
 * builder makes it (the three layers fused into one service, one call object per request);
 * {@code layered} is the same three layers kept apart by identity layers of the user's own
 * between them, so each is its own service with its own future and callback per call (what the
 * builder made before the fusion).
 *
 * <p>{@code completion=sync}: the service answers with an already completed future (a cache hit,
 * a computed answer): the layers take their fast paths. {@code completion=async}: the service
 * returns a pending future that the benchmark thread completes right after the call, as another
 * thread would: every layer then runs its full machinery (the timeout puts the call on its
 * deadline list, swept once per tick on the scheduler; retry and limit register callbacks).
 *
 * <p>{@code workTokens}: the service's own work per call ({@code Blackhole.consumeCPU}; 0 is an
 * empty service, the worst case for the ratio; 100 tokens is a few hundred nanoseconds, a cheap
 * in-memory lookup).
 *
 * <p>Each iteration also prints a line {@code cpu: <benchmark> <params> <n> ns/op <w> wake-ups/1000
 * calls}: the CPU time of the whole JVM process (every thread: the caller, the timer thread and
 * the sweeps, GC, JIT) per call over that iteration, and the voluntary context switches of all its
 * threads (each a thread that parked and was woken) per thousand calls. On a shared machine a thread that waits for a core inflates the
 * wall-clock score but not this figure, so the stack/bare ratio of CPU per call is the steadier
 * one under load (it counts the timer thread's work too, which the score may not). The line ends
 * with the benchmark thread's own CPU time per call ({@code caller-ns/op}): the part of the cost
 * paid by the caller (and the completing thread, here the same), without the sweeps, GC and JIT.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ServiceStackBenchmark {

    @Param({"sync", "async"})
    public String completion;

    @Param({"0", "100"})
    public long workTokens;

    private Service<Long, Long> bare;
    private Service<Long, Long> stack;
    private Service<Long, Long> layered;
    private CompletableFuture<Long> pending;
    private long n;
    private long cpuAtStart;
    private long threadCpuAtStart;
    private long switchesAtStart;
    private long nAtStart;

    @Setup(Level.Trial)
    public void setUp() {
        final boolean sync = completion.equals("sync");
        final long tokens = workTokens;
        bare = sync ? request -> {
            Blackhole.consumeCPU(tokens);
            return CompletableFuture.completedFuture(request);
        } : request -> {
            Blackhole.consumeCPU(tokens);
            return pending = new CompletableFuture<>();
        };
        stack = Services.<Long, Long>builder()
                .timeout(Duration.ofSeconds(10))
                .retry(RetryPolicy.attempts(3))
                .concurrencyLimit(1024)
                .build(bare);
        layered = Services.<Long, Long>builder()
                .timeout(Duration.ofSeconds(10))
                .layer(service -> service) // keeps the layers apart: no fusion
                .retry(RetryPolicy.attempts(3))
                .layer(service -> service)
                .concurrencyLimit(1024)
                .build(bare);
    }

    @Setup(Level.Iteration)
    public void startCpu() {
        cpuAtStart = processCpuNanos();
        threadCpuAtStart = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
        switchesAtStart = voluntaryContextSwitches();
        nAtStart = n;
    }

    @TearDown(Level.Iteration)
    public void printCpu(BenchmarkParams benchmark, IterationParams iteration) {
        final long calls = n - nAtStart;
        if (calls > 0) {
            final String name = benchmark.getBenchmark().substring(benchmark.getBenchmark().lastIndexOf('.') + 1);
            final long threadCpu = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - threadCpuAtStart;
            System.out.printf("%ncpu: %s completion=%s workTokens=%d %s %.1f ns/op %.2f wake-ups/1000 calls %.1f caller-ns/op%n",
                    name, completion, workTokens, iteration.getType(), (double) (processCpuNanos() - cpuAtStart) / calls,
                    1000.0 * (voluntaryContextSwitches() - switchesAtStart) / calls, (double) threadCpu / calls);
        }
    }

    /**
     * The voluntary context switches of all the process's threads so far (Linux; 0 elsewhere): a
     * thread that parks and is woken counts one, so per call this counts the wake-ups a design
     * causes, whatever the load.
     */
    private static long voluntaryContextSwitches() {
        long sum = 0;
        final java.io.File[] tasks = new java.io.File("/proc/self/task").listFiles();
        if (tasks == null) {
            return 0;
        }
        for (java.io.File task : tasks) {
            try {
                for (String line : java.nio.file.Files.readAllLines(new java.io.File(task, "status").toPath())) {
                    if (line.startsWith("voluntary_ctxt_switches:")) {
                        sum += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                    }
                }
            } catch (java.io.IOException | RuntimeException threadEnded) {
                // a thread that ended meanwhile: its switches are lost, a small undercount
            }
        }
        return sum;
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private long finish(CompletableFuture<Long> result, long request) {
        final CompletableFuture<Long> p = pending;
        if (p != null) {
            pending = null;
            p.complete(request);
        }
        return result.join();
    }

    /** The service called directly. */
    @Benchmark
    public long bare() {
        final long request = n++;
        return finish(bare.call(request).toCompletableFuture(), request);
    }

    /** The same service behind timeout, retry and a concurrency limit, fused by the builder. */
    @Benchmark
    public long stack() {
        final long request = n++;
        return finish(stack.call(request).toCompletableFuture(), request);
    }

    /** The same three layers, each its own service (not fused). */
    @Benchmark
    public long layered() {
        final long request = n++;
        return finish(layered.call(request).toCompletableFuture(), request);
    }
}
