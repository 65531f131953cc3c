package io.troupe.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.testkit.TestProbe;
import io.troupe.timers.ManualClock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Actor timers, receive timeouts and ask timeouts on a {@link ManualClock}: deterministic, no
 * sleeps. "Did not fire" is proven by order, not by waiting: {@code advance} enqueues due timer
 * messages before it returns, so a marker told after it arrives after any of them.
 */
class ManualClockTimersTest {
    private static final Duration T = Testing.TIMEOUT;

    /** Forwards every message to the probe and runs commands on its own thread. */
    private static final class Echo extends Actor<Object> {
        private final TestProbe<Object> probe;
        private final Consumer<Echo> onStart;

        Echo(TestProbe<Object> probe, Consumer<Echo> onStart) {
            this.probe = probe;
            this.onStart = onStart;
        }

        @Override
        protected void preStart() {
            onStart.accept(this);
        }

        @Override
        @SuppressWarnings("unchecked")
        protected void receive(Object message) {
            if (message instanceof Consumer<?> command) {
                ((Consumer<Echo>) command).accept(this);
            } else {
                probe.ref().tell(message);
            }
        }

        Timers<Object> timers() {
            return context().timers();
        }

        ActorContext<Object> ctx() {
            return context();
        }
    }

    private static ActorSystem manualSystem(ManualClock clock) {
        return Testing.builder(DispatcherKind.WORK_STEALING).clock(clock).build();
    }

    /** Spawns an Echo and waits until its preStart ran (so its timers are armed). */
    private static ActorRef<Object> spawnEcho(ActorSystem system, TestProbe<Object> probe, Consumer<Echo> onStart) {
        final CountDownLatch started = new CountDownLatch(1);
        final ActorRef<Object> ref = system.spawnAnonymous(() -> new Echo(probe, e -> {
            onStart.accept(e);
            started.countDown();
        }));
        Testing.await(started, "preStart");
        return ref;
    }

    /** Runs {@code command} on the actor's thread and waits until it ran. */
    private static void onActor(ActorRef<Object> ref, Consumer<Echo> command) {
        final CountDownLatch done = new CountDownLatch(1);
        ref.tell((Consumer<Echo>) e -> {
            command.accept(e);
            done.countDown();
        });
        Testing.await(done, "command on the actor");
    }

    @Test
    void singleTimer_advancedToDeadline_firesExactlyThen() {
        // A single timer does not fire one nanosecond early and fires once its deadline is reached.
        final ManualClock clock = new ManualClock();
        try (ActorSystem system = manualSystem(clock)) {
            final TestProbe<Object> probe = TestProbe.create(system);
            final ActorRef<Object> ref = spawnEcho(system, probe, e -> e.timers().startSingleTimer("k", "tick", Duration.ofMillis(100)));
            clock.advance(Duration.ofMillis(100).minusNanos(1));
            ref.tell("marker-1");
            probe.expectMessage("marker-1", T);
            clock.advance(Duration.ofNanos(1));
            ref.tell("marker-2");
            probe.expectMessage("tick", T);
            probe.expectMessage("marker-2", T);
        }
    }

    @Test
    void startSingleTimer_sameKey_replacesTheOldTimer() {
        // Starting a timer under a key in use replaces it: only the new message is ever handled.
        final ManualClock clock = new ManualClock();
        try (ActorSystem system = manualSystem(clock)) {
            final TestProbe<Object> probe = TestProbe.create(system);
            final ActorRef<Object> ref = spawnEcho(system, probe, e -> {
                e.timers().startSingleTimer("k", "old", Duration.ofMillis(100));
                e.timers().startSingleTimer("k", "new", Duration.ofMillis(200));
            });
            clock.advance(Duration.ofMillis(150));
            ref.tell("marker-1");
            probe.expectMessage("marker-1", T);
            clock.advance(Duration.ofMillis(50));
            ref.tell("marker-2");
            probe.expectMessage("new", T);
            probe.expectMessage("marker-2", T);
        }
    }

    @Test
    void cancel_messageAlreadyInMailbox_isDiscarded() {
        // A timer cancelled after its message was enqueued never reaches receive.
        final ManualClock clock = new ManualClock();
        try (ActorSystem system = manualSystem(clock)) {
            final TestProbe<Object> probe = TestProbe.create(system);
            final ActorRef<Object> ref = spawnEcho(system, probe, e -> e.timers().startSingleTimer("k", "tick", Duration.ofMillis(10)));
            final CountDownLatch inHandler = new CountDownLatch(1);
            final CountDownLatch release = new CountDownLatch(1);
            final CompletableFuture<Boolean> cancelled = new CompletableFuture<>();
            ref.tell((Consumer<Echo>) e -> {
                inHandler.countDown();
                Testing.await(release, "release");
                cancelled.complete(e.timers().cancel("k"));
            });
            Testing.await(inHandler, "the blocking handler");
            clock.advance(Duration.ofMillis(10)); // "tick" is now queued behind the running handler
            release.countDown();
            ref.tell("marker");
            probe.expectMessage("marker", T);
            assertTrue(Testing.join(cancelled), "cancel of a fired-but-unhandled timer reports true");
            assertEquals(0, probe.pendingMessages());
        }
    }

    @Test
    void fixedRate_actorBlocked_atMostOneTickQueued() {
        // While the actor is blocked, a fixed-rate timer leaves at most one tick in its mailbox.
        final ManualClock clock = new ManualClock();
        try (ActorSystem system = manualSystem(clock)) {
            final TestProbe<Object> probe = TestProbe.create(system);
            final ActorRef<Object> ref = spawnEcho(system, probe, e -> e.timers().startTimerAtFixedRate("k", "tick", Duration.ofMillis(10)));
            final CountDownLatch inHandler = new CountDownLatch(1);
            final CountDownLatch release = new CountDownLatch(1);
            ref.tell((Consumer<Echo>) e -> {
                inHandler.countDown();
                Testing.await(release, "release");
            });
            Testing.await(inHandler, "the blocking handler");
            for (int i = 0; i < 10; i++) {
                clock.advance(Duration.ofMillis(10)); // ten periods while the actor is blocked
            }
            release.countDown();
            ref.tell("marker");
            probe.expectMessage("tick", T);
            probe.expectMessage("marker", T);
            onActor(ref, e -> e.timers().cancel("k"));
        }
    }

    @Test
    void receiveTimeout_idle_firesAndIsResetByMessages() {
        // The receive timeout fires after an idle period and every handled message restarts it.
        final ManualClock clock = new ManualClock();
        try (ActorSystem system = manualSystem(clock)) {
            final TestProbe<Object> probe = TestProbe.create(system);
            final ActorRef<Object> ref = spawnEcho(system, probe, e -> e.ctx().setReceiveTimeout(Duration.ofMillis(100), "idle"));
            clock.advance(Duration.ofMillis(60));
            ref.tell("activity");
            probe.expectMessage("activity", T); // handled at t=60: the timeout now ends at t=160
            clock.advance(Duration.ofMillis(60)); // t=120
            ref.tell("marker");
            probe.expectMessage("marker", T); // handled at t=120: the timeout now ends at t=220
            clock.advance(Duration.ofMillis(99)); // t=219
            ref.tell((Consumer<Echo>) e -> e.ctx().self().tell("marker-2"));
            probe.expectMessage("marker-2", T);
            onActor(ref, e -> e.ctx().cancelReceiveTimeout());
            clock.advance(Duration.ofSeconds(10));
            ref.tell("marker-3");
            probe.expectMessage("marker-3", T);
        }
    }

    @Test
    void receiveTimeout_advancedPastIt_deliversTheMessage() {
        // With no message for the whole timeout, the timeout message is delivered.
        final ManualClock clock = new ManualClock();
        try (ActorSystem system = manualSystem(clock)) {
            final TestProbe<Object> probe = TestProbe.create(system);
            spawnEcho(system, probe, e -> e.ctx().setReceiveTimeout(Duration.ofMillis(100), "idle"));
            clock.advance(Duration.ofMillis(100));
            probe.expectMessage("idle", T);
        }
    }

    @Test
    void ask_noReply_failsWithTimeoutOnlyWhenClockReachesIt() {
        // An ask fails with TimeoutException exactly when the manual clock reaches its timeout.
        final ManualClock clock = new ManualClock();
        try (ActorSystem system = manualSystem(clock)) {
            final ActorRef<Object> silent = system.spawnAnonymous(Actor.of((ctx, m) -> { }));
            final CompletableFuture<Object> reply = silent.<Object>ask(r -> "no reply", Duration.ofSeconds(1)).toCompletableFuture();
            clock.advance(Duration.ofMillis(999));
            assertFalse(reply.isDone(), "not yet timed out at 999 ms");
            clock.advance(Duration.ofMillis(1));
            final ExecutionException e = assertThrows(ExecutionException.class, () -> reply.get(T.toMillis(), TimeUnit.MILLISECONDS));
            assertInstanceOf(TimeoutException.class, e.getCause());
        }
    }

    @Test
    void stop_withPendingTimers_cancelsThem() {
        // An actor's timers are cancelled when it stops: advancing past them makes no dead letters.
        final ManualClock clock = new ManualClock();
        try (ActorSystem system = manualSystem(clock)) {
            final TestProbe<Object> probe = TestProbe.create(system);
            final ActorRef<Object> ref = spawnEcho(system, probe, e -> {
                e.timers().startSingleTimer("a", "a", Duration.ofMillis(10));
                e.timers().startTimerAtFixedRate("b", "b", Duration.ofMillis(10));
            });
            system.stop(ref);
            probe.expectTerminated(ref, T);
            final long before = system.deadLetters().count();
            clock.advance(Duration.ofSeconds(1));
            assertEquals(before, system.deadLetters().count());
        }
    }

    @Test
    void timers_afterStop_throwClearly() {
        // Starting a timer once the actor has stopped (in postStop) is refused with a clear message.
        final ManualClock clock = new ManualClock();
        try (ActorSystem system = manualSystem(clock)) {
            final CompletableFuture<Throwable> thrown = new CompletableFuture<>();
            final ActorRef<Object> ref = system.spawnAnonymous(() -> new Actor<Object>() {
                @Override
                protected void receive(Object message) {
                }

                @Override
                protected void postStop() {
                    try {
                        context().timers().startSingleTimer("late", "x", Duration.ofMillis(1));
                        thrown.complete(null);
                    } catch (Throwable t) {
                        thrown.complete(t);
                    }
                }
            });
            system.stop(ref);
            final Throwable t = Testing.join(thrown);
            assertInstanceOf(IllegalStateException.class, t);
            assertTrue(t.getMessage().contains("stopped"), t.getMessage());
        }
    }
}
