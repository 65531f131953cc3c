package io.troupe.services.internal;

import io.troupe.services.RetryBudget;
import io.troupe.services.Service;
import io.troupe.timers.Clock;
import io.troupe.timers.Scheduler;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.BiConsumer;

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
     * read a slightly stale delay). No timer per call: a call still pending once there are
     * enough samples is added to the layer's DeadlineSweep (one CAS), whose sweep, on the
     * scheduler's task executor, sends the hedge of each call still pending once the current
     * delay has passed since the call (coarse: up to one sweep interval late).
     * Hedge states (per call, `hedge`)
     *   NONE                  // too few samples when the call was made: never hedged
     *   PENDING -> FIRED      // the sweep found it due (then sends it, or the budget refuses)
     *   PENDING -> CANCELLED  // a copy answered first, or the scheduler was closed
     *   Whoever moves it out of PENDING settles the hedge's count in `outstanding`: the sweep
     *   when it does not send it, the first copy's failure when it cancels it.
     * Invariants. At most two copies per call; the second only if the budget allowed. The call
     * fails only when `outstanding` reaches 0 (no copy can answer any more).
     * Memory ordering. AtomicLongArray/volatile; CAS on `hedge` and `outstanding`. The per-call
     * future arbitrates the outcome.
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
    private final DeadlineSweep sweep;

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
        this.sweep = new DeadlineSweep(scheduler, this::hedgeDelayNanos, this);
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
        final Hedged<Req, Res> hedged = new Hedged<>(this, request, first, start);
        final boolean hedging = delayNanos >= 0;
        if (hedging) {
            hedged.outstanding = 2; // the hedge that may come counts as a copy
            hedged.hedge = PENDING;
        }
        first.whenComplete(hedged);
        if (hedging && !hedged.isDone()) {
            sweep.add(hedged);
        }
        return hedged;
    }

    /** The delay after which a pending call is hedged: the percentile, at least the minimum. */
    private long hedgeDelayNanos() {
        return Math.max(delayNanos, minDelayNanos);
    }

    /**
     * Tells whether the hedge sweep is scheduled or running. Any thread; for tests.
     *
     * @return whether the sweep is armed
     */
    public boolean isArmed() {
        return sweep.isArmed();
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

    /** The hedge of a call is not planned (too few samples when it was made). */
    static final int NONE = 0;
    /** The hedge waits in the sweep. */
    static final int PENDING = 1;
    /** The sweep found it due: it is sent, or refused by the budget. */
    static final int FIRED = 2;
    /** A copy answered first: no hedge will be sent. */
    static final int CANCELLED = 3;

    /**
     * One call: up to two copies; the first success wins, or the failure when no copy is left. The
     * callback of the first copy and the node of the hedge sweep.
     */
    private static final class Hedged<Req, Res> extends DeadlineSweep.Node<Res> implements BiConsumer<Res, Throwable> {
        private final HedgeService<Req, Res> owner;
        private final Req request;
        private final CompletionStage<Res> first;
        private final long calledAtNanos;
        /** Copies that may still answer: the first, and the hedge while it may be sent or runs; via OUTSTANDING. */
        int outstanding = 1;
        /** NONE, PENDING, FIRED or CANCELLED; via HEDGE. */
        int hedge = NONE;
        volatile CompletionStage<Res> second;
        private volatile Throwable lastFailure;

        Hedged(HedgeService<Req, Res> owner, Req request, CompletionStage<Res> first, long calledAtNanos) {
            this.owner = owner;
            this.request = request;
            this.first = first;
            this.calledAtNanos = calledAtNanos;
        }

        /** The hedge delay passed: send the second copy if still useful and the budget allows. */
        @Override
        protected void onDue() {
            if (!HEDGE.compareAndSet(this, PENDING, FIRED)) {
                return; // a copy answered meanwhile, and took the hedge's count back
            }
            if (isDone() || !owner.budget.tryWithdraw()) {
                release();
                return;
            }
            final CompletionStage<Res> s = Calls.call(owner.inner, request);
            second = s;
            s.whenComplete(this::onResult);
        }

        /** No sweep will come: the hedge is not sent. */
        @Override
        protected void onSchedulerClosed(IllegalStateException closed) {
            if (HEDGE.compareAndSet(this, PENDING, CANCELLED)) {
                release();
            }
        }

        /** The first copy answered. */
        @Override
        public void accept(Res value, Throwable failure) {
            owner.record(owner.clock.nanoTime() - calledAtNanos);
            onResult(value, failure);
        }

        void onResult(Res value, Throwable failure) {
            if (failure == null) {
                if (complete(value)) {
                    HEDGE.compareAndSet(this, PENDING, CANCELLED);
                    Calls.cancel(first);
                    final CompletionStage<Res> s = second;
                    if (s != null) {
                        Calls.cancel(s);
                    }
                }
                OUTSTANDING.getAndAdd(this, -1);
                return;
            }
            lastFailure = Calls.unwrap(failure);
            if (HEDGE.compareAndSet(this, PENDING, CANCELLED)) {
                release(); // the hedge will not be sent: a failure is not a reason to hedge
            }
            release();
        }

        private void release() {
            if ((int) OUTSTANDING.getAndAdd(this, -1) == 1) {
                final Throwable f = lastFailure;
                if (f != null) {
                    completeExceptionally(f);
                }
            }
        }

        private static final VarHandle OUTSTANDING;
        private static final VarHandle HEDGE;

        static {
            try {
                final MethodHandles.Lookup lookup = MethodHandles.lookup();
                OUTSTANDING = lookup.findVarHandle(Hedged.class, "outstanding", int.class);
                HEDGE = lookup.findVarHandle(Hedged.class, "hedge", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }
}
