package io.troupe.site.snippets;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.DispatcherKind;
import io.troupe.actors.SpawnOptions;
import io.troupe.io.Io;
import io.troupe.io.IoSettings;
import io.troupe.mailbox.OverflowPolicy;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The code of guides/tuning.md, run. */
@Timeout(30)
class TuningGuideTest {
    @Test
    void tunedSystem_runsActorsOnBothDispatchers() {
        // A system built with every setting the guide shows runs an actor on its default
        // dispatcher and one on the fork-join dispatcher, and both answer.
        // region builder
        ActorSystem system = ActorSystem.builder("gateway")
                .dispatcher(DispatcherKind.WORK_STEALING)        // the default; FORK_JOIN is the alternative
                .parallelism(4)                                  // threads per dispatcher (default: cores)
                .throughput(32)                                  // messages per turn before yielding (default 64)
                .defaultMailbox(1_000, OverflowPolicy.DEAD_LETTER) // for actors that do not choose
                .slowHandlerThreshold(Duration.ofMillis(50))     // report handlers running longer
                .blockingPool(16, 1_000)                         // spawnBlocking: at most 16 threads, 1,000 queued
                .deadLetterLogsPerSecond(5)
                .build();
        Io.configure(system, IoSettings.defaults().withDriver(IoSettings.Driver.WORKERS)); // before the first socket
        // endregion
        try (system) {
            final ActorRef<ActorRef<String>> a = system.spawn(Actor.of((ctx, replyTo) -> replyTo.tell("default")), "a");
            // region spawn-on
            ActorRef<ActorRef<String>> b = system.spawn(Actor.of((ctx, replyTo) -> replyTo.tell("fork-join")),
                    SpawnOptions.named("b").withDispatcher(DispatcherKind.FORK_JOIN).withThroughput(8));
            // endregion
            assertEquals("default", a.<String>ask(r -> r, Duration.ofSeconds(5)).toCompletableFuture().join());
            assertEquals("fork-join", b.<String>ask(r -> r, Duration.ofSeconds(5)).toCompletableFuture().join());
        }
    }
}
