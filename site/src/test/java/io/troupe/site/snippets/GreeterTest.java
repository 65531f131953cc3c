package io.troupe.site.snippets;

// region first-test
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.testkit.TestProbe;
import io.troupe.testkit.ActorSystemExtension;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(ActorSystemExtension.class) // a fresh ActorSystem per test, checked and closed after it
class GreeterTest {
    @Test
    void greets_thenCounts(ActorSystem system) {
        ActorRef<Greeter.Msg> greeter = system.spawn(Greeter::new, "greeter");
        TestProbe<String> replies = TestProbe.create(system);
        TestProbe<Integer> counts = TestProbe.create(system);

        greeter.tell(new Greeter.Greet("Ada", replies.ref()));
        greeter.tell(new Greeter.Greet("Alan", replies.ref()));
        greeter.tell(new Greeter.HowMany(counts.ref()));

        replies.expectMessage("Hello, Ada!", Duration.ofSeconds(1));   // in the order sent
        replies.expectMessage("Hello, Alan!", Duration.ofSeconds(1));
        counts.expectMessage(2, Duration.ofSeconds(1));
        system.stop(greeter); // the extension fails a test that leaves actors running
    }
}
// endregion
