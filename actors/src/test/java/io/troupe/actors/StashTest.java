package io.troupe.actors;

import static io.troupe.actors.Testing.TIMEOUT;
import static io.troupe.actors.Testing.await;
import static io.troupe.actors.Testing.block;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.testkit.TestProbe;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/** The bounded stash: stash, unstashAll in arrival order ahead of newer messages, isFull, overflow as a clear failure, nothing lost at stop. */
class StashTest {

    /** The session's protocol. */
    sealed interface Msg {}

    record Command(int id) implements Msg {}

    record BackendReply(int id, String result) implements Msg {}

    record Lookup(int id, ActorRef<String> replyTo) {}

    /**
     * A session that handles one command at a time: for each it asks the backend and waits for
     * the reply, stashing the commands that arrive meanwhile; it reports each command when its
     * reply is in.
     */
    static final class Session extends Actor<Msg> {
        private final ActorRef<Lookup> backend;
        private final ActorRef<Object> report;
        private Stash<Msg> stash;
        private boolean waiting;

        Session(ActorRef<Lookup> backend, ActorRef<Object> report) {
            this.backend = backend;
            this.report = report;
        }

        @Override
        protected void preStart() {
            stash = context().stash(100);
        }

        @Override
        protected void receive(Msg msg) {
            if (msg instanceof Command c) {
                if (waiting) {
                    stash.stash(c);
                    return;
                }
                waiting = true;
                context().pipeToSelf(backend.<String>ask(r -> new Lookup(c.id(), r), TIMEOUT),
                        (result, error) -> new BackendReply(c.id(), error == null ? result : error.toString()));
            } else if (msg instanceof BackendReply r) {
                report.tell(r.id() + "=" + r.result());
                waiting = false;
                stash.unstashAll();
            }
        }
    }

    @BothDispatchers
    void session_pipelinedCommandsWhileWaitingForAsk_handledInArrivalOrder(DispatcherKind kind) {
        // Commands pipelined while the session waits for each ask reply are handled in the order they arrived, including commands sent while earlier ones were stashed.
        try (ActorSystem system = Testing.system(kind)) {
            final TestProbe<Object> probe = TestProbe.create(system);
            final CompletableFuture<Void> gate = new CompletableFuture<>();
            // The backend holds its first reply until the test opens the gate, so commands pile up in the stash.
            final ActorRef<Lookup> backend = system.spawn(Actor.<Lookup>of((ctx, l) -> {
                if (l.id() == 1) {
                    gate.thenRun(() -> l.replyTo().tell("r" + l.id()));
                } else {
                    l.replyTo().tell("r" + l.id());
                }
            }), "backend");
            final ActorRef<Msg> session = system.spawn(() -> new Session(backend, probe.ref()), "session");
            for (int i = 1; i <= 20; i++) {
                session.tell(new Command(i));
            }
            probe.expectNoMessage(Duration.ofMillis(20));
            gate.complete(null);
            for (int i = 21; i <= 60; i++) {
                session.tell(new Command(i));
            }
            final List<Object> got = new ArrayList<>();
            for (int i = 1; i <= 60; i++) {
                got.add(probe.expectMessage(TIMEOUT));
            }
            assertEquals(IntStream.rangeClosed(1, 60).mapToObj(i -> i + "=r" + i).collect(Collectors.toList()), got);
        }
    }

    @BothDispatchers
    void unstashAll_withMessagesInMailbox_stashedComeFirstInStashOrderAcrossTurns(DispatcherKind kind) {
        // With a throughput of 2, ten unstashed messages span several turns, yet all of them come before the messages that were already waiting in the mailbox.
        try (ActorSystem system = Testing.system(kind)) {
            final TestProbe<Object> probe = TestProbe.create(system);
            final CountDownLatch entered = new CountDownLatch(1);
            final CountDownLatch release = new CountDownLatch(1);
            final ActorRef<String> actor = system.spawn(() -> new Actor<String>() {
                private Stash<String> stash;
                private boolean holding = true;

                @Override
                protected void preStart() {
                    stash = context().stash(10);
                }

                @Override
                protected void receive(String m) {
                    if (m.equals("open")) {
                        holding = false;
                        entered.countDown();
                        block(release);   // the mailbox fills behind us meanwhile
                        probe.ref().tell("unstashed " + stash.unstashAll() + " full=" + stash.isFull());
                    } else if (holding) {
                        stash.stash(m);
                        if (stash.isFull()) {
                            probe.ref().tell("full at " + stash.size());
                        }
                    } else {
                        probe.ref().tell(m);
                    }
                }
            }, SpawnOptions.named("stasher").withThroughput(2));
            for (int i = 0; i < 10; i++) {
                actor.tell("s" + i);
            }
            probe.expectMessage("full at 10", TIMEOUT);
            actor.tell("open");
            await(entered, "the actor to take 'open'");
            for (int i = 0; i < 5; i++) {
                actor.tell("new" + i);
            }
            release.countDown();
            probe.expectMessage("unstashed 10 full=false", TIMEOUT);
            final List<Object> got = new ArrayList<>();
            for (int i = 0; i < 15; i++) {
                got.add(probe.expectMessage(TIMEOUT));
            }
            final List<Object> expected = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                expected.add("s" + i);
            }
            for (int i = 0; i < 5; i++) {
                expected.add("new" + i);
            }
            assertEquals(expected, got);
        }
    }

    @BothDispatchers
    void unstashAll_emptyMailboxSmallBudget_everyUnstashedMessageIsHandledWithoutANewMessage(DispatcherKind kind) {
        // Unstashed messages keep the actor scheduled by themselves: with a throughput of 2 and nothing in the mailbox, all ten are handled, in order.
        try (ActorSystem system = Testing.system(kind)) {
            final TestProbe<Object> probe = TestProbe.create(system);
            final ActorRef<String> actor = system.spawn(() -> new Actor<String>() {
                private boolean holding = true;

                @Override
                protected void receive(String m) {
                    final Stash<String> stash = context().stash(10);
                    if (m.equals("open")) {
                        holding = false;
                        stash.unstashAll();
                    } else if (holding) {
                        stash.stash(m);
                    } else {
                        probe.ref().tell(m);
                    }
                }
            }, SpawnOptions.named("budget").withThroughput(2));
            final List<Object> expected = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                actor.tell("s" + i);
                expected.add("s" + i);
            }
            actor.tell("open");
            final List<Object> got = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                got.add(probe.expectMessage(TIMEOUT));
            }
            assertEquals(expected, got);
        }
    }

    @BothDispatchers
    void unstashAll_whileEarlierUnstashedArePending_restashedGoAheadOfLaterOnes(DispatcherKind kind) {
        // A message stashed again while handling unstashed ones, then unstashed again, keeps its place: it comes before the unstashed messages that arrived after it.
        try (ActorSystem system = Testing.system(kind)) {
            final TestProbe<Object> probe = TestProbe.create(system);
            final ActorRef<String> actor = system.spawn(() -> new Actor<String>() {
                private boolean holding = true;
                private boolean aReady;

                @Override
                protected void receive(String m) {
                    final Stash<String> stash = context().stash(10);
                    if (m.equals("open")) {
                        holding = false;
                        stash.unstashAll();                 // a, b, c
                    } else if (holding || (m.equals("a") && !aReady)) {
                        stash.stash(m);                     // a is not ready yet: stashed again
                    } else if (m.equals("b")) {
                        aReady = true;
                        probe.ref().tell(m);
                        stash.unstashAll();                 // a again, while c is still pending
                    } else {
                        probe.ref().tell(m);
                    }
                }
            }, "restasher");
            actor.tell("a");
            actor.tell("b");
            actor.tell("c");
            actor.tell("open");
            actor.tell("d");
            final List<Object> got = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                got.add(probe.expectMessage(TIMEOUT));
            }
            assertEquals(List.of("b", "a", "c", "d"), got);
        }
    }

    @BothDispatchers
    void stash_whenFull_throwsStashOverflowNamingActorAndCapacityAndFailsTheActor(DispatcherKind kind) {
        // The message after the capacity is not stashed: StashOverflowException (naming the actor and the capacity) fails the actor; the parent sees it in ChildFailed.
        try (ActorSystem system = Testing.system(kind)) {
            final TestProbe<Object> probe = TestProbe.create(system);
            system.spawn(() -> new Actor<String>() {
                @Override
                protected void preStart() {
                    final ActorRef<String> child = context().spawn(() -> new Actor<String>() {
                        @Override
                        protected void receive(String m) {
                            context().stash(3).stash(m);
                        }
                    }, "hoarder");
                    context().watch(child);
                    for (int i = 0; i < 4; i++) {
                        child.tell("m" + i);
                    }
                }

                @Override
                protected void receive(String m) {}

                @Override
                protected void onSignal(Signal signal) {
                    probe.ref().tell(signal);
                }
            }, "parent");
            final ChildFailed failed = assertInstanceOf(ChildFailed.class, probe.expectMessage(TIMEOUT));
            final StashOverflowException e = assertInstanceOf(StashOverflowException.class, failed.cause());
            assertTrue(e.getMessage().contains("/user/parent/hoarder") && e.getMessage().contains("capacity 3"), e.getMessage());
        }
    }

    @BothDispatchers
    void stop_withStashedAndUnstashedMessages_allBecomeDeadLettersNoneHandled(DispatcherKind kind) {
        // An actor that stops with messages still stashed, or unstashed but not yet handled, hands every one of them to dead letters (RECIPIENT_STOPPED), in arrival order; none is handled.
        try (ActorSystem system = Testing.system(kind)) {
            final TestProbe<Object> probe = TestProbe.create(system);
            final ConcurrentLinkedQueue<DeadLetter> letters = new ConcurrentLinkedQueue<>();
            system.deadLetters().subscribe(letters::add);
            final ActorRef<String> actor = system.spawn(() -> new Actor<String>() {
                private boolean holding = true;

                @Override
                protected void receive(String m) {
                    final Stash<String> stash = context().stash(10);
                    if (m.equals("release-and-stop")) {
                        holding = false;
                        stash.unstashAll();       // a, b, c: unstashed, not yet handled
                        context().stop(self());   // processed before the next message
                    } else if (holding) {
                        stash.stash(m);
                    } else {
                        probe.ref().tell("handled " + m);
                    }
                }
            }, "stopper");
            actor.tell("a");
            actor.tell("b");
            actor.tell("c");
            actor.tell("release-and-stop");
            probe.expectTerminated(actor, TIMEOUT);
            final List<Object> dead = letters.stream().map(DeadLetter::message).collect(Collectors.toList());
            assertEquals(List.of("a", "b", "c"), dead);
            assertTrue(letters.stream().allMatch(d -> d.reason() == DeadLetter.Reason.RECIPIENT_STOPPED), letters.toString());
            probe.expectNoMessage(Duration.ofMillis(20));
        }
    }

    @BothDispatchers
    void stash_badCapacity_clearErrors(DispatcherKind kind) {
        // A non-positive capacity, or a second call with another capacity, is refused with the values named; the same capacity returns the same stash.
        try (ActorSystem system = Testing.system(kind)) {
            final TestProbe<Object> probe = TestProbe.create(system);
            system.spawn(() -> new Actor<String>() {
                @Override
                protected void preStart() {
                    for (int bad : new int[] {0, -1}) {
                        try {
                            context().stash(bad);
                            probe.ref().tell("accepted " + bad);
                        } catch (IllegalArgumentException e) {
                            probe.ref().tell(e.getMessage());
                        }
                    }
                    final Stash<String> s = context().stash(5);
                    probe.ref().tell(s == context().stash(5) ? "same" : "different");
                    try {
                        context().stash(6);
                    } catch (IllegalArgumentException e) {
                        probe.ref().tell(e.getMessage());
                    }
                }

                @Override
                protected void receive(String m) {}
            }, "caps");
            probe.expectMessage("stash capacity must be positive, was 0", TIMEOUT);
            probe.expectMessage("stash capacity must be positive, was -1", TIMEOUT);
            probe.expectMessage("same", TIMEOUT);
            probe.expectMessage("the stash of /user/caps has capacity 5; asked again with 6", TIMEOUT);
        }
    }
}
