package io.troupe.actors.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The owner pushes and pops while two thieves steal half into their own queues: every task is
 * taken exactly once. Iterations scale with {@code troupe.stress.scale}; every wait is bounded.
 */
@Timeout(180)
class SpmcRunQueueStressTest {
    private static final int SCALE = Integer.getInteger("troupe.stress.scale", 1);
    private static final int TASKS = 2_000_000 * SCALE;
    private static final int THIEVES = 2;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void ownerAndTwoThieves_underContention_takeEveryTaskExactlyOnce() throws Exception {
        // Under concurrent push/pop by the owner and stealHalfInto by two thieves, each task is taken exactly once, none is lost or duplicated.
        final SpmcRunQueue victim = new SpmcRunQueue();
        final AtomicIntegerArray taken = new AtomicIntegerArray(TASKS);
        final Runnable[] tasks = new Runnable[TASKS];
        for (int i = 0; i < TASKS; i++) {
            final int id = i;
            tasks[i] = () -> taken.incrementAndGet(id);
        }
        final AtomicBoolean ownerDone = new AtomicBoolean();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final CountDownLatch start = new CountDownLatch(1);
        final long[] stolen = new long[THIEVES];

        final Thread[] thieves = new Thread[THIEVES];
        for (int t = 0; t < THIEVES; t++) {
            final int index = t;
            thieves[t] = new Thread(() -> {
                try {
                    start.await();
                    final SpmcRunQueue own = new SpmcRunQueue();
                    for (;;) {
                        final boolean finished = ownerDone.get(); // read before the steal: then an empty steal means empty for good
                        final Runnable first = victim.stealHalfInto(own);
                        if (first == null) {
                            if (finished) {
                                return;
                            }
                            Thread.onSpinWait();
                            continue;
                        }
                        first.run();
                        stolen[index]++;
                        for (Runnable r = own.pop(); r != null; r = own.pop()) {
                            r.run();
                            stolen[index]++;
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "thief-" + t);
            thieves[t].start();
        }

        start.countDown();
        final ThreadLocalRandom random = ThreadLocalRandom.current();
        long ownerTook = 0;
        for (int i = 0; i < TASKS; i++) {
            while (!victim.push(tasks[i])) {
                final Runnable r = victim.pop(); // full: run one ourselves, as a worker would
                if (r != null) {
                    r.run();
                    ownerTook++;
                }
            }
            if (random.nextInt(4) == 0) {
                final Runnable r = victim.pop();
                if (r != null) {
                    r.run();
                    ownerTook++;
                }
            }
        }
        ownerDone.set(true);
        for (Runnable r = victim.pop(); r != null; r = victim.pop()) {
            r.run();
            ownerTook++;
        }
        for (Thread t : thieves) {
            t.join(TimeUnit.SECONDS.toMillis(60));
            assertFalse(t.isAlive(), t.getName() + " ended");
        }
        assertNull(failure.get());
        assertTrue(victim.isEmpty());
        for (int i = 0; i < TASKS; i++) {
            if (taken.get(i) != 1) {
                assertEquals(1, taken.get(i), "task " + i + " was taken " + taken.get(i) + " times");
            }
        }
        long total = ownerTook;
        for (long s : stolen) {
            total += s;
            assertTrue(s > 0, "each thief stole something, so stealing was exercised: " + s);
        }
        assertEquals(TASKS, total);
    }
}
