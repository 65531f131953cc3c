package io.troupe.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.timers.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The graceful shutdown: phases in order, deadlines, the ShuttingDown notice, close(), the JVM hook. */
@Timeout(60)
class GracefulShutdownTest {

    /** Records its notice (if asked) and its postStop into a shared list; spawns children on request. */
    private static final class Recorder extends Actor<Object> {
        private final List<String> events;
        private final boolean recordNotice;
        private final String child;

        Recorder(List<String> events, boolean recordNotice, String child) {
            this.events = events;
            this.recordNotice = recordNotice;
            this.child = child;
        }

        @Override
        protected void preStart() {
            if (child != null) {
                context().spawn(() -> new Recorder(events, false, null), child);
            }
        }

        @Override
        protected void receive(Object message) {
        }

        @Override
        protected void onSignal(Signal signal) {
            if (signal instanceof ShuttingDown s && recordNotice) {
                events.add("notice:" + s.ref().path());
            }
        }

        @Override
        protected void postStop() {
            events.add("postStop:" + self().path());
        }
    }

    private static ActorSystem.Builder builder() {
        return Testing.builder(DispatcherKind.WORK_STEALING);
    }

    private static void addRecordingTask(ActorSystem system, ShutdownPhase phase, List<String> events) {
        system.gracefulShutdown().addTask(phase, "record " + phase, () -> {
            events.add("task:" + phase);
            return CompletableFuture.completedFuture(null);
        });
    }

    @Test
    void shutdown_runsEachPhaseAfterThePreviousFinished_userActorsBeforeSystemActors() {
        // Phases run in their order, a phase waits for its tasks' stages, the notice reaches the
        // user actors in SERVICE_REQUESTS_DONE, and /user stops (children first) before /system.
        final List<String> events = Collections.synchronizedList(new ArrayList<>());
        final ActorSystem system = builder().build();
        final ActorRef<Object> svc = system.spawn(() -> new Recorder(events, true, "child"), "svc");
        system.spawnSystemActor(() -> new Recorder(events, true, null), SpawnOptions.named("sys"));
        Testing.awaitTrue("the child is spawned", () -> ((ActorCell<?>) svc).childrenSnapshot().size() == 1);
        final CompletableFuture<Void> unbound = new CompletableFuture<>();
        final CountDownLatch unbindStarted = new CountDownLatch(1);
        addRecordingTask(system, ShutdownPhase.BEFORE_SERVICE_UNBIND, events);
        system.gracefulShutdown().addTask(ShutdownPhase.SERVICE_UNBIND, "unbind", () -> {
            events.add("task:SERVICE_UNBIND");
            unbindStarted.countDown();
            return unbound;
        });
        addRecordingTask(system, ShutdownPhase.STOP_USER_ACTORS, events);
        addRecordingTask(system, ShutdownPhase.STOP_SYSTEM_ACTORS, events);

        final CompletableFuture<ShutdownReport> done = system.shutdown().toCompletableFuture();
        Testing.await(unbindStarted, "the unbind task");
        events.add("unbind completed by the test");
        unbound.complete(null);
        final ShutdownReport report = Testing.join(done);

        assertEquals(List.of("task:BEFORE_SERVICE_UNBIND", "task:SERVICE_UNBIND", "unbind completed by the test",
                "notice:/user/svc", "task:STOP_USER_ACTORS", "postStop:/user/svc/child", "postStop:/user/svc",
                "task:STOP_SYSTEM_ACTORS", "postStop:/system/sys"), events);
        assertTrue(report.isClean(), report.toString());
        assertTrue(system.isClosed());
    }

    @Test
    void taskThatNeverCompletes_isReportedLateAtItsDeadline_andTheNextPhaseRuns() {
        // A phase whose task never completes ends exactly at its deadline on the system clock,
        // names the task in the report, and the shutdown goes on.
        final ManualClock clock = new ManualClock();
        final ActorSystem system = builder().clock(clock)
                .shutdownPhaseTimeout(ShutdownPhase.SERVICE_UNBIND, Duration.ofSeconds(5)).build();
        final CountDownLatch neverStarted = new CountDownLatch(1);
        final AtomicBoolean nextRan = new AtomicBoolean();
        system.gracefulShutdown().addTask(ShutdownPhase.SERVICE_UNBIND, "never", () -> {
            neverStarted.countDown();
            return new CompletableFuture<>();
        });
        system.gracefulShutdown().addTask(ShutdownPhase.SERVICE_UNBIND, "quick", () -> CompletableFuture.completedFuture(null));
        system.gracefulShutdown().addTask(ShutdownPhase.SERVICE_REQUESTS_DONE, "next", () -> {
            nextRan.set(true);
            return CompletableFuture.completedFuture(null);
        });

        final CompletableFuture<ShutdownReport> done = system.shutdown().toCompletableFuture();
        Testing.await(neverStarted, "the task that never completes");
        clock.advance(Duration.ofMillis(4_999));
        assertEquals(1, clock.pendingTimers(), "the phase's deadline is still pending 1 ms before it");
        assertFalse(done.isDone());
        assertFalse(nextRan.get(), "the next phase must wait for the deadline");
        clock.advance(Duration.ofMillis(1));
        final ShutdownReport report = Testing.join(done);

        assertTrue(nextRan.get());
        assertEquals(List.of("SERVICE_UNBIND: never"), report.lateTasks());
        assertEquals(List.of(), report.actorsNotStopped());
    }

    /** Handles numbers after a gate opens; on ShuttingDown, holds the phase until all queued ones are done. */
    private static final class Drainer extends Actor<Object> {
        private final CountDownLatch gate;
        private final CountDownLatch midway;
        private final CountDownLatch resume;
        private final List<Object> handled;
        private CompletableFuture<Void> drained;

        Drainer(CountDownLatch gate, CountDownLatch midway, CountDownLatch resume, List<Object> handled) {
            this.gate = gate;
            this.midway = midway;
            this.resume = resume;
            this.handled = handled;
        }

        @Override
        protected void receive(Object message) {
            if (message instanceof Integer i && i == 0) {
                Testing.block(gate);
            }
            if (message instanceof Integer i && i == 100) {
                midway.countDown();
                Testing.block(resume);
            }
            if ("drained".equals(message)) {
                handled.add("goodbye");
                drained.complete(null);
            } else {
                handled.add(message);
            }
        }

        @Override
        protected void onSignal(Signal signal) {
            if (signal instanceof ShuttingDown s) {
                drained = new CompletableFuture<>();
                s.holdUntil(drained);
                self().tell("drained"); // behind every message already queued
            }
        }
    }

    @Test
    void shuttingDownNotice_letsAnActorDrainWhatIsQueued_beforeItIsStopped() {
        // An actor that holds the phase with its notice handles every message queued before the
        // shutdown, in order, then says goodbye, and only then stops: nothing becomes a dead letter.
        final ActorSystem system = builder().build();
        final CountDownLatch gate = new CountDownLatch(1);
        final CountDownLatch midway = new CountDownLatch(1);
        final CountDownLatch resume = new CountDownLatch(1);
        final List<Object> handled = Collections.synchronizedList(new ArrayList<>());
        final ActorRef<Object> drainer = system.spawn(() -> new Drainer(gate, midway, resume, handled), "drainer");
        final List<Object> expected = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            drainer.tell(i);
            expected.add(i);
        }
        expected.add("goodbye");
        final CompletableFuture<ShutdownReport> done = system.shutdown().toCompletableFuture();
        Testing.awaitTrue("the notice is queued", () -> Testing.hasQueuedSystemMessage(drainer));
        gate.countDown();
        Testing.await(midway, "the actor half way through its queue");
        assertEquals(ShutdownPhase.SERVICE_REQUESTS_DONE, system.gracefulShutdown().currentPhase(),
                "the phase is held while the actor drains");
        assertFalse(Testing.hasQueuedSystemMessage(drainer), "no Stop while the actor drains");
        resume.countDown();
        final ShutdownReport report = Testing.join(done);

        assertEquals(expected, handled);
        assertEquals(0, system.deadLetters().count());
        assertTrue(report.isClean(), report.toString());
    }

    @Test
    void close_skipsTheServicePhases_runsTheStopPhaseTasks_andSendsNoNotice() {
        // close() is the quick path: only the stop phases' tasks run, in order, and no actor is told.
        final List<String> events = Collections.synchronizedList(new ArrayList<>());
        final ActorSystem system = builder().build();
        system.spawn(() -> new Recorder(events, true, null), "svc");
        for (ShutdownPhase p : ShutdownPhase.values()) {
            addRecordingTask(system, p, events);
        }
        assertEquals(List.of(), system.close(Testing.TIMEOUT));

        assertEquals(List.of("task:STOP_USER_ACTORS", "postStop:/user/svc", "task:STOP_SYSTEM_ACTORS"), events);
        final ShutdownReport report = Testing.join(system.whenTerminated());
        assertTrue(report.isClean(), report.toString());
        assertThrows(IllegalStateException.class, () -> addRecordingTask(system, ShutdownPhase.BEFORE_SERVICE_UNBIND, events),
                "a skipped phase counts as begun");
    }

    @Test
    void close_duringAGracefulShutdown_endsTheServicePhaseAtOnce_andSkipsTheRest() {
        // close() does not wait an hour for a service phase: it cuts the graceful path short.
        final List<String> events = Collections.synchronizedList(new ArrayList<>());
        final ActorSystem system = builder().shutdownPhaseTimeout(ShutdownPhase.SERVICE_UNBIND, Duration.ofHours(1)).build();
        final CountDownLatch stuck = new CountDownLatch(1);
        system.gracefulShutdown().addTask(ShutdownPhase.SERVICE_UNBIND, "stuck", () -> {
            stuck.countDown();
            return new CompletableFuture<>();
        });
        addRecordingTask(system, ShutdownPhase.SERVICE_REQUESTS_DONE, events);
        addRecordingTask(system, ShutdownPhase.STOP_USER_ACTORS, events);
        final CompletionStage<ShutdownReport> done = system.shutdown();
        Testing.await(stuck, "the stuck task");

        assertEquals(List.of(), system.close(Testing.TIMEOUT));
        final ShutdownReport report = Testing.join(done);
        assertEquals(List.of("SERVICE_UNBIND: stuck"), report.lateTasks());
        assertEquals(List.of("task:STOP_USER_ACTORS"), events);
    }

    @Test
    void addTask_refusesBadInputAndBegunPhases_withClearErrors() {
        // Bad input names the parameter; a task for a phase that has begun is refused, never silently dropped.
        final ActorSystem system = builder().build();
        final GracefulShutdown gs = system.gracefulShutdown();
        assertThrows(NullPointerException.class, () -> gs.addTask(null, "x", () -> null));
        assertThrows(IllegalArgumentException.class, () -> gs.addTask(ShutdownPhase.SERVICE_UNBIND, " ", () -> null));
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> builder().shutdownPhaseTimeout(ShutdownPhase.SERVICE_UNBIND, Duration.ZERO));
        assertTrue(e.getMessage().contains("SERVICE_UNBIND"), e.getMessage());
        final AtomicBoolean removedRan = new AtomicBoolean();
        final GracefulShutdown.TaskHandle removed = gs.addTask(ShutdownPhase.STOP_USER_ACTORS, "removed", () -> {
            removedRan.set(true);
            return CompletableFuture.completedFuture(null);
        });
        assertTrue(removed.remove());
        assertFalse(removed.remove());
        final AtomicBoolean nullStage = new AtomicBoolean();
        gs.addTask(ShutdownPhase.STOP_USER_ACTORS, "returns null", () -> {
            nullStage.set(true);
            return null;
        });
        system.close();
        assertFalse(removedRan.get());
        assertTrue(nullStage.get(), "a task returning null is logged and counts as finished");
        final IllegalStateException late = assertThrows(IllegalStateException.class,
                () -> gs.addTask(ShutdownPhase.STOP_SYSTEM_ACTORS, "late", () -> null));
        assertTrue(late.getMessage().contains("STOP_SYSTEM_ACTORS") && late.getMessage().contains("late"), late.getMessage());
    }

    @Test
    void jvmHook_isRegisteredOnlyWhenAskedFor_runsTheGracefulPath_andCloseRemovesIt() {
        // The opt-in hook runs the phases (a service-phase task runs); close() unregisters it.
        final ActorSystem plain = builder().build();
        assertEquals(null, plain.jvmHook());
        plain.close();
        final ActorSystem hooked = builder().shutdownOnJvmExit(true).build();
        final Thread hook = hooked.jvmHook();
        assertNotNull(hook);
        assertTrue(Runtime.getRuntime().removeShutdownHook(hook), "registered with the JVM");
        final AtomicBoolean unbound = new AtomicBoolean();
        hooked.gracefulShutdown().addTask(ShutdownPhase.SERVICE_UNBIND, "unbind", () -> {
            unbound.set(true);
            return CompletableFuture.completedFuture(null);
        });
        hook.run(); // what the JVM does on SIGTERM, on this thread
        assertTrue(unbound.get());
        assertTrue(Testing.join(hooked.whenTerminated()).isClean());

        final ActorSystem closed = builder().shutdownOnJvmExit(true).build();
        closed.close();
        assertFalse(Runtime.getRuntime().removeShutdownHook(closed.jvmHook()), "close() removed the hook");
    }
}
