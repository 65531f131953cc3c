package io.troupe.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SmokeTest {
    static final class Counter extends Actor<Counter.Msg> {
        sealed interface Msg {}
        record Add(int n) implements Msg {}
        record Get(ActorRef<Integer> replyTo) implements Msg {}

        private int total;

        @Override
        protected void receive(Msg msg) {
            if (msg instanceof Add a) total += a.n();
            else if (msg instanceof Get g) g.replyTo().tell(total);
        }
    }

    @ParameterizedTest
    @EnumSource(value = DispatcherKind.class, names = {"WORK_STEALING", "FORK_JOIN"})
    void counter_addsThenAsk_returnsTotal(DispatcherKind kind) {
        // The README's first example works end to end on both dispatchers.
        try (ActorSystem system = ActorSystem.builder("demo").dispatcher(kind).build()) {
            ActorRef<Counter.Msg> counter = system.spawn(Counter::new, "counter");
            for (int i = 0; i < 100_000; i++) counter.send(new Counter.Add(1)).toCompletableFuture().join();
            int total = counter.ask(Counter.Get::new, Duration.ofSeconds(5)).toCompletableFuture().join();
            assertEquals(100_000, total);
        }
    }
}
