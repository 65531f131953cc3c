package io.troupe.services;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The README's service stack, written against the public API and run (keeps the README honest). */
class ReadmeStackTest {
    record User(String id, String name) {}

    record Lookup(String id, ActorRef<User> replyTo) {}

    static final class UserStore extends Actor<Lookup> {
        private final Map<String, User> users = Map.of("alice", new User("alice", "Alice"));

        @Override
        protected void receive(Lookup msg) {
            msg.replyTo().tell(users.getOrDefault(msg.id(), new User(msg.id(), "?")));
        }
    }

    @Test
    void readmeStack_compilesAndAnswers() {
        // The README's ten lines, verbatim apart from the final println.
        try (ActorSystem system = TestSupport.system()) {
            ActorRef<Lookup> users = system.spawn(UserStore::new, "users");       // replies to Lookup(id, replyTo)
            Service<String, User> lookup = Services.<String, User>builder()
                    .loadShed()                                                 // full? fail fast: OverloadedException
                    .timeout(Duration.ofSeconds(2))                             // the whole call, retries included
                    .retry(RetryPolicy.<String>attempts(3).withBackoff(Duration.ofMillis(10), Duration.ofSeconds(1)))
                    .circuitBreaker(CircuitBreakerSettings.defaults())          // stop calling a failing store
                    .concurrencyLimit(64)                                       // at most 64 in flight
                    .build(Services.ask(users, Lookup::new, Duration.ofSeconds(1)));
            assertEquals(new User("alice", "Alice"), TestSupport.join(lookup.call("alice")));
            assertEquals("Alice", TestSupport.join(lookup.call("alice")).name());
        }
    }
}
