package io.troupe.site.snippets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;


// region behavior-kit
import io.troupe.actors.testkit.BehaviorTestKit;
import io.troupe.actors.testkit.Effect;
import io.troupe.actors.testkit.TestInbox;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class IdleSessionUnitTest {
    @Test
    void touch_restartsTheTimer_expiry_stopsTheSession() {
        TestInbox<String> events = TestInbox.create("events");
        BehaviorTestKit<TimersGuideTest.IdleSession.Msg> kit =
                BehaviorTestKit.create(() -> new TimersGuideTest.IdleSession(events.ref())); // preStart runs here
        kit.retrieveAllEffects(); // the first countdown, started in preStart

        kit.run(new TimersGuideTest.IdleSession.Touch());               // receive runs here, on this thread
        Effect.TimerStarted restarted = kit.expectEffectClass(Effect.TimerStarted.class);
        assertEquals(Duration.ofSeconds(30), restarted.delay());

        kit.fireTimer("idle");                                           // no clock: the test fires it
        assertEquals(List.of("expired"), events.receiveAll());
        assertFalse(kit.isAlive());
    }
}
// endregion
