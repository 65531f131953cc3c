package io.troupe.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Keeps README.md's first example compiling against the public API, and working. */
class ReadmeExampleTest {
    // Copied from README.md ("A first actor"); if this stops compiling, fix the README too.
    static final class Counter extends Actor<Counter.Msg> {
        sealed interface Msg {}
        record Add(int n) implements Msg {}
        record Get(ActorRef<Integer> replyTo) implements Msg {}

        private int total;

        @Override protected void receive(Msg msg) {
            if (msg instanceof Add a) total += a.n();
            else if (msg instanceof Get g) g.replyTo().tell(total);
        }
    }

    @Test
    void readmeCounter_addThenAsk_answersTotal() {
        // The README's example answers the total it was told, through ask.
        try (ActorSystem system = ActorSystem.create("demo")) {
            ActorRef<Counter.Msg> counter = system.spawn(Counter::new, "counter");
            counter.tell(new Counter.Add(2));
            int total = counter.ask(Counter.Get::new, Duration.ofSeconds(1)).toCompletableFuture().join();
            assertEquals(2, total);
        }
    }
}
