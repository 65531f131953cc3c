package io.troupe.services.internal;

import io.troupe.services.RetryBudget;
import io.troupe.services.Service;
import io.troupe.timers.Cancellable;
import io.troupe.timers.Clock;
import io.troupe.timers.Scheduler;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The hedge layer: when a call has not completed after the {@code percentile} latency of recent
 * calls, a second copy of the request is sent, and the first success of the two is the answer
 * (the loser's result is ignored, its stage cancelled if it is a {@code CompletableFuture}). The
 * second copies are drawn from a {@link RetryBudget}, so hedging adds at most a fraction of load.
 * Until {@code minSamples} latencies have been seen, calls are not hedged. Thread safe.
 */
public final class HedgeService<Req, Res> implements Service<Req, Res> {
    /*
     * Threading protocol. Any thread calls. Latencies of first copies are written into a ring of
     * SAMPLES slots (index by getAndIncrement); every RECOMPUTE samples, the recording thread
     * sorts a copy and publishes the percentile in the volatile `delayNanos` (other threads may
     * read a slightly stale delay). The hedge timer runs on the scheduler's executor.
     * Invariants. At most two copies per call; the second only if the budget allowed.
     * Memory ordering. AtomicLongArray/volatile. The per-call future arbitrates the outcome.
     * References. Tower's hedge::Hedge (a latency histogram and a budget); "The Tail at Scale"
     * (Dean and Barroso, 2013).
     */
    static final int SAMPLES = 128;
    private static final int RECOMPUTE = 16;

    private final Service<Req, Res> inner;
    private final Scheduler scheduler;
    private final Clock clock;
    private final double percentile;
    private final int minSamples;
    private final long minDelayNanos;
    private final RetryBudget budget;
    private final AtomicLongArray ring = new AtomicLongArray(SAMPLES);
    private final AtomicLong recorded = new AtomicLong();
    private volatile long delayNanos = -1;

    public HedgeService(Service<Req, Res> inner, Scheduler scheduler, double percentile, int minSamples,
                        Duration minDelay, RetryBudget budget) {
        this.inner = inner;
        this.scheduler = scheduler;
        this.clock = scheduler.clock();
        this.percentile = Checks.between(percentile, 0.0, 1.0, "percentile");
        this.minSamples = Checks.positive(minSamples, "minSamples");
        if (minSamples > SAMPLES) {
            throw new IllegalArgumentException("minSamples must be at most " + SAMPLES + ", was " + minSamples);
        }
        this.minDelayNanos = Checks.notNegative(minDelay, "minDelay").toNanos();
        this.budget = budget;
    }

    /** The current hedge delay in nanoseconds, or -1 while there are too few samples. Any thread. */
    public long delayNanos() {
        return delayNanos;
    }

    @Override
    public CompletionStage<Res> call(Req request) {
        budget.deposit();
        final long start = clock.nanoTime();
        final CompletionStage<Res> first = Calls.call(inner, request);
        if (Calls.doneNow(first) != null) {
            record(clock.nanoTime() - start);
            return first;
        }
        final Hedged<Req, Res> hedged = new Hedged<>(this, request, first);
        final long delay = delayNanos;
        if (delay >= 0) {
            hedged.outstanding.incrementAndGet(); // the hedge that may come counts as a copy
            hedged.timer = scheduler.scheduleOnce(Duration.ofNanos(Math.max(delay, minDelayNanos)), hedged::hedge);
        }
        first.whenComplete((v, t) -> {
            record(clock.nanoTime() - start);
            hedged.onResult(v, t);
        });
        return hedged;
    }

    private void record(long latencyNanos) {
        final long n = recorded.getAndIncrement();
        ring.set((int) (n % SAMPLES), latencyNanos);
        final long count = n + 1;
        if (count >= minSamples && (count == minSamples || count % RECOMPUTE == 0)) {
            final int size = (int) Math.min(count, SAMPLES);
            final long[] copy = new long[size];
            for (int i = 0; i < size; i++) {
                copy[i] = ring.get(i);
            }
            Arrays.sort(copy);
            final int rank = (int) Math.ceil(percentile * size) - 1; // nearest-rank percentile
            delayNanos = copy[Math.max(0, Math.min(size - 1, rank))];
        }
    }

    @Override
    public boolean isReady() {
        return inner.isReady();
    }

    @Override
    public CompletionStage<Void> ready() {
        return inner.ready();
    }

    @Override
    public String toString() {
        return "Hedge[p" + (percentile * 100) + "=" + delayNanos + " ns] -> " + inner;
    }

    /** One call: up to two copies; the first success wins, or the failure when no copy is left. */
    private static final class Hedged<Req, Res> extends CompletableFuture<Res> {
        private final HedgeService<Req, Res> owner;
        private final Req request;
        private final CompletionStage<Res> first;
        /** Copies that may still answer: the first, and the hedge while it is pending or running. */
        final AtomicInteger outstanding = new AtomicInteger(1);
        volatile CompletionStage<Res> second;
        volatile Cancellable timer;
        private volatile Throwable lastFailure;

        Hedged(HedgeService<Req, Res> owner, Req request, CompletionStage<Res> first) {
            this.owner = owner;
            this.request = request;
            this.first = first;
        }

        /** The hedge timer fired: send the second copy if still useful and the budget allows. */
        void hedge() {
            if (isDone() || !owner.budget.tryWithdraw()) {
                release();
                return;
            }
            final CompletionStage<Res> s = Calls.call(owner.inner, request);
            second = s;
            s.whenComplete(this::onResult);
        }

        void onResult(Res value, Throwable failure) {
            if (failure == null) {
                if (complete(value)) {
                    final Cancellable t = timer;
                    if (t != null) {
                        t.cancel();
                    }
                    cancelLoser(first);
                    cancelLoser(second);
                }
                outstanding.decrementAndGet();
                return;
            }
            lastFailure = Calls.unwrap(failure);
            final Cancellable t = timer;
            if (t != null && t.cancel()) {
                release(); // the hedge will not be sent: a failure is not a reason to hedge
            }
            release();
        }

        private void release() {
            if (outstanding.decrementAndGet() == 0) {
                final Throwable f = lastFailure;
                if (f != null) {
                    completeExceptionally(f);
                }
            }
        }

        private static void cancelLoser(CompletionStage<?> s) {
            if (s instanceof CompletableFuture<?> f) {
                try {
                    f.cancel(false);
                } catch (UnsupportedOperationException minimalStage) {
                    // cannot be cancelled: its result is ignored
                }
            }
        }
    }
}
