package io.troupe.actors;

import static io.troupe.actors.Testing.TIMEOUT;
import static io.troupe.actors.Testing.await;
import static io.troupe.actors.Testing.awaitTrue;
import static io.troupe.actors.Testing.block;
import static io.troupe.actors.Testing.hasQueuedSystemMessage;
import static io.troupe.actors.Testing.join;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.testkit.TestProbe;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/** Lifecycle hooks, become, death watch, failure, pipeToSelf and spawnBlocking, on both dispatchers. */
class ActorLifecycleTest {

    /** Counts Terminated signals per watched ref; answers "count" with how many it saw of the last watched. */
    static final class Watcher extends Actor<Object> {
        record Watch(ActorRef<?> ref) {}

        record Unwatch(ActorRef<?> ref) {}

        record Count(ActorRef<?> of, ActorRef<Integer> replyTo) {}

        private final AtomicInteger terminatedSignals;
        private final java.util.HashMap<ActorRef<?>, Integer> seen = new java.util.HashMap<>();

        Watcher(AtomicInteger terminatedSignals) {
            this.terminatedSignals = terminatedSignals;
        }

        @Override
        protected void receive(Object m) {
            if (m instanceof Watch w) {
                context().watch(w.ref());
            } else if (m instanceof Unwatch u) {
                context().unwatch(u.ref());
            } else if (m instanceof Count c) {
                c.replyTo().tell(seen.getOrDefault(c.of(), 0));
            }
        }

        @Override
        protected void onSignal(Signal signal) {
            if (signal instanceof Terminated t) {
                seen.merge(t.ref(), 1, Integer::sum);
                terminatedSignals.incrementAndGet();
            }
        }
    }

    private static int countOf(ActorRef<Object> watcher, ActorRef<?> watched) {
        return join(watcher.<Integer>ask(r -> new Watcher.Count(watched, r), TIMEOUT));
    }

    // ---------------------------------------------------------------- hooks and become

    @BothDispatchers
    void hooks_lifeOfAnActor_runPreStartMessagesPostStopInOrder(DispatcherKind kind) {
        // preStart runs before the first message, and postStop after the last one, once.
        try (ActorSystem system = Testing.system(kind)) {
            final TestProbe<String> probe = TestProbe.create(system);
            final ActorRef<String> ref = system.spawn(() -> new Actor<String>() {
                @Override
                protected void preStart() {
                    probe.ref().tell("preStart");
                }

                @Override
                protected void receive(String m) {
                    probe.ref().tell(m);
                }

                @Override
                protected void postStop() {
                    probe.ref().tell("postStop");
                }
            }, "hooks");
            ref.tell("m1");
            ref.tell("m2");
            probe.expectMessage("preStart", TIMEOUT);
            probe.expectMessage("m1", TIMEOUT);
            probe.expectMessage("m2", TIMEOUT);
            system.stop(ref);
            probe.expectMessage("postStop", TIMEOUT);
            probe.expectTerminated(ref, TIMEOUT);
            assertEquals(0, probe.pendingMessages());
        }
    }

    @BothDispatchers
    void hooks_parentWithChildren_childrenPostStopBeforeParent(DispatcherKind kind) {
        // Stopping a parent stops its children first: every child's postStop runs before the parent's.
        try (ActorSystem system = Testing.system(kind)) {
            final TestProbe<String> probe = TestProbe.create(system);
            final CountDownLatch started = new CountDownLatch(3);
            final ActorRef<String> parent = system.spawn(() -> new Actor<String>() {
                @Override
                protected void preStart() {
                    for (int i = 0; i < 3; i++) {
                        final String name = "c" + i;
                        context().spawn(() -> new Actor<String>() {
                            @Override
                            protected void preStart() {
                                started.countDown();
                            }

                            @Override
                            protected void receive(String m) {}

                            @Override
                            protected void postStop() {
                                probe.ref().tell("child");
                            }
                        }, name);
                    }
                }

                @Override
                protected void receive(String m) {}

                @Override
                protected void postStop() {
                    probe.ref().tell("parent");
                }
            }, "parent");
            await(started, "the children to start");
            system.stop(parent);
            for (int i = 0; i < 3; i++) {
                probe.expectMessage("child", TIMEOUT);
            }
            probe.expectMessage("parent", TIMEOUT);
        }
    }

    @BothDispatchers
    void stop_parentWaitingForBlockedChild_toldMessageBecomesDeadLetterNotHandled(DispatcherKind kind) {
        // A stopping actor never handles a user message: one told to a parent that waits for its blocked child to stop reaches dead letters, never receive.
        try (ActorSystem system = Testing.system(kind)) {
            final TestProbe<Object> probe = TestProbe.create(system);
            final ConcurrentLinkedQueue<String> handled = new ConcurrentLinkedQueue<>();
            final ConcurrentLinkedQueue<DeadLetter> letters = new ConcurrentLinkedQueue<>();
            system.deadLetters().subscribe(letters::add);
            final CountDownLatch entered = new CountDownLatch(1);
            final CountDownLatch release = new CountDownLatch(1);
            final ActorRef<String> parent = system.spawn(() -> new Actor<String>() {
                @Override
                protected void preStart() {
                    probe.ref().tell(context().spawn(() -> ActorApiTest.blocker(entered, release, probe.ref().narrow()), "child"));
                }

                @Override
                protected void receive(String m) {
                    handled.add(m);
                }
            }, "parent");
            @SuppressWarnings("unchecked")
            final ActorRef<String> child = (ActorRef<String>) probe.expectMessageClass(ActorRef.class, TIMEOUT);
            final ActorCell<?> cell = (ActorCell<?>) parent;
            try {
                child.tell("block");
                await(entered, "the child to block");
                system.stop(parent);
                // Stop handled and the turn over: the parent is STOPPING, waiting for the child, and idle.
                awaitTrue("the parent took its Stop", () -> !hasQueuedSystemMessage(parent) && !cell.isScheduled());
                parent.tell("hello"); // schedules one turn of the stopping parent
                awaitTrue("the parent's turn for the message ended", () -> !cell.isScheduled());
            } finally {
                release.countDown();
            }
            probe.expectTerminated(parent, TIMEOUT);
            assertEquals(List.of(), List.copyOf(handled));
            final List<DeadLetter> toParent = letters.stream().filter(d -> d.recipient() == parent).toList();
            assertEquals(List.of("hello"), toParent.stream().map(DeadLetter::message).toList());
            assertEquals(DeadLetter.Reason.RECIPIENT_STOPPED, toParent.get(0).reason());
        }
    }

    @BothDispatchers
    void become_thenUnbecome_switchesHandlerAndBack(DispatcherKind kind) {
        // become routes the following messages to the new handler until unbecome restores receive.
        try (ActorSystem system = Testing.system(kind)) {
            final TestProbe<String> probe = TestProbe.create(system);
            final ActorRef<String> ref = system.spawn(() -> new Actor<String>() {
                @Override
                protected void receive(String m) {
                    probe.ref().tell("A:" + m);
                    if (m.equals("swap")) {
                        become(n -> {
                            probe.ref().tell("B:" + n);
                            if (n.equals("back")) {
                                unbecome();
                            }
                        });
                    }
                }
            }, "moody");
            for (String m : List.of("x", "swap", "y", "back", "z")) {
                ref.tell(m);
            }
            for (String m : List.of("A:x", "A:swap", "B:y", "B:back", "A:z")) {
                probe.expectMessage(m, TIMEOUT);
            }
        }
    }

    // ---------------------------------------------------------------- death watch

    @BothDispatchers
    void watch_stop_deliversTerminatedExactlyOnce(DispatcherKind kind) {
        // A watcher gets Terminated for a stopped actor exactly once, even if it watched twice.
        final AtomicInteger signals = new AtomicInteger();
        final ActorSystem system = Testing.system(kind);
        try {
            final TestProbe<String> probe = TestProbe.create(system);
            final ActorRef<String> target = system.spawn(Actor.<String>of((ctx, m) -> {}), "target");
            final ActorRef<Object> watcher = system.spawn(() -> new Watcher(signals), "watcher");
            watcher.tell(new Watcher.Watch(target));
            watcher.tell(new Watcher.Watch(target));
            assertEquals(0, countOf(watcher, target)); // both watches were made before the stop
            system.stop(target);
            probe.expectTerminated(target, TIMEOUT);
            awaitTrue("the watcher saw Terminated", () -> signals.get() >= 1);
            assertEquals(1, countOf(watcher, target));
        } finally {
            assertEquals(List.of(), system.close(TIMEOUT));
        }
        assertEquals(1, signals.get(), "no second Terminated arrived before the watcher stopped");
    }

    @BothDispatchers
    void unwatch_beforeStop_noTerminatedArrives(DispatcherKind kind) {
        // After unwatch, the watcher hears nothing of the actor's termination.
        try (ActorSystem system = Testing.system(kind)) {
            final AtomicInteger signals = new AtomicInteger();
            final TestProbe<String> probe = TestProbe.create(system);
            final ActorRef<String> target = system.spawn(Actor.<String>of((ctx, m) -> {}), "target");
            final ActorRef<Object> watcher = system.spawn(() -> new Watcher(signals), "watcher");
            watcher.tell(new Watcher.Watch(target));
            watcher.tell(new Watcher.Unwatch(target));
            assertEquals(0, countOf(watcher, target));
            system.stop(target);
            probe.expectTerminated(target, TIMEOUT);
            assertEquals(0, countOf(watcher, target));
            assertEquals(0, signals.get());
        }
    }

    @BothDispatchers
    void watch_deadActor_deliversTerminatedAtOnce(DispatcherKind kind) {
        // Watching an actor that already terminated delivers Terminated at once.
        try (ActorSystem system = Testing.system(kind)) {
            final AtomicInteger signals = new AtomicInteger();
            final TestProbe<String> probe = TestProbe.create(system);
            final ActorRef<String> target = system.spawn(Actor.<String>of((ctx, m) -> {}), "target");
            system.stop(target);
            probe.expectTerminated(target, TIMEOUT);
            final ActorRef<Object> watcher = system.spawn(() -> new Watcher(signals), "late-watcher");
            watcher.tell(new Watcher.Watch(target));
            awaitTrue("the late watcher saw Terminated", () -> signals.get() == 1);
            assertEquals(1, countOf(watcher, target));
        }
    }

    @BothDispatchers
    void watchAndAsk_queuedBehindStop_stillToldOfTermination(DispatcherKind kind) {
        // A watch, or an ask, whose request reaches the system lane right behind a Stop (both handled in one batch) is still told of the termination.
        try (ActorSystem system = Testing.system(kind)) {
            final AtomicInteger signals = new AtomicInteger();
            final TestProbe<String> probe = TestProbe.create(system);
            final CountDownLatch entered = new CountDownLatch(1);
            final CountDownLatch release = new CountDownLatch(1);
            final ActorRef<String> target = system.spawn(() -> ActorApiTest.blocker(entered, release, probe.ref()), "target");
            final ActorRef<Object> watcher = system.spawn(() -> new Watcher(signals), "watcher");
            final CompletableFuture<String> answer;
            try {
                target.tell("block");
                await(entered, "the target to block");
                system.stop(target); // Stop first in the system lane ...
                watcher.tell(new Watcher.Watch(target)); // ... then the Watch
                assertEquals(0, countOf(watcher, target)); // the watch has been issued
                answer = target.<String>ask(r -> "question", Duration.ofHours(1)).toCompletableFuture();
            } finally {
                release.countDown();
            }
            probe.expectTerminated(target, TIMEOUT);
            assertTrue(Testing.failureOf(answer) instanceof ActorTerminatedException);
            awaitTrue("the watcher was told", () -> signals.get() == 1);
            assertEquals(1, countOf(watcher, target));
        }
    }

    // ---------------------------------------------------------------- failure

    /** A parent that spawns one child from {@code factory} and forwards its signals to the probe. */
    static Supplier<Actor<String>> parentOf(Supplier<? extends Actor<String>> factory, TestProbe<Object> probe) {
        return () -> new Actor<>() {
            @Override
            protected void preStart() {
                probe.ref().tell(context().spawn(factory, "child"));
            }

            @Override
            protected void receive(String m) {}

            @Override
            protected void onSignal(Signal signal) {
                probe.ref().tell(signal);
            }
        };
    }

    @BothDispatchers
    void handlerThrows_stopsActorAndParentGetsChildFailed(DispatcherKind kind) {
        // An exception from receive stops the actor (postStop runs, later messages are dead letters) and its parent gets ChildFailed with the cause.
        try (ActorSystem system = Testing.system(kind)) {
            final TestProbe<Object> probe = TestProbe.create(system);
            final Supplier<Actor<String>> child = () -> new Actor<>() {
                @Override
                protected void receive(String m) {
                    if (m.equals("boom")) {
                        throw new IllegalStateException("boom");
                    }
                    probe.ref().tell("handled " + m);
                }

                @Override
                protected void postStop() {
                    probe.ref().tell("postStop");
                }
            };
            system.spawn(parentOf(child, probe), "parent");
            @SuppressWarnings("unchecked")
            final ActorRef<String> ref = (ActorRef<String>) probe.expectMessageClass(ActorRef.class, TIMEOUT);
            ref.tell("before");
            ref.tell("boom");
            ref.tell("after");
            probe.expectMessage("handled before", TIMEOUT);
            probe.expectMessage("postStop", TIMEOUT);
            final ChildFailed failed = probe.expectMessageClass(ChildFailed.class, TIMEOUT);
            assertSame(ref, failed.ref());
            assertTrue(failed.cause() instanceof IllegalStateException && failed.cause().getMessage().equals("boom"));
            probe.expectTerminated(ref, TIMEOUT);
            awaitTrue("the message after the failure became a dead letter", () -> system.deadLetters().count() == 1);
        }
    }

    @BothDispatchers
    void factoryThrows_parentGetsChildFailed(DispatcherKind kind) {
        // A factory that throws fails the child before preStart; the parent gets ChildFailed with the factory's exception.
        try (ActorSystem system = Testing.system(kind)) {
            final TestProbe<Object> probe = TestProbe.create(system);
            final Supplier<Actor<String>> broken = () -> {
                throw new IllegalArgumentException("no actor for you");
            };
            system.spawn(parentOf(broken, probe), "parent");
            final ActorRef<?> ref = probe.expectMessageClass(ActorRef.class, TIMEOUT);
            final ChildFailed failed = probe.expectMessageClass(ChildFailed.class, TIMEOUT);
            assertSame(ref, failed.ref());
            assertEquals("no actor for you", failed.cause().getMessage());
            probe.expectTerminated(ref, TIMEOUT);
        }
    }

    @BothDispatchers
    void stop_refThatIsNotAChild_throwsIllegalArgument(DispatcherKind kind) {
        // An actor may stop only itself and its children.
        try (ActorSystem system = Testing.system(kind)) {
            final TestProbe<String> probe = TestProbe.create(system);
            final ActorRef<String> stranger = system.spawn(Actor.<String>of((ctx, m) -> {}), "stranger");
            system.spawn(Actor.<String>of((ctx, m) -> {
                try {
                    ctx.stop(stranger);
                    probe.ref().tell("stopped a stranger");
                } catch (IllegalArgumentException e) {
                    probe.ref().tell("refused");
                }
            }), "meddler").tell("go");
            probe.expectMessage("refused", TIMEOUT);
        }
    }

    // ---------------------------------------------------------------- pipeToSelf and spawnBlocking

    @BothDispatchers
    void pipeToSelf_stageCompletes_mapperResultHandledOnActorThread(DispatcherKind kind) {
        // When a piped stage completes, normally or not, its mapped message is handled by the actor like any other.
        try (ActorSystem system = Testing.system(kind)) {
            final TestProbe<String> probe = TestProbe.create(system);
            final CompletableFuture<Integer> ok = new CompletableFuture<>();
            final CompletableFuture<Integer> bad = new CompletableFuture<>();
            final ActorRef<String> ref = system.spawn(() -> new Actor<String>() {
                @Override
                protected void receive(String m) {
                    if (m.equals("go")) {
                        context().pipeToSelf(ok, (v, e) -> e == null ? "ok " + v : "unexpected " + e);
                        context().pipeToSelf(bad, (v, e) -> e == null ? "unexpected " + v : "failed " + e.getMessage());
                        probe.ref().tell("piped");
                    } else {
                        probe.ref().tell(m);
                    }
                }
            }, "piper");
            ref.tell("go");
            probe.expectMessage("piped", TIMEOUT);
            ok.complete(42);
            probe.expectMessage("ok 42", TIMEOUT);
            bad.completeExceptionally(new IllegalStateException("nope"));
            probe.expectMessage("failed nope", TIMEOUT);
        }
    }

    @BothDispatchers
    void spawnBlocking_task_runsOnBlockingPoolAndResultIsHandled(DispatcherKind kind) {
        // spawnBlocking runs the task on the system's blocking pool, not a dispatcher thread, and its mapped result comes back as a message.
        try (ActorSystem system = Testing.system(kind)) {
            final TestProbe<String> probe = TestProbe.create(system);
            system.spawn(Actor.<String>of((ctx, m) -> {
                if (m.equals("go")) {
                    ctx.spawnBlocking(() -> Thread.currentThread().getName(), (name, e) -> "ran on " + name);
                    ctx.spawnBlocking(() -> {
                        throw new java.io.IOException("disk on fire");
                    }, (v, e) -> "failed " + e.getMessage());
                } else {
                    probe.ref().tell(m);
                }
            }), "io").tell("go");
            final String a = probe.expectMessage(TIMEOUT);
            final String b = probe.expectMessage(TIMEOUT);
            final String ran = a.startsWith("ran on ") ? a : b;
            assertTrue(ran.startsWith("ran on " + system.name() + "-blocking-"), ran);
            assertEquals("failed disk on fire", a.startsWith("ran on ") ? b : a);
        }
    }

    @BothDispatchers
    void spawnBlocking_poolSaturated_mapperGetsRejectedExecution(DispatcherKind kind) {
        // With one blocking thread and a queue of one, a third concurrent task is rejected and the mapper is told so; the other two still complete.
        try (ActorSystem system = Testing.builder(kind).blockingPool(1, 1).build()) {
            final TestProbe<String> probe = TestProbe.create(system);
            final CountDownLatch release = new CountDownLatch(1);
            system.spawn(Actor.<String>of((ctx, m) -> {
                if (m.equals("go")) {
                    for (int i = 0; i < 3; i++) {
                        final int n = i;
                        ctx.spawnBlocking(() -> {
                            block(release);
                            return n;
                        }, (v, e) -> e instanceof RejectedExecutionException ? "rejected " + n : e != null ? "failed " + e : "done " + v);
                    }
                } else {
                    probe.ref().tell(m);
                }
            }), "greedy").tell("go");
            probe.expectMessage("rejected 2", TIMEOUT);
            release.countDown();
            final String first = probe.expectMessage(TIMEOUT);
            final String second = probe.expectMessage(TIMEOUT);
            assertEquals(java.util.Set.of("done 0", "done 1"), java.util.Set.of(first, second));
        }
    }

    @BothDispatchers
    void context_usedInConstructor_throwsIllegalState(DispatcherKind kind) {
        // The context is not available in the constructor; the factory's failure says to use preStart.
        try (ActorSystem system = Testing.system(kind)) {
            final TestProbe<Object> probe = TestProbe.create(system);
            system.spawn(parentOf(() -> new Actor<String>() {
                {
                    context();
                }

                @Override
                protected void receive(String m) {}
            }, probe), "parent");
            probe.expectMessageClass(ActorRef.class, TIMEOUT);
            final ChildFailed failed = probe.expectMessageClass(ChildFailed.class, TIMEOUT);
            assertTrue(failed.cause() instanceof IllegalStateException && failed.cause().getMessage().contains("preStart"),
                    String.valueOf(failed.cause()));
        }
    }

    @BothDispatchers
    void close_fromInsideAnActor_throwsIllegalState(DispatcherKind kind) {
        // close() called by one of the system's own actors fails fast instead of waiting for itself.
        try (ActorSystem system = Testing.system(kind)) {
            final TestProbe<String> probe = TestProbe.create(system);
            system.spawn(Actor.<String>of((ctx, m) -> {
                try {
                    ctx.system().close(Duration.ofSeconds(1));
                    probe.ref().tell("closed from inside");
                } catch (IllegalStateException e) {
                    probe.ref().tell("refused");
                }
            }), "closer").tell("go");
            probe.expectMessage("refused", TIMEOUT);
            assertThrows(NullPointerException.class, () -> system.close(null));
        }
    }
}
