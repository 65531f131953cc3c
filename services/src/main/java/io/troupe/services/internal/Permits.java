package io.troupe.services.internal;

import io.troupe.services.Service;
import io.troupe.services.Services;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The permits of a concurrency limit: at most {@code max} taken at once, and a shared waiter for
 * {@code ready()}. Thread safe, lock-free; taking a permit is one compare-and-set, giving one back
 * one atomic decrement and one volatile read. Used by the concurrency-limit layer and by the
 * fused timeout/retry/limit service.
 */
final class Permits extends AtomicInteger {
    /*
     * Threading protocol. Any thread takes and gives back permits. `ready()` callers that find
     * the limit full share one waiter future, completed (and cleared) by the next release;
     * waiters then race for permits again (readiness is advice).
     * Invariants. 0 <= get() <= max at all times: a permit is taken by a CAS that fails when
     * get() == max; the caller gives each permit it took back exactly once.
     * No lost wake-up: a waiter is installed, then the count is re-checked, and a release
     * decrements first and then takes the waiter; one of the two sees the other.
     * Memory ordering. AtomicInteger/AtomicReference volatile semantics.
     * Shutdown. Nothing to stop.
     * References. Tower's limit::concurrency::ConcurrencyLimit (a semaphore of permits).
     */
    private static final long serialVersionUID = 1L;

    final int max;
    private final AtomicReference<CompletableFuture<Void>> waiter = new AtomicReference<>();

    Permits(int max) {
        this.max = Checks.positive(max, "maxInFlight");
    }

    /** Takes a permit if one is free; returns whether it did. */
    boolean tryAcquire() {
        for (;;) {
            final int n = get();
            if (n >= max) {
                return false;
            }
            if (compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** Gives a permit back, and wakes the readiness waiters if there are any. */
    void release() {
        decrementAndGet();
        if (waiter.get() != null) {
            wakeWaiters(); // rare: someone waits on ready(); kept out of the hot method
        }
    }

    private void wakeWaiters() {
        final CompletableFuture<Void> w = waiter.getAndSet(null);
        if (w != null) {
            w.complete(null);
        }
    }

    /** Whether a permit is free now. */
    boolean hasRoom() {
        return get() < max;
    }

    /**
     * A stage completed when a permit is likely free and then {@code inner} is ready: the
     * readiness of a limit in front of {@code inner}.
     */
    CompletionStage<Void> ready(Service<?, ?> inner) {
        if (get() < max) {
            return inner.ready();
        }
        CompletableFuture<Void> w = waiter.get();
        if (w == null) {
            final CompletableFuture<Void> fresh = new CompletableFuture<>();
            w = waiter.compareAndExchange(null, fresh);
            if (w == null) {
                w = fresh;
            }
        }
        if (get() < max) {
            wakeWaiters(); // a release raced with installing the waiter
        }
        return w.thenCompose(ignored -> inner.isReady() ? Services.readyNow() : inner.ready());
    }
}
