package io.troupe.actors.sync;

import static io.troupe.actors.sync.SyncTesting.SCALE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.SpawnOptions;
import io.troupe.mailbox.OverflowPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 1,000 subscribers and 64 publishers (half threads outside the system, half actors publishing
 * from their handlers): each subscriber sees each publisher's messages in publish order, and
 * what it received plus the sum of its Lagged counts is exactly what was published.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class TopicStressTest {
    private static final int SUBSCRIBERS = 1_000;
    private static final int PUBLISHERS = 64;
    private static final int PER_PUBLISHER = 50 * SCALE;
    private static final int TOTAL = PUBLISHERS * PER_PUBLISHER;

    record Msg(int publisher, int index) {}

    record Go() {}

    @Test
    void thousandSubscribers_64Publishers_everyMessageInOrderOrExactlyCountedAsLagged() throws Exception {
        // Per subscriber: per-publisher indices strictly increase; with no Lagged they are exactly
        // 0..N-1; received + sum(Lagged) == published. One subscriber blocks until the end, so lag happens.
        try (ActorSystem system = SyncTesting.system("topic-stress")) {
            final Topic<Msg> topic = Topic.named(system, "stress", Msg.class, 1024);
            final ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
            final CountDownLatch complete = new CountDownLatch(SUBSCRIBERS);
            final CountDownLatch published = new CountDownLatch(PUBLISHERS);
            final List<Counting> subscribers = new ArrayList<>();
            final List<ActorRef<Object>> refs = new ArrayList<>();
            for (int i = 0; i < SUBSCRIBERS; i++) {
                final Counting c = new Counting(i, i == 0 ? published : null, violations, complete);
                subscribers.add(c);
                // small mailboxes for a tenth of them: they park and lag while the ring wraps
                final SpawnOptions options = i % 10 == 0
                        ? SpawnOptions.named("sub-" + i).withMailbox(16, OverflowPolicy.DEAD_LETTER)
                        : SpawnOptions.named("sub-" + i);
                final ActorRef<Object> ref = system.spawn(() -> c, options);
                refs.add(ref);
                topic.subscribe(ref, m -> m, l -> l);
            }
            final List<Thread> threads = new ArrayList<>();
            for (int p = 0; p < PUBLISHERS / 2; p++) {
                final int id = p;
                final Thread t = new Thread(() -> {
                    for (int i = 0; i < PER_PUBLISHER; i++) {
                        topic.publish(new Msg(id, i));
                    }
                    published.countDown();
                }, "publisher-" + p);
                threads.add(t);
            }
            for (int p = PUBLISHERS / 2; p < PUBLISHERS; p++) {
                final int id = p;
                final ActorRef<Go> actor = system.spawn(SyncTesting.<Go>actor((ctx, go) -> {
                    for (int i = 0; i < PER_PUBLISHER; i++) {
                        topic.publish(new Msg(id, i)); // from inside a handler
                    }
                    published.countDown();
                }), "publisher-" + p);
                actor.tell(new Go());
            }
            threads.forEach(Thread::start);
            assertTrue(complete.await(3, TimeUnit.MINUTES),
                    "subscribers not complete: " + (SUBSCRIBERS - complete.getCount()) + " of " + SUBSCRIBERS + " done");
            for (Thread t : threads) {
                t.join();
            }
            assertTrue(violations.isEmpty(), () -> violations.size() + " violations, first: " + violations.peek());
            long lagging = 0;
            for (Counting c : subscribers) {
                assertEquals(TOTAL, c.received + c.lagged, "subscriber " + c.id + " accounted for");
                lagging += c.lagged > 0 ? 1 : 0;
            }
            assertTrue(subscribers.get(0).lagged > 0, "the blocked subscriber lagged");
            System.out.println("TopicStressTest: " + TOTAL + " messages to " + SUBSCRIBERS + " subscribers; " + lagging
                    + " subscribers lagged");
            assertEquals(TOTAL, topic.published());
        }
    }

    /** Checks order per publisher as messages come; counts. State read by the test after `complete`. */
    static final class Counting extends Actor<Object> {
        final int id;
        final CountDownLatch blockUntil;
        final ConcurrentLinkedQueue<String> violations;
        final CountDownLatch complete;
        final int[] next = new int[PUBLISHERS];
        long received;
        long lagged;
        boolean blockedOnce;

        Counting(int id, CountDownLatch blockUntil, ConcurrentLinkedQueue<String> violations, CountDownLatch complete) {
            this.id = id;
            this.blockUntil = blockUntil;
            this.violations = violations;
            this.complete = complete;
        }

        @Override
        protected void receive(Object m) {
            if (blockUntil != null && !blockedOnce) {
                blockedOnce = true;
                SyncTesting.block(blockUntil);
            }
            if (m instanceof Msg msg) {
                received++;
                final int expectedAtLeast = next[msg.publisher()];
                if (lagged == 0 ? msg.index() != expectedAtLeast : msg.index() < expectedAtLeast) {
                    violations.add("subscriber " + id + ": publisher " + msg.publisher() + " index " + msg.index()
                            + " after " + (expectedAtLeast - 1) + " (lagged so far " + lagged + ")");
                }
                next[msg.publisher()] = msg.index() + 1;
            } else if (m instanceof Topic.Lagged l) {
                lagged += l.missed();
            } else {
                violations.add("subscriber " + id + ": unexpected " + m);
            }
            if (received + lagged == TOTAL) {
                complete.countDown();
            } else if (received + lagged > TOTAL) {
                violations.add("subscriber " + id + ": " + received + " received + " + lagged + " lagged > " + TOTAL);
            }
        }
    }
}
