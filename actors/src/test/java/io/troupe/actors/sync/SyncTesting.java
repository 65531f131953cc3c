package io.troupe.actors.sync;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorContext;
import io.troupe.actors.ActorSystem;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Shared helpers of the sync tests: systems with unique names, bounded waits. */
final class SyncTesting {
    /** How long any wait in a test may take before the test fails. Generous: the machine is shared. */
    static final Duration TIMEOUT = Duration.ofSeconds(20);
    /** Iteration multiplier of the stress tests: {@code -Dtroupe.stress.scale=N}. */
    static final int SCALE = Integer.getInteger("troupe.stress.scale", 1);

    private static final AtomicInteger SYSTEMS = new AtomicInteger();

    private SyncTesting() {}

    /** A system with two workers and dead-letter logging off. */
    static ActorSystem system(String prefix) {
        return ActorSystem.builder(prefix + "-" + SYSTEMS.incrementAndGet()).parallelism(2).deadLetterLogsPerSecond(0).build();
    }

    /** An actor that hands each message and its context to {@code handler}. */
    static <M> Supplier<Actor<M>> actor(BiConsumer<ActorContext<M>, M> handler) {
        return Actor.of(handler);
    }

    static void await(CountDownLatch latch, String what) {
        try {
            assertTrue(latch.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS), "timed out waiting for " + what);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted waiting for " + what);
        }
    }

    /** Waits (bounded) for a stage and returns its value. */
    static <T> T join(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new AssertionError("stage did not complete normally", e);
        }
    }

    /** Waits (bounded) for a stage to fail and returns the cause. */
    static Throwable failureOf(CompletionStage<?> stage) {
        try {
            final Object v = stage.toCompletableFuture().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            throw new AssertionError("expected a failure, got " + v);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError("stage did not complete", e);
        }
    }

    /** Polls {@code condition} until it holds; fails after {@link #TIMEOUT}. A bounded wait for a state no event announces. */
    static void awaitTrue(String what, BooleanSupplier condition) {
        final long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out waiting until " + what);
            }
            LockSupport.parkNanos(100_000);
        }
    }

    /** Blocks the calling (actor) thread on a latch the test releases. */
    static void block(CountDownLatch release) {
        try {
            if (!release.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("the test never released the handler");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
