package io.troupe.actors;

import static io.troupe.actors.Testing.TIMEOUT;
import static io.troupe.actors.Testing.await;
import static io.troupe.actors.Testing.awaitTrue;
import static io.troupe.actors.Testing.block;
import static io.troupe.actors.Testing.hasQueued;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.testkit.TestProbe;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Actor timers and the receive timeout. The manual clock is not wired into the actor runtime
 * yet, so these use short real delays with generous bounded waits, and assert only the order
 * and number of messages, never when they came.
 */
class TimersTest {
    private static final Duration SHORT = Duration.ofMillis(1);

    @BothDispatchers
    void startSingleTimer_fires_handledOnceAndInactiveAfter(DispatcherKind kind) {
        // A single timer delivers its message once, and is no longer active once that message was handled.
        try (ActorSystem system = Testing.system(kind)) {
            final TestProbe<String> probe = TestProbe.create(system);
            final ActorRef<String> ref = system.spawn(() -> new Actor<String>() {
                @Override
                protected void preStart() {
                    context().timers().startSingleTimer("k", "tick", Duration.ofMillis(5));
                    probe.ref().tell("active " + context().timers().isTimerActive("k"));
                }

                @Override
                protected void receive(String m) {
                    probe.ref().tell(m + " active " + context().timers().isTimerActive("k"));
                }
            }, "single");
            probe.expectMessage("active true", TIMEOUT);
            probe.expectMessage("tick active false", TIMEOUT);
            ref.tell("ping");
            probe.expectMessage("ping active false", TIMEOUT);
        }
    }

    /**
     * On "arm", starts timer {@code key} with {@code first}, waits (blocked, in the handler) until
     * the test has seen that message land in the mailbox, then runs {@code then}. It signals
     * "armed" with a latch, not a message: on the work-stealing dispatcher a message told just
     * before blocking would sit in this worker's LIFO slot, which other workers cannot steal.
     */
    private static Actor<String> armThen(CountDownLatch armed, CountDownLatch queued, TestProbe<String> probe,
                                         java.util.function.Consumer<Timers<String>> then) {
        return new Actor<>() {
            @Override
            protected void receive(String m) {
                if (m.equals("arm")) {
                    context().timers().startSingleTimer("k", "first", SHORT);
                    armed.countDown();
                    block(queued);
                    then.accept(context().timers());
                } else {
                    probe.ref().tell(m);
                }
            }
        };
    }

    @BothDispatchers
    void startSingleTimer_sameKeyWhileOldMessageQueued_onlyNewMessageHandled(DispatcherKind kind) {
        // Restarting a timer under the same key replaces it: the old timer's message, already in the mailbox, is discarded and only the new one is handled.
        try (ActorSystem system = Testing.system(kind)) {
            final TestProbe<String> probe = TestProbe.create(system);
            final CountDownLatch armed = new CountDownLatch(1);
            final CountDownLatch queued = new CountDownLatch(1);
            final ActorRef<String> ref = system.spawn(() -> armThen(armed, queued, probe,
                    timers -> timers.startSingleTimer("k", "second", SHORT)), "replacer");
            ref.tell("arm");
            await(armed, "the timer to be started");
            awaitTrue("the first timer's message is in the mailbox", () -> hasQueued(ref));
            queued.countDown();
            probe.expectMessage("second", TIMEOUT);
            ref.tell("ping");
            probe.expectMessage("ping", TIMEOUT);
        }
    }

    @BothDispatchers
    void cancel_whileMessageQueued_discardsIt(DispatcherKind kind) {
        // Cancelling a timer whose message is already in the mailbox discards that message; cancelling an unknown key returns false.
        try (ActorSystem system = Testing.system(kind)) {
            final TestProbe<String> probe = TestProbe.create(system);
            final CountDownLatch armed = new CountDownLatch(1);
            final CountDownLatch queued = new CountDownLatch(1);
            final ActorRef<String> ref = system.spawn(() -> armThen(armed, queued, probe, timers -> {
                probe.ref().tell("cancel " + timers.cancel("k") + " " + timers.cancel("k") + " " + timers.cancel("other"));
            }), "canceller");
            ref.tell("arm");
            await(armed, "the timer to be started");
            awaitTrue("the timer's message is in the mailbox", () -> hasQueued(ref));
            queued.countDown();
            probe.expectMessage("cancel true false false", TIMEOUT);
            ref.tell("ping");
            probe.expectMessage("ping", TIMEOUT); // "first" would have come before "ping"
        }
    }

    @BothDispatchers
    void startTimerAtFixedRate_actorBlocked_atMostOneTickQueued(DispatcherKind kind) {
        // While a fixed-rate timer's actor is blocked for many intervals, exactly one tick waits in its mailbox; the missed ones are skipped.
        try (ActorSystem system = Testing.system(kind)) {
            final TestProbe<String> probe = TestProbe.create(system);
            final CountDownLatch blocked = new CountDownLatch(1);
            final CountDownLatch release = new CountDownLatch(1);
            final ActorRef<String> ticker = system.spawn(() -> new Actor<String>() {
                private int ticks;

                @Override
                protected void preStart() {
                    context().timers().startTimerAtFixedRate("rate", "tick", Duration.ofMillis(2));
                }

                @Override
                protected void receive(String m) {
                    if (m.equals("tick")) {
                        if (++ticks == 1) {
                            blocked.countDown();
                            block(release);
                        }
                    } else {
                        context().timers().cancelAll();
                        probe.ref().tell("ticks before mark " + ticks);
                    }
                }
            }, "ticker");
            await(blocked, "the first tick");
            // A witness on the same timer thread and interval: once it has ticked 25 times, the
            // blocked ticker's timer has come due at least 24 more times.
            final CountDownLatch elapsed = new CountDownLatch(25);
            system.spawn(() -> new Actor<String>() {
                @Override
                protected void preStart() {
                    context().timers().startTimerAtFixedRate("rate", "tick", Duration.ofMillis(2));
                }

                @Override
                protected void receive(String m) {
                    elapsed.countDown();
                }
            }, "witness");
            await(elapsed, "25 witness ticks");
            ticker.tell("mark");
            release.countDown();
            probe.expectMessage("ticks before mark 2", TIMEOUT);
        }
    }

    @BothDispatchers
    void startSingleTimer_afterStop_throwsIllegalState(DispatcherKind kind) {
        // A stopped actor cannot start timers: the call throws IllegalStateException.
        try (ActorSystem system = Testing.system(kind)) {
            final AtomicReference<Throwable> thrown = new AtomicReference<>();
            final TestProbe<String> probe = TestProbe.create(system);
            final ActorRef<String> ref = system.spawn(() -> new Actor<String>() {
                @Override
                protected void receive(String m) {}

                @Override
                protected void postStop() {
                    try {
                        context().timers().startSingleTimer("late", "x", SHORT);
                    } catch (Throwable t) {
                        thrown.set(t);
                    }
                }
            }, "stopped");
            system.stop(ref);
            probe.expectTerminated(ref, TIMEOUT);
            assertTrue(thrown.get() instanceof IllegalStateException, String.valueOf(thrown.get()));
            assertTrue(thrown.get().getMessage().contains("/user/stopped"), thrown.get().getMessage());
        }
    }

    @BothDispatchers
    void setReceiveTimeout_idle_firesTimeoutMessage(DispatcherKind kind) {
        // An idle actor with a receive timeout gets its timeout message.
        try (ActorSystem system = Testing.system(kind)) {
            final TestProbe<String> probe = TestProbe.create(system);
            system.spawn(() -> new Actor<String>() {
                @Override
                protected void preStart() {
                    context().setReceiveTimeout(Duration.ofMillis(20), "idle");
                }

                @Override
                protected void receive(String m) {
                    context().cancelReceiveTimeout();
                    probe.ref().tell(m);
                }
            }, "idler");
            probe.expectMessage("idle", TIMEOUT);
        }
    }

    @BothDispatchers
    void setReceiveTimeout_messagesKeepComing_timeoutOnlyAfterTheyStop(DispatcherKind kind) {
        // Each handled message restarts the receive timeout: while messages keep coming well within it, it does not fire; once they stop, it does.
        try (ActorSystem system = Testing.system(kind)) {
            final TestProbe<String> probe = TestProbe.create(system);
            final ActorRef<String> ref = system.spawn(() -> new Actor<String>() {
                @Override
                protected void preStart() {
                    context().setReceiveTimeout(Duration.ofMillis(400), "timeout");
                }

                @Override
                protected void receive(String m) {
                    probe.ref().tell(m);
                    if (m.equals("timeout")) {
                        context().cancelReceiveTimeout();
                    }
                }
            }, "busy");
            // Ping-pong for three timeout periods: each message is handled long before the timeout.
            final long end = System.nanoTime() + Duration.ofMillis(1_200).toNanos();
            int n = 0;
            while (System.nanoTime() - end < 0) {
                ref.tell("m" + n);
                probe.expectMessage("m" + n, TIMEOUT);
                n++;
            }
            probe.expectMessage("timeout", TIMEOUT);
            assertTrue(n > 10, "the pings really kept coming: " + n);
            assertEquals(0, probe.pendingMessages());
        }
    }
}
