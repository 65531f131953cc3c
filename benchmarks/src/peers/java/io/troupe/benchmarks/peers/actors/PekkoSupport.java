package io.troupe.benchmarks.peers.actors;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.troupe.benchmarks.actors.Workloads;
import java.time.Duration;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.SpawnProtocol;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * Apache Pekko (typed, Java API) configured at its best for this 2-core machine, so that each
 * Troupe figure stands beside a fair Pekko figure in the same JMH session.
 *
 * <p>Configuration: the default dispatcher is a fork-join executor with exactly as many threads
 * as cores (Pekko's default of at least 8 threads runs 1.1x to 3.4x slower on two cores), the
 * internal dispatcher likewise; {@code throughput} is a benchmark parameter (5, Pekko's default,
 * and 100); logging and dead-letter logging are off. Mailboxes are Pekko's default unbounded
 * ones, so Pekko never drops a message in these workloads.
 */
final class PekkoSupport {
    private static final Duration SPAWN_TIMEOUT = Duration.ofSeconds(10);

    private PekkoSupport() {}

    /** The configuration described above, with {@code throughput} messages per actor activation. */
    static Config config(int throughput) {
        final int cores = Runtime.getRuntime().availableProcessors();
        return ConfigFactory.parseString(
                "pekko {\n"
                + "  loglevel = \"OFF\"\n"
                + "  stdout-loglevel = \"OFF\"\n"
                + "  log-dead-letters = off\n"
                + "  log-dead-letters-during-shutdown = off\n"
                + "  actor.default-dispatcher {\n"
                + "    executor = \"fork-join-executor\"\n"
                + "    fork-join-executor { parallelism-min = " + cores + ", parallelism-factor = 1.0, parallelism-max = " + cores + " }\n"
                + "    throughput = " + throughput + "\n"
                + "  }\n"
                + "  actor.internal-dispatcher {\n"
                + "    fork-join-executor { parallelism-min = " + cores + ", parallelism-factor = 1.0, parallelism-max = " + cores + " }\n"
                + "  }\n"
                + "}\n")
                .withFallback(ConfigFactory.load());
    }

    /** A system whose guardian spawns actors on request. */
    static ActorSystem<SpawnProtocol.Command> newSystem(String name, int throughput) {
        return ActorSystem.create(SpawnProtocol.create(), name, config(throughput));
    }

    /** Spawns a top-level actor from outside the system and waits for its ref. */
    static <T> ActorRef<T> spawn(ActorSystem<SpawnProtocol.Command> system, Behavior<T> behavior, String name) {
        return AskPattern.<SpawnProtocol.Command, ActorRef<T>>ask(system,
                        replyTo -> new SpawnProtocol.Spawn<>(behavior, name, Props.empty(), replyTo),
                        SPAWN_TIMEOUT, system.scheduler())
                .toCompletableFuture().join();
    }

    /** Terminates {@code system} and waits for it. */
    static void terminate(ActorSystem<?> system) {
        system.terminate();
        try {
            system.getWhenTerminated().toCompletableFuture().get(Workloads.TIMEOUT_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("Pekko system did not terminate", e);
        }
    }
}
