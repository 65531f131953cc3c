package io.troupe.site.snippets;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.testkit.TestProbe;
import io.troupe.testkit.ActorSystemExtension;
import io.troupe.timers.ManualClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The code of guides/timers.md, run on a manual clock. */
class TimersGuideTest {
    // region session
    /** Closes a session after 30 s without activity; every Touch restarts the countdown. */
    static final class IdleSession extends Actor<IdleSession.Msg> {
        sealed interface Msg {}
        record Touch() implements Msg {}
        record IsOpen(ActorRef<Boolean> replyTo) implements Msg {}
        private record Expired() implements Msg {}

        private static final String IDLE = "idle"; // a timer's key: restarting it replaces it
        private final ActorRef<String> events;

        IdleSession(ActorRef<String> events) {
            this.events = events;
        }

        @Override
        protected void preStart() {
            context().timers().startSingleTimer(IDLE, new Expired(), Duration.ofSeconds(30));
        }

        @Override
        protected void receive(Msg msg) {
            if (msg instanceof Touch) {
                context().timers().startSingleTimer(IDLE, new Expired(), Duration.ofSeconds(30));
            } else if (msg instanceof IsOpen q) {
                q.replyTo().tell(context().timers().isTimerActive(IDLE));
            } else if (msg instanceof Expired) {
                events.tell("expired");
                context().stop(self()); // its timers are cancelled with it
            }
        }
    }
    // endregion

    // region manual-clock
    @RegisterExtension
    static final ActorSystemExtension troupe = ActorSystemExtension.create().withManualClock();

    @Test
    void idleSession_expiresThirtySecondsAfterTheLastTouch(ActorSystem system, ManualClock clock) throws Exception {
        TestProbe<String> events = TestProbe.create(system);
        ActorRef<IdleSession.Msg> session = system.spawn(() -> new IdleSession(events.ref()), "session");
        clock.awaitPendingTimers(1, Duration.ofSeconds(1)); // the first countdown is set

        clock.advance(Duration.ofSeconds(20));
        session.tell(new IdleSession.Touch());                // restarts the countdown...
        assertTrue(session.ask(IdleSession.IsOpen::new, Duration.ofSeconds(1)).toCompletableFuture().join());
        clock.advance(Duration.ofSeconds(20));                // ...so 40 s in, still open
        assertTrue(session.ask(IdleSession.IsOpen::new, Duration.ofSeconds(1)).toCompletableFuture().join());
        events.expectNoMessage(Duration.ofMillis(20));

        clock.advance(Duration.ofSeconds(10));                // 30 s after the touch
        events.expectMessage("expired", Duration.ofSeconds(1));
    }
    // endregion
}
