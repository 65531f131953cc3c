package io.troupe.services;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.troupe.actors.ActorSystem;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
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

    /** What one thread of {@link #runThreads} does. */
    interface ThreadBody {
        /**
         * Runs on thread {@code thread}.
         *
         * @param thread 0 to threads - 1
         * @throws Exception to fail the test
         */
        void run(int thread) throws Exception;
    }

    /**
     * Runs {@code body} on {@code threads} new threads ({@code caller-0}, ...), released together;
     * waits for them (bounded) and fails naming a thread that is stuck, or with what one threw.
     */
    static void runThreads(int threads, ThreadBody body) throws InterruptedException {
        final CountDownLatch start = new CountDownLatch(1);
        final List<Thread> all = new ArrayList<>();
        final ConcurrentLinkedQueue<Throwable> thrown = new ConcurrentLinkedQueue<>();
        for (int t = 0; t < threads; t++) {
            final int index = t;
            final Thread th = new Thread(() -> {
                try {
                    start.await();
                    body.run(index);
                } catch (Throwable e) {
                    thrown.add(e);
                }
            }, "caller-" + t);
            all.add(th);
            th.start();
        }
        start.countDown();
        for (Thread th : all) {
            th.join(TimeUnit.SECONDS.toMillis(100));
            assertFalse(th.isAlive(), th.getName() + " is stuck");
        }
        if (!thrown.isEmpty()) {
            throw new AssertionError("a caller thread failed", thrown.peek());
        }
    }

    /**
     * Waits (bounded) for each call of a window, made for requests {@code firstRequest}, + 1, ...;
     * adds {@code "r<request>"} to {@code stuck} for one that does not complete. A failed call is
     * no error here: the caller checks outcomes.
     */
    static void awaitWindow(List<? extends CompletableFuture<?>> window, int firstRequest, Collection<String> stuck)
            throws InterruptedException {
        for (int i = 0; i < window.size(); i++) {
            try {
                window.get(i).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException failed) {
                // checked by the caller
            } catch (TimeoutException e) {
                stuck.add("r" + (firstRequest + i));
            }
        }
    }

    /** Stops a test's executor and checks that its threads end. */
    static void stop(ExecutorService executor) throws InterruptedException {
        executor.shutdownNow();
        assertTrue(executor.awaitTermination(10, TimeUnit.SECONDS), "executor threads did not end");
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
