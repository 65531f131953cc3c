package io.troupe.actors;

import static io.troupe.actors.Testing.TIMEOUT;
import static io.troupe.actors.Testing.await;
import static io.troupe.actors.Testing.awaitTrue;
import static io.troupe.actors.Testing.hasQueuedSystemMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.testkit.TestProbe;
import io.troupe.mailbox.OverflowPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;

/** Undeliverable messages become dead letters: counted, offered to subscribers, with the right sender, recipient and reason. */
class DeadLettersTest {
    private static final int SENT = 6;

    /** Spawns a blocked actor with a small mailbox and a sender actor that tells it m0..m5 on "fire". */
    private static final class Scene implements AutoCloseable {
        final ActorSystem system;
        final TestProbe<String> probe;
        final CountDownLatch release = new CountDownLatch(1);
        final ActorRef<String> target;
        final ActorRef<String> sender;
        final ConcurrentLinkedQueue<DeadLetter> letters = new ConcurrentLinkedQueue<>();
        final AutoCloseable subscription;

        Scene(DispatcherKind kind, int capacity, OverflowPolicy policy) {
            system = Testing.system(kind);
            probe = TestProbe.create(system);
            subscription = system.deadLetters().subscribe(letters::add);
            final CountDownLatch entered = new CountDownLatch(1);
            target = system.spawn(() -> ActorApiTest.blocker(entered, release, probe.ref()),
                    SpawnOptions.named("target").withMailbox(capacity, policy));
            target.tell("block");
            await(entered, "the target to block");
            sender = system.spawn(Actor.<String>of((ctx, m) -> {
                for (int i = 0; i < SENT; i++) {
                    target.tell("m" + i);
                }
                probe.ref().tell("fired");
            }), "sender");
        }

        @Override
        public void close() {
            release.countDown();
            try {
                subscription.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            assertEquals(List.of(), system.close(TIMEOUT));
        }
    }

    @BothDispatchers
    void tell_fullMailboxUnderDeadLetter_newestBecomeDeadLettersFromSender(DispatcherKind kind) throws Exception {
        // Under DEAD_LETTER the messages that find the mailbox full are the dead letters, newest ones, each naming the sending actor, the recipient and MAILBOX_FULL; the rest are handled in order.
        try (Scene s = new Scene(kind, 3, OverflowPolicy.DEAD_LETTER)) {
            s.sender.tell("fire");
            s.probe.expectMessage("fired", TIMEOUT);
            final List<DeadLetter> dead = new ArrayList<>(s.letters);
            assertTrue(!dead.isEmpty() && dead.size() < SENT, "some but not all messages overflowed: " + dead);
            final int handled = SENT - dead.size();
            for (int i = 0; i < dead.size(); i++) {
                final DeadLetter d = dead.get(i);
                assertEquals("m" + (handled + i), d.message());
                assertSame(s.sender, d.sender());
                assertSame(s.target, d.recipient());
                assertEquals(DeadLetter.Reason.MAILBOX_FULL, d.reason());
            }
            assertEquals(dead.size(), s.system.deadLetters().count());
            s.release.countDown();
            for (int i = 0; i < handled; i++) {
                s.probe.expectMessage("m" + i, TIMEOUT);
            }
        }
    }

    @BothDispatchers
    void tell_fullMailboxUnderDropOldest_oldestBecomeDeadLetters(DispatcherKind kind) throws Exception {
        // Under DROP_OLDEST a tell to a full mailbox evicts the oldest queued message to dead letters (DROPPED_OLDEST) and the newest are handled.
        try (Scene s = new Scene(kind, 3, OverflowPolicy.DROP_OLDEST)) {
            s.sender.tell("fire");
            s.probe.expectMessage("fired", TIMEOUT);
            final List<DeadLetter> dead = new ArrayList<>(s.letters);
            assertTrue(!dead.isEmpty() && dead.size() < SENT, "some but not all messages were evicted: " + dead);
            for (int i = 0; i < dead.size(); i++) {
                final DeadLetter d = dead.get(i);
                assertEquals("m" + i, d.message(), "evicted oldest first");
                assertSame(s.target, d.recipient());
                assertEquals(DeadLetter.Reason.DROPPED_OLDEST, d.reason());
            }
            s.release.countDown();
            for (int i = dead.size(); i < SENT; i++) {
                s.probe.expectMessage("m" + i, TIMEOUT);
            }
            assertEquals(dead.size(), s.system.deadLetters().count());
        }
    }

    @BothDispatchers
    void stop_withQueuedMessages_theyBecomeDeadLettersWithUnknownSender(DispatcherKind kind) throws Exception {
        // Messages still queued when their recipient stops become RECIPIENT_STOPPED dead letters; the recipient is never named as their sender.
        try (Scene s = new Scene(kind, 100, OverflowPolicy.DEAD_LETTER)) {
            s.sender.tell("fire");
            s.probe.expectMessage("fired", TIMEOUT);
            s.system.stop(s.target);
            awaitTrue("the stop to be queued", () -> hasQueuedSystemMessage(s.target));
            s.release.countDown();
            s.probe.expectTerminated(s.target, TIMEOUT);
            final List<DeadLetter> dead = new ArrayList<>(s.letters);
            assertEquals(SENT, dead.size(), "every queued message: " + dead);
            for (int i = 0; i < SENT; i++) {
                final DeadLetter d = dead.get(i);
                assertEquals("m" + i, d.message());
                assertSame(s.target, d.recipient());
                assertEquals(DeadLetter.Reason.RECIPIENT_STOPPED, d.reason());
                assertTrue(d.sender() != s.target, "the stopped recipient is not the sender of its own queue");
            }
        }
    }

    @BothDispatchers
    void tell_toStoppedActor_deadLetterNamesSenderOrNull(DispatcherKind kind) throws Exception {
        // A tell to a stopped actor is a RECIPIENT_STOPPED dead letter naming the sending actor, or no sender from a plain thread.
        try (Scene s = new Scene(kind, 10, OverflowPolicy.DEAD_LETTER)) {
            s.release.countDown();
            s.system.stop(s.target);
            s.probe.expectTerminated(s.target, TIMEOUT);
            s.letters.clear();
            s.sender.tell("fire");
            s.probe.expectMessage("fired", TIMEOUT);
            s.target.tell("from the test thread");
            final List<DeadLetter> dead = new ArrayList<>(s.letters);
            assertEquals(SENT + 1, dead.size());
            for (int i = 0; i < SENT; i++) {
                assertEquals("m" + i, dead.get(i).message());
                assertSame(s.sender, dead.get(i).sender());
                assertEquals(DeadLetter.Reason.RECIPIENT_STOPPED, dead.get(i).reason());
            }
            assertNull(dead.get(SENT).sender());
            assertSame(s.target, dead.get(SENT).recipient());
        }
    }

    @BothDispatchers
    void subscribe_thenUnsubscribe_stopsDeliveryButCountGoesOn(DispatcherKind kind) throws Exception {
        // Closing a subscription stops deliveries to it; the count keeps counting every dead letter.
        try (ActorSystem system = Testing.system(kind)) {
            final TestProbe<String> probe = TestProbe.create(system);
            final ActorRef<String> ref = system.spawn(Actor.<String>of((ctx, m) -> {}), "gone");
            system.stop(ref);
            probe.expectTerminated(ref, TIMEOUT);
            final ConcurrentLinkedQueue<DeadLetter> seen = new ConcurrentLinkedQueue<>();
            final AutoCloseable sub = system.deadLetters().subscribe(seen::add);
            final AutoCloseable throwing = system.deadLetters().subscribe(d -> {
                throw new IllegalStateException("a broken subscriber must not break delivery");
            });
            ref.tell("one");
            sub.close();
            ref.tell("two");
            throwing.close();
            assertEquals(List.of("one"), seen.stream().map(DeadLetter::message).toList());
            assertEquals(2, system.deadLetters().count());
        }
    }
}
