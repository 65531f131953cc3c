package io.troupe.site.snippets;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.supervision.Supervise;
import io.troupe.supervision.SupervisorStrategy;
import io.troupe.testkit.ActorSystemExtension;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The code of guides/supervision.md, run. */
class SupervisionGuideTest {
    @RegisterExtension
    static final ActorSystemExtension troupe = ActorSystemExtension.create()
            .allowDeadLetters(d -> true); // the failing messages are dropped, on purpose

    // region parser
    /** Parses numbers and sums them; a line that is not a number throws. */
    static final class Summer extends Actor<Summer.Msg> {
        sealed interface Msg {}
        record Line(String text) implements Msg {}
        record Total(ActorRef<Long> replyTo) implements Msg {}

        private long total;

        @Override
        protected void receive(Msg msg) {
            if (msg instanceof Line l) total += Long.parseLong(l.text()); // NumberFormatException on junk
            else if (msg instanceof Total t) t.replyTo().tell(total);
        }
    }
    // endregion

    @Test
    void resume_keepsState_restart_startsFresh(ActorSystem system) {
        // Resume keeps the instance (3 + 4 = 7); restart replaces it (only 4 after the junk line).
        // region resume-restart
        ActorRef<Summer.Msg> resumed = system.spawn(Supervise.of(Summer::new)
                .onFailure(NumberFormatException.class, SupervisorStrategy.resume()), "resumed");
        ActorRef<Summer.Msg> restarted = system.spawn(Supervise.of(Summer::new)
                .onFailure(NumberFormatException.class, SupervisorStrategy.restart()
                        .withLimit(3, Duration.ofSeconds(10))), "restarted");

        for (ActorRef<Summer.Msg> summer : java.util.List.of(resumed, restarted)) {
            summer.tell(new Summer.Line("3"));
            summer.tell(new Summer.Line("three")); // throws
            summer.tell(new Summer.Line("4"));
        }
        long kept = resumed.ask(Summer.Total::new, Duration.ofSeconds(1)).toCompletableFuture().join();     // 7
        long fresh = restarted.ask(Summer.Total::new, Duration.ofSeconds(1)).toCompletableFuture().join();  // 4
        // endregion
        assertEquals(7L, kept);
        assertEquals(4L, fresh);
        system.stop(resumed);
        system.stop(restarted);
    }

    @Test
    void backoff_strategy_builds() {
        // The strategy on the page is a valid one and says what it is.
        // region backoff
        SupervisorStrategy strategy = SupervisorStrategy.restart()
                .withLimit(5, Duration.ofMinutes(1))                                // then stop (the parent hears ChildFailed)
                .withBackoff(Duration.ofMillis(100), Duration.ofSeconds(10), 0.2);  // 100 ms, 200 ms, ... at most 10 s, +-20%
        // endregion
        assertEquals(SupervisorStrategy.Directive.RESTART, strategy.directive());
        assertEquals(5, strategy.maxRestarts());
        assertEquals(Duration.ofSeconds(10), strategy.maxBackoff());
    }
}
