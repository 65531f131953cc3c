package io.troupe.actors;

import static io.troupe.actors.Testing.TIMEOUT;
import static io.troupe.actors.Testing.await;
import static io.troupe.actors.Testing.block;
import static io.troupe.actors.Testing.join;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.testkit.TestProbe;
import io.troupe.mailbox.OverflowPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/** Message adapters: a T sent to the adapter reaches its actor as an M, converted in the actor's own turn, through its own mailbox. */
class MessageAdapterTest {

    /** A foreign protocol, sealed like a socket's events. */
    sealed interface Event permits Opened, Data {}

    record Opened(String who) implements Event {}

    record Data(int n) implements Event {}

    /** The actor's own protocol. */
    sealed interface Msg {}

    record Text(String s) implements Msg {}

    record FromEvent(Event e) implements Msg {}

    record Num(int n) implements Msg {}

    /** Asks for the adapter's ref; the reply carries it. */
    record GetAdapter(ActorRef<ActorRef<Event>> replyTo) implements Msg {}

    /**
     * Registers an Event adapter in preStart and reports every handled message (with the thread
     * that converted it and the one that handled it) to the probe.
     */
    static final class Recorder extends Actor<Msg> {
        private final ActorRef<Object> probe;
        private ActorRef<Event> adapter;

        Recorder(ActorRef<Object> probe) {
            this.probe = probe;
        }

        @Override
        protected void preStart() {
            adapter = context().messageAdapter(Event.class, FromEvent::new);
        }

        @Override
        protected void receive(Msg msg) {
            if (msg instanceof GetAdapter g) {
                g.replyTo().tell(adapter);
            } else {
                probe.tell(msg);
            }
        }
    }

    private static ActorRef<Event> adapterOf(ActorRef<Msg> actor) {
        return join(actor.<ActorRef<Event>>ask(GetAdapter::new, TIMEOUT));
    }

    @BothDispatchers
    void adapter_interleavedWithDirectMessages_arriveConvertedInSendOrder(DispatcherKind kind) {
        // Messages through the adapter and straight to the actor from one sender are handled in the order sent, each Event converted to FromEvent.
        try (ActorSystem system = Testing.system(kind)) {
            final TestProbe<Object> probe = TestProbe.create(system);
            final ActorRef<Msg> actor = system.spawn(() -> new Recorder(probe.ref()), "recorder");
            final ActorRef<Event> adapter = adapterOf(actor);
            final List<Object> expected = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                if (i % 3 == 0) {
                    adapter.tell(new Data(i));
                    expected.add(new FromEvent(new Data(i)));
                } else if (i % 3 == 1) {
                    actor.tell(new Num(i));
                    expected.add(new Num(i));
                } else {
                    adapter.tell(new Opened("c" + i));
                    expected.add(new FromEvent(new Opened("c" + i)));
                }
            }
            final List<Object> got = new ArrayList<>();
            for (int i = 0; i < expected.size(); i++) {
                got.add(probe.expectMessage(TIMEOUT));
            }
            assertEquals(expected, got);
        }
    }

    @BothDispatchers
    void adapter_conversion_runsOnTheActorsThreadInItsTurnWithNoExtraActor(DispatcherKind kind) {
        // The conversion runs on the thread that then handles the message, inside the same turn, and the adapter spawns no actor.
        try (ActorSystem system = Testing.system(kind)) {
            final TestProbe<Object> probe = TestProbe.create(system);
            final AtomicReference<Thread> converting = new AtomicReference<>();
            final ActorRef<String> actor = system.spawn(() -> new Actor<String>() {
                @Override
                protected void preStart() {
                    final ActorRef<Integer> ints = context().messageAdapter(Integer.class, n -> {
                        converting.set(Thread.currentThread());
                        return "n" + n;
                    });
                    probe.ref().tell(ints);
                }

                @Override
                protected void receive(String m) {
                    probe.ref().tell(m + (converting.get() == Thread.currentThread() ? " same-thread" : " other-thread")
                            + " children=" + context().children().size());
                }
            }, "owner");
            @SuppressWarnings("unchecked")
            final ActorRef<Integer> ints = (ActorRef<Integer>) probe.expectMessage(TIMEOUT);
            ints.tell(7);
            probe.expectMessage("n7 same-thread children=0", TIMEOUT);
            assertEquals(actor.path() + "/$adapter-Integer", ints.path());
        }
    }

    @BothDispatchers
    void adapter_sharesTheOwnersMailbox_offerRefusedWhenOwnerIsFull(DispatcherKind kind) {
        // The adapter has no queue of its own: with the owner's mailbox full, offer through the adapter returns false and nothing is enqueued; send waits for room and completes when the owner drains.
        try (ActorSystem system = Testing.system(kind)) {
            final TestProbe<Object> probe = TestProbe.create(system);
            final CountDownLatch entered = new CountDownLatch(1);
            final CountDownLatch release = new CountDownLatch(1);
            final ActorRef<String> actor = system.spawn(() -> new Actor<String>() {
                @Override
                protected void preStart() {
                    probe.ref().tell(context().messageAdapter(Integer.class, n -> "n" + n));
                }

                @Override
                protected void receive(String m) {
                    if (m.equals("block")) {
                        entered.countDown();
                        block(release);
                    } else {
                        probe.ref().tell(m);
                    }
                }
            }, SpawnOptions.named("small").withMailbox(2, OverflowPolicy.DEAD_LETTER));
            @SuppressWarnings("unchecked")
            final ActorRef<Integer> ints = (ActorRef<Integer>) probe.expectMessage(TIMEOUT);
            actor.tell("block");
            await(entered, "the owner to block");
            assertTrue(ints.offer(1));
            actor.tell("direct");
            assertFalse(ints.offer(2), "the owner's mailbox (capacity 2) is full");
            final CompletionStage<Void> sent = ints.send(3);
            assertFalse(sent.toCompletableFuture().isDone());
            release.countDown();
            join(sent);
            probe.expectMessage("n1", TIMEOUT);
            probe.expectMessage("direct", TIMEOUT);
            probe.expectMessage("n3", TIMEOUT);
            probe.expectNoMessage(Duration.ofMillis(50));
        }
    }

    @BothDispatchers
    void adapter_asReplyToAndAsAskTarget_repliesReachTheOwnerConverted(DispatcherKind kind) {
        // Another actor replies to an adapter passed as replyTo, and ask on the adapter itself works: the request reaches the owner converted and its reply completes the stage.
        try (ActorSystem system = Testing.system(kind)) {
            final TestProbe<Object> probe = TestProbe.create(system);
            record Square(int n, ActorRef<Integer> replyTo) {}
            final ActorRef<Square> squarer = system.spawn(Actor.<Square>of((ctx, m) -> m.replyTo().tell(m.n() * m.n())), "squarer");
            record Query(ActorRef<String> replyTo) {}
            final ActorRef<Object> owner = system.spawn(() -> new Actor<Object>() {
                @Override
                protected void preStart() {
                    final ActorRef<Integer> results = context().messageAdapter(Integer.class, n -> "squared " + n);
                    squarer.tell(new Square(9, results));
                    probe.ref().tell(context().messageAdapter(Query.class, q -> q));
                }

                @Override
                protected void receive(Object m) {
                    if (m instanceof Query q) {
                        q.replyTo().tell("answer from " + self().name());
                    } else {
                        probe.ref().tell(m);
                    }
                }
            }, "owner");
            final Object first = probe.expectMessage(TIMEOUT);
            final Object second = probe.expectMessage(TIMEOUT);
            final Object adapterRef = first instanceof ActorRef<?> ? first : second;
            assertEquals("squared 81", first instanceof ActorRef<?> ? second : first);
            @SuppressWarnings("unchecked")
            final ActorRef<Query> queries = (ActorRef<Query>) adapterRef;
            assertEquals("answer from owner", join(queries.<String>ask(Query::new, TIMEOUT)));
            assertEquals("/user/owner", owner.path());
        }
    }

    @BothDispatchers
    void messageAdapter_sameClassAgain_replacesConversionAndKeepsTheRef(DispatcherKind kind) {
        // Registering the same class again returns the same ref, and later messages use the new conversion.
        try (ActorSystem system = Testing.system(kind)) {
            final TestProbe<Object> probe = TestProbe.create(system);
            final ActorRef<String> actor = system.spawn(() -> new Actor<String>() {
                private ActorRef<Integer> first;

                @Override
                protected void preStart() {
                    first = context().messageAdapter(Integer.class, n -> "old " + n);
                    probe.ref().tell(first);
                }

                @Override
                protected void receive(String m) {
                    if (m.equals("replace")) {
                        final ActorRef<Integer> second = context().messageAdapter(Integer.class, n -> "new " + n);
                        probe.ref().tell(second == first ? "same ref" : "different ref");
                    } else {
                        probe.ref().tell(m);
                    }
                }
            }, "replacer");
            @SuppressWarnings("unchecked")
            final ActorRef<Integer> ints = (ActorRef<Integer>) probe.expectMessage(TIMEOUT);
            ints.tell(1);
            probe.expectMessage("old 1", TIMEOUT);
            actor.tell("replace");
            probe.expectMessage("same ref", TIMEOUT);
            ints.tell(2);
            probe.expectMessage("new 2", TIMEOUT);
        }
    }

    @BothDispatchers
    void adapter_conversionThrows_failsTheActorLikeAThrowingReceive(DispatcherKind kind) {
        // A conversion that throws fails the owner: its parent gets ChildFailed with that exception, and the message after it is not handled.
        try (ActorSystem system = Testing.system(kind)) {
            final TestProbe<Object> probe = TestProbe.create(system);
            final IllegalStateException boom = new IllegalStateException("bad conversion");
            system.spawn(() -> new Actor<String>() {
                @Override
                protected void preStart() {
                    final ActorRef<String> child = context().spawn(() -> new Actor<String>() {
                        @Override
                        protected void preStart() {
                            probe.ref().tell(context().messageAdapter(Integer.class, n -> {
                                if (n < 0) {
                                    throw boom;
                                }
                                return "n" + n;
                            }));
                        }

                        @Override
                        protected void receive(String m) {
                            probe.ref().tell(m);
                        }
                    }, "child");
                    context().watch(child);
                }

                @Override
                protected void receive(String m) {}

                @Override
                protected void onSignal(Signal signal) {
                    probe.ref().tell(signal);
                }
            }, "parent");
            @SuppressWarnings("unchecked")
            final ActorRef<Integer> ints = (ActorRef<Integer>) probe.expectMessage(TIMEOUT);
            ints.tell(1);
            ints.tell(-1);
            ints.tell(2);
            probe.expectMessage("n1", TIMEOUT);
            final ChildFailed failed = assertInstanceOf(ChildFailed.class, probe.expectMessage(TIMEOUT));
            assertSame(boom, failed.cause());
            probe.expectNoMessage(Duration.ofMillis(50));
        }
    }

    @BothDispatchers
    void watch_anAdapter_watchesItsOwnerAndTerminatedNamesTheAdapter(DispatcherKind kind) {
        // Watching an adapter watches its actor; Terminated carries the adapter ref that was watched, so a watcher comparing refs recognises it.
        try (ActorSystem system = Testing.system(kind)) {
            final TestProbe<Object> probe = TestProbe.create(system);
            final ActorRef<String> owner = system.spawn(() -> new Actor<String>() {
                @Override
                protected void preStart() {
                    probe.ref().tell(context().messageAdapter(Integer.class, n -> "n" + n));
                }

                @Override
                protected void receive(String m) {}
            }, "owner");
            @SuppressWarnings("unchecked")
            final ActorRef<Integer> ints = (ActorRef<Integer>) probe.expectMessage(TIMEOUT);
            final TestProbe<Object> watcher = TestProbe.create(system);
            watcher.watch(ints);
            system.stop(owner);
            final Terminated t = assertInstanceOf(Terminated.class, watcher.expectSignal(TIMEOUT));
            assertSame(ints, t.ref());
        }
    }

    @BothDispatchers
    void adapter_ownerStopped_messageIsADeadLetterCarryingTheUnconvertedMessage(DispatcherKind kind) {
        // After the owner stopped, a message through its adapter is a dead letter showing the message as sent (not the wrapper), reason RECIPIENT_STOPPED.
        try (ActorSystem system = Testing.system(kind)) {
            final TestProbe<Object> probe = TestProbe.create(system);
            final ConcurrentLinkedQueue<DeadLetter> letters = new ConcurrentLinkedQueue<>();
            system.deadLetters().subscribe(letters::add);
            final ActorRef<String> owner = system.spawn(() -> new Actor<String>() {
                @Override
                protected void preStart() {
                    probe.ref().tell(context().messageAdapter(Integer.class, n -> "n" + n));
                }

                @Override
                protected void receive(String m) {}
            }, "owner");
            @SuppressWarnings("unchecked")
            final ActorRef<Integer> ints = (ActorRef<Integer>) probe.expectMessage(TIMEOUT);
            system.stop(owner);
            final TestProbe<Object> w = TestProbe.create(system);
            w.expectTerminated(owner, TIMEOUT);
            ints.tell(42);
            final DeadLetter d = letters.stream().filter(l -> l.message().equals(42)).findFirst()
                    .orElseThrow(() -> new AssertionError("no dead letter for 42: " + letters));
            assertEquals(DeadLetter.Reason.RECIPIENT_STOPPED, d.reason());
            assertSame(owner, d.recipient());
        }
    }
}
