package io.troupe.services;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.services.internal.HedgeService;
import io.troupe.timers.Clock;
import io.troupe.timers.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Many threads calling through the hedge layer on the real timer thread, with copies that
 * succeed or fail, fast or slow, completed on other threads: every call is answered exactly once;
 * it succeeds, with its own result, exactly when one of its copies succeeded, and otherwise fails
 * with the failure of one of its own copies; no request is sent more than twice; slow calls are
 * hedged, within the budget.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class HedgeStressTest {
    private static final int THREADS = 4;
    private static final int CALLS_PER_THREAD = 2_000 * TestSupport.SCALE;
    private static final int WINDOW = 16;
    private static final double RETRY_RATIO = 0.5;

    private final ScheduledExecutorService completers = Executors.newScheduledThreadPool(2);
    private final Scheduler scheduler = Scheduler.create();

    @AfterEach
    void shutdown() throws InterruptedException {
        TestSupport.stop(completers);
        scheduler.close();
    }

    /** How copy {@code copy} (1 or 2) of request r ends: its delay, and whether it fails. */
    private static long delayMicros(int r, int copy) {
        return copy == 1 && r % 5 == 0 ? 20_000 : 0; // one first copy in five is slow (20 ms)
    }

    private static boolean fails(int r, int copy) {
        return copy == 1 ? r % 7 == 0 : r % 3 == 0;
    }

    @Test
    void manyThreads_eachCallSucceedsIffOneOfItsCopiesDid_withItsOwnOutcome_atMostTwoCopies() throws Exception {
        final int total = THREADS * CALLS_PER_THREAD;
        final AtomicIntegerArray copies = new AtomicIntegerArray(total);
        // per request and copy: 'S' delivered a success, 'F' a failure, 'C' found its stage cancelled
        final AtomicReferenceArray<String> delivered = new AtomicReferenceArray<>(total);
        final Service<Integer, String> inner = r -> {
            final int copy = copies.incrementAndGet(r);
            final CompletableFuture<String> f = new CompletableFuture<>();
            completers.schedule(() -> {
                final boolean won = fails(r, copy)
                        ? f.completeExceptionally(new IllegalStateException("failed r" + r + " copy " + copy))
                        : f.complete("r" + r);
                final char c = !won ? 'C' : fails(r, copy) ? 'F' : 'S';
                delivered.accumulateAndGet(r, copy + "" + c, (a, b) -> a == null ? b : a + "," + b);
            }, delayMicros(r, copy), TimeUnit.MICROSECONDS);
            return f;
        };
        final RetryBudget budget = RetryBudget.create(Clock.system(), Duration.ofSeconds(10), 0, RETRY_RATIO);
        final HedgeService<Integer, String> svc =
                new HedgeService<>(inner, scheduler, 0.5, 10, Duration.ofMillis(1), budget);

        final AtomicIntegerArray answers = new AtomicIntegerArray(total);
        final AtomicReferenceArray<String> outcomes = new AtomicReferenceArray<>(total);
        final ConcurrentLinkedQueue<String> stuck = new ConcurrentLinkedQueue<>();
        TestSupport.runThreads(THREADS, t -> {
            for (int i = 0; i < CALLS_PER_THREAD; i += WINDOW) {
                final int first = t * CALLS_PER_THREAD + i;
                final List<CompletableFuture<String>> window = new ArrayList<>();
                for (int r = first; r < first + Math.min(WINDOW, CALLS_PER_THREAD - i); r++) {
                    final int request = r;
                    window.add(svc.call(r).whenComplete((v, e) -> {
                        answers.incrementAndGet(request);
                        outcomes.set(request, e == null ? "ok " + v : "failed " + cause(e).getMessage());
                    }).toCompletableFuture());
                }
                TestSupport.awaitWindow(window, first, stuck);
            }
        });
        assertEquals(List.of(), List.copyOf(stuck), "calls never answered");

        int hedged = 0;
        final List<String> wrong = new ArrayList<>();
        for (int r = 0; r < total; r++) {
            final int sent = copies.get(r);
            hedged += sent - 1;
            if (sent < 1 || sent > 2) {
                wrong.add("r" + r + " sent " + sent + " times");
            }
            if (answers.get(r) != 1) {
                wrong.add("r" + r + " answered " + answers.get(r) + " times");
            }
        }
        // every copy sent has delivered by now: its completer ran before its call could finish,
        // except a loser, which may still be on its way; wait for those (bounded)
        final long deadline = System.nanoTime() + TestSupport.TIMEOUT.toNanos();
        for (int r = 0; r < total; r++) {
            while (count(delivered.get(r)) < copies.get(r) && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
        }
        for (int r = 0; r < total; r++) {
            final String d = delivered.get(r);
            final String outcome = outcomes.get(r);
            final boolean someCopySucceeded = d != null && d.contains("S");
            if (someCopySucceeded) {
                if (!("ok r" + r).equals(outcome)) {
                    wrong.add("r" + r + ": a copy succeeded (" + d + ") but the call ended " + outcome);
                }
            } else if (outcome == null || !outcome.startsWith("failed failed r" + r + " copy ")
                    || !d.contains(outcome.substring(outcome.length() - 1) + "F")) {
                wrong.add("r" + r + ": no copy succeeded (" + d + ") but the call ended " + outcome);
            }
        }
        assertEquals(List.of(), wrong.size() > 20 ? wrong.subList(0, 20) : wrong);
        assertTrue(hedged > 0, "slow calls were hedged (delay " + svc.delayNanos() + " ns)");
        assertTrue(hedged <= RETRY_RATIO * total + THREADS * WINDOW,
                hedged + " hedges for " + total + " calls exceed the budget");
    }

    private static int count(String delivered) {
        return delivered == null ? 0 : delivered.split(",").length;
    }

    private static Throwable cause(Throwable e) {
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }
}
