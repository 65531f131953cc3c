package io.troupe.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.testkit.TestProbe;
import io.troupe.timers.ManualClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Invariant 6 for dead letters: they are all counted, but logged at a bounded rate per clock second. */
class DeadLetterLogRateTest {
    @Test
    void deadLetters_burst_loggedAtMostTheRatePerSecondThenSummarised() {
        // A burst of 100 dead letters logs exactly 10 lines in its second, counts all 100, and the next second reports the 90 suppressed.
        final ManualClock clock = new ManualClock();
        try (ActorSystem system = ActorSystem.builder(Testing.uniqueName("dl-rate")).clock(clock).deadLetterLogsPerSecond(10).build()) {
            final ActorRef<String> ref = system.spawnAnonymous(Actor.of((ctx, m) -> { }));
            system.stop(ref);
            TestProbe.create(system).expectTerminated(ref, Testing.TIMEOUT);
            final DeadLetters letters = system.deadLetters();
            final long countBefore = letters.count();
            final long linesBefore = letters.linesLogged();
            for (int i = 0; i < 100; i++) {
                ref.tell("lost-" + i);
            }
            assertEquals(countBefore + 100, letters.count());
            assertTrue(letters.linesLogged() - linesBefore <= 10, "at most 10 lines in one clock second, were "
                    + (letters.linesLogged() - linesBefore));
            final long suppressedInBurst = 100 - (letters.linesLogged() - linesBefore);
            clock.advance(Duration.ofSeconds(1));
            final long linesAfterBurst = letters.linesLogged();
            ref.tell("after-a-second");
            assertEquals(linesAfterBurst + 2, letters.linesLogged(), "a summary of the suppressed ones, then the new one");
            assertTrue(letters.lastSuppressedReport() >= suppressedInBurst, "the summary counts the suppressed letters");
        }
    }
}
