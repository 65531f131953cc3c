package io.troupe.benchmarks.supervision;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.SpawnOptions;
import io.troupe.mailbox.OverflowPolicy;
import io.troupe.supervision.Supervise;
import io.troupe.supervision.SupervisorStrategy;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The actors and settings shared by the supervision benchmarks: a 2-thread system (the peer
 * Pekko system gets 2 fork-join threads), failure logging off in both (each restart would
 * otherwise print a stack trace and the benchmark would measure the console).
 */
final class SupervisionBenchmarks {
    private SupervisionBenchmarks() {}

    /** Messages per benchmark operation batch. */
    static final int BATCH = 10_000;

    /** Kept strongly: java.util.logging holds loggers weakly, and the level would be forgotten. */
    private static final Logger CELL_LOG = Logger.getLogger("io.troupe.actors.ActorCell");

    /** A message: crash, count, or complete the future when everything before it was handled. */
    static final class Msg {
        static final Msg CRASH = new Msg(null);
        static final Msg WORK = new Msg(null);
        final CompletableFuture<Long> flushed;

        Msg(CompletableFuture<Long> flushed) {
            this.flushed = flushed;
        }
    }

    /** Counts WORK, throws on CRASH, answers a flush with its count. One instance per (re)start. */
    static final class Counter extends Actor<Msg> {
        private long count;

        @Override
        protected void receive(Msg m) {
            if (m == Msg.CRASH) {
                throw new IllegalStateException("crash");
            }
            if (m == Msg.WORK) {
                count++;
            } else {
                m.flushed.complete(count);
            }
        }
    }

    static ActorSystem newSystem(String name) {
        CELL_LOG.setLevel(Level.OFF);
        return ActorSystem.builder(name).parallelism(2).deadLetterLogsPerSecond(0).build();
    }

    /** An unsupervised counter, or one under {@code Supervise} restart, with room for a whole batch. */
    static ActorRef<Msg> spawn(ActorSystem system, boolean supervised, String name) {
        final Supplier<Actor<Msg>> factory = supervised
                ? Supervise.<Msg>of(Counter::new).onFailure(IllegalStateException.class, SupervisorStrategy.restart())
                : Counter::new;
        return system.spawn(factory, SpawnOptions.named(name).withMailbox(4 * BATCH, OverflowPolicy.DEAD_LETTER));
    }

    /** Sends a flush and waits for it: everything sent before has been handled. */
    static long flush(ActorRef<Msg> ref) throws Exception {
        final CompletableFuture<Long> done = new CompletableFuture<>();
        ref.tell(new Msg(done));
        return done.get(30, TimeUnit.SECONDS);
    }

    static void close(ActorSystem system) {
        system.close(Duration.ofSeconds(10));
    }
}
