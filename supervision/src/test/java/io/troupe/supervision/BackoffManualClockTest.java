package io.troupe.supervision;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.testkit.TestProbe;
import io.troupe.timers.ManualClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Restart backoff measured on a ManualClock: restarts happen when the clock says, doubling each time. */
class BackoffManualClockTest {
    private static final Duration T = Duration.ofSeconds(10);
    private static final Duration SILENCE = Duration.ofMillis(100);

    @Test
    void restartWithBackoff_manualClock_restartsAtMinThenDoubles() throws InterruptedException {
        // The n-th consecutive restart waits min * 2^(n-1) on the system's clock, and messages sent meanwhile wait for it.
        final ManualClock clock = new ManualClock();
        try (ActorSystem system = ActorSystem.builder("backoff").clock(clock).deadLetterLogsPerSecond(0).build()) {
            final TestProbe<String> probe = TestProbe.create(system);
            final SupervisorStrategy strategy = SupervisorStrategy.restart()
                    .withBackoff(Duration.ofMillis(100), Duration.ofSeconds(10), 0.0);
            final ActorRef<String> ref = system.spawn(Supervise.<String>of(() -> new Actor<>() {
                @Override
                protected void postRestart(Throwable cause) {
                    probe.ref().tell("restarted");
                }

                @Override
                protected void receive(String m) {
                    if (m.equals("boom")) {
                        throw new IllegalStateException("boom");
                    }
                    probe.ref().tell(m);
                }
            }).onFailure(IllegalStateException.class, strategy), "flaky");

            final int idle = clock.pendingTimers();
            ref.tell("boom");
            ref.tell("waits-1");
            assertTrue(clock.awaitPendingTimers(idle + 1, T), "the restart timer was scheduled");
            clock.advance(Duration.ofMillis(100).minusNanos(1));
            probe.expectNoMessage(SILENCE); // a deliberate silence: no restart before the backoff
            clock.advance(Duration.ofNanos(1));
            probe.expectMessage("restarted", T);
            probe.expectMessage("waits-1", T);

            ref.tell("boom");
            ref.tell("waits-2");
            assertTrue(clock.awaitPendingTimers(idle + 1, T), "the restart timer was scheduled");
            clock.advance(Duration.ofMillis(200).minusNanos(1));
            probe.expectNoMessage(SILENCE);
            clock.advance(Duration.ofNanos(1));
            probe.expectMessage("restarted", T);
            probe.expectMessage("waits-2", T);
        }
    }

    @Test
    void stopDuringBackoff_manualClock_restartNeverHappens() {
        // Stopping an actor that waits out a backoff cancels the restart: advancing later restarts nothing.
        final ManualClock clock = new ManualClock();
        try (ActorSystem system = ActorSystem.builder("backoff-stop").clock(clock).deadLetterLogsPerSecond(0).build()) {
            final TestProbe<String> probe = TestProbe.create(system);
            final ActorRef<String> ref = system.spawn(Supervise.<String>of(() -> new Actor<>() {
                @Override
                protected void postRestart(Throwable cause) {
                    probe.ref().tell("restarted");
                }

                @Override
                protected void receive(String m) {
                    throw new IllegalStateException(m);
                }
            }).onFailure(IllegalStateException.class, SupervisorStrategy.restart()
                    .withBackoff(Duration.ofMillis(100), Duration.ofSeconds(1), 0.0)), "doomed");
            ref.tell("boom");
            system.stop(ref);
            probe.expectTerminated(ref, T);
            clock.advance(Duration.ofSeconds(5));
            probe.expectNoMessage(SILENCE);
        }
    }
}
