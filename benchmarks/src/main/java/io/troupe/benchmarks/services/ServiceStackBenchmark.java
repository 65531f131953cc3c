package io.troupe.benchmarks.services;

import io.troupe.services.RetryPolicy;
import io.troupe.services.Service;
import io.troupe.services.Services;
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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The cost of a middleware stack: timeout + retry + concurrency limit around an in-process
 * service, against calling that service bare, in the same run.
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
    private CompletableFuture<Long> pending;
    private long n;

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

    /** The same service behind timeout, retry and a concurrency limit. */
    @Benchmark
    public long stack() {
        final long request = n++;
        return finish(stack.call(request).toCompletableFuture(), request);
    }
}
