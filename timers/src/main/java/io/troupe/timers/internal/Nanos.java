package io.troupe.timers.internal;

import java.time.Duration;

/** Saturating nanosecond arithmetic, so that delays of days or centuries never overflow. */
public final class Nanos {

    /** Seconds beyond which a duration no longer fits in a {@code long} of nanoseconds. */
    private static final long MAX_SECONDS = Long.MAX_VALUE / 1_000_000_000L;

    private Nanos() {
    }

    /**
     * Returns {@code d} in nanoseconds, saturated to {@link Long#MIN_VALUE} or
     * {@link Long#MAX_VALUE} when it does not fit.
     *
     * @param d a duration
     * @return its length in nanoseconds, saturated
     */
    public static long saturatedNanos(Duration d) {
        long seconds = d.getSeconds();
        if (seconds >= MAX_SECONDS) {
            return Long.MAX_VALUE;
        }
        if (seconds <= -MAX_SECONDS) {
            return Long.MIN_VALUE;
        }
        return d.toNanos();
    }

    /**
     * Returns {@code a + b}, saturated instead of overflowing.
     *
     * @param a a value
     * @param b another value
     * @return the saturated sum
     */
    public static long saturatedAdd(long a, long b) {
        long sum = a + b;
        if (((a ^ sum) & (b ^ sum)) < 0) {
            return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        return sum;
    }

    /**
     * Returns {@code a * b} for non-negative arguments, saturated to {@link Long#MAX_VALUE}.
     *
     * @param a a non-negative value
     * @param b a non-negative value
     * @return the saturated product
     */
    public static long saturatedMultiply(long a, long b) {
        long high = Math.multiplyHigh(a, b);
        long low = a * b;
        if (high != 0 || low < 0) {
            return Long.MAX_VALUE;
        }
        return low;
    }
}
