package io.troupe.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.testkit.BehaviorTestKit;
import io.troupe.actors.testkit.Effect;
import io.troupe.actors.testkit.TestInbox;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The synchronous behaviour kit: an actor's handlers run on the test thread, and its effects are recorded in order. */
class BehaviorTestKitTest {

    sealed interface Msg {}

    record Login(String user, ActorRef<String> replyTo) implements Msg {}

    record Work(String job) implements Msg {}

    record Idle() implements Msg {}

    record Logout() implements Msg {}

    record Lookup(String key, ActorRef<String> replyTo) implements Msg {}

    record Found(String value) implements Msg {}

    record External(int n) implements Msg {}

    /** A session: spawns a worker on login, forwards work, times out when idle, stops on logout. */
    static final class Session extends Actor<Msg> {
        final List<Thread> threads = new ArrayList<>();
        final List<String> postStops = new ArrayList<>();
        private ActorRef<String> worker;

        @Override
        protected void receive(Msg msg) {
            threads.add(Thread.currentThread());
            if (msg instanceof Login l) {
                worker = context().spawn(Actor.<String>of((ctx, m) -> {}), "worker-" + l.user());
                context().watch(worker);
                context().timers().startSingleTimer("idle", new Idle(), Duration.ofMinutes(5));
                l.replyTo().tell("welcome " + l.user());
            } else if (msg instanceof Work w) {
                worker.tell(w.job());
                context().timers().startSingleTimer("idle", new Idle(), Duration.ofMinutes(5));
            } else if (msg instanceof Idle || msg instanceof Logout) {
                context().timers().cancel("idle");
                context().stop(worker);
                context().stop(self());
            }
        }

        @Override
        protected void postStop() {
            postStops.add("stopped");
        }
    }

    @Test
    void run_sessionLifecycle_recordsEffectsInOrderOnTheTestThread() {
        // Each handler runs on the test thread; spawn, watch, timers and stops are recorded in the order they happened; messages sent land in the right inboxes; a fired timer's message is handled; postStop runs when the actor stops itself.
        final Session[] created = new Session[1];
        final BehaviorTestKit<Msg> kit = BehaviorTestKit.create(() -> created[0] = new Session(), "session");
        final TestInbox<String> client = TestInbox.create("client");
        kit.run(new Login("ann", client.ref()));
        final List<Effect> login = kit.retrieveAllEffects();
        assertEquals(3, login.size(), login.toString());
        final Effect.Spawned spawned = (Effect.Spawned) login.get(0);
        assertEquals("worker-ann", spawned.name());
        assertEquals("/user/session/worker-ann", spawned.ref().path());
        assertEquals(List.of(new Effect.Watched(spawned.ref()),
                new Effect.TimerStarted("idle", new Idle(), Duration.ofMinutes(5), Effect.TimerKind.SINGLE)), login.subList(1, 3));
        client.expectMessage("welcome ann");

        kit.run(new Work("j1"));
        kit.run(new Work("j2"));
        assertEquals(List.of("j1", "j2"), kit.<String>childInbox("worker-ann").receiveAll());
        assertTrue(kit.isTimerActive("idle"));
        kit.retrieveAllEffects();

        kit.fireTimer("idle");
        assertEquals(List.of(new Effect.TimerCancelled("idle"), new Effect.Stopped(spawned.ref()), new Effect.Stopped(kit.ref())),
                kit.retrieveAllEffects());
        assertFalse(kit.isAlive());
        assertEquals(List.of("stopped"), created[0].postStops);
        for (Thread t : created[0].threads) {
            assertSame(Thread.currentThread(), t);
        }
        assertThrows(IllegalStateException.class, () -> kit.run(new Work("late")));
    }

    /** Waits for a lookup reply, stashing work meanwhile; converts external ints through an adapter. */
    static final class Waiter extends Actor<Msg> {
        final List<String> handled = new ArrayList<>();
        private final CompletableFuture<String> lookup;
        private Stash<Msg> stash;
        private boolean waiting;

        Waiter(CompletableFuture<String> lookup) {
            this.lookup = lookup;
        }

        @Override
        protected void preStart() {
            stash = context().stash(4);
            context().messageAdapter(Integer.class, External::new).tell(7);
        }

        @Override
        protected void receive(Msg msg) {
            if (msg instanceof Lookup) {
                waiting = true;
                context().pipeToSelf(lookup, (v, e) -> new Found(v));
            } else if (waiting && msg instanceof Work) {
                stash.stash(msg);
            } else if (msg instanceof Found f) {
                waiting = false;
                handled.add("found " + f.value());
                stash.unstashAll();
            } else {
                handled.add(msg.toString());
            }
        }
    }

    @Test
    void run_stashPipeToSelfAndAdapter_behaveAsInTheRuntimeButSynchronously() {
        // pipeToSelf results and adapter messages wait in the self inbox until the test runs them; stashed work is handled right after unstashAll, in arrival order.
        final CompletableFuture<String> lookup = new CompletableFuture<>();
        final Waiter[] created = new Waiter[1];
        final BehaviorTestKit<Msg> kit = BehaviorTestKit.create(() -> created[0] = new Waiter(lookup));
        kit.runOne(); // External(7), sent through the adapter in preStart
        kit.run(new Lookup("k", TestInbox.<String>create("unused").ref()));
        kit.run(new Work("a"));
        kit.run(new Work("b"));
        assertFalse(kit.selfInbox().hasMessages(), "the lookup has not completed");
        lookup.complete("v");
        kit.runOne(); // Found(v): unstashes a, b
        assertEquals(List.of("External[n=7]", "found v", "Work[job=a]", "Work[job=b]"), created[0].handled);
        assertFalse(kit.hasEffects());
    }
}
