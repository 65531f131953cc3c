package io.troupe.services;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.troupe.actors.ActorSystem;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/** Shared helpers of the service tests: bounded waits and a service the test completes by hand. */
final class TestSupport {
    /** How long any wait may take before the test fails. Generous: the machine is shared. */
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** Iteration multiplier of the stress tests: {@code -Dtroupe.stress.scale=N}. */
    static final int SCALE = Integer.getInteger("troupe.stress.scale", 1);
    private static final AtomicInteger SYSTEMS = new AtomicInteger();

    private TestSupport() {}

    static ActorSystem system() {
        return ActorSystem.builder("svc-" + SYSTEMS.incrementAndGet()).parallelism(2).deadLetterLogsPerSecond(0).build();
    }

    static <T> T join(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new AssertionError("stage did not complete normally", e);
        }
    }

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

    /** The failure of an already completed stage (no wait at all). */
    static Throwable failureNow(CompletionStage<?> stage) {
        final CompletableFuture<?> f = stage.toCompletableFuture();
        assertTrue(f.isDone(), "expected a completed stage");
        assertTrue(f.isCompletedExceptionally(), "expected a failed stage");
        return Throwables.unwrap(f);
    }

    /** Unwraps the failure of a completed future. */
    static final class Throwables {
        static Throwable unwrap(CompletableFuture<?> f) {
            try {
                f.join();
                fail("not failed");
                return null;
            } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
                return e instanceof java.util.concurrent.CancellationException ? e : e.getCause();
            }
        }
    }

    /**
     * A service whose calls stay pending until the test completes them: records each request and
     * its future, in call order. Thread safe.
     */
    static final class Manual<Req, Res> implements Service<Req, Res> {
        final List<Req> requests = new ArrayList<>();
        final List<CompletableFuture<Res>> calls = new ArrayList<>();

        @Override
        public synchronized CompletionStage<Res> call(Req request) {
            final CompletableFuture<Res> f = new CompletableFuture<>();
            requests.add(request);
            calls.add(f);
            return f;
        }

        synchronized CompletableFuture<Res> call(int i) {
            return calls.get(i);
        }

        synchronized int count() {
            return calls.size();
        }

        synchronized List<Req> requests() {
            return new ArrayList<>(requests);
        }
    }
}
