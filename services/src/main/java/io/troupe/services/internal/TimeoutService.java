package io.troupe.services.internal;

import io.troupe.services.Service;
import io.troupe.timers.Scheduler;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;

/**
 * The timeout layer: a call that has not completed within the timeout fails with
 * {@link TimeoutException}; the inner call's later result is ignored (and its stage cancelled
 * when it is a {@link CompletableFuture}). Thread safe; a call costs one future, one callback on
 * the inner stage and one compare-and-set, and touches neither the clock nor the timer thread.
 *
 * <p>Timing is coarse: a call never fails before {@code timeout} has passed since it was made,
 * and fails at most one sweep interval ({@link DeadlineSweep#sweepNanos(long)}: a tenth of the timeout, kept
 * between 1 ms and 10 ms, never more than the timeout) after that, plus the scheduler's own
 * latency. The first call into an idle layer gets its exact deadline.
 */
public final class TimeoutService<Req, Res> implements Service<Req, Res> {
    /*
     * Threading protocol
     *   Any thread calls. A call whose inner stage is not complete at once becomes a Pending: the
     *   outer future, the inner stage's callback and a node of this layer's DeadlineSweep, which
     *   the calling thread adds (one CAS; no clock reading, no timer, no wake-up). The sweep, on
     *   the scheduler, fails the calls still pending once the timeout has passed; a call that
     *   completes stays in the sweep's list until the next sweep drops it. See DeadlineSweep for
     *   the protocol, its arming state machine, invariants and shutdown.
     *
     * Invariants
     *   A call's outer future completes once: with the inner result, or with TimeoutException
     *   (never before the timeout has passed), or with the scheduler's IllegalStateException if
     *   the scheduler was closed while it was pending; whichever comes first.
     *
     * Memory ordering
     *   The outer future's completion (a CAS) arbitrates between the inner callback and the
     *   sweep. See DeadlineSweep for the nodes.
     *
     * Shutdown
     *   Nothing to stop (see DeadlineSweep: with nothing pending, nothing is scheduled).
     *
     * References
     *   Tower's timeout::Timeout.
     */

    private final Service<Req, Res> inner;
    private final Duration timeout;
    private final DeadlineSweep sweep;

    public TimeoutService(Service<Req, Res> inner, Scheduler scheduler, Duration timeout) {
        this.inner = inner;
        this.timeout = Checks.positive(timeout, "timeout");
        final long timeoutNanos = timeoutNanos(timeout);
        this.sweep = new DeadlineSweep(scheduler, () -> timeoutNanos, this);
    }

    /** The timeout in nanoseconds, capped so that deadlines cannot wrap. */
    static long timeoutNanos(Duration timeout) {
        return timeout.compareTo(Duration.ofNanos(DeadlineSweep.MAX_DELAY_NANOS)) > 0
                ? DeadlineSweep.MAX_DELAY_NANOS : timeout.toNanos();
    }

    @Override
    public CompletionStage<Res> call(Req request) {
        final CompletionStage<Res> stage = Calls.call(inner, request);
        if (Calls.doneNow(stage) != null) {
            return stage; // fast path: a synchronous answer cannot time out
        }
        final Pending<Res> pending = new Pending<>(stage, timeout);
        stage.whenComplete(pending);
        if (!pending.isDone()) {
            sweep.add(pending);
        }
        return pending;
    }

    /**
     * The calls in this layer's deadline list as of its last sweep: pending ones, and completed
     * ones not yet dropped; 0 when no sweep is scheduled. A racy read, for tests and diagnostics.
     *
     * @return the calls tracked
     */
    public int trackedCalls() {
        return sweep.trackedCalls();
    }

    /**
     * Tells whether a sweep is scheduled or running (some call may be pending). Any thread.
     *
     * @return whether the layer is armed
     */
    public boolean isArmed() {
        return sweep.isArmed();
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
        return "Timeout[" + timeout + "] -> " + inner;
    }

    /** One call in flight: the outer future, the inner stage's callback, a node of the sweep. */
    private static final class Pending<Res> extends DeadlineSweep.Node<Res> implements BiConsumer<Res, Throwable> {
        private final CompletionStage<Res> innerStage;
        private final Duration timeout;

        Pending(CompletionStage<Res> innerStage, Duration timeout) {
            this.innerStage = innerStage;
            this.timeout = timeout;
        }

        /** The deadline passed. Runs on the sweep's thread. */
        @Override
        protected void onDue() {
            if (completeExceptionally(new TimeoutException("call timed out after " + timeout))) {
                Calls.cancel(innerStage);
            }
        }

        @Override
        protected void onSchedulerClosed(IllegalStateException closed) {
            completeExceptionally(closed);
        }

        /** The inner call completed: the first of this and onDue wins. */
        @Override
        public void accept(Res value, Throwable failure) {
            if (failure == null) {
                complete(value);
            } else {
                completeExceptionally(Calls.unwrap(failure));
            }
        }
    }
}
