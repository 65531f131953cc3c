package io.troupe.supervision;

import java.util.ArrayDeque;
import java.util.concurrent.ThreadLocalRandom;

/**
 * NOT thread safe. A record of restarts, for the restart limit (intensity) and the backoff.
 * Owned by one actor and used on its thread only: by a {@link Supervise}d actor for itself, or
 * by a supervisor actor (one for its intensity, one per child for the backoff).
 *
 * <p>Two questions, asked in this order for each restart: {@link #admit} (is there room under
 * the limit? OTP's intensity: more than {@code maxRestarts} restarts within {@code within} and
 * the supervisor gives up), then {@link #nextDelayNanos} (how long to wait: exponential in the
 * number of consecutive restarts, which starts over once an instance stayed up for the stable
 * period).
 */
final class RestartHistory {
    /** Times of the restarts inside the current window, oldest first. */
    private final ArrayDeque<Long> restarts = new ArrayDeque<>();
    /** Restarts since the last stable period. */
    private int consecutive;
    /** When the last restart's fresh instance started (failure time plus its delay), or Long.MIN_VALUE. */
    private long lastRestartNanos = Long.MIN_VALUE;

    /**
     * Records a failure at {@code nowNanos} that the strategy wants to answer with a restart.
     * Cost: amortised O(1).
     *
     * @return the restart delay in nanoseconds, or -1 if the limit is exhausted
     */
    long onRestartWanted(SupervisorStrategy s, long nowNanos) {
        if (!admit(s, nowNanos)) {
            return -1;
        }
        return nextDelayNanos(s, nowNanos);
    }

    /**
     * Counts a restart at {@code nowNanos} against the limit of {@code s}, if there is room.
     *
     * @return {@code false} if {@code s.maxRestarts()} restarts already happened within the last
     *     {@code s.within()} (nothing is recorded then)
     */
    boolean admit(SupervisorStrategy s, long nowNanos) {
        if (s.maxRestarts() < 0) {
            return true;
        }
        final long windowNanos = s.within().toNanos();
        while (!restarts.isEmpty() && nowNanos - restarts.peekFirst() > windowNanos) {
            restarts.pollFirst();
        }
        if (restarts.size() >= s.maxRestarts()) {
            return false;
        }
        restarts.addLast(nowNanos);
        return true;
    }

    /**
     * The backoff before the restart asked for at {@code nowNanos}, and records it. The count of
     * consecutive restarts starts over when the previous fresh instance had been up for longer
     * than {@code s.resetAfter()}: measured from when it started (failure time plus delay),
     * not from the failure, so that an instance that crashes at once never looks stable however
     * long its backoff was.
     */
    long nextDelayNanos(SupervisorStrategy s, long nowNanos) {
        if (lastRestartNanos != Long.MIN_VALUE && nowNanos - lastRestartNanos > s.resetAfter().toNanos()) {
            consecutive = 0;
        }
        if (consecutive < Integer.MAX_VALUE) {
            consecutive++;
        }
        final long delay = backoffNanos(s, consecutive);
        lastRestartNanos = nowNanos + delay;
        return delay;
    }

    /** {@link #backoffNanos(SupervisorStrategy, int, double)} with a random jitter draw. */
    static long backoffNanos(SupervisorStrategy s, int attempt) {
        return backoffNanos(s, attempt, ThreadLocalRandom.current().nextDouble());
    }

    /**
     * The delay before restart number {@code attempt} (1 for the first of a series):
     * {@code min * 2^(attempt - 1)} capped at {@code max}, times {@code 1 + jitter * random}.
     * Never overflows. Pure; any thread.
     *
     * @param random a draw from [0, 1)
     */
    static long backoffNanos(SupervisorStrategy s, int attempt, double random) {
        final long min = s.minBackoff().toNanos();
        if (min == 0) {
            return 0;
        }
        final long max = s.maxBackoff().toNanos();
        final int shift = Math.max(0, attempt - 1);
        // min << shift stays positive while shift < numberOfLeadingZeros(min); past that it is above max anyway
        final long base = shift >= Long.numberOfLeadingZeros(min) - 1 ? max : Math.min(max, min << shift);
        final double spread = 1 + s.jitter() * random;
        return (long) Math.min((double) Long.MAX_VALUE / 2, base * spread);
    }

    /** Restarts currently counted against the limit. */
    int restartsInWindow() {
        return restarts.size();
    }

    /** Consecutive restarts counted for the backoff. */
    int consecutiveRestarts() {
        return consecutive;
    }
}
