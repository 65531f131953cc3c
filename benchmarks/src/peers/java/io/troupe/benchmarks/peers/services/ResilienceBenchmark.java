package io.troupe.benchmarks.peers.services;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.troupe.services.CircuitBreakerSettings;
import io.troupe.services.Service;
import io.troupe.services.Services;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Per-call cost of a circuit breaker, a rate limiter and a bulkhead (a concurrency limit):
 * resilience4j 2.4.0's {@code decorateCompletionStage} against the services module's layers,
 * around the same in-process asynchronous call that answers with a completed future, in the same
 * run. Settings are as close as the two allow: a count-based window of 100 calls (ours tumbling,
 * resilience4j's sliding), a rate of 10^9 calls per second that is never reached, a bulkhead of
 * 1,024 with no waiting. Both threads-1 and threads-2 (contention on the shared state) are run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Threads(1)
public class ResilienceBenchmark {

    @Param({"circuitBreaker", "rateLimiter", "bulkhead"})
    public String layer;

    private static final CompletableFuture<Long> ANSWER = CompletableFuture.completedFuture(42L);

    private Service<Long, Long> troupe;
    private Supplier<CompletionStage<Long>> r4j;

    @Setup(Level.Trial)
    public void setUp() {
        final Service<Long, Long> inner = request -> ANSWER;
        final Supplier<CompletionStage<Long>> innerSupplier = () -> ANSWER;
        switch (layer) {
            case "circuitBreaker" -> {
                troupe = Services.<Long, Long>builder().circuitBreaker(CircuitBreakerSettings.defaults()
                        .withWindow(100, 100)).build(inner);
                final CircuitBreaker cb = CircuitBreaker.of("bench", CircuitBreakerConfig.custom()
                        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                        .slidingWindowSize(100).minimumNumberOfCalls(100).build());
                r4j = CircuitBreaker.decorateCompletionStage(cb, innerSupplier);
            }
            case "rateLimiter" -> {
                troupe = Services.<Long, Long>builder().rateLimit(1_000_000_000, Duration.ofSeconds(1)).build(inner);
                final RateLimiter rl = RateLimiter.of("bench", RateLimiterConfig.custom()
                        .limitForPeriod(1_000_000_000).limitRefreshPeriod(Duration.ofSeconds(1))
                        .timeoutDuration(Duration.ZERO).build());
                r4j = RateLimiter.decorateCompletionStage(rl, innerSupplier);
            }
            case "bulkhead" -> {
                troupe = Services.<Long, Long>builder().concurrencyLimit(1024).build(inner);
                final Bulkhead bh = Bulkhead.of("bench", BulkheadConfig.custom()
                        .maxConcurrentCalls(1024).maxWaitDuration(Duration.ZERO).build());
                r4j = Bulkhead.decorateCompletionStage(bh, innerSupplier);
            }
            default -> throw new IllegalArgumentException(layer);
        }
    }

    /** The bare call, for reference. */
    @Benchmark
    public long bare() {
        return ANSWER.join();
    }

    /** The services module's layer. */
    @Benchmark
    public long troupe() {
        return troupe.call(1L).toCompletableFuture().join();
    }

    /** resilience4j's decorator. */
    @Benchmark
    public long resilience4j() {
        return r4j.get().toCompletableFuture().join();
    }

    /** The same, from two threads at once. */
    @Benchmark
    @Threads(2)
    public long troupeTwoThreads() {
        return troupe.call(1L).toCompletableFuture().join();
    }

    /** The same, from two threads at once. */
    @Benchmark
    @Threads(2)
    public long resilience4jTwoThreads() {
        return r4j.get().toCompletableFuture().join();
    }
}
