package io.troupe.services;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Many threads calling through a concurrency limit whose inner service completes on other
 * threads: the bound is never exceeded, and every call either completes or is rejected, counted
 * exactly (nothing lost, nothing doubled).
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ConcurrencyLimitStressTest {
    private static final int THREADS = 8;
    private static final int CALLS_PER_THREAD = 20_000 * TestSupport.SCALE;
    private static final int LIMIT = 5;

    private final ExecutorService completers = Executors.newFixedThreadPool(3);

    @AfterEach
    void shutdown() throws InterruptedException {
        TestSupport.stop(completers);
    }

    /** An inner service that counts its concurrent calls and completes each on another thread. */
    private final class Counting implements Service<Integer, Integer> {
        final AtomicInteger current = new AtomicInteger();
        final AtomicInteger max = new AtomicInteger();
        final LongAdder calls = new LongAdder();

        @Override
        public CompletionStage<Integer> call(Integer request) {
            calls.increment();
            final int now = current.incrementAndGet();
            max.accumulateAndGet(now, Math::max);
            if (request % 7 == 0) { // some complete at once, on the caller's thread
                current.decrementAndGet();
                return CompletableFuture.completedFuture(request);
            }
            return CompletableFuture.supplyAsync(() -> {
                current.decrementAndGet();
                if (request % 11 == 0) {
                    throw new IllegalStateException("inner failure " + request);
                }
                return request;
            }, completers);
        }
    }

    private record Outcomes(long ok, long innerFailed, long rejected, long other) {}

    private Outcomes run(Service<Integer, Integer> svc, boolean waitForReady, Class<?> rejection) throws Exception {
        final LongAdder ok = new LongAdder();
        final LongAdder failed = new LongAdder();
        final LongAdder rejected = new LongAdder();
        final LongAdder other = new LongAdder();
        final List<CompletableFuture<?>> all = java.util.Collections.synchronizedList(new ArrayList<>());
        TestSupport.runThreads(THREADS, t -> {
            final List<CompletableFuture<?>> mine = new ArrayList<>();
            for (int i = 0; i < CALLS_PER_THREAD; i++) {
                final int request = t * CALLS_PER_THREAD + i;
                final CompletionStage<Integer> s = waitForReady ? Services.callWhenReady(svc, request) : svc.call(request);
                mine.add(s.toCompletableFuture().handle((v, f) -> {
                    if (f == null) {
                        if (v != request) {
                            other.increment();
                        } else {
                            ok.increment();
                        }
                    } else {
                        final Throwable c = f instanceof java.util.concurrent.CompletionException && f.getCause() != null
                                ? f.getCause() : f;
                        if (rejection.isInstance(c)) {
                            rejected.increment();
                        } else if (c instanceof IllegalStateException) {
                            failed.increment();
                        } else {
                            other.increment();
                        }
                    }
                    return null;
                }));
            }
            all.addAll(mine);
        });
        CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).get(1, TimeUnit.MINUTES);
        return new Outcomes(ok.sum(), failed.sum(), rejected.sum(), other.sum());
    }


    @Test
    void limit_neverExceeded_everyCallCompletesOrIsRejected() throws Exception {
        // Direct calls: over the limit they fail NotReady at once; the rest reach the service.
        final Counting inner = new Counting();
        final Service<Integer, Integer> svc = Services.<Integer, Integer>builder().concurrencyLimit(LIMIT).build(inner);
        final Outcomes o = run(svc, false, NotReadyException.class);
        final long total = (long) THREADS * CALLS_PER_THREAD;
        assertEquals(0, o.other(), "unexpected outcomes");
        assertEquals(total, o.ok() + o.innerFailed() + o.rejected(), "every call accounted for exactly once");
        assertEquals(inner.calls.sum(), o.ok() + o.innerFailed(), "admitted calls are exactly those that reached the service");
        assertTrue(inner.max.get() <= LIMIT, "max in flight " + inner.max.get() + " > " + LIMIT);
        assertTrue(o.rejected() > 0 && o.ok() > 0, "both admitted and rejected calls expected: " + o);
        assertEquals(0, inner.current.get());
        assertTrue(svc.isReady(), "all permits given back");
    }

    @Test
    void loadShedOverLimit_countsOverloadedExactly() throws Exception {
        // With load shed outside, the rejections are OverloadedException and still exact.
        final Counting inner = new Counting();
        final Service<Integer, Integer> svc = Services.<Integer, Integer>builder().loadShed().concurrencyLimit(LIMIT)
                .build(inner);
        final Outcomes o = run(svc, false, OverloadedException.class);
        final long total = (long) THREADS * CALLS_PER_THREAD;
        assertEquals(0, o.other());
        assertEquals(total, o.ok() + o.innerFailed() + o.rejected());
        assertEquals(inner.calls.sum(), o.ok() + o.innerFailed());
        assertTrue(inner.max.get() <= LIMIT, "max in flight " + inner.max.get());
        assertTrue(o.rejected() > 0);
    }

    @Test
    void callWhenReady_waitsOnReadiness_boundHolds_nothingLost() throws Exception {
        // Callers that wait on ready() first: the bound holds and every call ends (admitted or,
        // having lost a race after ready(), rejected), counted exactly.
        final Counting inner = new Counting();
        final Service<Integer, Integer> svc = Services.<Integer, Integer>builder().concurrencyLimit(LIMIT).build(inner);
        final Outcomes o = run(svc, true, NotReadyException.class);
        final long total = (long) THREADS * CALLS_PER_THREAD;
        assertEquals(0, o.other());
        assertEquals(total, o.ok() + o.innerFailed() + o.rejected());
        assertEquals(inner.calls.sum(), o.ok() + o.innerFailed());
        assertTrue(inner.max.get() <= LIMIT, "max in flight " + inner.max.get());
    }
}
