package io.troupe.services;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.timers.ManualClock;
import io.troupe.timers.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Many threads through the rate limiter, the circuit breaker's half-open state and the retry
 * budget, with the manual clock standing still: the admitted counts are exact, whatever the
 * interleaving.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class LimitsStressTest {
    private static final int THREADS = 8;
    private static final int ROUNDS = 20 * TestSupport.SCALE;
    private final ManualClock clock = new ManualClock(5_000_000_000L);
    private final Scheduler scheduler = Scheduler.create(clock, Runnable::run);

    @AfterEach
    void close() {
        scheduler.close();
    }

    /** Runs {@code perThread} calls of {@code body} on each of THREADS threads, all started at once. */
    private static void race(int perThread, Runnable body) throws InterruptedException {
        TestSupport.runThreads(THREADS, t -> {
            for (int i = 0; i < perThread; i++) {
                body.run();
            }
        });
    }

    @Test
    void rateLimit_frozenClock_admitsExactlyTheBurst_perRefill() throws Exception {
        // With time standing still a bucket of 50 admits exactly 50 of 8 x 1,000 racing calls;
        // after one period, exactly 50 more.
        final LongAdder admitted = new LongAdder();
        final LongAdder refused = new LongAdder();
        final Service<Integer, Integer> svc = Services.<Integer, Integer>builder().scheduler(scheduler)
                .rateLimit(50, Duration.ofSeconds(1)).build(Services.sync(i -> i));
        for (int round = 0; round < ROUNDS; round++) {
            admitted.reset();
            refused.reset();
            race(1_000, () -> {
                final CompletableFuture<Integer> f = svc.call(1).toCompletableFuture();
                (f.isCompletedExceptionally() ? refused : admitted).increment();
            });
            assertEquals(50, admitted.sum(), "round " + round);
            assertEquals(THREADS * 1_000 - 50, refused.sum());
            clock.advance(Duration.ofSeconds(1));
        }
    }

    @Test
    void circuitBreaker_halfOpen_admitsExactlyTheTrialCalls() throws Exception {
        // Open, then half-open with 7 trial calls: of 8 x 500 racing calls exactly 7 reach the
        // service, the rest are refused with CircuitOpenException.
        for (int round = 0; round < ROUNDS; round++) {
            final TestSupport.Manual<Integer, Integer> inner = new TestSupport.Manual<>();
            final Service<Integer, Integer> svc = Services.<Integer, Integer>builder().scheduler(scheduler)
                    .circuitBreaker(CircuitBreakerSettings.defaults().withWindow(1, 1).withHalfOpenCalls(7)
                            .withOpenDuration(Duration.ofSeconds(1))).build(inner);
            svc.call(0);
            inner.call(0).completeExceptionally(new IllegalStateException("trip"));
            assertFalse(svc.isReady());
            clock.advance(Duration.ofSeconds(1));
            final LongAdder open = new LongAdder();
            final LongAdder other = new LongAdder();
            race(500, () -> {
                final CompletionStage<Integer> s = svc.call(1);
                final CompletableFuture<Integer> f = s.toCompletableFuture();
                if (f.isDone() && f.isCompletedExceptionally()) {
                    if (TestSupport.failureNow(f) instanceof CircuitOpenException) {
                        open.increment();
                    } else {
                        other.increment();
                    }
                }
            });
            assertEquals(1 + 7, inner.count(), "round " + round);
            assertEquals(THREADS * 500 - 7, open.sum());
            assertEquals(0, other.sum());
        }
    }

    @Test
    void retryBudget_racingWithdrawals_neverExceedTheAllowanceByMoreThanTheRacers() throws Exception {
        // 1,000 deposits at 50% allow 500 retries; 8 threads racing to withdraw get at most
        // 500 + 8 (the documented slack of a check-then-add under contention), at least 500.
        for (int round = 0; round < ROUNDS; round++) {
            final RetryBudget budget = RetryBudget.create(clock, Duration.ofSeconds(10), 0, 0.5);
            for (int i = 0; i < 1_000; i++) {
                budget.deposit();
            }
            final AtomicInteger granted = new AtomicInteger();
            race(200, () -> {
                if (budget.tryWithdraw()) {
                    granted.incrementAndGet();
                }
            });
            assertTrue(granted.get() >= 500 && granted.get() <= 500 + THREADS, "granted " + granted.get());
            clock.advance(Duration.ofSeconds(20));
        }
    }
}
