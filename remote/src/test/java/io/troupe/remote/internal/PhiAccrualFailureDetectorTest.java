package io.troupe.remote.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The phi-accrual detector on a manual nanosecond clock: a plain long the test advances. */
@Timeout(30)
class PhiAccrualFailureDetectorTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long INTERVAL = 100 * MS;
    private static final double THRESHOLD = 8.0;

    /** 100 ms heartbeats, 300 ms acceptable pause, 20 ms minimum deviation, 100 samples. */
    private static PhiAccrualFailureDetector detector() {
        return new PhiAccrualFailureDetector(THRESHOLD, 100, 20 * MS, 300 * MS, INTERVAL);
    }

    /** Heartbeats every {@code interval} from {@code start}, {@code count} of them; returns the last one's time. */
    private static long beat(PhiAccrualFailureDetector d, long start, long interval, int count) {
        long now = start;
        for (int i = 0; i < count; i++) {
            if (i > 0) {
                now += interval;
            }
            d.heartbeat(now);
        }
        return now;
    }

    /** The first elapsed time (1 ms steps) after {@code last} at which the detector says unavailable. */
    private static long firstUnavailableMs(PhiAccrualFailureDetector d, long last, long limitMs) {
        for (long ms = 0; ms <= limitMs; ms++) {
            if (!d.isAvailable(last + ms * MS)) {
                return ms;
            }
        }
        throw new AssertionError("still available " + limitMs + " ms after the last heartbeat: " + d);
    }

    @Test
    void phi_steadyHeartbeats_staysLow() {
        // Heartbeats exactly on time never raise phi anywhere near the threshold.
        final PhiAccrualFailureDetector d = detector();
        long now = 1_000 * MS;
        d.heartbeat(now);
        for (int i = 0; i < 500; i++) {
            now += INTERVAL;
            assertTrue(d.phi(now) < 0.01, "phi just before heartbeat " + i + " was " + d.phi(now));
            assertTrue(d.isAvailable(now));
            d.heartbeat(now);
        }
        assertTrue(d.phi(now + INTERVAL + 300 * MS) < 0.5, "one interval plus the acceptable pause is the mean: phi ~ log10(2)");
    }

    @Test
    void isAvailable_afterStop_becomesFalseWithinTheBoundAndNotBeforeTheAcceptablePause() {
        // A silent peer turns unavailable no later than detectionBoundNanos after its last
        // heartbeat, and never while the silence is within one interval plus the acceptable pause.
        final PhiAccrualFailureDetector d = detector();
        final long last = beat(d, 0, INTERVAL, 300);
        final long crossingMs = firstUnavailableMs(d, last, 10_000);
        assertTrue(crossingMs * MS > INTERVAL + 300 * MS, "unavailable after only " + crossingMs + " ms");
        assertTrue((crossingMs - 1) * MS < d.detectionBoundNanos(), crossingMs + " ms is beyond the bound of "
                + d.detectionBoundNanos() / MS + " ms");
        assertFalse(d.isAvailable(last + d.detectionBoundNanos()));
        // the current bound agrees with isAvailable to the nanosecond
        final long current = d.currentDetectionBoundNanos();
        assertTrue(d.isAvailable(last + current - 1));
        assertFalse(d.isAvailable(last + current));
        assertTrue(d.phi(last + current) >= THRESHOLD);
        // 300 steady beats: deviation at the floor (20 ms), mean 100 + 300 ms: y* ~ 5.2, about 505 ms
        assertEquals(505, current / MS, 3);
    }

    @Test
    void detectionBoundNanos_steadyAtTheEstimateFromAnyNumberOfBeats_isNeverExceeded() {
        // However many steady heartbeats came (the initial samples still in the ring, one of them
        // evicted, or both gone), the crossing comes no later than the static bound.
        for (int samples : new int[] {1, 2, 3, 5, 16}) {
            for (int beats = 1; beats <= 2 * samples + 3; beats++) {
                final PhiAccrualFailureDetector d = new PhiAccrualFailureDetector(THRESHOLD, samples, 5 * MS, 0, INTERVAL);
                final long last = beat(d, 7 * MS, INTERVAL, beats);
                final long crossing = last + d.currentDetectionBoundNanos();
                assertFalse(d.isAvailable(crossing));
                assertTrue(d.currentDetectionBoundNanos() <= d.detectionBoundNanos(), "samples " + samples + ", beats "
                        + beats + ": " + d.currentDetectionBoundNanos() + " > " + d.detectionBoundNanos());
                assertTrue(d.isAvailable(last + INTERVAL), "samples " + samples + ", beats " + beats);
            }
        }
    }

    @Test
    void phi_jitteryHeartbeats_noFalseSuspicionAndAWiderBound() {
        // Heartbeats jittering between 60 and 140 ms are never suspected on arrival, and the
        // learned deviation makes the detector wait longer than for steady beats.
        final PhiAccrualFailureDetector jittery = new PhiAccrualFailureDetector(THRESHOLD, 200, 5 * MS, 0, INTERVAL);
        final PhiAccrualFailureDetector steady = new PhiAccrualFailureDetector(THRESHOLD, 200, 5 * MS, 0, INTERVAL);
        final Random random = new Random(17);
        long now = 0;
        jittery.heartbeat(now);
        for (int i = 0; i < 1_000; i++) {
            now += 60 * MS + random.nextInt(80 + 1) * MS;
            assertTrue(jittery.isAvailable(now), "suspected at beat " + i + ": phi " + jittery.phi(now));
            jittery.heartbeat(now);
        }
        beat(steady, 0, INTERVAL, 1_000);
        // uniform on [60, 140] ms: deviation ~23 ms against the 5 ms floor of the steady peer
        assertTrue(jittery.currentDetectionBoundNanos() > steady.currentDetectionBoundNanos() + 50 * MS,
                jittery + " vs " + steady);
        final long crossingMs = firstUnavailableMs(jittery, now, 10_000);
        assertEquals(jittery.currentDetectionBoundNanos() / MS, crossingMs, 1);
    }

    @Test
    void heartbeat_first_startsMonitoringJudgedByTheEstimate() {
        // Before the first heartbeat the peer is available whatever the time; the first starts
        // the monitoring, and the estimate (mean 100 ms, deviation 25 ms) judges the silence after it.
        final PhiAccrualFailureDetector d = new PhiAccrualFailureDetector(THRESHOLD, 100, 5 * MS, 0, INTERVAL);
        assertFalse(d.isMonitoring());
        assertEquals(0.0, d.phi(Long.MAX_VALUE));
        assertTrue(d.isAvailable(Long.MIN_VALUE));
        assertTrue(d.isAvailable(Long.MAX_VALUE));

        final long first = -5_000_000 * MS; // nanoTime may be negative
        d.heartbeat(first);
        assertTrue(d.isMonitoring());
        assertEquals(first, d.lastHeartbeatNanos());
        assertTrue(d.phi(first) < 1e-3);
        assertTrue(d.isAvailable(first + INTERVAL));
        final long crossingMs = firstUnavailableMs(d, first, 10_000);
        // mean 100 + y* 5.2 * 25 ms ~ 230 ms
        assertEquals(230, crossingMs, 3);
        assertTrue((crossingMs - 1) * MS < d.detectionBoundNanos(), "still available after the bound");
        assertTrue(d.currentDetectionBoundNanos() <= d.detectionBoundNanos());
        assertFalse(d.isAvailable(first + d.detectionBoundNanos()));
    }

    @Test
    void phi_growsMonotonicallyWithTheSilence() {
        // Between two heartbeats phi never decreases as time passes, from 0 up to huge gaps, and
        // really grows around the threshold.
        final PhiAccrualFailureDetector d = detector();
        final long last = beat(d, 0, INTERVAL, 50);
        double previous = -1;
        for (long e = 0; e <= 5_000 * MS; e += MS / 4) {
            final double phi = d.phi(last + e);
            assertTrue(phi >= previous, "phi fell from " + previous + " to " + phi + " at " + e + " ns");
            assertTrue(phi >= 0 && Double.isFinite(phi));
            previous = phi;
        }
        for (long e = 5_000 * MS; e > 0 && e < Long.MAX_VALUE / 2; e *= 2) {
            final double phi = d.phi(last + e);
            assertTrue(phi >= previous, "phi fell from " + previous + " to " + phi + " at " + e + " ns");
            previous = phi;
        }
        final long bound = d.currentDetectionBoundNanos();
        assertTrue(d.phi(last + bound - 10 * MS) < d.phi(last + bound) && d.phi(last + bound) < d.phi(last + bound + 10 * MS));
        assertTrue(d.phi(last - 1_000 * MS) == d.phi(last), "a time before the last heartbeat is no silence");
    }

    @Test
    void phi_hugeGaps_finiteAndAboveTheThreshold() {
        // A silence of days, or of Long.MAX_VALUE nanoseconds with a 1 ns deviation floor, gives a
        // finite phi over the threshold, never NaN or infinity.
        final PhiAccrualFailureDetector tight = new PhiAccrualFailureDetector(THRESHOLD, 10, 1, 0, INTERVAL);
        beat(tight, 0, INTERVAL, 50); // steady: deviation exactly 0, floored at 1 ns
        for (long now : new long[] {TimeUnit.DAYS.toNanos(3), Long.MAX_VALUE / 2, Long.MAX_VALUE}) {
            final double phi = tight.phi(now);
            assertTrue(Double.isFinite(phi) && phi >= THRESHOLD, "phi " + phi + " at " + now);
            assertFalse(tight.isAvailable(now));
        }
        final PhiAccrualFailureDetector d = detector();
        d.heartbeat(0);
        final double phi = d.phi(Long.MAX_VALUE);
        assertTrue(Double.isFinite(phi) && phi >= THRESHOLD, "phi " + phi);
        assertEquals(PhiAccrualFailureDetector.phi(Long.MAX_VALUE, 100 * MS, 1), PhiAccrualFailureDetector.phi(Long.MAX_VALUE, 0, 1e-300));
    }

    @Test
    void heartbeat_afterAnOutage_notLearnedAsAnInterval() {
        // The heartbeat that ends a silence the detector had already judged a failure is not a
        // sample of the heartbeat rate: the history (and so the bound) stays as it was, and
        // steady beats afterwards are judged as before.
        final PhiAccrualFailureDetector d = detector();
        long last = beat(d, 0, INTERVAL, 300);
        final long before = d.currentDetectionBoundNanos();
        last += 60_000 * MS;
        assertFalse(d.isAvailable(last));
        d.heartbeat(last);
        assertTrue(d.isAvailable(last));
        assertEquals(before, d.currentDetectionBoundNanos());
        // a late but not yet suspected heartbeat is learned: the mean moves
        last += 400 * MS;
        assertTrue(d.isAvailable(last));
        d.heartbeat(last);
        assertTrue(d.currentDetectionBoundNanos() > before);
    }

    @Test
    void heartbeat_timeBeforeTheLast_ignored() {
        // A heartbeat stamped before the last one (a caller's clock mix-up) changes nothing.
        final PhiAccrualFailureDetector d = detector();
        final long last = beat(d, 0, INTERVAL, 20);
        final long bound = d.currentDetectionBoundNanos();
        d.heartbeat(last - 50 * MS);
        assertEquals(last, d.lastHeartbeatNanos());
        assertEquals(bound, d.currentDetectionBoundNanos());
    }

    @Test
    void detectionBoundNanos_pureFunction_agreesWithPhi() {
        // The static bound is the least silence whose phi reaches the threshold, and says "never"
        // for a threshold phi cannot reach.
        final long b = PhiAccrualFailureDetector.detectionBoundNanos(THRESHOLD, 1e9, 1e8, 3_000_000_000L);
        assertTrue(PhiAccrualFailureDetector.phi(b, 4e9, 1e8) >= THRESHOLD);
        assertTrue(PhiAccrualFailureDetector.phi(b - 1, 4e9, 1e8) < THRESHOLD);
        assertEquals(Long.MAX_VALUE, PhiAccrualFailureDetector.detectionBoundNanos(1e300, 1e9, 1e8, 0));
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PhiAccrualFailureDetector.detectionBoundNanos(THRESHOLD, 1e9, 0, 0));
        assertEquals("stdDeviationNanos must be positive, was 0.0", e.getMessage());
    }

    @Test
    void constructor_badSettings_rejectedWithTheSettingsName() {
        // Each setting out of range is refused with its name and value.
        assertEquals("threshold must be positive and finite, was 0.0", assertThrows(IllegalArgumentException.class,
                () -> new PhiAccrualFailureDetector(0, 10, 1, 0, 1)).getMessage());
        assertEquals("threshold must be positive and finite, was NaN", assertThrows(IllegalArgumentException.class,
                () -> new PhiAccrualFailureDetector(Double.NaN, 10, 1, 0, 1)).getMessage());
        assertEquals("threshold must be positive and finite, was Infinity", assertThrows(IllegalArgumentException.class,
                () -> new PhiAccrualFailureDetector(Double.POSITIVE_INFINITY, 10, 1, 0, 1)).getMessage());
        assertEquals("maxSampleSize must be at least 1, was 0", assertThrows(IllegalArgumentException.class,
                () -> new PhiAccrualFailureDetector(8, 0, 1, 0, 1)).getMessage());
        assertEquals("minStdDeviationNanos must be positive, was 0", assertThrows(IllegalArgumentException.class,
                () -> new PhiAccrualFailureDetector(8, 10, 0, 0, 1)).getMessage());
        assertEquals("acceptableHeartbeatPauseNanos must not be negative, was -1", assertThrows(IllegalArgumentException.class,
                () -> new PhiAccrualFailureDetector(8, 10, 1, -1, 1)).getMessage());
        assertEquals("firstHeartbeatEstimateNanos must be positive, was 0", assertThrows(IllegalArgumentException.class,
                () -> new PhiAccrualFailureDetector(8, 10, 1, 0, 0)).getMessage());
    }

    @Test
    void heartbeatHistory_ring_keepsTheLastIntervalsOnly() {
        // The ring forgets the oldest interval: mean and deviation are those of the last capacity intervals.
        final HeartbeatHistory h = new HeartbeatHistory(3);
        h.add(10);
        h.add(20);
        assertEquals(15.0, h.meanNanos());
        assertEquals(5.0, h.stdDeviationNanos());
        h.add(30);
        h.add(40); // 10 is gone
        assertEquals(3, h.size());
        assertEquals(30.0, h.meanNanos());
        assertEquals(Math.sqrt(200.0 / 3), h.stdDeviationNanos(), 1e-12);
        h.add(Long.MAX_VALUE);
        h.add(Long.MAX_VALUE);
        h.add(-5); // clamped to 0; the two huge ones are clamped so that their sum cannot overflow
        assertEquals((2.0 * (Long.MAX_VALUE / 3)) / 3, h.meanNanos(), 1e3);
        assertTrue(Double.isFinite(h.stdDeviationNanos()));
    }
}
