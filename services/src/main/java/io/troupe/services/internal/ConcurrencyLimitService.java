package io.troupe.services.internal;

import io.troupe.services.NotReadyException;
import io.troupe.services.Service;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
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
     * Readiness waiters: see Permits.
     * Invariants. 0 <= in flight <= maxInFlight at all times (Permits); each permit this layer
     * took is given back exactly once: by the fast path or by the shared releaser, never both.
     * Memory ordering. Permits' atomics.
     * References. Tower's limit::concurrency::ConcurrencyLimit (a semaphore of permits).
     */
    private final Service<Req, Res> inner;
    private final Permits permits;
    private final NotReadyException full;
    /** Gives a call's permit back; one shared callback, so a call allocates none of its own. */
    private final BiConsumer<Object, Throwable> releaser;

    public ConcurrencyLimitService(Service<Req, Res> inner, int maxInFlight) {
        this.inner = inner;
        this.permits = new Permits(maxInFlight);
        this.full = new NotReadyException("concurrency limit of " + maxInFlight + " calls in flight reached");
        final Permits p = permits;
        this.releaser = (value, failure) -> p.release();
    }

    @Override
    public CompletionStage<Res> call(Req request) {
        if (!permits.tryAcquire()) {
            return CompletableFuture.failedFuture(full);
        }
        final CompletionStage<Res> stage = Calls.call(inner, request);
        final CompletableFuture<Res> f = Calls.doneNow(stage);
        if (f != null) {
            permits.release();
            return stage;
        }
        return stage.whenComplete(releaser);
    }

    /** The calls in flight now. Any thread; for monitoring and tests. */
    public int inFlight() {
        return permits.get();
    }

    @Override
    public boolean isReady() {
        return permits.hasRoom() && inner.isReady();
    }

    @Override
    public CompletionStage<Void> ready() {
        return permits.ready(inner);
    }

    @Override
    public String toString() {
        return "ConcurrencyLimit[" + permits.get() + "/" + permits.max + "] -> " + inner;
    }
}
