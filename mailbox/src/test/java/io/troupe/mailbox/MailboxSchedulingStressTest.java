package io.troupe.mailbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The scheduling protocol under contention: producers of user and system messages, and a
 * consumer that runs only when onSchedule says so and ends each turn with endTurn. Every
 * message is consumed exactly once, no turn overlaps another, and nothing is stranded.
 */
@Timeout(180)
class MailboxSchedulingStressTest {
    private static final int SCALE = Integer.getInteger("troupe.stress.scale", 1);
    private static final int PRODUCERS = 4;
    private static final int PER_PRODUCER = 100_000 * SCALE;
    private static final int SYSTEM_EVERY = 50;
    private static final int BUDGET = 32;

    /** A mailbox whose onSchedule submits a turn to a pool, as a dispatcher would. */
    private static final class Scheduled extends BoundedMailbox<long[]> {
        final ExecutorService pool;
        final AtomicBoolean inTurn = new AtomicBoolean();
        final AtomicLong overlaps = new AtomicLong();
        final AtomicLong userConsumed = new AtomicLong();
        final AtomicLong systemConsumed = new AtomicLong();
        final long[] lastSeq = new long[PRODUCERS];
        volatile boolean orderBroken;
        final CountDownLatch allDone;

        Scheduled(ExecutorService pool, int capacity, CountDownLatch allDone) {
            super(capacity, OverflowPolicy.DEAD_LETTER);
            this.pool = pool;
            this.allDone = allDone;
            java.util.Arrays.fill(lastSeq, -1);
        }

        @Override
        protected void onSchedule() {
            pool.execute(this::turn);
        }

        private void turn() {
            if (!inTurn.compareAndSet(false, true)) {
                overlaps.incrementAndGet();
            }
            int polled = 0;
            for (SystemMessage m = drainSystem(); m != null; m = m.next()) {
                systemConsumed.incrementAndGet();
            }
            while (polled < BUDGET) {
                final long[] msg = poll();
                if (msg == null) {
                    break;
                }
                polled++;
                final int producer = (int) msg[0];
                if (msg[1] != lastSeq[producer] + 1) {
                    orderBroken = true;
                }
                lastSeq[producer] = msg[1];
                userConsumed.incrementAndGet();
            }
            if (userConsumed.get() == (long) PRODUCERS * PER_PRODUCER
                    && systemConsumed.get() == (long) PRODUCERS * (PER_PRODUCER / SYSTEM_EVERY)) {
                allDone.countDown();
            }
            inTurn.set(false);
            if (endTurn(true)) {
                pool.execute(this::turn);
            }
        }

        @Override
        protected void onOverflow(long[] dropped) {
            throw new AssertionError("producers use send: nothing may overflow");
        }

        @Override
        protected void onClosed(long[] undelivered) {
            throw new AssertionError("never closed in this test");
        }
    }

    @Test
    void scheduledConsumer_manyProducers_consumesEverythingExactlyOnceWithoutOverlap() throws Exception {
        // Under contention every user and system message is consumed once, per-producer order holds, and turns never overlap.
        final ExecutorService pool = Executors.newFixedThreadPool(2);
        final CountDownLatch done = new CountDownLatch(1);
        final Scheduled mb = new Scheduled(pool, 64, done);
        final Thread[] producers = new Thread[PRODUCERS];
        for (int p = 0; p < PRODUCERS; p++) {
            final int id = p;
            producers[p] = new Thread(() -> {
                for (int i = 0; i < PER_PRODUCER; i++) {
                    mb.send(new long[] {id, i}).toCompletableFuture().join();
                    if (i % SYSTEM_EVERY == 0) {
                        mb.enqueueSystem(new SystemMessage() {});
                    }
                }
            });
            producers[p].start();
        }
        for (Thread t : producers) {
            t.join(TimeUnit.SECONDS.toMillis(60));
        }
        assertTrue(done.await(60, TimeUnit.SECONDS), "consumed " + mb.userConsumed.get() + " user and "
                + mb.systemConsumed.get() + " system messages");
        pool.shutdown();
        assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        assertEquals(0, mb.overlaps.get(), "two turns ran at once");
        assertFalse(mb.orderBroken, "per-producer order");
        assertEquals((long) PRODUCERS * PER_PRODUCER, mb.userConsumed.get());
        assertEquals((long) PRODUCERS * (PER_PRODUCER / SYSTEM_EVERY), mb.systemConsumed.get());
        assertEquals(0, mb.size());
        assertFalse(mb.isScheduled(), "idle at the end");
    }
}
