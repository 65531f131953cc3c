package io.troupe.services.internal;

import io.troupe.services.RetryBudget;
import io.troupe.services.RetryPolicy;
import io.troupe.services.Service;
import io.troupe.timers.Scheduler;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;

/**
 * The retry layer: a failed call is tried again while the policy says so and the budget allows;
 * the call then fails with the last attempt's failure. Thread safe.
 */
public final class RetryService<Req, Res> implements Service<Req, Res> {
    /*
     * Threading protocol. Any thread calls; each attempt's result is handled on the thread that
     * completes it; a retry with a backoff runs on the scheduler's task executor, one without
     * runs at once on the completing thread. A call's attempts are strictly sequential: the next
     * starts only after the previous failed, so the per-call state (`attempts`) is handed from
     * one thread to the next through the completion of the previous attempt.
     * Invariants. Each call deposits once into the budget; each retry withdraws once, before it
     * is made. Attempts per call <= 1 + withdrawals granted.
     * Memory ordering. Completion of an attempt's stage happens-before its dependent action.
     * References. Tower's retry::Retry, Finagle's RetryFilter.
     */
    private final Service<Req, Res> inner;
    private final RetryPolicy<? super Req> policy;
    private final RetryBudget budget;
    private final Scheduler scheduler;

    public RetryService(Service<Req, Res> inner, RetryPolicy<? super Req> policy, RetryBudget budget, Scheduler scheduler) {
        this.inner = inner;
        this.policy = policy;
        this.budget = budget;
        this.scheduler = scheduler;
    }

    @Override
    public CompletionStage<Res> call(Req request) {
        budget.deposit();
        final CompletionStage<Res> first = Calls.call(inner, request);
        final CompletableFuture<Res> f = Calls.doneNow(first);
        if (f != null && !f.isCompletedExceptionally()) {
            return first; // fast path: succeeded at once, nothing to retry
        }
        final Attempts<Req, Res> attempts = new Attempts<>(this, request);
        first.whenComplete(attempts);
        return attempts;
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
        return "Retry[" + budget + "] -> " + inner;
    }

    /** One call's attempts: the outer future, the callback of each attempt, the delayed retry. */
    private static final class Attempts<Req, Res> extends CompletableFuture<Res> implements BiConsumer<Res, Throwable>, Runnable {
        private final RetryService<Req, Res> owner;
        private final Req request;
        private int attempts = 1;

        Attempts(RetryService<Req, Res> owner, Req request) {
            this.owner = owner;
            this.request = request;
        }

        @Override
        public void accept(Res value, Throwable failure) {
            if (failure == null) {
                complete(value);
                return;
            }
            final Throwable cause = Calls.unwrap(failure);
            final boolean again;
            final Duration delay;
            try {
                again = !isDone() && owner.policy.shouldRetry(request, cause, attempts);
                delay = again ? owner.policy.backoff(attempts) : Duration.ZERO;
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable policyFailed) {
                policyFailed.addSuppressed(cause);
                completeExceptionally(policyFailed);
                return;
            }
            if (!again || !owner.budget.tryWithdraw()) {
                completeExceptionally(cause);
                return;
            }
            attempts++;
            if (delay == null || delay.isZero() || delay.isNegative()) {
                run();
            } else {
                try {
                    owner.scheduler.scheduleOnce(delay, this);
                } catch (IllegalStateException closed) {
                    closed.addSuppressed(cause);
                    completeExceptionally(closed);
                }
            }
        }

        /** Makes the next attempt. */
        @Override
        public void run() {
            if (!isDone()) {
                Calls.call(owner.inner, request).whenComplete(this);
            }
        }
    }
}
