package io.troupe.services;

import io.troupe.services.internal.Checks;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Decides whether a failed call is tried again, and after how long. A policy only proposes: the
 * retry layer also asks its {@link RetryBudget}, so even a policy that would retry forever
 * ({@link #forever()}) makes at most a bounded fraction of extra calls.
 *
 * <p>Implementations must be thread safe and quick: they run on the thread that completed the
 * failed attempt.
 *
 * @param <Req> the request type
 */
@FunctionalInterface
public interface RetryPolicy<Req> {

    /**
     * Tells whether to try {@code request} again after {@code failure}.
     *
     * @param request the request (the same object is sent again)
     * @param failure the failure of the last attempt (unwrapped from {@code CompletionException})
     * @param attempts how many attempts have been made so far, at least 1
     * @return {@code true} to retry (if the budget allows)
     */
    boolean shouldRetry(Req request, Throwable failure, int attempts);

    /**
     * How long to wait before attempt number {@code attempts + 1}. Default: no wait (the retry is
     * made on the thread that completed the failed attempt).
     *
     * @param attempts how many attempts have been made so far, at least 1
     * @return the delay, zero or positive
     */
    default Duration backoff(int attempts) {
        return Duration.ZERO;
    }

    /**
     * Retries every failure until {@code maxAttempts} attempts in all have been made.
     *
     * @param maxAttempts the most attempts per call, the first included; at least 1
     * @param <Req> the request type
     * @return the policy
     * @throws IllegalArgumentException if {@code maxAttempts} is not positive
     */
    static <Req> RetryPolicy<Req> attempts(int maxAttempts) {
        return on(failure -> true, maxAttempts);
    }

    /**
     * Retries the failures that {@code retryOn} accepts until {@code maxAttempts} attempts in all.
     *
     * @param retryOn which failures are worth a retry (for example, not a validation error)
     * @param maxAttempts the most attempts per call, the first included; at least 1
     * @param <Req> the request type
     * @return the policy
     */
    static <Req> RetryPolicy<Req> on(Predicate<? super Throwable> retryOn, int maxAttempts) {
        Objects.requireNonNull(retryOn, "retryOn");
        Checks.positive(maxAttempts, "maxAttempts");
        return (request, failure, attempts) -> attempts < maxAttempts && retryOn.test(failure);
    }

    /**
     * Retries every failure, with no limit of its own: only the retry budget stops it. Meant to
     * show (and test) that the budget refuses what a careless policy would do.
     *
     * @param <Req> the request type
     * @return the policy
     */
    static <Req> RetryPolicy<Req> forever() {
        return (request, failure, attempts) -> true;
    }

    /**
     * This policy with exponential backoff: {@code base * 2^(attempts-1)}, at most {@code max}.
     *
     * @param base the first delay; positive
     * @param max the longest delay; at least {@code base}
     * @return a policy that decides as this one and waits as said
     */
    default RetryPolicy<Req> withBackoff(Duration base, Duration max) {
        Checks.positive(base, "base");
        Checks.positive(max, "max");
        if (max.compareTo(base) < 0) {
            throw new IllegalArgumentException("max must be at least base, was " + max + " < " + base);
        }
        final RetryPolicy<Req> self = this;
        final long baseNanos = base.toNanos();
        final long maxNanos = max.toNanos();
        return new RetryPolicy<>() {
            @Override
            public boolean shouldRetry(Req request, Throwable failure, int attempts) {
                return self.shouldRetry(request, failure, attempts);
            }

            @Override
            public Duration backoff(int attempts) {
                final int shift = Math.min(62, Math.max(0, attempts - 1));
                final long d = baseNanos << shift;
                return Duration.ofNanos(d <= 0 || d > maxNanos || (d >> shift) != baseNanos ? maxNanos : d);
            }
        };
    }
}
