package io.troupe.timers.internal;

import io.troupe.timers.MissedTickBehavior;

/**
 * A fixed-delay or fixed-rate timer: a {@link TimerHandle} that stays PENDING across runs and is
 * put back into the wheel when each run finishes. Thread safe as its superclass; see there.
 */
final class PeriodicTimerHandle extends TimerHandle {

    /** The period (fixed rate) or the delay between runs (fixed delay), positive. */
    final long periodNanos;
    /** What to do about missed ticks; {@code null} for a fixed-delay timer. */
    final MissedTickBehavior missed;
    PeriodicTimerHandle(AbstractScheduler scheduler, Runnable task, long deadline,
                        long periodNanos, MissedTickBehavior missed) {
        super(scheduler, task, deadline);
        this.periodNanos = periodNanos;
        this.missed = missed;
    }

    /**
     * Returns the nominal time of the run after the one due at {@code deadlineNanos}, given that
     * the run finished at {@code nowNanos}.
     */
    static long nextDeadline(long deadlineNanos, long periodNanos, long nowNanos,
                             MissedTickBehavior missed) {
        if (missed == null) {
            return Nanos.saturatedAdd(nowNanos, periodNanos);
        }
        final long next = Nanos.saturatedAdd(deadlineNanos, periodNanos);
        if (next > nowNanos) {
            return next;
        }
        return nextAfterMissedTick(deadlineNanos, periodNanos, nowNanos, missed, next);
    }

    // Rare branch kept out of nextDeadline so that the common path stays small.
    private static long nextAfterMissedTick(long deadlineNanos, long periodNanos, long nowNanos,
                                            MissedTickBehavior missed, long next) {
        switch (missed) {
            case BURST:
                return next;
            case DELAY:
                return Nanos.saturatedAdd(nowNanos, periodNanos);
            case SKIP:
                final long periodsBehind = (nowNanos - deadlineNanos) / periodNanos + 1;
                return Nanos.saturatedAdd(deadlineNanos,
                        Nanos.saturatedMultiply(periodsBehind, periodNanos));
            default:
                throw new AssertionError(missed);
        }
    }
}
