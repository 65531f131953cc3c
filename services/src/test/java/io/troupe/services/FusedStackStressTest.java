package io.troupe.services;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.services.internal.FusedService;
import io.troupe.timers.Clock;
import io.troupe.timers.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Many threads calling through the fused timeout + retry + concurrency limit, on the real timer
 * thread, with an inner service that answers at once or later on other threads, fails, throws,
 * or answers after the timeout: the limit is never exceeded, every call is answered exactly
 * once with its own outcome (its value, its own failure after its retries, NotReady, or a timeout
 * never before the timeout has passed), and at the end every permit is back and the timeout's
 * sweep has stopped.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class FusedStackStressTest {
    private static final int THREADS = 8;
    private static final int CALLS_PER_THREAD = 4_000 * TestSupport.SCALE;
    private static final int WINDOW = 8;
    private static final int LIMIT = 5;
    private static final Duration TIMEOUT = Duration.ofMillis(20);

    private final ScheduledExecutorService completers = Executors.newScheduledThreadPool(3);
    private final Scheduler scheduler = Scheduler.create();

    @AfterEach
    void shutdown() throws InterruptedException {
        TestSupport.stop(completers);
        scheduler.close();
    }

    /** What the inner service does with attempt {@code attempt} (1, 2, ...) of request r. */
    private enum Kind { AT_ONCE, LATER, FAIL_LATER, FAIL_AT_ONCE, THROW, SLOW }

    private static Kind kindOf(int r, int attempt) {
        if (r % 97 == 0) {
            return Kind.SLOW; // every attempt ends after the call's timeout
        }
        if (r % 5 == 0 && attempt == 1) {
            return r % 2 == 0 ? Kind.FAIL_LATER : Kind.THROW; // retried
        }
        if (r % 13 == 0) {
            return attempt < 3 ? Kind.FAIL_AT_ONCE : Kind.FAIL_LATER; // fails for good after 3
        }
        return r % 3 == 0 ? Kind.AT_ONCE : Kind.LATER;
    }

    /** Counts the attempts in the inner service at once. */
    private final class Counting implements Service<Integer, String> {
        final AtomicInteger current = new AtomicInteger();
        final AtomicInteger max = new AtomicInteger();
        final AtomicIntegerArray attempts;

        Counting(int total) {
            attempts = new AtomicIntegerArray(total);
        }

        @Override
        public CompletionStage<String> call(Integer r) {
            final int attempt = attempts.incrementAndGet(r);
            max.accumulateAndGet(current.incrementAndGet(), Math::max);
            switch (kindOf(r, attempt)) {
                case AT_ONCE -> {
                    current.decrementAndGet();
                    return CompletableFuture.completedFuture("r" + r);
                }
                case FAIL_AT_ONCE -> {
                    current.decrementAndGet();
                    return CompletableFuture.failedFuture(new IllegalStateException("failed r" + r));
                }
                case THROW -> {
                    current.decrementAndGet();
                    throw new IllegalStateException("threw r" + r);
                }
                case SLOW -> {
                    final CompletableFuture<String> f = new CompletableFuture<>();
                    completers.schedule(() -> {
                        current.decrementAndGet();
                        f.complete("r" + r);
                    }, 2 * TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                    return f;
                }
                case FAIL_LATER -> {
                    return CompletableFuture.supplyAsync(() -> {
                        current.decrementAndGet();
                        throw new IllegalStateException("failed r" + r);
                    }, completers);
                }
                default -> {
                    return CompletableFuture.supplyAsync(() -> {
                        current.decrementAndGet();
                        return "r" + r;
                    }, completers);
                }
            }
        }
    }

    @Test
    void manyThreads_limitNeverExceeded_everyCallAnsweredOnceWithItsOwnOutcome() throws Exception {
        final int total = THREADS * CALLS_PER_THREAD;
        final Counting inner = new Counting(total);
        final RetryBudget budget = RetryBudget.create(Clock.system(), Duration.ofSeconds(10), 1_000, 1.0);
        final Service<Integer, String> built = Services.<Integer, String>builder().scheduler(scheduler)
                .timeout(TIMEOUT)
                .retry(RetryPolicy.on(e -> e instanceof IllegalStateException, 3), budget)
                .concurrencyLimit(LIMIT)
                .build(inner);
        final FusedService<Integer, String> svc = assertInstanceOf(FusedService.class, built);
        final AtomicIntegerArray answers = new AtomicIntegerArray(total);
        final LongAdder ok = new LongAdder();
        final LongAdder failed = new LongAdder();
        final LongAdder rejected = new LongAdder();
        final LongAdder timedOut = new LongAdder();
        final ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<String> stuck = new ConcurrentLinkedQueue<>();
        TestSupport.runThreads(THREADS, t -> {
            for (int i = 0; i < CALLS_PER_THREAD; i += WINDOW) {
                final int first = t * CALLS_PER_THREAD + i;
                final List<CompletableFuture<String>> window = new ArrayList<>();
                for (int r = first; r < first + WINDOW; r++) {
                    final int request = r;
                    final long madeAt = System.nanoTime();
                    window.add(svc.call(r).whenComplete((v, e) -> {
                        answers.incrementAndGet(request);
                        final Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                        if (c == null && ("r" + request).equals(v)) {
                            ok.increment();
                        } else if (c instanceof NotReadyException) {
                            rejected.increment();
                        } else if (c instanceof TimeoutException && System.nanoTime() - madeAt >= TIMEOUT.toNanos()) {
                            timedOut.increment();
                        } else if (c instanceof IllegalStateException && c.getMessage().endsWith(" r" + request)) {
                            failed.increment();
                        } else {
                            wrong.add("r" + request + " -> " + v + " / " + c);
                        }
                    }).toCompletableFuture());
                }
                TestSupport.awaitWindow(window, first, stuck);
            }
        });
        assertEquals(List.of(), List.copyOf(stuck), "calls never answered");
        assertEquals(List.of(), List.copyOf(wrong).subList(0, Math.min(20, wrong.size())),
                wrong.size() + " calls answered with something not their own");
        assertEquals(total, ok.sum() + failed.sum() + rejected.sum() + timedOut.sum(), "every call accounted for once");
        for (int r = 0; r < total; r++) {
            assertEquals(1, answers.get(r), "answers of call " + r);
        }
        assertTrue(inner.max.get() <= LIMIT, "max in flight " + inner.max.get() + " > " + LIMIT);
        assertTrue(ok.sum() > 0 && failed.sum() > 0 && rejected.sum() > 0 && timedOut.sum() > 0,
                "every kind of outcome expected: ok " + ok.sum() + ", failed " + failed.sum() + ", rejected "
                        + rejected.sum() + ", timed out " + timedOut.sum());
        for (int r = 0; r < total; r++) {
            assertTrue(inner.attempts.get(r) <= 3, "r" + r + " tried " + inner.attempts.get(r) + " times");
        }
        // a call that timed out answered at once, but its attempt runs on (a slow one ends at 2x the timeout) and
        // holds its permit until it ends: wait, bounded, for the last ones
        final long deadline = System.nanoTime() + TestSupport.TIMEOUT.toNanos();
        while (svc.inFlight() != 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(0, svc.inFlight(), "every permit given back");
        assertTrue(svc.isReady());
        while (svc.isArmed() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertFalse(svc.isArmed(), "the sweep still runs with nothing pending");
        assertEquals(0, inner.current.get());
    }
}
