package io.troupe.timers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.timers.internal.ReactorScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The scheduler on the system clock with its {@code troupe-timer} thread. Waits use latches with
 * generous timeouts; no test asserts how soon a timer fires.
 */
class SystemClockSchedulerTest {

    static final long TIMEOUT_SECONDS = 20;

    static Set<Thread> timerThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("troupe-timer") && t.isAlive())
                .collect(Collectors.toSet());
    }

    static void await(CountDownLatch latch) throws InterruptedException {
        assertTrue(latch.await(TIMEOUT_SECONDS, TimeUnit.SECONDS), "timed out waiting for timers");
    }

    static void awaitCondition(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(1); // polling a condition, not synchronising on time
        }
    }

    @Test
    void scheduleOnce_shortDelay_runsTheTaskOnTheTroupeTimerDaemonThread() throws Exception {
        // By default a task runs inline on the scheduler's daemon thread named troupe-timer.
        try (Scheduler scheduler = Scheduler.create()) {
            CountDownLatch fired = new CountDownLatch(1);
            AtomicReference<Thread> thread = new AtomicReference<>();
            scheduler.scheduleOnce(Duration.ofMillis(2), () -> {
                thread.set(Thread.currentThread());
                fired.countDown();
            });
            await(fired);
            assertEquals("troupe-timer", thread.get().getName());
            assertTrue(thread.get().isDaemon());
        }
    }

    @Test
    void scheduleOnce_earlierThanWhatTheParkedThreadWaitsFor_wakesItUp() throws Exception {
        // A timer due before the parked timer thread's wake-up time wakes it (no lost wake-up).
        try (Scheduler scheduler = Scheduler.create()) {
            scheduler.scheduleOnce(Duration.ofHours(1), () -> { });
            for (int i = 0; i < 200; i++) {
                CountDownLatch fired = new CountDownLatch(1);
                scheduler.scheduleOnce(Duration.ofMillis(i % 3), fired::countDown);
                await(fired);
            }
        }
    }

    @Test
    void scheduleOnce_afterAStormOfCancelledTimeouts_stillWakesTheTimerThread() throws Exception {
        // The thread may park until the deadline of timeouts cancelled before it took them (60 s
        // here, beyond the test's wait); a shorter timer scheduled then must still wake it.
        try (Scheduler scheduler = Scheduler.create()) {
            for (int round = 0; round < 50; round++) {
                for (int i = 0; i < 100; i++) {
                    scheduler.scheduleOnce(Duration.ofSeconds(60), () -> { }).cancel();
                }
                CountDownLatch fired = new CountDownLatch(1);
                scheduler.scheduleOnce(Duration.ofMillis(round % 2), fired::countDown);
                await(fired);
            }
        }
    }

    @Test
    void scheduleOnce_manyDeadlines_neverFireBeforeTheirDeadline() throws Exception {
        // No timer runs before its deadline as read on the scheduler's clock.
        try (Scheduler scheduler = Scheduler.create()) {
            int count = 200;
            CountDownLatch fired = new CountDownLatch(count);
            AtomicInteger early = new AtomicInteger();
            for (int i = 0; i < count; i++) {
                Duration delay = Duration.ofNanos(250_000L * (i % 40));
                long deadline = scheduler.clock().nanoTime() + delay.toNanos();
                scheduler.scheduleOnce(delay, () -> {
                    if (scheduler.clock().nanoTime() < deadline) {
                        early.incrementAndGet();
                    }
                    fired.countDown();
                });
            }
            await(fired);
            assertEquals(0, early.get());
        }
    }

    @Test
    void scheduleAtFixedRate_eachBehavior_keepsRunningUntilCancelled() throws Exception {
        // A fixed-rate timer runs repeatedly, and not any more once cancel() returned true.
        try (Scheduler scheduler = Scheduler.create()) {
            for (MissedTickBehavior missed : MissedTickBehavior.values()) {
                CountDownLatch fiveRuns = new CountDownLatch(5);
                AtomicInteger runs = new AtomicInteger();
                Cancellable timer = scheduler.scheduleAtFixedRate(Duration.ZERO, Duration.ofMillis(1),
                        () -> {
                            runs.incrementAndGet();
                            fiveRuns.countDown();
                        }, missed);
                await(fiveRuns);
                assertTrue(timer.cancel());
                // tasks run one at a time on the timer thread: once this one ran, a run that had
                // started before cancel() has finished
                CountDownLatch barrier = new CountDownLatch(1);
                scheduler.scheduleOnce(Duration.ZERO, barrier::countDown);
                await(barrier);
                int afterCancel = runs.get();
                CountDownLatch later = new CountDownLatch(1);
                scheduler.scheduleOnce(Duration.ofMillis(5), later::countDown);
                await(later);
                assertEquals(afterCancel, runs.get(), missed + " ran after cancel");
            }
        }
    }

    @Test
    void scheduleWithFixedDelay_onAnExecutor_runsThereAndNeverOverlaps() throws Exception {
        // Fixed-delay runs go to the task executor, one at a time.
        ExecutorService executor = Executors.newFixedThreadPool(4, r -> new Thread(r, "worker"));
        try (Scheduler scheduler = Scheduler.create(Clock.system(), executor)) {
            CountDownLatch tenRuns = new CountDownLatch(10);
            AtomicBoolean running = new AtomicBoolean();
            AtomicInteger overlaps = new AtomicInteger();
            List<String> threads = java.util.Collections.synchronizedList(new ArrayList<>());
            scheduler.scheduleWithFixedDelay(Duration.ZERO, Duration.ofMillis(1), () -> {
                if (!running.compareAndSet(false, true)) {
                    overlaps.incrementAndGet();
                }
                threads.add(Thread.currentThread().getName());
                running.set(false);
                tenRuns.countDown();
            });
            await(tenRuns);
            assertEquals(0, overlaps.get());
            final List<String> seen;
            synchronized (threads) { // the timer keeps running: copy under the list's lock
                seen = new ArrayList<>(threads);
            }
            assertTrue(seen.stream().allMatch("worker"::equals), seen.toString());
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void scheduleOnce_taskThrows_timerThreadSurvivesAndLaterTimersFire() throws Exception {
        // A throwing task is reported and the timer thread goes on.
        try (Scheduler scheduler = Scheduler.create()) {
            scheduler.scheduleOnce(Duration.ZERO, () -> {
                throw new IllegalStateException("boom (expected by the test)");
            });
            CountDownLatch after = new CountDownLatch(1);
            scheduler.scheduleOnce(Duration.ofMillis(1), after::countDown);
            await(after);
        }
    }

    @Test
    void cancel_ofTimersAlreadyInTheWheel_removesThemWithoutWaitingForTheirDeadline()
            throws Exception {
        // Cancelling linked timers frees them at the thread's next turn, not at their deadline.
        try (Scheduler scheduler = Scheduler.create()) {
            ReactorScheduler reactor = (ReactorScheduler) scheduler;
            List<Cancellable> timers = new ArrayList<>();
            for (int i = 0; i < 10_000; i++) {
                timers.add(scheduler.scheduleOnce(Duration.ofSeconds(30 + i % 100), () -> { }));
            }
            CountDownLatch linked = new CountDownLatch(1);
            scheduler.scheduleOnce(Duration.ZERO, linked::countDown);
            await(linked);
            awaitCondition(() -> reactor.pendingCount() == 10_000, "10,000 timers in the wheel");
            for (Cancellable timer : timers) {
                assertTrue(timer.cancel());
            }
            CountDownLatch turn = new CountDownLatch(1);
            scheduler.scheduleOnce(Duration.ZERO, turn::countDown);
            await(turn);
            awaitCondition(() -> reactor.pendingCount() == 0, "an empty wheel");
        }
    }

    @Test
    void cancel_stormOfThirtySecondTimeouts_leavesNothingInTheWheel() throws Exception {
        // Cancelled timers leave the wheel promptly instead of waiting 30 s for their deadline.
        try (Scheduler scheduler = Scheduler.create()) {
            ReactorScheduler reactor = (ReactorScheduler) scheduler;
            Runnable task = () -> { };
            for (int i = 0; i < 100_000; i++) {
                Cancellable timeout = scheduler.scheduleOnce(Duration.ofSeconds(30), task);
                if (i % 1000 == 0) {
                    Thread.onSpinWait();
                }
                assertTrue(timeout.cancel());
            }
            CountDownLatch turn = new CountDownLatch(1);
            scheduler.scheduleOnce(Duration.ZERO, turn::countDown);
            await(turn);
            awaitCondition(() -> reactor.pendingCount() == 0, "an empty wheel");
        }
    }

    @Test
    void close_withPendingTimers_cancelsThemAndStopsTheTimerThread() throws Exception {
        // close() cancels pending timers and returns only after its troupe-timer thread ended.
        Set<Thread> before = timerThreads();
        Scheduler scheduler = Scheduler.create();
        Set<Thread> started = timerThreads();
        started.removeAll(before);
        assertEquals(1, started.size(), "one troupe-timer thread per scheduler");
        Cancellable once = scheduler.scheduleOnce(Duration.ofHours(1), () -> { });
        Cancellable periodic = scheduler.scheduleAtFixedRate(Duration.ofHours(1), Duration.ofHours(1),
                () -> { }, MissedTickBehavior.SKIP);
        scheduler.close();
        assertTrue(once.isCancelled());
        assertTrue(periodic.isCancelled());
        assertFalse(once.cancel(), "cancel after close answers false");
        assertFalse(started.iterator().next().isAlive());
        assertTrue(before.containsAll(timerThreads()), "no troupe-timer thread left by this test");
        scheduler.close(); // idempotent
    }

    @Test
    void schedule_afterClose_throwsIllegalStateException() {
        // Scheduling on a closed scheduler fails with "scheduler is closed".
        Scheduler scheduler = Scheduler.create();
        scheduler.close();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> scheduler.scheduleOnce(Duration.ofMillis(1), () -> { }));
        assertEquals("scheduler is closed", e.getMessage());
        assertThrows(IllegalStateException.class,
                () -> scheduler.scheduleWithFixedDelay(Duration.ZERO, Duration.ofMillis(1), () -> { }));
    }

    @Test
    void close_fromATaskOnTheTimerThread_doesNotDeadlock() throws Exception {
        // A task may close its own scheduler; the thread then ends by itself.
        Scheduler scheduler = Scheduler.create();
        AtomicReference<Thread> thread = new AtomicReference<>();
        CountDownLatch closed = new CountDownLatch(1);
        scheduler.scheduleOnce(Duration.ZERO, () -> {
            thread.set(Thread.currentThread());
            scheduler.close();
            closed.countDown();
        });
        await(closed);
        thread.get().join(TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS));
        assertFalse(thread.get().isAlive());
        scheduler.close();
    }
}
