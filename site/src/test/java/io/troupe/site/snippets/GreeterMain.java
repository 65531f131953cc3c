package io.troupe.site.snippets;

import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import java.time.Duration;

/** The getting-started page's main: spawn, ask, close. Run by GreeterTest. */
final class GreeterMain {
    private GreeterMain() {}

    static String run() {
        // region first-main
        try (ActorSystem system = ActorSystem.create("hello")) {
            ActorRef<Greeter.Msg> greeter = system.spawn(Greeter::new, "greeter");
            String answer = greeter.<String>ask(replyTo -> new Greeter.Greet("Troupe", replyTo), Duration.ofSeconds(1))
                    .toCompletableFuture().join();
            System.out.println(answer); // Hello, Troupe!
            return answer;
        } // close() stops every actor and the system's threads
        // endregion
    }
}
