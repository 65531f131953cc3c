package io.troupe.remote.internal;

/**
 * NOT thread safe: confined to one thread (the remote node's agent thread, which both receives the
 * heartbeats and asks whether the peer is still there). The phi-accrual failure detector of one
 * peer node (Hayashibara, Défago, Yared and Katayama, "The φ Accrual Failure Detector", SRDS 2004),
 * as Cassandra and Pekko's remoting use it.
 *
 * <p>Instead of a yes/no timeout it gives a suspicion level, {@code phi}: if the peer sent its last
 * heartbeat {@code t} ago, {@code phi = -log10(P(the next heartbeat comes later than t))}, where
 * the intervals are taken as normally distributed with the mean and standard deviation of the
 * recent history. phi 1 means a 10% chance that declaring the peer down now is a mistake, phi 8 a
 * 10<sup>-8</sup> chance. The peer is available while {@code phi < threshold}. As in Pekko, two
 * settings make the model tolerant of real networks and collectors:
 * <ul>
 *   <li>{@code acceptableHeartbeatPauseNanos} is added to the mean, so a pause that long (a GC, a
 *       burst of lost packets) costs no suspicion at all;</li>
 *   <li>{@code minStdDeviationNanos} is a floor under the standard deviation, so that perfectly
 *       regular heartbeats (deviation near 0) do not make phi jump from 0 to infinity at the first
 *       late heartbeat.</li>
 * </ul>
 *
 * <p>Before the first heartbeat the detector is not {@linkplain #isMonitoring monitoring} and the
 * peer counts as available (phi 0). The history starts with two intervals around
 * {@code firstHeartbeatEstimateNanos} (mean the estimate, deviation a quarter of it), so the first
 * heartbeats are judged by the estimate; real intervals replace those two as the ring fills. An
 * interval that ends after the peer was already unavailable is not recorded: the outage is not a
 * sample of the heartbeat rate.
 *
 * <p>Numerics: the normal CDF is replaced by the logistic approximation
 * {@code 1 - F(y) ≈ 1 / (1 + e^z)}, {@code z = y (1.5976 + 0.070566 y²)}, {@code y = (t - mean) / sd}
 * (Bowling et al., "A logistic approximation to the cumulative normal distribution", 2009; the
 * formula Pekko uses). Then {@code phi = log10(1 + e^z)}, computed as a stable softplus, so it is
 * finite and monotonically non-decreasing in the elapsed time for every input: no 0 under a
 * logarithm, no NaN or infinity at huge gaps ({@code y} is clamped to ±10<sup>6</sup>, where phi is
 * already about 3·10<sup>16</sup>).
 *
 * <p>Costs: {@link #phi} and {@link #isAvailable} are O(1) and allocate nothing; {@link #heartbeat}
 * is O(maxSampleSize) (see {@link HeartbeatHistory}); memory is one ring of maxSampleSize longs.
 * Node identity is not in here: one detector per peer incarnation, kept by whoever knows the
 * peers (issue 17: "keep node identity and the failure detector as separate pieces").
 */
public final class PhiAccrualFailureDetector {
    /** |y| beyond this changes nothing that matters (phi ≈ 3e16) and keeps y³ far from overflow. */
    private static final double MAX_Y = 1e6;
    private static final double LN_10 = Math.log(10);

    private final double threshold;
    private final long minStdDeviationNanos;
    private final long acceptableHeartbeatPauseNanos;
    private final long firstHeartbeatEstimateNanos;
    private final int maxSampleSize;
    private final HeartbeatHistory history;
    private boolean monitoring;
    private long lastHeartbeatNanos;

    /**
     * A detector that has not heard from its peer yet. Pekko's defaults for remote death watch,
     * with heartbeats every second, are threshold 10, 200 samples, 100 ms minimum deviation, 10 s
     * acceptable pause and a 1 s first estimate.
     *
     * @param threshold phi at and above which the peer is unavailable; positive and finite
     * @param maxSampleSize how many recent intervals are kept; at least 1
     * @param minStdDeviationNanos floor under the intervals' standard deviation; positive
     * @param acceptableHeartbeatPauseNanos a pause this long costs no suspicion; zero or positive
     * @param firstHeartbeatEstimateNanos the expected interval before any is measured (normally
     *     the heartbeat interval); positive
     * @throws IllegalArgumentException if a setting is out of range
     */
    public PhiAccrualFailureDetector(double threshold, int maxSampleSize, long minStdDeviationNanos,
            long acceptableHeartbeatPauseNanos, long firstHeartbeatEstimateNanos) {
        if (!(threshold > 0) || Double.isInfinite(threshold)) {
            throw new IllegalArgumentException("threshold must be positive and finite, was " + threshold);
        }
        if (maxSampleSize < 1) {
            throw new IllegalArgumentException("maxSampleSize must be at least 1, was " + maxSampleSize);
        }
        if (minStdDeviationNanos <= 0) {
            throw new IllegalArgumentException("minStdDeviationNanos must be positive, was " + minStdDeviationNanos);
        }
        if (acceptableHeartbeatPauseNanos < 0) {
            throw new IllegalArgumentException("acceptableHeartbeatPauseNanos must not be negative, was "
                    + acceptableHeartbeatPauseNanos);
        }
        if (firstHeartbeatEstimateNanos <= 0) {
            throw new IllegalArgumentException("firstHeartbeatEstimateNanos must be positive, was "
                    + firstHeartbeatEstimateNanos);
        }
        this.threshold = threshold;
        this.maxSampleSize = maxSampleSize;
        this.minStdDeviationNanos = minStdDeviationNanos;
        this.acceptableHeartbeatPauseNanos = acceptableHeartbeatPauseNanos;
        this.firstHeartbeatEstimateNanos = firstHeartbeatEstimateNanos;
        this.history = new HeartbeatHistory(maxSampleSize);
        final long quarter = firstHeartbeatEstimateNanos / 4;
        history.add(firstHeartbeatEstimateNanos - quarter);
        history.add(firstHeartbeatEstimateNanos + quarter);
    }

    /**
     * Records a heartbeat from the peer received at {@code nowNanos}; the first one starts the
     * monitoring. A timestamp before the last heartbeat's is ignored (the clock is monotonic, so
     * only a caller's mistake produces one). O(maxSampleSize); the detector's thread only.
     *
     * @param nowNanos the receive time, on the clock {@link #phi} is asked with ({@code System.nanoTime} scale)
     */
    public void heartbeat(long nowNanos) {
        if (!monitoring) {
            monitoring = true;
            lastHeartbeatNanos = nowNanos;
            return;
        }
        final long intervalNanos = nowNanos - lastHeartbeatNanos;
        if (intervalNanos < 0) {
            return;
        }
        if (isAvailable(nowNanos)) {
            history.add(intervalNanos);
        }
        lastHeartbeatNanos = nowNanos;
    }

    /**
     * The suspicion level at {@code nowNanos}: 0 before the first heartbeat, otherwise
     * {@code -log10} of the estimated probability that a heartbeat still comes after this long a
     * silence. Always finite and at least 0; non-decreasing in {@code nowNanos} between two
     * heartbeats. O(1), allocates nothing; the detector's thread only.
     *
     * @param nowNanos the current time, on the heartbeat clock
     * @return phi
     */
    public double phi(long nowNanos) {
        if (!monitoring) {
            return 0.0;
        }
        final long elapsedNanos = Math.max(0, nowNanos - lastHeartbeatNanos);
        return phi(elapsedNanos, history.meanNanos() + acceptableHeartbeatPauseNanos,
                Math.max(history.stdDeviationNanos(), minStdDeviationNanos));
    }

    /**
     * Whether the peer counts as alive at {@code nowNanos}: {@code phi(nowNanos) < threshold}
     * (so always before the first heartbeat). O(1); the detector's thread only.
     *
     * @param nowNanos the current time, on the heartbeat clock
     * @return true while the peer is not suspected
     */
    public boolean isAvailable(long nowNanos) {
        return phi(nowNanos) < threshold;
    }

    /**
     * Whether a heartbeat has been received, so that the detector judges the peer. O(1); the
     * detector's thread only.
     *
     * @return true after the first {@link #heartbeat}
     */
    public boolean isMonitoring() {
        return monitoring;
    }

    /**
     * When the last heartbeat arrived. O(1); the detector's thread only.
     *
     * @return the time given to the last recorded {@link #heartbeat}, or 0 before the first
     */
    public long lastHeartbeatNanos() {
        return lastHeartbeatNanos;
    }

    /**
     * The phi at and above which the peer is unavailable. O(1); any thread (a final field).
     *
     * @return the threshold given to the constructor
     */
    public double threshold() {
        return threshold;
    }

    /**
     * The worst-case delay between a peer's last heartbeat and this detector declaring it
     * unavailable, if the peer heartbeated steadily every {@code firstHeartbeatEstimateNanos} (from
     * the first heartbeat on, however many came) and then went silent. An upper bound from the
     * settings alone, so a test can say "Terminated within the detector's bound" before it starts:
     * the history's mean is at most {@code estimate·(1 + 1/(4·maxSampleSize))} (the initial samples
     * of 3/4 and 5/4 of the estimate, one of them evicted) and its deviation at most a quarter of
     * the estimate, and the bound takes both maxima with {@link #detectionBoundNanos(double, double,
     * double, long)}. Add the heartbeat interval and the transport's latency for the time from the
     * peer's death. O(1) (64 evaluations of phi); any thread (reads final fields only).
     *
     * @return nanoseconds from the last heartbeat; {@link Long#MAX_VALUE} if phi never reaches the threshold
     */
    public long detectionBoundNanos() {
        final double estimate = firstHeartbeatEstimateNanos;
        final double worstMean = estimate + estimate / (4.0 * maxSampleSize);
        final double worstDeviation = Math.max(estimate / 4.0, minStdDeviationNanos);
        return detectionBoundNanos(threshold, worstMean, worstDeviation, acceptableHeartbeatPauseNanos);
    }

    /**
     * How long after its last heartbeat the peer becomes unavailable judging by the history as it
     * is now: the least elapsed time at which {@link #phi} reaches the threshold. It changes with
     * each heartbeat; {@link #detectionBoundNanos()} is the bound that does not. O(1) (64
     * evaluations of phi); the detector's thread only.
     *
     * @return nanoseconds from the last heartbeat; {@link Long#MAX_VALUE} if phi never reaches the threshold
     */
    public long currentDetectionBoundNanos() {
        return detectionBoundNanos(threshold, history.meanNanos(),
                Math.max(history.stdDeviationNanos(), minStdDeviationNanos), acceptableHeartbeatPauseNanos);
    }

    /**
     * The least silence after a heartbeat at which phi reaches {@code threshold}, for intervals of
     * mean {@code meanIntervalNanos} and deviation {@code stdDeviationNanos} (give it at least the
     * minimum deviation), with {@code acceptableHeartbeatPauseNanos} added to the mean as the
     * detector does. A binary search over the same function {@link #phi} evaluates, so the answer
     * agrees with {@link #isAvailable} to the nanosecond. O(1) (64 evaluations); any thread.
     *
     * @param threshold the phi threshold, positive
     * @param meanIntervalNanos the mean heartbeat interval
     * @param stdDeviationNanos the intervals' standard deviation, positive
     * @param acceptableHeartbeatPauseNanos the acceptable pause, zero or positive
     * @return nanoseconds; {@link Long#MAX_VALUE} if phi never reaches the threshold
     */
    public static long detectionBoundNanos(double threshold, double meanIntervalNanos, double stdDeviationNanos,
            long acceptableHeartbeatPauseNanos) {
        if (!(stdDeviationNanos > 0)) {
            throw new IllegalArgumentException("stdDeviationNanos must be positive, was " + stdDeviationNanos);
        }
        final double mean = meanIntervalNanos + acceptableHeartbeatPauseNanos;
        if (phi(Long.MAX_VALUE, mean, stdDeviationNanos) < threshold) {
            return Long.MAX_VALUE;
        }
        long lo = 0;
        long hi = Long.MAX_VALUE;
        while (lo < hi) { // invariant: phi(hi) >= threshold, and phi(lo - 1) < threshold
            final long mid = lo + (hi - lo) / 2;
            if (phi(mid, mean, stdDeviationNanos) >= threshold) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    /**
     * phi after {@code elapsedNanos} of silence, for intervals of the given mean (the acceptable
     * pause included) and deviation: {@code log10(1 + e^z)} with the logistic {@code z}, as a
     * softplus that neither overflows nor takes the logarithm of 0.
     */
    static double phi(long elapsedNanos, double meanNanos, double stdDeviationNanos) {
        double y = (elapsedNanos - meanNanos) / stdDeviationNanos;
        y = Math.max(-MAX_Y, Math.min(MAX_Y, y));
        final double z = y * (1.5976 + 0.070566 * y * y);
        final double softplus = z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
        return softplus / LN_10;
    }

    @Override
    public String toString() {
        return "PhiAccrualFailureDetector{threshold=" + threshold + ", monitoring=" + monitoring
                + ", meanIntervalNanos=" + (long) history.meanNanos()
                + ", stdDeviationNanos=" + (long) history.stdDeviationNanos()
                + ", samples=" + history.size() + "}";
    }
}
