package io.troupe.services.internal;

import io.troupe.services.NotReadyException;
import io.troupe.services.RetryBudget;
import io.troupe.services.RetryPolicy;
import io.troupe.services.Service;
import io.troupe.timers.Scheduler;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;

/**
 * A timeout around retries around a concurrency limit, as one service: what the builder makes of
 * adjacent {@code timeout}, {@code retry} and {@code concurrencyLimit} layers in that order (any
 * two or all three). Same semantics as the layers stacked one by one, with one call object per
 * request instead of a future and a callback per layer. Thread safe, lock-free.
 *
 * <p>On timeout the call fails and makes no more attempts; an attempt in flight is not
 * cancelled (as in the layered stack, where the timeout cancels the retry layer's future, not
 * the service's) and keeps its permit until it completes, so the limit counts the work still in
 * the service.
 *
 * <p>Cost per call: a budget deposit (a compare-and-set) with retry; a permit taken and given
 * back (a compare-and-set and an atomic decrement) with a limit; then, when the inner service
 * answers at once with a success (or, without retry, at all), nothing more: its own stage is
 * returned. When it does not, one object (the call: the result future, the inner stage's
 * callback, the retry's state and the timeout's node) plus the two that registering a callback on
 * the inner {@code CompletableFuture} costs, and one compare-and-set onto the timeout's sweep.
 */
public final class FusedService<Req, Res> implements Service<Req, Res> {
    /*
     * Threading protocol
     *   Any thread calls. The caller deposits into the budget, takes a permit and calls the inner
     *   service. A successful answer that is there at once is returned as it is (fast path).
     *   Otherwise a Call is made: it is the outer future, the callback of each attempt's stage,
     *   the task of a retry's backoff and the node of the timeout's DeadlineSweep. The caller
     *   registers it on the attempt's stage and adds it to the sweep (if there is a timeout and
     *   the call is still pending). An attempt's completion runs Call.accept on the completing
     *   thread: it gives the permit back, then completes the call or decides a retry; a retry
     *   without backoff is made at once on that thread (in a loop, not a recursion, while
     *   attempts fail at once), one with backoff on the scheduler's task executor. The sweep
     *   (see DeadlineSweep) fails the call when the timeout has passed; an attempt in flight
     *   runs on, and its callback gives its permit back when it completes (its result ignored).
     *
     * Call states (the outer future, and the attempt in flight)
     *   ATTEMPTING -> ATTEMPTING  // an attempt failed, the policy and the budget allow a retry
     *   ATTEMPTING -> BACKOFF     // the same, with a backoff: the Call is scheduled
     *   BACKOFF    -> ATTEMPTING  // the backoff fired (run) and the call is not done
     *   ATTEMPTING -> DONE        // an attempt succeeded, or failed for good
     *   any        -> DONE        // timed out (sweep), or the scheduler was closed
     *   A Call that is DONE makes no more attempts: run() and the retry decision check isDone().
     *
     * Invariants
     *   Attempts of one call are strictly sequential: the next starts only after the previous
     *   one's stage completed, so `attempts` is touched by one thread at a time.
     *   Each permit taken is given back exactly once: at once if the attempt answered at once,
     *   else by the attempt's callback (also after a timeout). 0 <= permits
     *   in use <= maxInFlight (Permits).
     *   One deposit per call; one budget withdrawal per retry, before it is made.
     *   The call's outer future completes once; a result after it (a late attempt) is ignored.
     *
     * Memory ordering
     *   `attempts` and `request` are handed from one attempt to the next by the completion of
     *   the previous attempt's stage (CompletableFuture: completion happens-before the dependent
     *   action) or by the scheduler (schedule happens-before the task). The outer
     *   future's completion (a CAS) arbitrates between an attempt's result and the sweep; the
     *   node fields are published by DeadlineSweep.add's CAS.
     *
     * Shutdown
     *   Nothing to stop. A closed scheduler fails pending calls (DeadlineSweep) and retries with
     *   backoff (IllegalStateException, as the retry layer).
     *
     * References
     *   Tower's timeout, retry and limit::concurrency layers; the fusion is this project's (a
     *   stack of futures costs a future and a callback per layer per call).
     */

    private final Service<Req, Res> inner;
    private final Scheduler scheduler;
    /** The timeout, or null without one. */
    private final Duration timeout;
    /** The timeout's deadlines, or null without a timeout. */
    private final DeadlineSweep sweep;
    /** The retry policy, or null without retries. */
    private final RetryPolicy<? super Req> policy;
    /** The retry budget, or null without retries. */
    private final RetryBudget budget;
    /** The concurrency limit's permits, or null without a limit. */
    private final Permits permits;
    private final NotReadyException full;

    /**
     * Fuses the layers given (at least one of them).
     *
     * @param inner the service inside the limit
     * @param scheduler runs the timeout's sweeps and the retries' backoffs
     * @param timeout the timeout of the whole call, or null for none
     * @param policy the retry policy, or null for no retries
     * @param budget the retry budget; null exactly when {@code policy} is
     * @param maxInFlight the concurrency limit, or 0 for none
     */
    public FusedService(Service<Req, Res> inner, Scheduler scheduler, Duration timeout,
                        RetryPolicy<? super Req> policy, RetryBudget budget, int maxInFlight) {
        if ((policy == null) != (budget == null)) {
            throw new IllegalArgumentException("policy and budget go together");
        }
        this.inner = inner;
        this.scheduler = scheduler;
        this.timeout = timeout == null ? null : Checks.positive(timeout, "timeout");
        if (timeout != null) {
            final long timeoutNanos = TimeoutService.timeoutNanos(timeout);
            this.sweep = new DeadlineSweep(scheduler, () -> timeoutNanos, this);
        } else {
            this.sweep = null;
        }
        this.policy = policy;
        this.budget = budget;
        this.permits = maxInFlight == 0 ? null : new Permits(maxInFlight);
        this.full = maxInFlight == 0 ? null
                : new NotReadyException("concurrency limit of " + maxInFlight + " calls in flight reached");
    }

    @Override
    public CompletionStage<Res> call(Req request) {
        final RetryBudget budget = this.budget;
        if (budget != null) {
            budget.deposit();
        }
        final Permits permits = this.permits;
        if (permits != null && !permits.tryAcquire()) {
            return failedAtOnce(request, full);
        }
        final CompletionStage<Res> stage = Calls.call(inner, request);
        final CompletableFuture<Res> done = Calls.doneNow(stage);
        if (done != null) {
            if (permits != null) {
                permits.release();
            }
            if (policy == null || !done.isCompletedExceptionally()) {
                return stage; // fast path: an answer already there cannot time out, nor be retried
            }
            return failedAtOnce(request, Calls.failureOf(done));
        }
        final Call<Req, Res> call = new Call<>(this, request);
        stage.whenComplete(call);
        if (sweep != null && !call.isDone()) {
            sweep.add(call);
        }
        return call;
    }

    // Rare branch kept out of call: the first attempt failed at once, or found the limit full.
    private CompletionStage<Res> failedAtOnce(Req request, Throwable cause) {
        if (policy == null) {
            return CompletableFuture.failedFuture(cause);
        }
        final Call<Req, Res> call = new Call<>(this, request);
        call.onAttemptFailed(cause);
        if (sweep != null && !call.isDone()) {
            sweep.add(call);
        }
        return call;
    }

    /**
     * The calls in the inner service now (permits in use), or 0 without a limit. Any thread; for
     * monitoring and tests.
     *
     * @return the permits in use
     */
    public int inFlight() {
        return permits == null ? 0 : permits.get();
    }

    /**
     * Tells whether the timeout's sweep is scheduled or running. Any thread; for tests.
     *
     * @return whether the timeout's sweep is armed (false without a timeout)
     */
    public boolean isArmed() {
        return sweep != null && sweep.isArmed();
    }

    /**
     * The calls in the timeout's deadline list as of its last sweep (see
     * {@link DeadlineSweep#trackedCalls()}). A racy read, for tests and diagnostics.
     *
     * @return the calls tracked
     */
    public int trackedCalls() {
        return sweep == null ? 0 : sweep.trackedCalls();
    }

    @Override
    public boolean isReady() {
        return permits == null ? inner.isReady() : permits.hasRoom() && inner.isReady();
    }

    @Override
    public CompletionStage<Void> ready() {
        return permits == null ? inner.ready() : permits.ready(inner);
    }

    @Override
    public String toString() {
        final StringBuilder b = new StringBuilder("Fused[");
        if (timeout != null) {
            b.append("timeout ").append(timeout).append(", ");
        }
        if (budget != null) {
            b.append("retry ").append(budget).append(", ");
        }
        if (permits != null) {
            b.append("limit ").append(permits.get()).append('/').append(permits.max).append(", ");
        }
        b.setLength(b.length() - 2);
        return b.append("] -> ").append(inner).toString();
    }

    /**
     * One call: the outer future, the callback of each attempt, the retry's backoff task and the
     * timeout's node.
     */
    private static final class Call<Req, Res> extends DeadlineSweep.Node<Res>
            implements BiConsumer<Res, Throwable>, Runnable {
        private final FusedService<Req, Res> owner;
        private final Req request;
        /** Attempts made so far, at least 1; one thread at a time (see the overview). */
        private int attempts = 1;

        Call(FusedService<Req, Res> owner, Req request) {
            this.owner = owner;
            this.request = request;
        }

        /** An attempt completed. Runs on the thread that completed its stage. */
        @Override
        public void accept(Res value, Throwable failure) {
            final Permits permits = owner.permits;
            if (permits != null) {
                permits.release();
            }
            if (failure == null) {
                complete(value);
            } else if (owner.policy == null) {
                completeExceptionally(Calls.unwrap(failure));
            } else {
                onAttemptFailed(Calls.unwrap(failure));
            }
        }

        /**
         * Decides about a failed attempt: retries (at once, in a loop while attempts fail at once,
         * or after a backoff) or fails the call. The retry layer's decisions, in its order.
         */
        void onAttemptFailed(Throwable failure) {
            final FusedService<Req, Res> o = owner;
            Throwable cause = failure;
            while (cause != null) {
                final boolean again;
                final Duration delay;
                try {
                    again = !isDone() && o.policy.shouldRetry(request, cause, attempts);
                    delay = again ? o.policy.backoff(attempts) : Duration.ZERO;
                } catch (VirtualMachineError e) {
                    throw e;
                } catch (Throwable policyFailed) {
                    policyFailed.addSuppressed(cause);
                    completeExceptionally(policyFailed);
                    return;
                }
                if (!again || !o.budget.tryWithdraw()) {
                    completeExceptionally(cause);
                    return;
                }
                attempts++;
                if (delay != null && !delay.isZero() && !delay.isNegative()) {
                    try {
                        o.scheduler.scheduleOnce(delay, this);
                    } catch (IllegalStateException closed) {
                        closed.addSuppressed(cause);
                        completeExceptionally(closed);
                    }
                    return;
                }
                cause = nextAttempt();
            }
        }

        /** The backoff passed: makes the next attempt. Runs on the scheduler's task executor. */
        @Override
        public void run() {
            if (!isDone()) {
                final Throwable cause = nextAttempt();
                if (cause != null) {
                    onAttemptFailed(cause);
                }
            }
        }

        /**
         * Makes an attempt after the first. Returns its failure if it failed at once (or found the
         * limit full); null if it is pending, or succeeded at once (the call is then complete).
         */
        private Throwable nextAttempt() {
            final FusedService<Req, Res> o = owner;
            final Permits permits = o.permits;
            if (permits != null && !permits.tryAcquire()) {
                return o.full;
            }
            final CompletionStage<Res> stage = Calls.call(o.inner, request);
            final CompletableFuture<Res> done = Calls.doneNow(stage);
            if (done != null) {
                if (permits != null) {
                    permits.release();
                }
                if (done.isCompletedExceptionally()) {
                    return Calls.failureOf(done);
                }
                complete(done.join());
                return null;
            }
            stage.whenComplete(this);
            return null;
        }

        /**
         * The timeout passed. Runs on the sweep's thread. The attempt in flight, if any, runs on
         * (see the class comment); a backoff that fires later finds the call done.
         */
        @Override
        protected void onDue() {
            completeExceptionally(new TimeoutException("call timed out after " + owner.timeout));
        }

        @Override
        protected void onSchedulerClosed(IllegalStateException closed) {
            completeExceptionally(closed);
        }
    }
}
