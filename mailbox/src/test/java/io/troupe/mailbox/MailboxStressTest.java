package io.troupe.mailbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.mailbox.RecordingMailbox.Sys;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Many producers, one consumer, a small mailbox: exact delivery, per-producer order, the
 * capacity bound and the system lane under contention. Iteration counts scale with the system
 * property {@code troupe.stress.scale} (default 1); every wait is bounded.
 */
@Timeout(180)
class MailboxStressTest {
    private static final int SCALE = Integer.getInteger("troupe.stress.scale", 1);
    private static final int PRODUCERS = 4;
    private static final int PER_PRODUCER = 200_000 * SCALE;
    private static final int CAPACITY = 256;
    private static final int SEND_WINDOW = 64;
    private static final int HANDSHAKES = 20;
    private static final int FREE_SYSTEM_MESSAGES = 5_000 * SCALE;

    private record Msg(int producer, int seq) {}

    /** A system message with a producer-side sequence number. */
    private static final class Seq extends SystemMessage {
        final int seq;

        Seq(int seq) {
            this.seq = seq;
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void producersAndConsumer_underFlood_deliverExactlyOnceInOrderWithinCapacity() throws Exception {
        // Under a flood of sends and offers, every message is delivered exactly once, each producer's order is kept, size() never exceeds the capacity, every waiting send completes, and system messages pushed meanwhile overtake the queued user messages.
        final RecordingMailbox<Msg> mb = new RecordingMailbox<>(CAPACITY, OverflowPolicy.DEAD_LETTER);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final ConcurrentLinkedQueue<CompletableFuture<Void>> allSends = new ConcurrentLinkedQueue<>();
        final CountDownLatch start = new CountDownLatch(1);
        final List<Thread> threads = new ArrayList<>();

        // Producers 0..2 use send with a window of outstanding stages; producer 3 uses offer and retries.
        for (int p = 0; p < PRODUCERS; p++) {
            final int producer = p;
            threads.add(new Thread(() -> {
                try {
                    start.await();
                    final ArrayDeque<CompletableFuture<Void>> window = new ArrayDeque<>();
                    for (int i = 0; i < PER_PRODUCER; i++) {
                        final Msg m = new Msg(producer, i);
                        if (producer == PRODUCERS - 1) {
                            while (!mb.offer(m)) {
                                Thread.yield();
                            }
                        } else {
                            final CompletableFuture<Void> f = mb.send(m).toCompletableFuture();
                            if (!f.isDone()) {
                                allSends.add(f);
                                window.add(f);
                                if (window.size() >= SEND_WINDOW) {
                                    window.poll().get(60, TimeUnit.SECONDS);
                                }
                            }
                        }
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }, "stress-producer-" + p));
        }

        // The system producer pushes numbered system messages freely, and on the consumer's request
        // pushes a marker while the consumer is paused with user messages queued.
        final Semaphore markerRequested = new Semaphore(0);
        final Semaphore markerPushed = new Semaphore(0);
        final AtomicBoolean consumerDone = new AtomicBoolean();
        threads.add(new Thread(() -> {
            try {
                start.await();
                int i = 0;
                while (!consumerDone.get()) {
                    final boolean requested = i < FREE_SYSTEM_MESSAGES
                            ? markerRequested.tryAcquire()
                            : markerRequested.tryAcquire(10, TimeUnit.MILLISECONDS);
                    if (requested) {
                        assertTrue(mb.enqueueSystem(new Sys("marker")), "a system push never waits or fails on a full mailbox");
                        markerPushed.release();
                    } else if (i < FREE_SYSTEM_MESSAGES) {
                        assertTrue(mb.enqueueSystem(new Seq(i++)));
                    }
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        }, "stress-system"));

        threads.forEach(Thread::start);
        start.countDown();

        final long total = (long) PRODUCERS * PER_PRODUCER;
        final int[] next = new int[PRODUCERS];
        int nextSystem = 0;
        int markers = 0;
        int handshakes = 0;
        int maxSize = 0;
        long received = 0;
        final long handshakeEvery = total / (HANDSHAKES + 1);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(100);
        while (received < total || nextSystem < FREE_SYSTEM_MESSAGES) {
            assertTrue(System.nanoTime() < deadline, "consumer gave up: received " + received + " of " + total);
            assertNull(failure.get());
            maxSize = Math.max(maxSize, mb.size());

            if (handshakes < HANDSHAKES && received >= (handshakes + 1) * handshakeEvery && mb.hasMessages()
                    && !mb.hasSystemMessages()) {
                // Paused with user messages queued: the marker pushed now must come out before any of them.
                handshakes++;
                markerRequested.release();
                assertTrue(markerPushed.tryAcquire(30, TimeUnit.SECONDS));
                final SystemMessage drained = mb.drainSystem();
                boolean sawMarker = false;
                for (SystemMessage s = drained; s != null; s = s.next()) {
                    if (s instanceof Sys) {
                        sawMarker = true;
                        markers++;
                    } else {
                        assertEquals(nextSystem++, ((Seq) s).seq, "system messages in push order, exactly once");
                    }
                }
                assertTrue(sawMarker, "the marker overtook the queued user messages");
                continue;
            }

            for (SystemMessage s = mb.drainSystem(); s != null; s = s.next()) {
                if (s instanceof Sys) {
                    markers++;
                } else {
                    assertEquals(nextSystem++, ((Seq) s).seq, "system messages in push order, exactly once");
                }
            }
            int polled = 0;
            while (polled < 64) {
                final Msg m = mb.poll();
                if (m == null) {
                    break;
                }
                polled++;
                assertEquals(next[m.producer()]++, m.seq(), "order of producer " + m.producer());
            }
            if (polled > 0) {
                maxSize = Math.max(maxSize, mb.size());
                received += polled;
            } else {
                Thread.yield();
            }
        }
        consumerDone.set(true);
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(30));
            assertTrue(!t.isAlive(), t.getName() + " ended");
        }
        assertNull(failure.get());
        for (int p = 0; p < PRODUCERS; p++) {
            assertEquals(PER_PRODUCER, next[p], "messages of producer " + p);
        }
        assertNull(mb.poll(), "no message delivered twice or invented");
        assertTrue(maxSize <= CAPACITY, "size() peaked at " + maxSize);
        assertTrue(maxSize == CAPACITY, "the flood filled the mailbox, so the bound was exercised: peak " + maxSize);
        assertTrue(mb.overflowed.isEmpty() && mb.closed.isEmpty());
        for (CompletableFuture<Void> f : allSends) {
            assertTrue(f.isDone() && !f.isCompletedExceptionally());
        }
        assertTrue(!allSends.isEmpty(), "some sends had to wait, so the waiting path was exercised");
        assertEquals(handshakes, markers, "every marker arrived exactly once");
        assertTrue(handshakes > 0, "at least one marker was pushed while user messages were queued");
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void sendThenOffer_oneSender_offerNeverOvertakesItsWaitingSend() throws Exception {
        // Per-sender FIFO while sends wait: a sender that alternates send and offer into a mailbox of capacity 1 never has an offer overtake its own waiting send, even when a slot frees between the consumer's poll and the waiting send's transfer (issue #9, item 2).
        final int total = 250_000 * SCALE; // a hand-over per message between two spinning threads: slow on a loaded host
        final RecordingMailbox<Integer> mb = new RecordingMailbox<>(1, OverflowPolicy.DEAD_LETTER);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final java.util.concurrent.atomic.AtomicLong waitedSends = new java.util.concurrent.atomic.AtomicLong();
        final Thread producer = new Thread(() -> {
            try {
                CompletableFuture<Void> last = null;
                for (int i = 0; i < total; i++) {
                    if ((i & 1) == 0) {
                        last = mb.send(i).toCompletableFuture();
                        if (!last.isDone()) {
                            waitedSends.incrementAndGet();
                        }
                    } else {
                        while (!mb.offer(i)) {
                            Thread.onSpinWait(); // refused while the send waits; taken once it is in
                        }
                    }
                }
                if (last != null) {
                    last.get(60, TimeUnit.SECONDS);
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        }, "stress-send-offer");
        producer.start();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(100);
        int next = 0;
        while (next < total) {
            assertTrue(System.nanoTime() < deadline, "consumer gave up at " + next + " of " + total);
            final Integer m = mb.poll();
            if (m == null) {
                assertNull(failure.get());
                Thread.onSpinWait();
                continue;
            }
            assertEquals(next, m.intValue(), "the sender's order");
            next++;
        }
        producer.join(TimeUnit.SECONDS.toMillis(30));
        assertNull(failure.get());
        assertNull(mb.poll(), "nothing delivered twice or invented");
        assertTrue(waitedSends.get() > 0, "some sends had to wait, so the property was exercised");
        assertTrue(mb.overflowed.isEmpty());
    }
}
