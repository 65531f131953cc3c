package io.troupe.services.internal;

import io.troupe.services.NotReadyException;
import io.troupe.services.Service;
import io.troupe.services.Services;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;

/**
 * The concurrency-limit layer: at most {@code maxInFlight} calls are in the inner service at once.
 * When full the service is not ready, and a call made anyway fails at once with
 * {@link NotReadyException}; nothing queues. Thread safe, lock-free.
 */
public final class ConcurrencyLimitService<Req, Res> implements Service<Req, Res> {
    /*
     * Threading protocol. Any thread calls; the permit of a call is given back on the thread that
     * completes its inner stage (or at once when the inner call is already complete, or throws).
     * `ready()` callers that find the limit full share one waiter future, completed (and
     * cleared) by the next release; waiters then race for permits again (readiness is advice).
     * Invariants. 0 <= inFlight <= maxInFlight at all times: a permit is taken by a CAS that
     * fails when inFlight == maxInFlight; each taken permit is released exactly once.
     * No lost wake-up: a waiter is installed, then inFlight is re-checked, and a release
     * decrements first and then takes the waiter; one of the two sees the other.
     * Memory ordering. AtomicInteger/AtomicReference volatile semantics.
     * References. Tower's limit::concurrency::ConcurrencyLimit (a semaphore of permits).
     */
    private final Service<Req, Res> inner;
    private final int maxInFlight;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicReference<CompletableFuture<Void>> waiter = new AtomicReference<>();
    private final NotReadyException full;
    /** Gives a call's permit back; one shared callback, so a call allocates none of its own. */
    private final BiConsumer<Object, Throwable> releaser = (value, failure) -> release();

    public ConcurrencyLimitService(Service<Req, Res> inner, int maxInFlight) {
        this.inner = inner;
        this.maxInFlight = Checks.positive(maxInFlight, "maxInFlight");
        this.full = new NotReadyException("concurrency limit of " + maxInFlight + " calls in flight reached");
    }

    @Override
    public CompletionStage<Res> call(Req request) {
        if (!tryAcquire()) {
            return CompletableFuture.failedFuture(full);
        }
        final CompletionStage<Res> stage = Calls.call(inner, request);
        final CompletableFuture<Res> f = Calls.doneNow(stage);
        if (f != null) {
            release();
            return stage;
        }
        return stage.whenComplete(releaser);
    }

    private boolean tryAcquire() {
        for (;;) {
            final int n = inFlight.get();
            if (n >= maxInFlight) {
                return false;
            }
            if (inFlight.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    private void release() {
        inFlight.decrementAndGet();
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

    /** The calls in flight now. Any thread; for monitoring and tests. */
    public int inFlight() {
        return inFlight.get();
    }

    @Override
    public boolean isReady() {
        return inFlight.get() < maxInFlight && inner.isReady();
    }

    @Override
    public CompletionStage<Void> ready() {
        if (inFlight.get() < maxInFlight) {
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
        if (inFlight.get() < maxInFlight) {
            wakeWaiters(); // a release raced with installing the waiter
        }
        return w.thenCompose(ignored -> inner.isReady() ? Services.readyNow() : inner.ready());
    }

    @Override
    public String toString() {
        return "ConcurrencyLimit[" + inFlight.get() + "/" + maxInFlight + "] -> " + inner;
    }
}
