package io.troupe.mailbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.mailbox.RecordingMailbox.Sys;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The contract every {@link BoundedMailbox} keeps, whatever its {@link OverflowPolicy}; one
 * concrete subclass per policy runs it (the shape of JCTools' {@code QueueSanityTest}). Where the
 * policy changes the outcome, the test says what each policy must do.
 */
@Timeout(180)
abstract class BoundedMailboxContractTest {
    static final int CAPACITY = 4;

    /** The policy under test. */
    abstract OverflowPolicy policy();

    RecordingMailbox<String> mailbox() {
        return new RecordingMailbox<>(CAPACITY, policy());
    }

    RecordingMailbox<String> fullMailbox() {
        final RecordingMailbox<String> mb = mailbox();
        for (int i = 0; i < CAPACITY; i++) {
            assertTrue(mb.offer("m" + i));
        }
        return mb;
    }

    // ---------------------------------------------------------------- construction

    @Test
    void constructor_nonPositiveCapacity_throwsIllegalArgumentNamingCapacity() {
        // A capacity of zero or less is refused at construction, and the message says which parameter and value.
        for (int capacity : new int[] {0, -1, Integer.MIN_VALUE}) {
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new RecordingMailbox<String>(capacity, policy()));
            assertTrue(e.getMessage().contains("capacity") && e.getMessage().contains(Integer.toString(capacity)), e.getMessage());
        }
    }

    @Test
    void constructor_nullPolicy_throwsNullPointerNamingPolicy() {
        // A missing policy fails fast with the parameter's name.
        final NullPointerException e = assertThrows(NullPointerException.class, () -> new RecordingMailbox<String>(1, null));
        assertEquals("policy", e.getMessage());
    }

    @Test
    void accessors_newMailbox_reportCapacityPolicyAndEmptiness() {
        // A new mailbox is open and empty and reports the capacity and policy it was built with.
        final RecordingMailbox<String> mb = mailbox();
        assertEquals(CAPACITY, mb.capacity());
        assertEquals(policy(), mb.policy());
        assertEquals(0, mb.size());
        assertFalse(mb.hasMessages());
        assertFalse(mb.hasSystemMessages());
        assertFalse(mb.isClosed());
        assertNull(mb.poll());
        assertNull(mb.drainSystem());
    }

    @Test
    void constructor_millionMailboxesOfMillionCapacity_fitInSmallHeap() {
        // An empty mailbox allocates nothing sized to its capacity: 10^6 mailboxes of capacity 10^6 stay live in a 1 GiB heap.
        final int count = 1_000_000;
        final int capacity = 1_000_000;
        assertTrue(Runtime.getRuntime().maxMemory() < (long) count * capacity,
                "the test needs a heap far smaller than count * capacity bytes to mean anything");
        final Object[] live = new Object[count];
        for (int i = 0; i < count; i++) {
            live[i] = new BoundedMailbox<String>(capacity, policy()) {
                @Override
                protected void onSchedule() {}

                @Override
                protected void onOverflow(String dropped) {}

                @Override
                protected void onClosed(String undelivered) {}
            };
        }
        @SuppressWarnings("unchecked")
        final BoundedMailbox<String> last = (BoundedMailbox<String>) live[count - 1];
        assertTrue(last.offer("still usable"));
        assertEquals(1, last.size());
    }

    // ---------------------------------------------------------------- null messages

    @Test
    void producers_nullMessage_throwNullPointer() {
        // Every producer method refuses null before touching the mailbox.
        final RecordingMailbox<String> mb = mailbox();
        assertThrows(NullPointerException.class, () -> mb.enqueue(null));
        assertThrows(NullPointerException.class, () -> mb.offer(null));
        assertThrows(NullPointerException.class, () -> mb.send(null));
        assertThrows(NullPointerException.class, () -> mb.enqueueSystem(null));
        assertEquals(0, mb.size());
        assertEquals(0, mb.scheduleSignals.get());
    }

    // ---------------------------------------------------------------- enqueue, offer, poll, drain

    @Test
    void enqueue_belowCapacity_pollsInFifoOrderAndSchedulesOnce() {
        // Enqueued messages come out oldest first, and only the first enqueue into an idle mailbox schedules the consumer.
        final RecordingMailbox<String> mb = mailbox();
        assertTrue(mb.enqueue("a"));
        assertTrue(mb.enqueue("b"));
        assertTrue(mb.enqueue("c"));
        assertEquals(1, mb.scheduleSignals.get());
        assertTrue(mb.isScheduled());
        assertEquals(3, mb.size());
        assertTrue(mb.hasMessages());
        assertEquals(List.of("a", "b", "c"), mb.pollAll());
        assertEquals(0, mb.size());
        assertFalse(mb.hasMessages());
    }

    @Test
    void offer_upToCapacity_acceptsExactlyCapacityThenRefuses() {
        // Exactly `capacity` offers succeed; the next returns false and touches no hook.
        final RecordingMailbox<String> mb = mailbox();
        for (int i = 0; i < CAPACITY; i++) {
            assertTrue(mb.offer("m" + i), "offer " + i);
        }
        assertEquals(CAPACITY, mb.size());
        assertFalse(mb.offer("extra"));
        assertEquals(CAPACITY, mb.size());
        assertTrue(mb.overflowed.isEmpty());
        assertTrue(mb.closed.isEmpty());
        assertEquals(List.of("m0", "m1", "m2", "m3"), mb.pollAll());
    }

    @Test
    void poll_givesItsSlotBackAtOnce() {
        // Capacity counts messages waiting: a polled message frees its slot before it is handled, so a full mailbox takes one more message after each poll (issue #18).
        final RecordingMailbox<String> mb = fullMailbox();
        assertEquals("m0", mb.poll());
        assertEquals(CAPACITY - 1, mb.size());
        assertTrue(mb.offer("x"));
        assertFalse(mb.offer("y"));
        assertEquals(List.of("m1", "m2", "m3", "x"), mb.pollAll());
    }

    @Test
    void drain_withLimit_handsAtMostLimitInOrderAndReleasesThem() {
        // drain hands at most `limit` messages, oldest first, and gives their slots back.
        final RecordingMailbox<String> mb = fullMailbox();
        final List<String> seen = new ArrayList<>();
        assertEquals(3, mb.drain(seen::add, 3));
        assertEquals(List.of("m0", "m1", "m2"), seen);
        assertEquals(1, mb.size());
        assertEquals(1, mb.drain(seen::add, 10));
        assertEquals(0, mb.drain(seen::add, 10));
        assertEquals(List.of("m0", "m1", "m2", "m3"), seen);
        assertEquals(0, mb.size());
    }

    @Test
    void drain_handlerThrows_releasesPolledSlots() {
        // A handler that throws has still freed the slots of the messages it was handed.
        final RecordingMailbox<String> mb = fullMailbox();
        final int[] calls = {0};
        assertThrows(IllegalStateException.class, () -> mb.drain(m -> {
            if (++calls[0] == 2) {
                throw new IllegalStateException("boom");
            }
        }, 10));
        assertEquals(2, calls[0]);
        assertEquals(CAPACITY - 2, mb.size());
        assertEquals(List.of("m2", "m3"), mb.pollAll());
    }

    // ---------------------------------------------------------------- the overflow policy

    @Test
    void enqueue_whenFull_appliesPolicy() {
        // A tell to a full mailbox does what the policy says: dead-letter the new one, drop the oldest, or throw and enqueue nothing.
        final RecordingMailbox<String> mb = fullMailbox();
        switch (policy()) {
            case DEAD_LETTER -> {
                assertFalse(mb.enqueue("new"));
                assertEquals(List.of("new"), List.copyOf(mb.overflowed));
                assertEquals(List.of("m0", "m1", "m2", "m3"), mb.pollAll());
            }
            case DROP_OLDEST -> {
                assertTrue(mb.enqueue("new"));
                assertEquals(List.of("m0"), List.copyOf(mb.overflowed));
                assertEquals(CAPACITY, mb.size());
                assertEquals(List.of("m1", "m2", "m3", "new"), mb.pollAll());
            }
            case FAIL_SENDER -> {
                final MailboxFullException e = assertThrows(MailboxFullException.class, () -> mb.enqueue("new"));
                assertTrue(e.getMessage().contains("capacity " + CAPACITY), e.getMessage());
                assertTrue(mb.overflowed.isEmpty());
                assertEquals(List.of("m0", "m1", "m2", "m3"), mb.pollAll());
            }
        }
        assertTrue(mb.closed.isEmpty());
    }

    @Test
    void enqueue_whileConsumerHandlesAFullBatch_findsRoomUnderEveryPolicy() {
        // A consumer that took every message and is still handling them holds no slot: a tell (the actor's own continuation, say) goes in under every policy, nothing overflows.
        final RecordingMailbox<String> mb = fullMailbox();
        for (int i = 0; i < CAPACITY; i++) {
            assertNotNull(mb.poll()); // taken, being handled
        }
        assertTrue(mb.enqueue("next"));
        assertTrue(mb.overflowed.isEmpty());
        assertEquals(1, mb.size());
        assertEquals(List.of("next"), mb.pollAll());
    }

    @Test
    void offer_whenFull_neverAppliesPolicy() {
        // offer on a full mailbox returns false under every policy; nothing is dropped or thrown.
        final RecordingMailbox<String> mb = fullMailbox();
        assertFalse(mb.offer("new"));
        assertTrue(mb.overflowed.isEmpty());
        assertEquals(List.of("m0", "m1", "m2", "m3"), mb.pollAll());
    }

    // ---------------------------------------------------------------- waiting sends

    @Test
    void send_withRoom_completesAtOnce() {
        // A send that finds room is enqueued before it returns and its stage is already complete.
        final RecordingMailbox<String> mb = mailbox();
        final CompletableFuture<Void> f = mb.send("a").toCompletableFuture();
        assertTrue(f.isDone() && !f.isCompletedExceptionally());
        assertEquals(1, mb.size());
    }

    @Test
    void send_whenFull_completesOnlyOnceItsMessageIsInTheMailbox() {
        // A waiting send's stage completes only after its message is in the mailbox: a callback on the stage that polls finds the message there (issue #9, item 1).
        final RecordingMailbox<String> mb = new RecordingMailbox<>(1, policy());
        assertTrue(mb.offer("m0"));
        final List<String> seenByCallback = new ArrayList<>();
        final CompletableFuture<Void> sent = mb.send("w").toCompletableFuture()
                .thenRun(() -> seenByCallback.add(mb.poll()));
        assertFalse(sent.isDone());
        assertEquals("m0", mb.poll()); // frees the slot: "w" moves in and its stage completes
        assertTrue(sent.isDone());
        assertEquals(java.util.Arrays.asList("w"), seenByCallback);
        assertEquals(0, mb.size());
    }

    @Test
    void send_whenFull_waitsThenCompletesInOrderAsRoomFrees() {
        // Sends to a full mailbox wait without blocking, then enter in the order they started waiting as slots free up.
        final RecordingMailbox<String> mb = fullMailbox();
        final CompletableFuture<Void> s1 = mb.send("s1").toCompletableFuture();
        final CompletableFuture<Void> s2 = mb.send("s2").toCompletableFuture();
        final CompletableFuture<Void> s3 = mb.send("s3").toCompletableFuture();
        assertFalse(s1.isDone() || s2.isDone() || s3.isDone());
        assertEquals(CAPACITY, mb.size());

        assertEquals("m0", mb.poll());
        assertTrue(s1.isDone() && !s1.isCompletedExceptionally());
        assertFalse(s2.isDone() || s3.isDone());
        assertEquals(CAPACITY, mb.size());

        assertEquals(List.of("m1", "m2", "m3", "s1", "s2", "s3"), mb.pollAll());
        assertTrue(s2.isDone() && s3.isDone());
        assertEquals(0, mb.size());
        assertTrue(mb.overflowed.isEmpty() && mb.closed.isEmpty());
    }

    @Test
    void offer_whileSendsWait_returnsFalseAndDoesNotOvertake() {
        // While a send waits, offer returns false even once a slot frees: the freed slot goes to the waiting send.
        final RecordingMailbox<String> mb = fullMailbox();
        final CompletableFuture<Void> waiting = mb.send("waiting").toCompletableFuture();
        assertFalse(mb.offer("offered"));
        mb.poll();
        assertTrue(waiting.isDone());
        assertFalse(mb.offer("offered"));
        assertEquals(List.of("m1", "m2", "m3", "waiting"), mb.pollAll());
    }

    @Test
    void enqueue_whileSendsWait_neverOvertakesTheWaitingSend() {
        // A tell issued after a waiting send is never delivered before it, whatever the policy does with the tell.
        final RecordingMailbox<String> mb = fullMailbox();
        final CompletableFuture<Void> waiting = mb.send("waiting").toCompletableFuture();
        Boolean enqueued;
        try {
            enqueued = mb.enqueue("told");
        } catch (MailboxFullException e) {
            enqueued = null;
        }
        assertEquals(policy() == OverflowPolicy.FAIL_SENDER ? null : Boolean.FALSE, enqueued);
        assertEquals(policy() == OverflowPolicy.FAIL_SENDER ? List.of() : List.of("told"), List.copyOf(mb.overflowed));
        final List<String> delivered = mb.pollAll();
        assertTrue(waiting.isDone());
        assertEquals(List.of("m0", "m1", "m2", "m3", "waiting"), delivered);
    }

    // ---------------------------------------------------------------- close

    @Test
    void close_withQueuedMessages_handsThemToOnClosedOldestFirst() {
        // close hands every queued user message to onClosed, oldest first, and leaves the mailbox empty and closed.
        final RecordingMailbox<String> mb = mailbox();
        mb.enqueue("a");
        mb.enqueue("b");
        mb.enqueue("c");
        assertNull(mb.close());
        assertTrue(mb.isClosed());
        assertEquals(List.of("a", "b", "c"), List.copyOf(mb.closed));
        assertEquals(0, mb.size());
        assertNull(mb.poll());
        assertFalse(mb.hasMessages());
    }

    @Test
    void producers_afterClose_refuseAndRouteToOnClosed() {
        // After close, enqueue and send hand the message to onClosed; offer returns false and leaves it with the caller.
        final RecordingMailbox<String> mb = mailbox();
        mb.close();
        assertFalse(mb.enqueue("told"));
        assertFalse(mb.offer("offered"));
        final CompletableFuture<Void> sent = mb.send("sent").toCompletableFuture();
        assertTrue(sent.isCompletedExceptionally());
        final CompletionException e = assertThrows(CompletionException.class, sent::join);
        assertInstanceOf(MailboxClosedException.class, e.getCause());
        assertEquals(List.of("told", "sent"), List.copyOf(mb.closed));
        assertTrue(mb.overflowed.isEmpty());
        assertEquals(0, mb.size());
    }

    @Test
    void close_withWaitingSends_failsThemWithMailboxClosed() {
        // Sends still waiting at close fail with MailboxClosedException and their messages go to onClosed after the queued ones.
        final RecordingMailbox<String> mb = fullMailbox();
        final CompletableFuture<Void> w1 = mb.send("w1").toCompletableFuture();
        final CompletableFuture<Void> w2 = mb.send("w2").toCompletableFuture();
        mb.close();
        for (CompletableFuture<Void> w : List.of(w1, w2)) {
            final CompletionException e = assertThrows(CompletionException.class, w::join);
            assertInstanceOf(MailboxClosedException.class, e.getCause());
        }
        assertEquals(List.of("w1", "w2", "m0", "m1", "m2", "m3"), List.copyOf(mb.closed));
        assertEquals(0, mb.size());
    }

    @Test
    void close_calledTwice_isIdempotent() {
        // A second close neither re-delivers nor fails.
        final RecordingMailbox<String> mb = mailbox();
        mb.enqueue("a");
        mb.enqueueSystem(new Sys("s"));
        assertEquals(List.of("s"), RecordingMailbox.labels(mb.close()));
        assertNull(mb.close());
        assertEquals(List.of("a"), List.copyOf(mb.closed));
    }

    // ---------------------------------------------------------------- scheduling: onSchedule and endTurn

    @Test
    void endTurn_allPolled_goesIdleAndTheNextEnqueueSchedulesAgain() {
        // A turn that consumed everything leaves the mailbox idle; the next enqueue schedules the consumer once more.
        final RecordingMailbox<String> mb = mailbox();
        assertTrue(mb.enqueue("a"));
        assertEquals("a", mb.poll());
        assertFalse(mb.endTurn(true));
        assertFalse(mb.isScheduled());
        assertEquals(0, mb.size());
        assertTrue(mb.enqueue("b"));
        assertEquals(2, mb.scheduleSignals.get());
    }

    @Test
    void endTurn_messagesLeft_staysScheduledWithoutSignal() {
        // A turn that leaves messages keeps the consumer scheduled, and producers meanwhile do not signal again.
        final RecordingMailbox<String> mb = mailbox();
        assertTrue(mb.enqueue("a"));
        assertTrue(mb.enqueue("b"));
        assertEquals("a", mb.poll());
        assertTrue(mb.endTurn(true));
        assertTrue(mb.isScheduled());
        assertEquals(1, mb.size());
        assertTrue(mb.enqueue("c"));
        assertEquals(1, mb.scheduleSignals.get());
    }

    @Test
    void endTurn_userMessagesNotWanted_goesIdleAndAnEnqueueSchedulesAgain() {
        // An owner that ignores user messages (stopping) goes idle with messages queued; a later enqueue schedules it again.
        final RecordingMailbox<String> mb = mailbox();
        assertTrue(mb.enqueue("a"));
        assertFalse(mb.endTurn(false));
        assertFalse(mb.isScheduled());
        assertEquals(1, mb.size());
        assertTrue(mb.enqueue("b"));
        assertEquals(2, mb.scheduleSignals.get());
    }

    @Test
    void enqueueSystem_idleMailbox_schedulesOnce() {
        // A system message schedules an idle consumer exactly once, like a user message.
        final RecordingMailbox<String> mb = mailbox();
        assertTrue(mb.enqueueSystem(new Sys("watch")));
        assertTrue(mb.enqueueSystem(new Sys("stop")));
        assertEquals(1, mb.scheduleSignals.get());
        assertEquals(List.of("watch", "stop"), RecordingMailbox.labels(mb.drainSystem()));
        assertFalse(mb.endTurn(true));
        assertFalse(mb.isScheduled());
    }

    // ---------------------------------------------------------------- the system lane

    @Test
    void enqueueSystem_mailboxNotFull_takesNoUserSlot() {
        // A system message never counts against the capacity, also when the mailbox is not full: the user slots left stay usable (issue #9, item 9).
        final RecordingMailbox<String> mb = mailbox();
        for (int i = 0; i < CAPACITY - 1; i++) {
            assertTrue(mb.offer("m" + i));
        }
        assertTrue(mb.enqueueSystem(new Sys("watch")));
        assertTrue(mb.enqueueSystem(new Sys("stop")));
        assertEquals(CAPACITY - 1, mb.size());
        assertTrue(mb.offer("last"), "the last user slot is still free");
        assertFalse(mb.offer("over"));
        assertEquals(List.of("watch", "stop"), RecordingMailbox.labels(mb.drainSystem()));
        assertEquals(List.of("m0", "m1", "m2", "last"), mb.pollAll());
    }

    @Test
    void enqueueSystem_whenUserLaneFull_isAcceptedAndCostsNoCapacity() {
        // System messages ignore capacity: they enter a full mailbox and do not change size().
        final RecordingMailbox<String> mb = fullMailbox();
        final int signals = mb.scheduleSignals.get();
        assertTrue(mb.enqueueSystem(new Sys("stop")));
        assertEquals(CAPACITY, mb.size());
        assertTrue(mb.hasSystemMessages());
        assertEquals(signals, mb.scheduleSignals.get(), "the consumer was already scheduled");
        assertTrue(mb.isScheduled());
    }

    @Test
    void drainSystem_afterSeveralPushes_returnsThemOldestFirstOnce() {
        // drainSystem returns every system message in arrival order, and a second drain finds none.
        final RecordingMailbox<String> mb = mailbox();
        mb.enqueue("user");
        for (String s : List.of("s1", "s2", "s3")) {
            assertTrue(mb.enqueueSystem(new Sys(s)));
        }
        assertEquals(List.of("s1", "s2", "s3"), RecordingMailbox.labels(mb.drainSystem()));
        assertNull(mb.drainSystem());
        assertFalse(mb.hasSystemMessages());
        assertTrue(mb.hasMessages());
    }

    @Test
    void close_withQueuedSystemMessages_returnsThemOldestFirstAndRefusesLaterOnes() {
        // close returns the system messages still queued, oldest first; afterwards enqueueSystem returns false.
        final RecordingMailbox<String> mb = mailbox();
        final Sys a = new Sys("a");
        mb.enqueueSystem(a);
        mb.enqueueSystem(new Sys("b"));
        final SystemMessage rest = mb.close();
        assertSame(a, rest);
        assertEquals(List.of("a", "b"), RecordingMailbox.labels(rest));
        assertFalse(mb.enqueueSystem(new Sys("late")));
        assertFalse(mb.hasSystemMessages());
        assertNull(mb.drainSystem());
    }
}
