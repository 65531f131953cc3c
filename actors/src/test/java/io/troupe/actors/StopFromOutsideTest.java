package io.troupe.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Waiting for an actor to stop from outside: system.stop(ref) and system.whenTerminated(ref). */
@Timeout(60)
class StopFromOutsideTest {

    /** Records postStop, spawns one child that records too, and answers asks with its name. */
    private static final class Node extends Actor<Object> {
        private final List<String> events;
        private final boolean withChild;
        private final java.util.concurrent.CountDownLatch postStopGate;

        Node(List<String> events, boolean withChild) {
            this(events, withChild, new java.util.concurrent.CountDownLatch(0));
        }

        Node(List<String> events, boolean withChild, java.util.concurrent.CountDownLatch postStopGate) {
            this.events = events;
            this.withChild = withChild;
            this.postStopGate = postStopGate;
        }

        @Override
        protected void preStart() {
            if (withChild) {
                context().spawn(() -> new Node(events, false), "child");
            }
        }

        @Override
        @SuppressWarnings("unchecked")
        protected void receive(Object message) {
            if (message instanceof ActorRef<?> replyTo) {
                ((ActorRef<Object>) replyTo).tell(self().name());
            } else if ("stop yourself".equals(message)) {
                context().stop(self());
            }
        }

        @Override
        protected void postStop() {
            Testing.block(postStopGate);
            events.add("postStop:" + self().path());
        }
    }

    @Test
    void stop_completesAfterTheChildrenAndPostStop_ofTheActor() {
        // The stage of stop(ref) completes only once postStop ran, children first; what postStop did is visible.
        try (ActorSystem system = Testing.system(DispatcherKind.WORK_STEALING)) {
            final List<String> events = Collections.synchronizedList(new ArrayList<>());
            final java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
            final ActorRef<Object> node = system.spawn(() -> new Node(events, true, gate), "node");
            Testing.join(node.ask(r -> r, Testing.TIMEOUT));
            final CompletionStage<List<String>> stopped = system.stop(node).thenApply(v -> List.copyOf(events));
            assertFalse(stopped.toCompletableFuture().isDone(), "postStop has not finished");
            gate.countDown();
            final List<String> seen = Testing.join(stopped);
            assertEquals(List.of("postStop:/user/node/child", "postStop:/user/node"), seen);
            assertTrue(system.stop(node).toCompletableFuture().isDone(), "stopping a terminated actor: completed at once");
        }
    }

    @Test
    void whenTerminated_doesNotStopTheActor_andCompletesWhenItStopsItself() {
        // whenTerminated only watches: the actor keeps answering until it stops on its own.
        try (ActorSystem system = Testing.system(DispatcherKind.FORK_JOIN)) {
            final List<String> events = Collections.synchronizedList(new ArrayList<>());
            final ActorRef<Object> node = system.spawn(() -> new Node(events, false), "node");
            final CompletableFuture<Void> terminated = system.whenTerminated(node).toCompletableFuture();
            assertEquals("node", Testing.join(node.<String>ask(r -> r, Testing.TIMEOUT)));
            assertFalse(terminated.isDone());
            terminated.complete(null); // a caller completing its copy changes nothing for others
            final CompletionStage<Void> other = system.whenTerminated(node);
            assertEquals("node", Testing.join(node.<String>ask(r -> r, Testing.TIMEOUT)));
            node.tell("stop yourself");
            Testing.join(other);
            assertEquals(List.of("postStop:/user/node"), events);
            assertTrue(system.whenTerminated(node).toCompletableFuture().isDone(), "already terminated: completed at once");
        }
    }

    @Test
    void stop_andWhenTerminated_refuseARefOfAnotherSystem() {
        // A ref from another system is bad input, named in the error.
        try (ActorSystem a = Testing.system(DispatcherKind.WORK_STEALING);
             ActorSystem b = Testing.system(DispatcherKind.WORK_STEALING)) {
            final ActorRef<Object> ofA = a.spawn(Actor.of((ctx, m) -> { }), "x");
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.stop(ofA));
            assertTrue(e.getMessage().contains(b.name()) && e.getMessage().contains("/user/x"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> b.whenTerminated(ofA));
            assertThrows(NullPointerException.class, () -> a.whenTerminated(null));
        }
    }

    @Test
    @Timeout(120)
    void whenTerminated_racingWithStop_everyStageCompletes() throws Exception {
        // Watches registered while the actors terminate are each answered exactly once (never stranded).
        for (int round = 0; round < 20 * Testing.SCALE; round++) {
            try (ActorSystem system = Testing.system(DispatcherKind.WORK_STEALING)) {
                final int actors = 200;
                final List<ActorRef<Object>> refs = new ArrayList<>();
                for (int i = 0; i < actors; i++) {
                    refs.add(system.spawnAnonymous(Actor.of((ctx, m) -> { })));
                }
                final List<CompletionStage<Void>> stages = Collections.synchronizedList(new ArrayList<>());
                final CyclicBarrier start = new CyclicBarrier(3);
                final Thread stopper = new Thread(() -> {
                    await(start);
                    for (ActorRef<Object> r : refs) {
                        stages.add(system.stop(r));
                    }
                });
                final List<Thread> watchers = new ArrayList<>();
                for (int w = 0; w < 2; w++) {
                    watchers.add(new Thread(() -> {
                        await(start);
                        for (int i = refs.size() - 1; i >= 0; i--) {
                            stages.add(system.whenTerminated(refs.get(i)));
                        }
                    }));
                }
                stopper.start();
                watchers.forEach(Thread::start);
                stopper.join();
                for (Thread t : watchers) {
                    t.join();
                }
                assertEquals(3 * actors, stages.size());
                for (CompletionStage<Void> s : stages) {
                    Testing.join(s);
                }
            }
        }
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await(Duration.ofSeconds(10).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
