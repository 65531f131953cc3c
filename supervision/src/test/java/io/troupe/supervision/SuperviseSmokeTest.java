package io.troupe.supervision;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.testkit.TestProbe;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SuperviseSmokeTest {
    @Test
    void restart_afterFailure_keepsRefAndQueuedMessagesWithFreshState() {
        // A restarted actor keeps its ref and mailbox but starts from fresh state.
        try (ActorSystem system = ActorSystem.create("sup")) {
            TestProbe<Integer> probe = TestProbe.create(system);
            ActorRef<String> ref = system.spawn(Supervise.<String>of(() -> new Actor<>() {
                int n;
                @Override protected void receive(String m) {
                    if (m.equals("boom")) throw new IllegalStateException("boom");
                    probe.ref().tell(++n);
                }
            }).onFailure(IllegalStateException.class, SupervisorStrategy.restart()), "w");
            ref.tell("a"); ref.tell("a"); ref.tell("boom"); ref.tell("a");
            assertEquals(1, probe.expectMessage(Duration.ofSeconds(5)));
            assertEquals(2, probe.expectMessage(Duration.ofSeconds(5)));
            assertEquals(1, probe.expectMessage(Duration.ofSeconds(5)));
        }
    }
}
