package io.troupe.services;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.services.internal.TimeoutService;
import io.troupe.timers.Scheduler;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Many threads calling through the timeout layer on the real timer thread, with the layer
 * falling idle and re-arming all the time (each thread waits for its call before the next):
 * every call is answered exactly once, with its own result or its own failure, or with a
 * timeout that never comes before the timeout has passed; a call that never completes always
 * times out (no arrival is lost between a sweep that disarms and a caller); at the end the
 * layer stops sweeping.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class TimeoutStressTest {
    private static final int THREADS = 4;
    private static final int CALLS_PER_THREAD = 4_000 * TestSupport.SCALE;
    private static final Duration TIMEOUT = Duration.ofMillis(20);

    private final ExecutorService completers = Executors.newFixedThreadPool(2);
    private final Scheduler scheduler = Scheduler.create();

    @AfterEach
    void shutdown() throws InterruptedException {
        TestSupport.stop(completers);
        scheduler.close();
    }

    /** What the inner service does with request r. */
    private enum Kind { AT_ONCE, LATER, FAIL_LATER, NEVER }

    private static Kind kindOf(int r) {
        if (r % 50 == 0) {
            return Kind.NEVER;
        }
        return switch (r % 3) {
            case 0 -> Kind.AT_ONCE;
            case 1 -> Kind.LATER;
            default -> Kind.FAIL_LATER;
        };
    }

    @Test
    void manyThreads_everyCallAnsweredOnceWithItsOwnOutcome_timeoutsNeverEarly_neverLost() throws Exception {
        final Service<Integer, String> inner = r -> switch (kindOf(r)) {
            case AT_ONCE -> CompletableFuture.completedFuture("r" + r);
            case LATER -> CompletableFuture.supplyAsync(() -> "r" + r, completers);
            case FAIL_LATER -> CompletableFuture.supplyAsync(() -> {
                throw new IllegalStateException("failed r" + r);
            }, completers);
            case NEVER -> new CompletableFuture<>();
        };
        final TimeoutService<Integer, String> svc = new TimeoutService<>(inner, scheduler, TIMEOUT);
        final int total = THREADS * CALLS_PER_THREAD;
        final AtomicIntegerArray answers = new AtomicIntegerArray(total);
        final LongAdder ok = new LongAdder();
        final LongAdder failed = new LongAdder();
        final LongAdder timedOut = new LongAdder();
        final LongAdder neverTimedOut = new LongAdder();
        final ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
        TestSupport.runThreads(THREADS, t -> {
            for (int i = 0; i < CALLS_PER_THREAD; i++) {
                final int r = t * CALLS_PER_THREAD + i;
                final long madeAt = System.nanoTime();
                final CompletionStage<String> stage = svc.call(r)
                        .whenComplete((v, e) -> answers.incrementAndGet(r));
                final String outcome = outcome(stage); // after the count above
                final long afterNanos = System.nanoTime() - madeAt;
                final Kind kind = kindOf(r);
                if (outcome.equals("r" + r) && (kind == Kind.AT_ONCE || kind == Kind.LATER)) {
                    ok.increment();
                } else if (outcome.equals("IllegalStateException: failed r" + r) && kind == Kind.FAIL_LATER) {
                    failed.increment();
                } else if (outcome.startsWith("TimeoutException") && kind != Kind.AT_ONCE
                        && afterNanos >= TIMEOUT.toNanos()) {
                    timedOut.increment();
                    if (kind == Kind.NEVER) {
                        neverTimedOut.increment();
                    }
                } else {
                    wrong.add(r + " (" + kind + ") -> " + outcome + " after " + afterNanos + " ns");
                }
            }
        });
        final List<String> wrongList = List.copyOf(wrong);
        assertEquals(List.of(), wrongList.subList(0, Math.min(20, wrongList.size())),
                wrongList.size() + " calls answered with something not their own");
        assertEquals(total, ok.sum() + failed.sum() + timedOut.sum());
        final int nevers = (int) java.util.stream.IntStream.range(0, total).filter(r -> kindOf(r) == Kind.NEVER).count();
        assertEquals(nevers, neverTimedOut.sum(), "every call that never completes times out");
        for (int r = 0; r < total; r++) {
            assertEquals(1, answers.get(r), "answers of call " + r);
        }
        // the last calls completed: within a few sweeps the layer has nothing left and stops
        final long deadline = System.nanoTime() + TestSupport.TIMEOUT.toNanos();
        while (svc.isArmed() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertFalse(svc.isArmed(), "the layer still sweeps with nothing pending");
    }

    /** Waits (bounded) for the stage and describes its outcome. */
    private static String outcome(CompletionStage<String> stage) {
        try {
            return stage.toCompletableFuture().get(TestSupport.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            final Throwable c = e.getCause() instanceof CompletionException ce ? ce.getCause() : e.getCause();
            if (c instanceof TimeoutException) {
                return "TimeoutException";
            }
            assertInstanceOf(IllegalStateException.class, c);
            return c.getClass().getSimpleName() + ": " + c.getMessage();
        } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
            return "no answer within " + TestSupport.TIMEOUT + " (lost)";
        }
    }
}
