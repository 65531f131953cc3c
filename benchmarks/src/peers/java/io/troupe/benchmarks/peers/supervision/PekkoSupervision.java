package io.troupe.benchmarks.peers.supervision;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The Pekko typed side of the supervision benchmarks: the same counter as Troupe's, as a
 * behavior, plain or under {@code Behaviors.supervise(...).onFailure(SupervisorStrategy.restart())}.
 * Pekko is configured at its best on 2 cores: a fork-join executor of exactly 2 threads, the
 * same per-activation budget as Troupe (throughput 64), failure and dead-letter logging off.
 */
final class PekkoSupervision {
    private PekkoSupervision() {}

    static final int BATCH = 10_000;

    static final Config CONFIG = ConfigFactory.parseString(String.join("\n",
            "pekko.loglevel = ERROR",
            "pekko.log-dead-letters = off",
            "pekko.actor.default-dispatcher.throughput = 64",
            "pekko.actor.default-dispatcher.fork-join-executor.parallelism-min = 2",
            "pekko.actor.default-dispatcher.fork-join-executor.parallelism-max = 2",
            "pekko.actor.default-dispatcher.fork-join-executor.parallelism-factor = 1.0"))
            .withFallback(ConfigFactory.load());

    /** A message: crash, count, or complete the future when everything before it was handled. */
    static final class Msg {
        static final Msg CRASH = new Msg(null);
        static final Msg WORK = new Msg(null);
        final CompletableFuture<Long> flushed;

        Msg(CompletableFuture<Long> flushed) {
            this.flushed = flushed;
        }
    }

    /** Counts WORK, throws on CRASH, answers a flush; setup runs again at each restart (fresh state). */
    static Behavior<Msg> counter() {
        return Behaviors.setup(ctx -> {
            final long[] count = {0};
            return Behaviors.receiveMessage(m -> {
                if (m == Msg.CRASH) {
                    throw new IllegalStateException("crash");
                }
                if (m == Msg.WORK) {
                    count[0]++;
                } else {
                    m.flushed.complete(count[0]);
                }
                return Behaviors.same();
            });
        });
    }

    static Behavior<Msg> supervised() {
        return Behaviors.supervise(counter())
                .onFailure(IllegalStateException.class, SupervisorStrategy.restart().withLoggingEnabled(false));
    }

    static ActorSystem<Msg> system(Behavior<Msg> guardian, String name) {
        return ActorSystem.create(guardian, name, CONFIG);
    }

    static long flush(ActorSystem<Msg> ref) throws Exception {
        final CompletableFuture<Long> done = new CompletableFuture<>();
        ref.tell(new Msg(done));
        return done.get(30, TimeUnit.SECONDS);
    }

    static void close(ActorSystem<Msg> system) throws Exception {
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}
