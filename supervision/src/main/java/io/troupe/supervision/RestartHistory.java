package io.troupe.supervision;

import java.util.ArrayDeque;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One actor's record of restarts, for the restart limit and the backoff. NOT thread safe: owned
 * by the supervised actor (or by a supervisor actor for one child), used on its thread only.
 */
final class RestartHistory {
    private final ArrayDeque<Long> restarts = new ArrayDeque<>();
    private int consecutive;
    private long lastFailureNanos = Long.MIN_VALUE;

    /**
     * Records a failure at {@code now} that the strategy wants to answer with a restart.
     *
     * @return the restart delay in nanoseconds, or -1 if the limit is exhausted
     */
    long onRestartWanted(SupervisorStrategy s, long now) {
        if (s.maxRestarts() >= 0) {
            final long window = s.within().toNanos();
            while (!restarts.isEmpty() && now - restarts.peekFirst() > window) {
                restarts.pollFirst();
            }
            if (restarts.size() >= s.maxRestarts()) {
                return -1;
            }
            restarts.addLast(now);
        }
        if (lastFailureNanos != Long.MIN_VALUE && now - lastFailureNanos > s.resetAfter().toNanos()) {
            consecutive = 0;
        }
        lastFailureNanos = now;
        consecutive++;
        return backoffNanos(s, consecutive);
    }

    static long backoffNanos(SupervisorStrategy s, int attempt) {
        final long min = s.minBackoff().toNanos();
        if (min == 0) {
            return 0;
        }
        final long max = s.maxBackoff().toNanos();
        final int shift = Math.min(attempt - 1, 62);
        final long base = shift >= Long.numberOfLeadingZeros(min) - 1 ? max : Math.min(max, min << shift);
        final double spread = 1 + s.jitter() * ThreadLocalRandom.current().nextDouble();
        return (long) Math.min((double) Long.MAX_VALUE / 2, base * spread);
    }

    /** Restarts currently counted against the limit. */
    int restartsInWindow() {
        return restarts.size();
    }
}
