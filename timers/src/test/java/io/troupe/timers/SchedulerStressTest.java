package io.troupe.timers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Many threads schedule and cancel on one system-clock scheduler at once; bounded in time by the
 * iteration count ({@code -Dtroupe.stress.scale=N} multiplies it), asserting exact outcomes.
 */
@Timeout(180)
class SchedulerStressTest {

    static final int THREADS = 4;
    static final int PER_THREAD = 50_000 * Integer.getInteger("troupe.stress.scale", 1);

    @Test
    void scheduleAndCancel_fromManyThreads_everyTimerFiresExactlyOnceUnlessCancelSaidTrue()
            throws Exception {
        // Each timer fires exactly once if cancel() did not return true, and never if it did.
        int total = THREADS * PER_THREAD;
        AtomicIntegerArray fired = new AtomicIntegerArray(total);
        boolean[] cancelled = new boolean[total];
        AtomicInteger expectedFirings = new AtomicInteger();
        AtomicInteger actualFirings = new AtomicInteger();
        Semaphore firings = new Semaphore(0);
        Cancellable[] handles = new Cancellable[total];
        try (Scheduler scheduler = Scheduler.create()) {
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> workers = new ArrayList<>();
            for (int w = 0; w < THREADS; w++) {
                int first = w * PER_THREAD;
                SplittableRandom random = new SplittableRandom(w);
                Thread worker = new Thread(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int i = first; i < first + PER_THREAD; i++) {
                        int id = i;
                        handles[id] = scheduler.scheduleOnce(
                                Duration.ofNanos(1_000L * random.nextInt(3_000)), () -> {
                                    fired.incrementAndGet(id);
                                    actualFirings.incrementAndGet();
                                    firings.release();
                                });
                        // cancel about half: some at once, some a while later (maybe after firing)
                        int choice = random.nextInt(4);
                        if (choice == 0) {
                            cancelled[id] = handles[id].cancel();
                        } else if (choice == 1 && id - 64 >= first) {
                            cancelled[id - 64] |= handles[id - 64].cancel();
                        }
                    }
                }, "stress-" + w);
                workers.add(worker);
                worker.start();
            }
            start.countDown();
            for (Thread worker : workers) {
                worker.join(TimeUnit.SECONDS.toMillis(60));
                assertTrue(!worker.isAlive(), "worker finished");
            }
            for (int id = 0; id < total; id++) {
                if (!cancelled[id]) {
                    expectedFirings.incrementAndGet();
                }
            }
            assertTrue(firings.tryAcquire(expectedFirings.get(), 20, TimeUnit.SECONDS),
                    "timed out waiting for " + expectedFirings.get() + " timers to fire");
        } // close() joins the timer thread: no firing is in flight after this
        int cancelledCount = 0;
        for (int id = 0; id < total; id++) {
            if (cancelled[id]) {
                cancelledCount++;
                assertEquals(0, fired.get(id), "cancelled timer " + id + " fired");
                assertTrue(handles[id].isCancelled());
            } else {
                assertEquals(1, fired.get(id), "timer " + id + " fired " + fired.get(id) + " times");
            }
        }
        assertEquals(expectedFirings.get(), actualFirings.get());
        assertTrue(cancelledCount > total / 8, "the mix cancelled a fair share: " + cancelledCount);
        assertTrue(cancelledCount < total, "the mix let some fire: " + cancelledCount);
    }

    @Test
    void cancel_racingWithExpiryFromOtherThreads_exactlyOneSideWins() throws Exception {
        // A cancel racing with expiry either returns true and the task never runs, or false and it ran.
        int total = 20_000 * Integer.getInteger("troupe.stress.scale", 1);
        AtomicIntegerArray fired = new AtomicIntegerArray(total);
        boolean[] cancelled = new boolean[total];
        try (Scheduler scheduler = Scheduler.create()) {
            Cancellable[] handles = new Cancellable[total];
            for (int id = 0; id < total; id++) {
                int timer = id;
                handles[id] = scheduler.scheduleOnce(Duration.ofNanos(1_000L * (id % 2_000)),
                        () -> fired.incrementAndGet(timer));
            }
            Thread[] cancellers = new Thread[2];
            for (int c = 0; c < cancellers.length; c++) {
                int parity = c;
                cancellers[c] = new Thread(() -> {
                    for (int id = parity; id < total; id += 2) {
                        cancelled[id] = handles[id].cancel();
                    }
                });
                cancellers[c].start();
            }
            for (Thread canceller : cancellers) {
                canceller.join();
            }
            CountDownLatch drained = new CountDownLatch(1);
            scheduler.scheduleOnce(Duration.ofMillis(5), drained::countDown);
            assertTrue(drained.await(20, TimeUnit.SECONDS));
        }
        for (int id = 0; id < total; id++) {
            assertEquals(cancelled[id] ? 0 : 1, fired.get(id), "timer " + id);
        }
    }
}
