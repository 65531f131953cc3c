package io.troupe.remote.internal;

/** STUB until the detector branch lands. */
public final class PhiAccrualFailureDetector {
    private final long pause; private long last = -1; private final double threshold;
    public PhiAccrualFailureDetector(double threshold, int maxSampleSize, long minStdDeviationNanos, long acceptableHeartbeatPauseNanos, long firstHeartbeatEstimateNanos) {
        this.threshold = threshold; this.pause = acceptableHeartbeatPauseNanos + firstHeartbeatEstimateNanos;
    }
    public void heartbeat(long now) { last = now; }
    public boolean isMonitoring() { return last >= 0; }
    public double phi(long now) { return last < 0 ? 0 : (now - last) > pause ? threshold + 1 : 0; }
    public boolean isAvailable(long now) { return phi(now) < threshold; }
}
