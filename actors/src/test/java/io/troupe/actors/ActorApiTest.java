package io.troupe.actors;

import static io.troupe.actors.Testing.TIMEOUT;
import static io.troupe.actors.Testing.await;
import static io.troupe.actors.Testing.block;
import static io.troupe.actors.Testing.failureOf;
import static io.troupe.actors.Testing.join;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.testkit.TestProbe;
import io.troupe.mailbox.MailboxClosedException;
import io.troupe.mailbox.MailboxFullException;
import io.troupe.mailbox.OverflowPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeoutException;

/** The public API's contract: spawning and names, tell, offer, send and ask, on both dispatchers. */
class ActorApiTest {

    /** The README's counter. */
    static final class Counter extends Actor<Counter.Msg> {
        sealed interface Msg {}

        record Add(int n) implements Msg {}

        record Get(ActorRef<Integer> replyTo) implements Msg {}

        private int total;

        @Override
        protected void receive(Msg msg) {
            if (msg instanceof Add a) {
                total += a.n();
            } else if (msg instanceof Get g) {
                g.replyTo().tell(total);
            }
        }
    }

    /** Blocks on "block" until released, forwards everything else to the probe. */
    static Actor<String> blocker(CountDownLatch entered, CountDownLatch release, ActorRef<String> probe) {
        return new Actor<>() {
            @Override
            protected void receive(String m) {
                if (m.equals("block")) {
                    entered.countDown();
                    block(release);
                } else {
                    probe.tell(m);
                }
            }
        };
    }

    // ---------------------------------------------------------------- spawn and names

    @BothDispatchers
    void spawn_duplicateName_throwsIllegalArgumentNamingIt(DispatcherKind kind) {
        // A name taken by a living sibling is refused, and the message names the name and the parent.
        try (ActorSystem system = Testing.system(kind)) {
            system.spawn(Actor.<String>of((ctx, m) -> {}), "twin");
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> system.spawn(Actor.<String>of((ctx, m) -> {}), "twin"));
            assertTrue(e.getMessage().contains("'twin'") && e.getMessage().contains("/user"), e.getMessage());
        }
    }

    @BothDispatchers
    void spawn_invalidName_throwsIllegalArgument(DispatcherKind kind) {
        // Empty names, names starting with '$' and names with characters outside the allowed set are refused; null is a NullPointerException.
        try (ActorSystem system = Testing.system(kind)) {
            for (String bad : List.of("", "$1", "a b", "a/b", "é", "a#b")) {
                final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> system.spawn(Actor.<String>of((ctx, m) -> {}), bad), "name '" + bad + "'");
                assertFalse(e.getMessage().isEmpty());
            }
            assertThrows(NullPointerException.class, () -> system.spawn(Actor.<String>of((ctx, m) -> {}), (String) null));
            assertTrue(system.spawn(Actor.<String>of((ctx, m) -> {}), "ok-name_1.2~:@+=").path().endsWith("/ok-name_1.2~:@+="));
        }
    }

    @BothDispatchers
    void spawnAnonymous_manyActors_generatedNamesStartWithDollarAndAreUnique(DispatcherKind kind) {
        // Generated names start with '$' (kept out of user names) and never repeat.
        try (ActorSystem system = Testing.system(kind)) {
            final Set<String> names = new HashSet<>();
            for (int i = 0; i < 50; i++) {
                final ActorRef<String> ref = system.spawnAnonymous(Actor.<String>of((ctx, m) -> {}));
                assertTrue(ref.name().startsWith("$"), ref.name());
                assertEquals("/user/" + ref.name(), ref.path());
                assertTrue(names.add(ref.name()), "duplicate " + ref.name());
            }
        }
    }

    @BothDispatchers
    void spawn_nameOfTerminatedChild_isFreeAgainWhenParentSeesTerminated(DispatcherKind kind) {
        // A child's name is refused while it lives and is free again once its parent has been told it terminated.
        try (ActorSystem system = Testing.system(kind)) {
            final TestProbe<String> probe = TestProbe.create(system);
            system.spawn(() -> new Actor<String>() {
                private ActorRef<String> first;

                @Override
                protected void preStart() {
                    first = context().spawn(Actor.<String>of((ctx, m) -> {}), "kid");
                    probe.ref().tell("first " + first.path());
                    try {
                        context().spawn(Actor.<String>of((ctx, m) -> {}), "kid");
                        probe.ref().tell("duplicate accepted");
                    } catch (IllegalArgumentException e) {
                        probe.ref().tell("duplicate refused");
                    }
                    context().watch(first);
                    context().stop(first);
                }

                @Override
                protected void receive(String message) {}

                @Override
                protected void onSignal(Signal signal) {
                    final ActorRef<String> second = context().spawn(Actor.<String>of((ctx, m) -> {}), "kid");
                    probe.ref().tell((second != first && signal.ref() == first ? "respawned " : "wrong ") + second.path());
                }
            }, "parent");
            probe.expectMessage("first /user/parent/kid", TIMEOUT);
            probe.expectMessage("duplicate refused", TIMEOUT);
            probe.expectMessage("respawned /user/parent/kid", TIMEOUT);
        }
    }

    @BothDispatchers
    void spawn_afterClose_throwsIllegalState(DispatcherKind kind) {
        // A closed system refuses new top-level actors with IllegalStateException naming the system.
        final ActorSystem system = Testing.system(kind);
        assertEquals(List.of(), system.close(TIMEOUT));
        assertTrue(system.isClosed());
        final IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> system.spawn(Actor.<String>of((ctx, m) -> {}), "late"));
        assertTrue(e.getMessage().contains(system.name()), e.getMessage());
        assertThrows(IllegalStateException.class, () -> system.spawnAnonymous(Actor.<String>of((ctx, m) -> {})));
    }

    // ---------------------------------------------------------------- tell, offer, send

    @BothDispatchers
    void tell_thenAsk_countsEveryMessage(DispatcherKind kind) {
        // The README's example: tells are all handled before an ask sent after them by the same thread.
        try (ActorSystem system = Testing.system(kind)) {
            final ActorRef<Counter.Msg> counter = system.spawn(Counter::new, "counter");
            for (int i = 0; i < 5_000; i++) {
                counter.tell(new Counter.Add(2));
            }
            assertEquals(10_000, join(counter.ask(Counter.Get::new, TIMEOUT)));
        }
    }

    @BothDispatchers
    void producers_nullMessage_throwNullPointer(DispatcherKind kind) {
        // tell, offer and send refuse null; ask with a null request builder or a builder that returns null fails.
        try (ActorSystem system = Testing.system(kind)) {
            final ActorRef<String> ref = system.spawn(Actor.<String>of((ctx, m) -> {}), "nulls");
            assertThrows(NullPointerException.class, () -> ref.tell(null));
            assertThrows(NullPointerException.class, () -> ref.offer(null));
            assertThrows(NullPointerException.class, () -> ref.send(null));
            assertThrows(NullPointerException.class, () -> ref.ask(null, TIMEOUT));
            assertThrows(NullPointerException.class, () -> ref.ask(r -> "x", null));
            assertInstanceOf(NullPointerException.class, failureOf(ref.<String>ask(r -> null, TIMEOUT)));
        }
    }

    @BothDispatchers
    void offer_whenFull_returnsFalseAndNothingIsDelivered(DispatcherKind kind) {
        // offer returns false once the mailbox is full; refused messages are never handled and never become dead letters.
        try (ActorSystem system = Testing.system(kind)) {
            final TestProbe<String> probe = TestProbe.create(system);
            final CountDownLatch entered = new CountDownLatch(1);
            final CountDownLatch release = new CountDownLatch(1);
            final ActorRef<String> ref = system.spawn(() -> blocker(entered, release, probe.ref()),
                    SpawnOptions.named("small").withMailbox(3, OverflowPolicy.DEAD_LETTER));
            ref.tell("block");
            await(entered, "the handler to block");
            final List<String> accepted = new ArrayList<>();
            int refused = 0;
            for (int i = 0; i < 10; i++) {
                if (ref.offer("m" + i)) {
                    assertEquals(0, refused, "no offer succeeds after one was refused while the actor is blocked");
                    accepted.add("m" + i);
                } else {
                    refused++;
                }
            }
            assertTrue(refused > 0 && !accepted.isEmpty(), "accepted " + accepted);
            release.countDown();
            for (String m : accepted) {
                probe.expectMessage(m, TIMEOUT);
            }
            // send, not tell: the slots of the batch just handled are released only when the batch ends.
            join(ref.send("end"));
            probe.expectMessage("end", TIMEOUT);
            assertEquals(0, system.deadLetters().count());
        }
    }

    @BothDispatchers
    void send_whenFull_waitsThenCompletesAndDeliversInOrder(DispatcherKind kind) {
        // A send to a full mailbox does not complete until there is room; then every sent message arrives, in order, and none is lost.
        try (ActorSystem system = Testing.system(kind)) {
            final TestProbe<String> probe = TestProbe.create(system);
            final CountDownLatch entered = new CountDownLatch(1);
            final CountDownLatch release = new CountDownLatch(1);
            final ActorRef<String> ref = system.spawn(() -> blocker(entered, release, probe.ref()),
                    SpawnOptions.named("tiny").withMailbox(1, OverflowPolicy.DEAD_LETTER));
            ref.tell("block");
            await(entered, "the handler to block");
            final List<CompletableFuture<Void>> sends = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                sends.add(ref.send("s" + i).toCompletableFuture());
            }
            assertFalse(sends.get(sends.size() - 1).isDone(), "a blocked actor with capacity 1 cannot take 20 messages");
            release.countDown();
            for (int i = 0; i < 20; i++) {
                probe.expectMessage("s" + i, TIMEOUT);
            }
            for (CompletableFuture<Void> s : sends) {
                join(s);
            }
            assertEquals(0, system.deadLetters().count());
        }
    }

    @BothDispatchers
    void send_toStoppedActor_failsWithMailboxClosed(DispatcherKind kind) {
        // send to an actor that has stopped fails with MailboxClosedException and the message becomes a dead letter.
        try (ActorSystem system = Testing.system(kind)) {
            final TestProbe<String> probe = TestProbe.create(system);
            final ActorRef<String> ref = system.spawn(Actor.<String>of((ctx, m) -> {}), "gone");
            system.stop(ref);
            probe.expectTerminated(ref, TIMEOUT);
            assertInstanceOf(MailboxClosedException.class, failureOf(ref.send("late")));
            assertFalse(ref.offer("late"));
            assertEquals(1, system.deadLetters().count(), "send's message is a dead letter; offer's stays with the caller");
        }
    }

    @BothDispatchers
    void tell_fullMailboxUnderFailSender_throwsMailboxFullToSender(DispatcherKind kind) {
        // Under FAIL_SENDER, a tell to a full mailbox throws MailboxFullException to the sender, whether a thread or an actor, and enqueues nothing.
        try (ActorSystem system = Testing.system(kind)) {
            final TestProbe<String> probe = TestProbe.create(system);
            final CountDownLatch entered = new CountDownLatch(1);
            final CountDownLatch release = new CountDownLatch(1);
            final ActorRef<String> ref = system.spawn(() -> blocker(entered, release, probe.ref()),
                    SpawnOptions.named("strict").withMailbox(2, OverflowPolicy.FAIL_SENDER));
            ref.tell("block");
            await(entered, "the handler to block");
            final List<String> accepted = new ArrayList<>();
            MailboxFullException thrown = null;
            for (int i = 0; i < 5 && thrown == null; i++) {
                try {
                    ref.tell("m" + i);
                    accepted.add("m" + i);
                } catch (MailboxFullException e) {
                    thrown = e;
                }
            }
            assertTrue(thrown != null, "the full mailbox threw");
            assertTrue(thrown.getMessage().contains("/user/strict"), thrown.getMessage());
            system.spawn(Actor.<String>of((ctx, m) -> {
                try {
                    ref.tell("from an actor");
                    probe.ref().tell("actor's tell accepted");
                } catch (MailboxFullException e) {
                    probe.ref().tell("actor got MailboxFullException");
                }
            }), "sender").tell("go");
            probe.expectMessage("actor got MailboxFullException", TIMEOUT);
            release.countDown();
            for (String m : accepted) {
                probe.expectMessage(m, TIMEOUT);
            }
            join(ref.send("end")); // lossless: the handled batch's slots are released when the batch ends
            probe.expectMessage("end", TIMEOUT);
            assertEquals(0, system.deadLetters().count());
        }
    }

    // ---------------------------------------------------------------- ask

    @BothDispatchers
    void ask_noReply_failsWithTimeoutException(DispatcherKind kind) {
        // An ask nobody answers fails with TimeoutException naming the target, and the late reply becomes a dead letter.
        try (ActorSystem system = Testing.system(kind)) {
            final CompletableFuture<ActorRef<String>> replyTo = new CompletableFuture<>();
            final ActorRef<ActorRef<String>> silent = system.spawn(Actor.<ActorRef<String>>of((ctx, r) -> replyTo.complete(r)), "silent");
            final Throwable t = failureOf(silent.<String>ask(r -> r, Duration.ofMillis(20)));
            assertInstanceOf(TimeoutException.class, t);
            assertTrue(t.getMessage().contains("/user/silent"), t.getMessage());
            join(replyTo).tell("too late");
            assertEquals(1, system.deadLetters().count());
        }
    }

    @BothDispatchers
    void ask_nonPositiveTimeout_throwsIllegalArgument(DispatcherKind kind) {
        // A zero or negative ask timeout is refused at the call, naming the value.
        try (ActorSystem system = Testing.system(kind)) {
            final ActorRef<Counter.Msg> counter = system.spawn(Counter::new, "counter");
            for (Duration bad : List.of(Duration.ZERO, Duration.ofMillis(-1))) {
                final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> counter.ask(Counter.Get::new, bad));
                assertTrue(e.getMessage().contains("timeout"), e.getMessage());
            }
        }
    }

    @BothDispatchers
    void ask_stoppedActor_failsWithActorTerminated(DispatcherKind kind) {
        // An ask to an actor that already stopped fails at once with ActorTerminatedException.
        try (ActorSystem system = Testing.system(kind)) {
            final TestProbe<String> probe = TestProbe.create(system);
            final ActorRef<Counter.Msg> counter = system.spawn(Counter::new, "counter");
            system.stop(counter);
            probe.expectTerminated(counter, TIMEOUT);
            assertInstanceOf(ActorTerminatedException.class, failureOf(counter.ask(Counter.Get::new, TIMEOUT)));
        }
    }

    @BothDispatchers
    void ask_targetStopsBeforeReplying_failsWithActorTerminated(DispatcherKind kind) {
        // An ask whose target stops while holding the request fails with ActorTerminatedException, long before its timeout.
        try (ActorSystem system = Testing.system(kind)) {
            final CountDownLatch received = new CountDownLatch(1);
            final ActorRef<ActorRef<String>> hoarder = system.spawn(Actor.<ActorRef<String>>of((ctx, r) -> received.countDown()), "hoarder");
            final CompletableFuture<String> answer = hoarder.<String>ask(r -> r, Duration.ofHours(1)).toCompletableFuture();
            await(received, "the request to arrive");
            system.stop(hoarder);
            assertInstanceOf(ActorTerminatedException.class, failureOf(answer));
        }
    }

    @BothDispatchers
    void ask_fromManyThreads_eachGetsItsOwnReply(DispatcherKind kind) {
        // Each ask's stage completes with the reply to its own request, not another's.
        try (ActorSystem system = Testing.system(kind)) {
            record Echo(int n, ActorRef<Integer> replyTo) {}
            final ActorRef<Echo> echo = system.spawn(Actor.<Echo>of((ctx, e) -> e.replyTo().tell(e.n())), "echo");
            final List<CompletableFuture<Integer>> answers = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                final int n = i;
                answers.add(CompletableFuture.supplyAsync(() -> join(echo.<Integer>ask(r -> new Echo(n, r), TIMEOUT))));
            }
            for (int i = 0; i < 200; i++) {
                assertEquals(i, join(answers.get(i)));
            }
        }
    }

    @BothDispatchers
    void narrow_returnsSameRef(DispatcherKind kind) {
        // narrow is a free view of the same actor: same object, same path.
        try (ActorSystem system = Testing.system(kind)) {
            final ActorRef<Object> any = system.spawn(Actor.of((ctx, m) -> {}), "any");
            final ActorRef<String> narrowed = any.narrow();
            assertTrue((Object) narrowed == any);
            assertEquals(any.path(), narrowed.path());
            assertNotEquals("", any.name());
            assertNotSame(null, any.toString());
        }
    }
}
