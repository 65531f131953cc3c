package io.troupe.services;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.timers.ManualClock;
import io.troupe.timers.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The state machine of each layer, driven by a {@link ManualClock}: a scheduler on it runs timers
 * on the thread that advances the clock, so every step is deterministic and nothing sleeps.
 */
class LayersManualClockTest {
    private final ManualClock clock = new ManualClock(1_000_000_000L);
    private final Scheduler scheduler = Scheduler.create(clock, Runnable::run);

    @AfterEach
    void close() {
        scheduler.close();
    }

    private ServiceBuilder<String, String> builder() {
        return Services.<String, String>builder().scheduler(scheduler);
    }

    private static boolean done(CompletionStage<?> s) {
        return s.toCompletableFuture().isDone();
    }

    // ---------------------------------------------------------------- timeout

    @Test
    void timeout_firesAtTheDeadline_innerResultIgnoredAfter() {
        // Pending until the deadline; then TimeoutException; the inner result after it is dropped
        // and the inner future is cancelled.
        final TestSupport.Manual<String, String> inner = new TestSupport.Manual<>();
        final Service<String, String> svc = builder().timeout(Duration.ofMillis(100)).build(inner);
        final CompletionStage<String> r = svc.call("a");
        clock.advance(Duration.ofMillis(99));
        assertFalse(done(r));
        clock.advance(Duration.ofMillis(1));
        assertInstanceOf(TimeoutException.class, TestSupport.failureNow(r));
        assertTrue(inner.call(0).isCancelled());
        assertFalse(inner.call(0).complete("late"));
        assertInstanceOf(TimeoutException.class, TestSupport.failureNow(r));
    }

    @Test
    void timeout_lateResultOfAStageThatCannotBeCancelled_isIgnored() {
        // A minimal stage cannot be cancelled; its result after the deadline must not replace
        // the timeout.
        final CompletableFuture<String> source = new CompletableFuture<>();
        final Service<String, String> svc = builder().timeout(Duration.ofMillis(100))
                .build(r -> source.minimalCompletionStage());
        final CompletionStage<String> r = svc.call("a");
        clock.advance(Duration.ofMillis(100));
        assertInstanceOf(TimeoutException.class, TestSupport.failureNow(r));
        source.complete("late");
        assertInstanceOf(TimeoutException.class, TestSupport.failureNow(r));
    }

    @Test
    void timeout_resultBeforeDeadlineWins_andTheLayerLeavesTheClockOnceNothingIsPending() {
        // A result in time completes the call and nothing fires later; the completed call's entry
        // is dropped by the next sweep, after which the layer has no timer on the clock at all.
        final TestSupport.Manual<String, String> inner = new TestSupport.Manual<>();
        final Service<String, String> svc = builder().timeout(Duration.ofMillis(100)).build(inner);
        final CompletionStage<String> r = svc.call("a");
        assertEquals(1, clock.pendingTimers());
        inner.call(0).complete("A");
        assertEquals("A", r.toCompletableFuture().getNow(null));
        clock.advance(Duration.ofMillis(10)); // one sweep interval (a tenth of the timeout)
        assertEquals(0, clock.pendingTimers());
        clock.advance(Duration.ofSeconds(1));
        assertEquals("A", r.toCompletableFuture().getNow(null));
        assertEquals(0, clock.pendingTimers());
    }

    @Test
    void timeout_callsWhileArmed_neverFailEarly_andFailWithinOneSweepInterval() {
        // Calls made while a sweep is scheduled get their deadline at the next sweep (interval
        // 10 ms for a 100 ms timeout): each fails no earlier than 100 ms after it was made and no
        // later than 110 ms; the first call, into an idle layer, fails exactly at 100 ms.
        final TestSupport.Manual<String, String> inner = new TestSupport.Manual<>();
        final Service<String, String> svc = builder().timeout(Duration.ofMillis(100)).build(inner);
        final List<CompletionStage<String>> calls = new ArrayList<>();
        final List<Long> madeAtMillis = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            calls.add(svc.call("c" + i));
            madeAtMillis.add((long) (i * 3));
            clock.advance(Duration.ofMillis(3));
        }
        long nowMillis = 75;
        final long[] failedAtMillis = new long[calls.size()];
        while (nowMillis < 200) {
            for (int i = 0; i < calls.size(); i++) {
                if (failedAtMillis[i] == 0 && done(calls.get(i))) {
                    assertInstanceOf(TimeoutException.class, TestSupport.failureNow(calls.get(i)));
                    failedAtMillis[i] = nowMillis;
                }
            }
            clock.advance(Duration.ofMillis(1));
            nowMillis++;
        }
        assertEquals(100, failedAtMillis[0], "the first call into an idle layer fails exactly at its timeout");
        for (int i = 0; i < calls.size(); i++) {
            final long after = failedAtMillis[i] - madeAtMillis.get(i);
            assertTrue(after >= 100 && after <= 110, "call " + i + " failed " + after + " ms after it was made");
        }
        assertEquals(0, clock.pendingTimers(), "nothing pending: the layer stopped sweeping");
    }

    @Test
    void timeout_manyCallsCompletedInTime_areDroppedByTheSweeps() {
        // Lazy cancellation must not keep completed calls until their deadline: with 5,000 calls
        // completed long before a 10 s timeout, the sweeps' list shrinks back to the pending ones.
        final TestSupport.Manual<String, String> inner = new TestSupport.Manual<>();
        final io.troupe.services.internal.TimeoutService<String, String> svc =
                new io.troupe.services.internal.TimeoutService<>(inner, scheduler, Duration.ofSeconds(10));
        final CompletionStage<String> stuck = svc.call("stuck");
        for (int batch = 0; batch < 50; batch++) {
            for (int i = 1; i <= 100; i++) {
                svc.call("c" + (batch * 100 + i));
            }
            clock.advance(Duration.ofMillis(10)); // a sweep takes the 100 arrivals, all pending
            for (int i = 1; i <= 100; i++) {
                inner.call(batch * 100 + i).complete("done " + (batch * 100 + i));
            }
        }
        clock.advance(Duration.ofMillis(10));
        // behind the stuck call at the head, only compaction can drop them: at most the
        // compaction threshold (1,024) plus one batch is left, not all 5,000
        assertTrue(svc.trackedCalls() <= 1_024 + 100, "tracked " + svc.trackedCalls());
        assertTrue(svc.trackedCalls() >= 1, "the stuck call is tracked");
        clock.advance(Duration.ofSeconds(10));
        assertInstanceOf(TimeoutException.class, TestSupport.failureNow(stuck));
        for (int i = 1; i <= 5_000; i++) {
            assertEquals("done " + i, inner.call(i).getNow(null));
        }
        assertFalse(svc.isArmed());
        assertEquals(0, clock.pendingTimers());
    }

    @Test
    void timeout_schedulerClosed_pendingAndLaterCallsFailInsteadOfHanging() {
        // With no scheduler to run sweeps, a call cannot time out: it fails with the scheduler's
        // exception rather than waiting forever.
        final TestSupport.Manual<String, String> inner = new TestSupport.Manual<>();
        final Service<String, String> svc = builder().timeout(Duration.ofMillis(100)).build(inner);
        final CompletionStage<String> before = svc.call("a");
        scheduler.close();
        clock.advance(Duration.ofMillis(100));
        assertFalse(done(before), "closing cancelled the sweep; the layer learns it at the next call");
        final CompletionStage<String> after = svc.call("b");
        assertInstanceOf(IllegalStateException.class, TestSupport.failureNow(before));
        assertInstanceOf(IllegalStateException.class, TestSupport.failureNow(after));
        final CompletionStage<String> later = svc.call("c");
        assertInstanceOf(IllegalStateException.class, TestSupport.failureNow(later));
        assertEquals(List.of("a", "b", "c"), inner.requests());
    }

    @Test
    void timeout_innerFailureBeforeDeadlineIsTheCallsFailure() {
        // A failure in time is passed through unwrapped.
        final TestSupport.Manual<String, String> inner = new TestSupport.Manual<>();
        final Service<String, String> svc = builder().timeout(Duration.ofMillis(100)).build(inner);
        final CompletionStage<String> r = svc.call("a");
        final IllegalStateException boom = new IllegalStateException("boom");
        inner.call(0).completeExceptionally(boom);
        assertSame(boom, TestSupport.failureNow(r));
    }

    // ---------------------------------------------------------------- retry and its budget

    @Test
    void retry_retriesUntilSuccess_withExponentialBackoffOnTheClock() {
        // Attempts are made at 0, +10 ms, +20 ms (backoff doubles); the third succeeds.
        final TestSupport.Manual<String, String> inner = new TestSupport.Manual<>();
        final Service<String, String> svc = builder()
                .retry(RetryPolicy.<String>attempts(5).withBackoff(Duration.ofMillis(10), Duration.ofSeconds(1)))
                .build(inner);
        final CompletionStage<String> r = svc.call("a");
        assertEquals(1, inner.count());
        inner.call(0).completeExceptionally(new IllegalStateException("1"));
        clock.advance(Duration.ofMillis(9));
        assertEquals(1, inner.count());
        clock.advance(Duration.ofMillis(1));
        assertEquals(2, inner.count());
        inner.call(1).completeExceptionally(new IllegalStateException("2"));
        clock.advance(Duration.ofMillis(19));
        assertEquals(2, inner.count());
        clock.advance(Duration.ofMillis(1));
        assertEquals(3, inner.count());
        assertFalse(done(r));
        inner.call(2).complete("A");
        assertEquals("A", r.toCompletableFuture().getNow(null));
        assertEquals(List.of("a", "a", "a"), inner.requests());
    }

    @Test
    void retry_policyLimitReached_failsWithTheLastFailure() {
        // With 3 attempts allowed, the third failure is the call's failure.
        final AtomicInteger calls = new AtomicInteger();
        final Service<String, String> svc = builder().retry(RetryPolicy.attempts(3))
                .build(r -> CompletableFuture.failedFuture(new IllegalStateException("fail " + calls.incrementAndGet())));
        final Throwable f = TestSupport.failureNow(svc.call("a"));
        assertEquals("fail 3", f.getMessage());
        assertEquals(3, calls.get());
    }

    @Test
    void retry_policyThatRetriesForever_isRefusedByTheBudget() {
        // A backend that always fails and a policy that always retries: the budget (no minimum,
        // 20% of requests) allows 20 retries for 100 requests in the window, and every call ends.
        final RetryBudget budget = RetryBudget.create(clock, Duration.ofSeconds(10), 0, 0.2);
        final AtomicInteger attempts = new AtomicInteger();
        final Service<String, String> svc = builder().retry(RetryPolicy.forever(), budget)
                .build(r -> {
                    attempts.incrementAndGet();
                    return CompletableFuture.failedFuture(new IllegalStateException("down"));
                });
        for (int i = 0; i < 100; i++) {
            assertInstanceOf(IllegalStateException.class, TestSupport.failureNow(svc.call("r" + i)));
        }
        assertEquals(120, attempts.get());
        assertEquals(0, budget.available());
    }

    @Test
    void retryBudget_windowSlides_oldRequestsStopCounting() {
        // Deposits older than the ttl no longer pay for retries; the minimum per second remains.
        final RetryBudget budget = RetryBudget.create(clock, Duration.ofSeconds(10), 1, 0.5);
        assertEquals(10, budget.available()); // 1/s over 10 s
        for (int i = 0; i < 10; i++) {
            budget.deposit();
        }
        assertEquals(15, budget.available());
        for (int i = 0; i < 15; i++) {
            assertTrue(budget.tryWithdraw(), "withdrawal " + i);
        }
        assertFalse(budget.tryWithdraw());
        clock.advance(Duration.ofSeconds(11));
        assertEquals(10, budget.available());
    }

    // ---------------------------------------------------------------- concurrency limit

    @Test
    void concurrencyLimit_notReadyWhenFull_rejectsAtOnce_readyAgainOnRelease() {
        // Two permits: the third call fails NotReady at once and never reaches the inner service;
        // ready() completes when a call finishes.
        final TestSupport.Manual<String, String> inner = new TestSupport.Manual<>();
        final Service<String, String> svc = builder().concurrencyLimit(2).build(inner);
        final CompletionStage<String> a = svc.call("a");
        assertTrue(svc.isReady());
        final CompletionStage<String> b = svc.call("b");
        assertFalse(svc.isReady());
        final CompletionStage<Void> ready = svc.ready();
        assertFalse(done(ready));
        assertInstanceOf(NotReadyException.class, TestSupport.failureNow(svc.call("c")));
        assertEquals(List.of("a", "b"), inner.requests());
        inner.call(1).complete("B");
        assertTrue(done(ready));
        assertTrue(svc.isReady());
        assertEquals("B", b.toCompletableFuture().getNow(null));
        final CompletionStage<String> d = svc.call("d");
        assertEquals(List.of("a", "b", "d"), inner.requests());
        inner.call(0).completeExceptionally(new IllegalStateException("a failed"));
        inner.call(2).complete("D");
        assertInstanceOf(IllegalStateException.class, TestSupport.failureNow(a));
        assertEquals("D", d.toCompletableFuture().getNow(null));
        assertTrue(svc.isReady());
    }

    // ---------------------------------------------------------------- load shed

    @Test
    void loadShed_rejectsWithOverloaded_whenTheLimitBelowIsFull() {
        // Load shed outside a limit of 1: always ready; a second call is Overloaded, not NotReady.
        final TestSupport.Manual<String, String> inner = new TestSupport.Manual<>();
        final Service<String, String> svc = builder().loadShed().concurrencyLimit(1).build(inner);
        final CompletionStage<String> a = svc.call("a");
        assertTrue(svc.isReady());
        assertTrue(done(svc.ready()));
        final Throwable shed = TestSupport.failureNow(svc.call("b"));
        assertInstanceOf(OverloadedException.class, shed);
        assertFalse(shed instanceof NotReadyException);
        inner.call(0).complete("A");
        assertEquals("A", a.toCompletableFuture().getNow(null));
        final CompletionStage<String> c = svc.call("c");
        inner.call(1).complete("C");
        assertEquals("C", c.toCompletableFuture().getNow(null));
        assertEquals(List.of("a", "c"), inner.requests());
    }

    // ---------------------------------------------------------------- rate limit

    @Test
    void rateLimit_tokenBucket_burstThenOnePerInterval() {
        // 4 per second: a burst of 4, then one every 250 ms; ready() completes when the next
        // token is due.
        final Service<String, String> svc = builder().rateLimit(4, Duration.ofSeconds(1)).build(Services.sync(r -> r));
        for (int i = 0; i < 4; i++) {
            assertEquals("r" + i, svc.call("r" + i).toCompletableFuture().getNow(null));
        }
        assertFalse(svc.isReady());
        assertInstanceOf(NotReadyException.class, TestSupport.failureNow(svc.call("x")));
        final CompletionStage<Void> ready = svc.ready();
        clock.advance(Duration.ofMillis(249));
        assertFalse(done(ready));
        assertFalse(svc.isReady());
        clock.advance(Duration.ofMillis(1));
        assertTrue(done(ready));
        assertEquals("y", svc.call("y").toCompletableFuture().getNow(null));
        assertInstanceOf(NotReadyException.class, TestSupport.failureNow(svc.call("z")));
        clock.advance(Duration.ofSeconds(10)); // a long pause refills only up to the burst
        int admitted = 0;
        for (int i = 0; i < 10; i++) {
            if (!svc.call("b" + i).toCompletableFuture().isCompletedExceptionally()) {
                admitted++;
            }
        }
        assertEquals(4, admitted);
    }

    // ---------------------------------------------------------------- circuit breaker

    private static CompletionStage<String> failed() {
        return CompletableFuture.failedFuture(new IllegalStateException("down"));
    }

    @Test
    void circuitBreaker_opensOnFailureRate_halfOpenAfterWait_closesOnGoodTrials() {
        // Window 10 judged from 4 calls, 50%: two failures in four calls open it; it refuses for
        // 5 s; then 2 good trial calls close it.
        final AtomicInteger innerCalls = new AtomicInteger();
        final Service<String, String> inner = r -> {
            innerCalls.incrementAndGet();
            return r.startsWith("bad") ? failed() : CompletableFuture.completedFuture(r);
        };
        final Service<String, String> svc = builder().circuitBreaker(CircuitBreakerSettings.defaults()
                .withWindow(10, 4).withFailureRatePercent(50).withOpenDuration(Duration.ofSeconds(5))
                .withHalfOpenCalls(2)).build(inner);
        svc.call("ok1");
        svc.call("bad1");
        svc.call("ok2");
        assertTrue(svc.isReady(), "3 calls are under the minimum of 4");
        svc.call("bad2");
        assertFalse(svc.isReady(), "2 of 4 failed: open");
        assertInstanceOf(CircuitOpenException.class, TestSupport.failureNow(svc.call("ok3")));
        assertEquals(4, innerCalls.get());
        final CompletionStage<Void> ready = svc.ready();
        clock.advance(Duration.ofMillis(4999));
        assertFalse(done(ready));
        assertInstanceOf(CircuitOpenException.class, TestSupport.failureNow(svc.call("ok4")));
        clock.advance(Duration.ofMillis(1));
        assertTrue(done(ready), "half-open after 5 s");
        assertEquals("t1", svc.call("t1").toCompletableFuture().getNow(null));
        assertEquals("t2", svc.call("t2").toCompletableFuture().getNow(null));
        assertTrue(svc.isReady(), "two good trials: closed");
        for (int i = 0; i < 3; i++) {
            assertEquals("c" + i, svc.call("c" + i).toCompletableFuture().getNow(null));
        }
        assertEquals(9, innerCalls.get());
    }

    @Test
    void circuitBreaker_halfOpenAdmitsOnlyTheTrials_andABadTrialReopens() {
        // Half-open lets exactly 2 calls through; a failed trial sends it back to open.
        final TestSupport.Manual<String, String> inner = new TestSupport.Manual<>();
        final Service<String, String> svc = builder().circuitBreaker(CircuitBreakerSettings.defaults()
                .withWindow(2, 2).withFailureRatePercent(50).withOpenDuration(Duration.ofSeconds(1))
                .withHalfOpenCalls(2)).build(inner);
        svc.call("a");
        svc.call("b");
        inner.call(0).completeExceptionally(new IllegalStateException());
        inner.call(1).complete("B");
        assertFalse(svc.isReady());
        clock.advance(Duration.ofSeconds(1));
        final CompletionStage<String> t1 = svc.call("t1");
        final CompletionStage<String> t2 = svc.call("t2");
        assertInstanceOf(CircuitOpenException.class, TestSupport.failureNow(svc.call("t3")));
        assertEquals(List.of("a", "b", "t1", "t2"), inner.requests());
        inner.call(2).complete("T1");
        inner.call(3).completeExceptionally(new IllegalStateException());
        assertEquals("T1", t1.toCompletableFuture().getNow(null));
        assertTrue(t2.toCompletableFuture().isCompletedExceptionally());
        assertInstanceOf(CircuitOpenException.class, TestSupport.failureNow(svc.call("again")));
        clock.advance(Duration.ofSeconds(1));
        assertTrue(svc.isReady());
    }

    @Test
    void circuitBreaker_opensOnSlowCalls() {
        // Calls that take 1 s or more are slow; 2 slow of 2 (threshold 100%) open the circuit
        // even though none failed.
        final TestSupport.Manual<String, String> inner = new TestSupport.Manual<>();
        final Service<String, String> svc = builder().circuitBreaker(CircuitBreakerSettings.defaults()
                .withWindow(4, 2).withSlowCalls(100, Duration.ofSeconds(1))).build(inner);
        svc.call("fast");
        inner.call(0).complete("F");
        svc.call("slow1");
        svc.call("slow2");
        clock.advance(Duration.ofSeconds(1));
        inner.call(1).complete("S1");
        assertTrue(svc.isReady(), "1 slow of 2 is 50%");
        inner.call(2).complete("S2");
        assertTrue(svc.isReady(), "2 slow of 3 is 67%");
        svc.call("slow3");
        clock.advance(Duration.ofSeconds(2));
        inner.call(3).complete("S3");
        assertTrue(svc.isReady(), "window of 4 full (3 slow of 4 = 75%): starts afresh");
        svc.call("slow4");
        svc.call("slow5");
        clock.advance(Duration.ofSeconds(1));
        inner.call(4).complete("S4");
        inner.call(5).complete("S5");
        assertFalse(svc.isReady(), "2 slow of 2: open");
        assertInstanceOf(CircuitOpenException.class, TestSupport.failureNow(svc.call("x")));
    }

    // ---------------------------------------------------------------- filter and map

    @Test
    void filter_refusedRequestsNeverReachTheService() {
        // An auth hook: requests without a token fail with the hook's exception.
        final TestSupport.Manual<String, String> inner = new TestSupport.Manual<>();
        final Service<String, String> svc = builder()
                .filter(r -> r.startsWith("token:"), r -> new SecurityException("no token in " + r))
                .build(inner);
        final Throwable refused = TestSupport.failureNow(svc.call("anonymous"));
        assertInstanceOf(SecurityException.class, refused);
        assertEquals("no token in anonymous", refused.getMessage());
        svc.call("token:x");
        assertEquals(List.of("token:x"), inner.requests());
    }

    @Test
    void mapRequestAndResponse_applyInStackOrder() {
        // The request is rewritten on the way in and the response on the way out.
        final Service<String, String> svc = builder().mapRequest(String::trim).mapResponse(r -> "<" + r + ">")
                .build(Services.sync(String::toUpperCase));
        assertEquals("<ABC>", svc.call("  abc ").toCompletableFuture().getNow(null));
    }
}
