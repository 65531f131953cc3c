package io.troupe.remote.internal;

/**
 * NOT thread safe: the last {@code capacity} inter-heartbeat intervals of one peer, in nanoseconds,
 * with their mean and standard deviation; the statistics input of {@link PhiAccrualFailureDetector}.
 *
 * <p>Memory is bounded: a ring of {@code capacity} longs, the oldest interval overwritten first.
 * {@link #add} costs O(capacity) (it recomputes the statistics with a two-pass sum, which stays
 * exact where running sums of squares would overflow a long or lose precision in a double after
 * millions of updates); {@link #meanNanos} and {@link #stdDeviationNanos} cost O(1). Heartbeats
 * arrive about once a second per peer, so the recomputation is negligible.
 */
final class HeartbeatHistory {
    private final long[] intervals;
    /** The largest interval kept: sums of {@code capacity} such intervals cannot overflow. */
    private final long maxIntervalNanos;
    private int size;
    /** Where the next interval goes; when the ring is full, also the oldest interval. */
    private int next;
    private double meanNanos;
    private double stdDeviationNanos;

    /**
     * An empty history.
     *
     * @param capacity how many intervals are kept, at least 1
     */
    HeartbeatHistory(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("maxSampleSize must be at least 1, was " + capacity);
        }
        this.intervals = new long[capacity];
        this.maxIntervalNanos = Long.MAX_VALUE / capacity;
    }

    /**
     * Records an interval, clamped into {@code [0, Long.MAX_VALUE / capacity]}, dropping the oldest
     * when full. O(capacity).
     *
     * @param intervalNanos the time between two heartbeats
     */
    void add(long intervalNanos) {
        intervals[next] = Math.max(0, Math.min(intervalNanos, maxIntervalNanos));
        next = next + 1 == intervals.length ? 0 : next + 1;
        if (size < intervals.length) {
            size++;
        }
        recompute();
    }

    /** Mean and (population) standard deviation over the kept intervals, two passes. */
    private void recompute() {
        long sum = 0;
        for (int i = 0; i < size; i++) {
            sum += intervals[i]; // cannot overflow: each interval is at most Long.MAX_VALUE / capacity
        }
        final double mean = (double) sum / size;
        double squares = 0;
        for (int i = 0; i < size; i++) {
            final double d = intervals[i] - mean;
            squares += d * d;
        }
        meanNanos = mean;
        stdDeviationNanos = Math.sqrt(squares / size);
    }

    /**
     * How many intervals are kept.
     *
     * @return at most the capacity
     */
    int size() {
        return size;
    }

    /**
     * The mean interval, 0 when empty.
     *
     * @return nanoseconds
     */
    double meanNanos() {
        return meanNanos;
    }

    /**
     * The standard deviation of the intervals, 0 when empty.
     *
     * @return nanoseconds
     */
    double stdDeviationNanos() {
        return stdDeviationNanos;
    }
}
