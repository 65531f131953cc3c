package io.troupe.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.mailbox.OverflowPolicy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** OverflowPolicy.MUTE_SENDER: lossless between actors, no thread blocked, the bound it keeps. */
@Timeout(120)
class MuteSenderTest {

    /** The issue's trial: a counter that many producers flood with tells. */
    private static final class Counter extends Actor<Object> {
        private final long expected;
        private final CountDownLatch done;
        private final AtomicLong total;
        private final AtomicInteger maxHeld;
        private final AtomicInteger maxSize;

        Counter(long expected, CountDownLatch done, AtomicLong total, AtomicInteger maxHeld, AtomicInteger maxSize) {
            this.expected = expected;
            this.done = done;
            this.total = total;
            this.maxHeld = maxHeld;
            this.maxSize = maxSize;
        }

        @Override
        protected void receive(Object message) {
            final long t = total.incrementAndGet();
            if (t % 997 == 0) { // sample the bound now and then (walking the held sends costs)
                final ActorCell<?> cell = (ActorCell<?>) self();
                maxHeld.accumulateAndGet(cell.heldForTests(), Math::max);
                maxSize.accumulateAndGet(cell.size(), Math::max);
            }
            if (t == expected) {
                done.countDown();
            }
        }
    }

    /** Sends {@code chunk} tells to the counter per "go", then tells itself "go" until {@code n} are sent. */
    private static final class Producer extends Actor<String> {
        private final ActorRef<Object> counter;
        private final int n;
        private final int chunk;
        private int sent;

        Producer(ActorRef<Object> counter, int n, int chunk) {
            this.counter = counter;
            this.n = n;
            this.chunk = chunk;
        }

        @Override
        protected void receive(String message) {
            for (int i = 0; i < chunk && sent < n; i++) {
                counter.tell(sent++);
            }
            if (sent < n) {
                self().tell("go");
            }
        }
    }

    @BothDispatchers
    void issueTrial_fourActorsFloodOneCounter_nothingIsLost_andTheBoundHolds(DispatcherKind kind) {
        // The trial of issue #10 (4 actors x many tells to one counter of the default capacity) loses nothing
        // under MUTE_SENDER; the mailbox never exceeds its capacity and at most 4 bursts are held beyond it.
        final int producers = 4;
        final int perProducer = 500_000 * Testing.SCALE;
        final int chunk = 1_000;
        final int capacity = 10_000;
        try (ActorSystem system = Testing.builder(kind).build()) {
            final CountDownLatch done = new CountDownLatch(1);
            final AtomicLong total = new AtomicLong();
            final AtomicInteger maxHeld = new AtomicInteger();
            final AtomicInteger maxSize = new AtomicInteger();
            final ActorRef<Object> counter = system.spawn(
                    () -> new Counter((long) producers * perProducer, done, total, maxHeld, maxSize),
                    SpawnOptions.named("counter").withMailbox(capacity, OverflowPolicy.MUTE_SENDER));
            for (int p = 0; p < producers; p++) {
                system.spawn(() -> new Producer(counter, perProducer, chunk), "producer-" + p).tell("go");
            }
            Testing.await(done, "every message counted");
            assertEquals((long) producers * perProducer, total.get());
            assertEquals(0, system.deadLetters().count());
            assertTrue(maxSize.get() <= capacity, "mailbox above its capacity: " + maxSize.get());
            // The bound is one handler's burst per sender (pinned exactly by the next test); the sample walks
            // the held queue while other threads move messages out of it, which can overcount by what they
            // moved meanwhile (seen once in CI: 6,546 with one burst of slack, the sampler descheduled
            // mid-walk), so two more bursts of slack: a sampled check; the exact one is the next test.
            assertTrue(maxHeld.get() <= (producers + 2) * chunk, "held beyond the bound of one burst per sender: " + maxHeld.get());
        }
    }

    /** Blocks on "block" until released; records everything else. */
    private static final class Gated extends Actor<Object> {
        private final CountDownLatch entered;
        private final CountDownLatch release;
        private final List<Object> events;

        Gated(CountDownLatch entered, CountDownLatch release, List<Object> events) {
            this.entered = entered;
            this.release = release;
            this.events = events;
        }

        @Override
        protected void receive(Object message) {
            if ("block".equals(message)) {
                entered.countDown();
                Testing.block(release);
            } else {
                events.add(message);
            }
        }
    }

    @Test
    void burstIntoAFullReceiver_isHeldInOrder_andTheSenderRunsAgainOnlyOnceItDrainedToHalf() {
        // Exact bound: a burst of 25 into a blocked receiver of capacity 10 leaves 10 in its mailbox and 15
        // held; the sender's next message waits until the receiver has drained to 5; nothing is lost or reordered.
        // The receiver runs one message per turn: the low watermark is checked at the end of each turn, so with
        // the default budget it would handle all 25 in one turn and any watermark would pass.
        try (ActorSystem system = Testing.system(DispatcherKind.WORK_STEALING)) {
            final CountDownLatch entered = new CountDownLatch(1);
            final CountDownLatch release = new CountDownLatch(1);
            final List<Object> events = Collections.synchronizedList(new ArrayList<>());
            final ActorRef<Object> receiver = system.spawn(() -> new Gated(entered, release, events),
                    SpawnOptions.named("receiver").withMailbox(10, OverflowPolicy.MUTE_SENDER).withThroughput(1));
            receiver.tell("block");
            Testing.await(entered, "the receiver to block");
            final CountDownLatch burstSent = new CountDownLatch(1);
            final ActorRef<String> sender = system.spawn(Actor.<String>of((ctx, m) -> {
                if (m.equals("burst")) {
                    for (int i = 0; i < 25; i++) {
                        receiver.tell(i);
                    }
                    ctx.self().tell("next");
                    burstSent.countDown();
                } else {
                    events.add("sender handled " + m);
                }
            }), "sender");
            sender.tell("burst");
            Testing.await(burstSent, "the burst");
            final ActorCell<?> cell = (ActorCell<?>) receiver;
            assertEquals(10, cell.size());
            assertEquals(15, cell.heldForTests());
            Testing.awaitTrue("the sender parked", () -> ((ActorCell<?>) sender).isScheduled() && Testing.hasQueued(sender));
            release.countDown();
            Testing.awaitTrue("all delivered", () -> events.size() == 26);

            final List<Object> expected = new ArrayList<>();
            for (int i = 0; i < 25; i++) {
                expected.add(i);
            }
            final List<Object> received = new ArrayList<>(events);
            final int next = received.indexOf("sender handled next");
            received.remove(next);
            assertEquals(expected, received, "every message, in order");
            assertTrue(next >= 20, "the sender ran again before the receiver drained to half: at " + next + " in " + events);
            assertEquals(0, system.deadLetters().count());
        }
    }

    @Test
    void mutedSender_stillStops_andAStopOfTheReceiverResumesIt() {
        // System messages never wait for a receiver to drain: a Stop reaches a parked sender at once,
        // and a receiver that stops lets its muted senders go (their held messages become dead letters).
        try (ActorSystem system = Testing.system(DispatcherKind.WORK_STEALING)) {
            final CountDownLatch entered = new CountDownLatch(1);
            final CountDownLatch release = new CountDownLatch(1);
            final List<Object> events = Collections.synchronizedList(new ArrayList<>());
            final ActorRef<Object> receiver = system.spawn(() -> new Gated(entered, release, events),
                    SpawnOptions.named("receiver").withMailbox(2, OverflowPolicy.MUTE_SENDER));
            receiver.tell("block");
            Testing.await(entered, "the receiver to block");
            final List<ActorRef<String>> senders = new ArrayList<>();
            final CountDownLatch bursts = new CountDownLatch(2);
            final List<String> after = Collections.synchronizedList(new ArrayList<>());
            for (int s = 0; s < 2; s++) {
                senders.add(system.spawn(Actor.<String>of((ctx, m) -> {
                    if (m.equals("burst")) {
                        for (int i = 0; i < 5; i++) {
                            receiver.tell(ctx.self().name() + "-" + i);
                        }
                        ctx.self().tell("after");
                        bursts.countDown();
                    } else {
                        after.add(ctx.self().name());
                    }
                }), "sender-" + s));
            }
            senders.forEach(s -> s.tell("burst"));
            Testing.await(bursts, "both bursts");
            Testing.awaitTrue("sender-1 parked", () -> ((ActorCell<?>) senders.get(1)).isScheduled()
                    && Testing.hasQueued(senders.get(1)));
            Testing.join(system.stop(senders.get(0))); // parked, yet it stops while the receiver is still blocked
            assertFalse(after.contains("sender-1"), "sender-1 stays muted: " + after);
            system.stop(receiver);
            release.countDown();
            Testing.join(system.whenTerminated(receiver));
            Testing.awaitTrue("sender-1 resumed by the receiver's end", () -> after.contains("sender-1"));
        }
    }
}
