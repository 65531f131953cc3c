package io.troupe.services.internal;

import io.troupe.services.NotReadyException;
import io.troupe.services.Service;
import io.troupe.timers.Clock;
import io.troupe.timers.Scheduler;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The rate-limit layer: a token bucket of {@code permits} tokens refilled at {@code permits} per
 * {@code period} (so a burst of up to {@code permits} calls, then one call per
 * {@code period / permits}). Without a token the service is not ready and a call fails at once
 * with {@link NotReadyException}. Thread safe, lock-free: one compare-and-set per call.
 */
public final class RateLimitService<Req, Res> implements Service<Req, Res> {
    /*
     * Threading protocol. Any thread calls. The bucket is kept as one number, the theoretical
     * arrival time `tat` of the generic cell rate algorithm (GCRA), which is a token bucket seen
     * from the clock: a call at `now` is allowed iff tat - burstNanos <= now, and then moves
     * tat to max(tat, now) + intervalNanos. ready() callers share one waiter, completed by a
     * timer at the moment the next token is due.
     * Invariants. Over any span of length d, at most permits + d / intervalNanos calls are
     * admitted (the bucket never holds more than `permits` tokens).
     * Memory ordering. AtomicLong's.
     * References. GCRA (ITU-T I.371); Tower's limit::rate::RateLimit (a fixed window instead).
     */
    private final Service<Req, Res> inner;
    private final Clock clock;
    private final Scheduler scheduler;
    private final long intervalNanos;
    private final long burstNanos;
    private final AtomicLong tat;
    private final AtomicReference<CompletableFuture<Void>> waiter = new AtomicReference<>();
    private final NotReadyException empty;

    public RateLimitService(Service<Req, Res> inner, Scheduler scheduler, int permits, Duration period) {
        this.inner = inner;
        this.scheduler = scheduler;
        this.clock = scheduler.clock();
        Checks.positive(permits, "permits");
        Checks.positive(period, "period");
        this.intervalNanos = period.toNanos() / permits;
        if (intervalNanos <= 0) {
            throw new IllegalArgumentException("permits per period must be at most one per nanosecond, was "
                    + permits + " per " + period);
        }
        this.burstNanos = intervalNanos * (permits - 1);
        this.tat = new AtomicLong(clock.nanoTime());
        this.empty = new NotReadyException("rate limit of " + permits + " calls per " + period + " reached");
    }

    @Override
    public CompletionStage<Res> call(Req request) {
        if (!tryAcquire(clock.nanoTime())) {
            return CompletableFuture.failedFuture(empty);
        }
        return Calls.call(inner, request);
    }

    private boolean tryAcquire(long now) {
        for (;;) {
            final long t = tat.get();
            if (t - burstNanos - now > 0) {
                return false;
            }
            if (tat.compareAndSet(t, Math.max(t, now) + intervalNanos)) {
                return true;
            }
        }
    }

    /** Nanoseconds until the next token, or 0 if one is there now. */
    private long waitNanos() {
        return Math.max(0, tat.get() - burstNanos - clock.nanoTime());
    }

    @Override
    public boolean isReady() {
        return waitNanos() == 0 && inner.isReady();
    }

    @Override
    public CompletionStage<Void> ready() {
        final long wait = waitNanos();
        if (wait == 0) {
            return inner.ready();
        }
        CompletableFuture<Void> w = waiter.get();
        if (w == null) {
            final CompletableFuture<Void> fresh = new CompletableFuture<>();
            w = waiter.compareAndExchange(null, fresh);
            if (w == null) {
                w = fresh;
                scheduler.scheduleOnce(Duration.ofNanos(wait), () -> {
                    waiter.compareAndSet(fresh, null);
                    fresh.complete(null);
                });
            }
        }
        return w.thenCompose(ignored -> inner.ready());
    }

    @Override
    public String toString() {
        return "RateLimit[1 per " + intervalNanos + " ns] -> " + inner;
    }
}
