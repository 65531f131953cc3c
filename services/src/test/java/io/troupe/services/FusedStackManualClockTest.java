package io.troupe.services;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.services.internal.FusedService;
import io.troupe.timers.ManualClock;
import io.troupe.timers.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The fused timeout/retry/limit call (what the builder makes of adjacent timeout, retry and
 * concurrency-limit layers), driven by a {@link ManualClock}: the same state machines as the
 * layers one by one, step by step, and a seeded script run against both the fused and the
 * layered stack that must give the same outcomes at the same instants.
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class FusedStackManualClockTest {
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

    /** The full stack of the issue, fused: timeout 100 ms, 3 attempts, 2 permits. */
    private FusedService<String, String> stack(Service<String, String> inner) {
        return (FusedService<String, String>) builder().timeout(Duration.ofMillis(100))
                .retry(RetryPolicy.attempts(3)).concurrencyLimit(2).build(inner);
    }

    @Test
    void builder_fusesAdjacentTimeoutRetryLimit_andOnlyThose() {
        // timeout.retry.limit (or any two of them, in that order) become one service; a layer of
        // the user's own between them keeps them apart; other orders stay layered.
        final Service<String, String> inner = Services.sync(r -> r);
        assertInstanceOf(FusedService.class, builder().timeout(Duration.ofSeconds(1)).retry(RetryPolicy.attempts(2))
                .concurrencyLimit(4).build(inner));
        assertInstanceOf(FusedService.class, builder().timeout(Duration.ofSeconds(1)).concurrencyLimit(4).build(inner));
        assertInstanceOf(FusedService.class, builder().retry(RetryPolicy.attempts(2)).concurrencyLimit(4).build(inner));
        final Layer<String, String> identity = s -> s;
        final Service<String, String> apart = builder().timeout(Duration.ofSeconds(1)).layer(identity)
                .retry(RetryPolicy.attempts(2)).layer(identity).concurrencyLimit(4).build(inner);
        assertTrue(apart.toString().startsWith("Timeout[PT1S] -> Retry["), apart.toString());
        final Service<String, String> otherOrder = builder().concurrencyLimit(4).timeout(Duration.ofSeconds(1)).build(inner);
        assertTrue(otherOrder.toString().startsWith("ConcurrencyLimit[0/4] -> Timeout[PT1S] -> "), otherOrder.toString());
        final Service<String, String> lone = builder().timeout(Duration.ofSeconds(1)).build(inner);
        assertTrue(lone.toString().startsWith("Timeout[PT1S] -> "), lone.toString());
    }

    @Test
    void answerAlreadyThere_isReturnedAsItIs_permitBack_nothingTracked() {
        // The synchronous fast path: the inner stage itself is the answer, no call object, no
        // sweep armed, the permit given back at once.
        final CompletableFuture<String> answer = CompletableFuture.completedFuture("A");
        final FusedService<String, String> svc = stack(r -> answer);
        assertSame(answer, svc.call("a"));
        assertEquals(0, svc.inFlight());
        assertFalse(svc.isArmed());
        assertEquals(0, clock.pendingTimers());
    }

    @Test
    void timeout_failsAtTheDeadline_cancelsTheCall_ignoresTheLateResult_permitHeldUntilTheAttemptEnds() {
        // Pending until 100 ms; then TimeoutException and the call is over (not retried). As in
        // the layered stack, the attempt in flight is not cancelled: it keeps its permit until it
        // ends, and its late result (even a failure the policy would retry) changes nothing.
        final TestSupport.Manual<String, String> inner = new TestSupport.Manual<>();
        final FusedService<String, String> svc = stack(inner);
        final CompletionStage<String> r = svc.call("a");
        assertEquals(1, svc.inFlight());
        clock.advance(Duration.ofMillis(99));
        assertFalse(done(r));
        clock.advance(Duration.ofMillis(1));
        assertInstanceOf(TimeoutException.class, TestSupport.failureNow(r));
        assertFalse(inner.call(0).isCancelled());
        assertEquals(1, svc.inFlight(), "the attempt still runs in the service");
        assertTrue(inner.call(0).completeExceptionally(new IllegalStateException("late")));
        assertInstanceOf(TimeoutException.class, TestSupport.failureNow(r));
        assertEquals(0, svc.inFlight(), "the attempt gave its permit back when it ended");
        assertEquals(List.of("a"), inner.requests(), "a timed-out call is not retried");
        clock.advance(Duration.ofMillis(10));
        assertEquals(0, clock.pendingTimers());
        assertFalse(svc.isArmed());
    }

    @Test
    void timeout_lateSuccessIsIgnored() {
        // A success after the timeout does not replace it.
        final TestSupport.Manual<String, String> inner = new TestSupport.Manual<>();
        final FusedService<String, String> svc = stack(inner);
        final CompletionStage<String> r = svc.call("a");
        clock.advance(Duration.ofMillis(100));
        assertTrue(inner.call(0).complete("late"));
        assertInstanceOf(TimeoutException.class, TestSupport.failureNow(r));
        assertEquals(0, svc.inFlight());
    }

    @Test
    void timeout_ofAStageThatCannotBeCancelled_lateResultIgnored_permitHeldUntilItCompletes() {
        // A minimal stage cannot be cancelled: the call times out, the permit stays taken until
        // the stage completes, and its result does not replace the timeout.
        final CompletableFuture<String> source = new CompletableFuture<>();
        final FusedService<String, String> svc = (FusedService<String, String>) builder()
                .timeout(Duration.ofMillis(100)).concurrencyLimit(1).build(r -> source.minimalCompletionStage());
        final CompletionStage<String> r = svc.call("a");
        clock.advance(Duration.ofMillis(100));
        assertInstanceOf(TimeoutException.class, TestSupport.failureNow(r));
        assertEquals(1, svc.inFlight());
        assertFalse(svc.isReady());
        source.complete("late");
        assertInstanceOf(TimeoutException.class, TestSupport.failureNow(r));
        assertEquals(0, svc.inFlight());
        assertTrue(svc.isReady());
    }

    @Test
    void timeout_coversTheRetriesAndTheirBackoff_noAttemptAfterIt() {
        // Timeout 100 ms around retries with backoff 40 ms, 80 ms: attempts at 0 and 40 ms fail;
        // the third would be at 120 ms, after the timeout: the call times out at 100 ms and no
        // third attempt is ever made.
        final TestSupport.Manual<String, String> inner = new TestSupport.Manual<>();
        final FusedService<String, String> svc = (FusedService<String, String>) builder()
                .timeout(Duration.ofMillis(100))
                .retry(RetryPolicy.<String>attempts(5).withBackoff(Duration.ofMillis(40), Duration.ofSeconds(1)))
                .concurrencyLimit(2).build(inner);
        final CompletionStage<String> r = svc.call("a");
        inner.call(0).completeExceptionally(new IllegalStateException("1"));
        clock.advance(Duration.ofMillis(40));
        assertEquals(2, inner.count());
        inner.call(1).completeExceptionally(new IllegalStateException("2"));
        clock.advance(Duration.ofMillis(59));
        assertFalse(done(r));
        clock.advance(Duration.ofMillis(1));
        assertInstanceOf(TimeoutException.class, TestSupport.failureNow(r));
        clock.advance(Duration.ofSeconds(1));
        assertEquals(List.of("a", "a"), inner.requests());
        assertEquals(0, svc.inFlight());
        assertEquals(0, clock.pendingTimers());
    }

    @Test
    void timeout_withARetryInFlight_noAttemptAfterIt() {
        // The second attempt is in flight when the timeout passes; its failure afterwards is not
        // retried (the policy would allow 3 attempts).
        final TestSupport.Manual<String, String> inner = new TestSupport.Manual<>();
        final FusedService<String, String> svc = stack(inner);
        final CompletionStage<String> r = svc.call("a");
        clock.advance(Duration.ofMillis(30));
        inner.call(0).completeExceptionally(new IllegalStateException("1"));
        assertEquals(2, inner.count());
        clock.advance(Duration.ofMillis(70));
        assertInstanceOf(TimeoutException.class, TestSupport.failureNow(r));
        inner.call(1).completeExceptionally(new IllegalStateException("2"));
        assertEquals(2, inner.count());
        assertEquals(0, svc.inFlight());
    }

    @Test
    void retry_untilSuccess_withBackoffOnTheClock_eachAttemptHoldsAPermit() {
        // Attempts at 0, +10 ms, +20 ms; the third succeeds; between attempts no permit is held.
        final TestSupport.Manual<String, String> inner = new TestSupport.Manual<>();
        final FusedService<String, String> svc = (FusedService<String, String>) builder()
                .timeout(Duration.ofSeconds(10))
                .retry(RetryPolicy.<String>attempts(5).withBackoff(Duration.ofMillis(10), Duration.ofSeconds(1)))
                .concurrencyLimit(1).build(inner);
        final CompletionStage<String> r = svc.call("a");
        assertEquals(1, svc.inFlight());
        inner.call(0).completeExceptionally(new IllegalStateException("1"));
        assertEquals(0, svc.inFlight(), "no permit held during the backoff");
        clock.advance(Duration.ofMillis(9));
        assertEquals(1, inner.count());
        clock.advance(Duration.ofMillis(1));
        assertEquals(2, inner.count());
        assertEquals(1, svc.inFlight());
        inner.call(1).completeExceptionally(new IllegalStateException("2"));
        clock.advance(Duration.ofMillis(19));
        assertEquals(2, inner.count());
        clock.advance(Duration.ofMillis(1));
        assertEquals(3, inner.count());
        assertFalse(done(r));
        inner.call(2).complete("A");
        assertEquals("A", r.toCompletableFuture().getNow(null));
        assertEquals(List.of("a", "a", "a"), inner.requests());
        assertEquals(0, svc.inFlight());
    }

    @Test
    void retry_policyLimitReached_failsWithTheLastFailure() {
        // With 3 attempts allowed, the third failure is the call's failure; all fail at once.
        final AtomicInteger calls = new AtomicInteger();
        final FusedService<String, String> svc = stack(
                r -> CompletableFuture.failedFuture(new IllegalStateException("fail " + calls.incrementAndGet())));
        final Throwable f = TestSupport.failureNow(svc.call("a"));
        assertEquals("fail 3", f.getMessage());
        assertEquals(3, calls.get());
        assertEquals(0, svc.inFlight());
        assertFalse(svc.isArmed(), "a call answered at once is not tracked by the timeout");
    }

    @Test
    void retry_policyThatRetriesForever_isRefusedByTheBudget() {
        // A backend that always fails and a policy that always retries: the budget (no minimum,
        // 20% of requests) allows 20 retries for 100 requests, and every call ends.
        final RetryBudget budget = RetryBudget.create(clock, Duration.ofSeconds(10), 0, 0.2);
        final AtomicInteger attempts = new AtomicInteger();
        final Service<String, String> svc = builder().timeout(Duration.ofSeconds(1)).retry(RetryPolicy.forever(), budget)
                .concurrencyLimit(4).build(r -> {
                    attempts.incrementAndGet();
                    return CompletableFuture.failedFuture(new IllegalStateException("down"));
                });
        assertInstanceOf(FusedService.class, svc);
        for (int i = 0; i < 100; i++) {
            assertInstanceOf(IllegalStateException.class, TestSupport.failureNow(svc.call("r" + i)));
        }
        assertEquals(120, attempts.get());
        assertEquals(0, budget.available());
    }

    @Test
    void retry_budgetRefusesRetriesOfPendingCallsToo() {
        // The same with answers that come later: 10 calls, each failing later; budget of 20% and
        // no minimum: exactly 2 retries in all.
        final RetryBudget budget = RetryBudget.create(clock, Duration.ofSeconds(10), 0, 0.2);
        final TestSupport.Manual<String, String> inner = new TestSupport.Manual<>();
        final Service<String, String> svc = builder().timeout(Duration.ofSeconds(1)).retry(RetryPolicy.forever(), budget)
                .concurrencyLimit(100).build(inner);
        final List<CompletionStage<String>> calls = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            calls.add(svc.call("r" + i));
        }
        for (int i = 0; i < inner.count(); i++) { // the count grows while retries are made
            inner.call(i).completeExceptionally(new IllegalStateException("down " + i));
        }
        assertEquals(12, inner.count());
        for (CompletionStage<String> c : calls) {
            assertInstanceOf(IllegalStateException.class, TestSupport.failureNow(c));
        }
    }

    @Test
    void limit_notReadyWhenFull_rejectsAtOnce_readyAgainOnRelease() {
        // Two permits, no retry: the third call fails NotReady at once and never reaches the
        // inner service; ready() completes when a call finishes.
        final TestSupport.Manual<String, String> inner = new TestSupport.Manual<>();
        final Service<String, String> svc = builder().timeout(Duration.ofSeconds(1)).concurrencyLimit(2).build(inner);
        assertInstanceOf(FusedService.class, svc);
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
        inner.call(0).completeExceptionally(new IllegalStateException("a failed"));
        assertInstanceOf(IllegalStateException.class, TestSupport.failureNow(a));
        assertTrue(svc.isReady());
    }

    @Test
    void limitFull_underRetry_isRetriedLikeAnyFailure_andNeverReachesTheService() {
        // Inside retries, a full limit is a failed attempt (NotReady) that the policy may retry,
        // as with the layers one by one: 3 attempts, all refused, the call fails NotReady.
        final TestSupport.Manual<String, String> inner = new TestSupport.Manual<>();
        final FusedService<String, String> svc = (FusedService<String, String>) builder()
                .retry(RetryPolicy.attempts(3), RetryBudget.create(clock, Duration.ofSeconds(10), 100, 0.2))
                .concurrencyLimit(1).build(inner);
        final CompletionStage<String> a = svc.call("a");
        assertInstanceOf(NotReadyException.class, TestSupport.failureNow(svc.call("b")));
        assertEquals(List.of("a"), inner.requests());
        inner.call(0).complete("A");
        assertEquals("A", TestSupport.join(a));
        assertEquals(0, svc.inFlight());
    }

    @Test
    void serviceThatThrows_isAFailedCall_retriedAndCounted_notACrash() {
        // A call that throws (or returns null) is a failed attempt: retried by the policy, the
        // permit given back, the call failed with that exception.
        final IllegalStateException boom = new IllegalStateException("boom");
        final AtomicInteger attempts = new AtomicInteger();
        final FusedService<String, String> svc = stack(r -> {
            attempts.incrementAndGet();
            throw boom;
        });
        assertSame(boom, TestSupport.failureNow(svc.call("x")));
        assertEquals(3, attempts.get());
        assertEquals(0, svc.inFlight());
        final FusedService<String, String> nulls = stack(r -> null);
        assertInstanceOf(NullPointerException.class, TestSupport.failureNow(nulls.call("x")));
        assertEquals(0, nulls.inFlight());
        final Service<String, String> noRetry = builder().timeout(Duration.ofSeconds(1)).concurrencyLimit(1).build(r -> {
            throw boom;
        });
        assertSame(boom, TestSupport.failureNow(noRetry.call("x")));
        assertTrue(noRetry.isReady());
    }

    @Test
    void retryThatThrowsLater_afterAPendingFirstAttempt_isAFailedAttempt() {
        // The first attempt fails later; the retry throws at once: the call fails with that
        // exception, on the completing thread, without escaping to it.
        final AtomicInteger attempts = new AtomicInteger();
        final CompletableFuture<String> first = new CompletableFuture<>();
        final IllegalStateException boom = new IllegalStateException("boom");
        final FusedService<String, String> svc = stack(r -> {
            if (attempts.incrementAndGet() == 1) {
                return first;
            }
            throw boom;
        });
        final CompletionStage<String> r = svc.call("x");
        first.completeExceptionally(new IllegalStateException("first"));
        assertSame(boom, TestSupport.failureNow(r));
        assertEquals(3, attempts.get());
        assertEquals(0, svc.inFlight());
    }

    @Test
    void schedulerClosed_pendingCallsFailInsteadOfHanging() {
        // With no scheduler to run sweeps, a pending call fails with the scheduler's exception
        // at the next call, as with the timeout layer.
        final TestSupport.Manual<String, String> inner = new TestSupport.Manual<>();
        final FusedService<String, String> svc = stack(inner);
        final CompletionStage<String> before = svc.call("a");
        scheduler.close();
        final CompletionStage<String> after = svc.call("b");
        assertInstanceOf(IllegalStateException.class, TestSupport.failureNow(before));
        assertInstanceOf(IllegalStateException.class, TestSupport.failureNow(after));
    }

    // ---------------------------------------------------------------- fused == layered

    /** One stack configuration: the builder's layers, with {@code apart} inserted between them or not. */
    private Service<String, String> build(Scheduler s, RetryBudget budget, boolean fused, int config,
                                          Service<String, String> inner) {
        final UnaryOperator<ServiceBuilder<String, String>> apart = b -> fused ? b : b.layer(svc -> svc);
        final RetryPolicy<String> policy = RetryPolicy.<String>on(e -> e instanceof IllegalStateException, 3)
                .withBackoff(Duration.ofMillis(5), Duration.ofMillis(20));
        ServiceBuilder<String, String> b = Services.<String, String>builder().scheduler(s);
        switch (config) {
            case 0 -> b = apart.apply(apart.apply(b.timeout(Duration.ofMillis(50))).retry(policy, budget)).concurrencyLimit(3);
            case 1 -> b = apart.apply(b.retry(policy, budget)).concurrencyLimit(2);
            case 2 -> b = apart.apply(b.timeout(Duration.ofMillis(50))).retry(policy, budget);
            default -> b = apart.apply(b.timeout(Duration.ofMillis(50))).concurrencyLimit(1000);
        }
        final Service<String, String> svc = b.build(inner);
        assertEquals(fused, svc instanceof FusedService, svc.toString());
        return svc;
    }

    /** Runs a seeded script of calls, answers and clock steps; returns what happened, step by step. */
    private List<String> script(long seed, boolean fused, int config) {
        final ManualClock c = new ManualClock(1_000_000_000L);
        try (Scheduler s = Scheduler.create(c, Runnable::run)) {
            final RetryBudget budget = RetryBudget.create(c, Duration.ofSeconds(10), 2, 0.3);
            final TestSupport.Manual<String, String> inner = new TestSupport.Manual<>();
            final Service<String, String> svc = build(s, budget, fused, config, inner);
            final Random random = new Random(seed);
            final List<CompletionStage<String>> calls = new ArrayList<>();
            final List<String> seen = new ArrayList<>();
            final List<String> trace = new ArrayList<>();
            for (int step = 0; step < 400; step++) {
                final int action = random.nextInt(10);
                if (action < 3) {
                    calls.add(svc.call("r" + calls.size()));
                } else if (action < 8 && inner.count() > 0) {
                    final CompletableFuture<String> f = inner.call(random.nextInt(inner.count()));
                    final int how = random.nextInt(4);
                    if (how == 0) {
                        f.completeExceptionally(new IllegalArgumentException("not retried"));
                    } else if (how == 1) {
                        f.completeExceptionally(new IllegalStateException("retried"));
                    } else {
                        f.complete("ok");
                    }
                } else {
                    c.advance(Duration.ofMillis(1 + random.nextInt(15)));
                }
                for (int i = 0; i < calls.size(); i++) {
                    if (i >= seen.size()) {
                        seen.add(null);
                    }
                    if (seen.get(i) == null && done(calls.get(i))) {
                        final CompletableFuture<String> f = calls.get(i).toCompletableFuture();
                        final String outcome = f.isCompletedExceptionally()
                                ? TestSupport.Throwables.unwrap(f).getClass().getSimpleName() : f.join();
                        seen.set(i, outcome);
                        trace.add("step " + step + ": r" + i + " " + outcome);
                    }
                }
                trace.add("step " + step + ": inner saw " + inner.count() + ", ready " + svc.isReady());
            }
            trace.add("inner requests " + inner.requests());
            return trace;
        }
    }

    @Test
    void fusedAndLayered_giveTheSameOutcomesAtTheSameInstants() {
        // For each configuration (timeout+retry+limit at 3, retry+limit at 2, timeout+retry,
        // timeout+limit) and 20 seeds, a script of 400 steps (calls, answers that succeed, fail
        // retryably or not, clock steps) gives the same trace fused and layered: which calls end,
        // how, at which step, what the inner service saw, and readiness.
        int outcomes = 0;
        for (int config = 0; config < 4; config++) {
            for (long seed = 1; seed <= 20; seed++) {
                final List<String> layered = script(seed, false, config);
                final List<String> fused = script(seed, true, config);
                assertEquals(layered, fused, "config " + config + ", seed " + seed);
                outcomes += (int) layered.stream().filter(l -> l.contains(": r")).count();
            }
        }
        assertTrue(outcomes > 1_000, "the scripts ended enough calls: " + outcomes);
    }
}
