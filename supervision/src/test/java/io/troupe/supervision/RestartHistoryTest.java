package io.troupe.supervision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RestartHistoryTest {
    private static final long MS = 1_000_000L;
    private static final SupervisorStrategy BACKOFF =
            SupervisorStrategy.restart().withBackoff(Duration.ofMillis(100), Duration.ofSeconds(10), 0);

    @Test
    void backoffNanos_consecutiveAttempts_doubleFromMin() {
        // Attempt n waits min * 2^(n-1) while that is below the cap.
        assertEquals(100 * MS, RestartHistory.backoffNanos(BACKOFF, 1, 0.0));
        assertEquals(200 * MS, RestartHistory.backoffNanos(BACKOFF, 2, 0.0));
        assertEquals(400 * MS, RestartHistory.backoffNanos(BACKOFF, 3, 0.0));
        assertEquals(6_400 * MS, RestartHistory.backoffNanos(BACKOFF, 7, 0.0));
    }

    @Test
    void backoffNanos_pastTheCap_isMaxWithoutOverflow() {
        // The delay never exceeds max (before jitter), even for attempt counts that would overflow a shift.
        assertEquals(10_000 * MS, RestartHistory.backoffNanos(BACKOFF, 8, 0.0));
        assertEquals(10_000 * MS, RestartHistory.backoffNanos(BACKOFF, 64, 0.0));
        assertEquals(10_000 * MS, RestartHistory.backoffNanos(BACKOFF, Integer.MAX_VALUE, 0.0));
        final SupervisorStrategy huge = SupervisorStrategy.restart().withBackoff(Duration.ofDays(365), Duration.ofDays(3650), 1.0);
        assertEquals(Duration.ofDays(3650).toNanos(), RestartHistory.backoffNanos(huge, 1000, 0.0));
        assertTrue(RestartHistory.backoffNanos(huge, 1000, 0.999) > 0, "no overflow to negative");
    }

    @Test
    void backoffNanos_withJitter_staysWithinOneToOnePlusJitterTimesBase() {
        // Jitter spreads the delay over [base, base * (1 + jitter)), never below the base.
        final SupervisorStrategy s = SupervisorStrategy.restart().withBackoff(Duration.ofMillis(100), Duration.ofSeconds(10), 0.5);
        assertEquals(200 * MS, RestartHistory.backoffNanos(s, 2, 0.0));
        assertEquals(300 * MS, RestartHistory.backoffNanos(s, 2, 1.0));
        for (int i = 0; i < 10_000; i++) {
            final long d = RestartHistory.backoffNanos(s, 2);
            assertTrue(d >= 200 * MS && d < 300 * MS, "delay out of bounds: " + d);
        }
    }

    @Test
    void backoffNanos_withoutBackoff_isZero() {
        // A strategy without backoff restarts at once.
        assertEquals(0, RestartHistory.backoffNanos(SupervisorStrategy.restart(), 5, 0.7));
    }

    @Test
    void nextDelayNanos_afterStablePeriodSinceRestart_startsAgainFromMin() {
        // An instance that ran longer than the stable period since it restarted counts as healthy.
        final SupervisorStrategy s = BACKOFF.withResetAfter(Duration.ofSeconds(1));
        final RestartHistory h = new RestartHistory();
        assertEquals(100 * MS, h.nextDelayNanos(s, 0));
        assertEquals(200 * MS, h.nextDelayNanos(s, 150 * MS));
        // restarted at 350 ms; fails 1.4 s later: stable
        assertEquals(100 * MS, h.nextDelayNanos(s, 1_750 * MS));
        assertEquals(1, h.consecutiveRestarts());
    }

    @Test
    void nextDelayNanos_crashingAtOnceAfterEachRestart_keepsGrowingToTheCap() {
        // The stable period counts from the restart, not the failure: a crash loop never looks stable.
        final SupervisorStrategy s = SupervisorStrategy.restart().withBackoff(Duration.ofMillis(100), Duration.ofSeconds(1), 0);
        final RestartHistory h = new RestartHistory();
        long now = 0;
        long delay = 0;
        for (int i = 0; i < 20; i++) {
            delay = h.nextDelayNanos(s, now);
            now += delay; // fails the moment it restarted
        }
        assertEquals(1_000 * MS, delay);
        assertEquals(20, h.consecutiveRestarts());
    }

    @Test
    void admit_moreThanMaxWithinWindow_isRefusedUntilTheWindowSlides() {
        // At most maxRestarts restarts within any window of `within` (OTP intensity and period).
        final SupervisorStrategy s = SupervisorStrategy.restart().withLimit(2, Duration.ofSeconds(10));
        final RestartHistory h = new RestartHistory();
        assertTrue(h.admit(s, 0));
        assertTrue(h.admit(s, 1_000 * MS));
        assertFalse(h.admit(s, 2_000 * MS));
        assertEquals(2, h.restartsInWindow());
        assertTrue(h.admit(s, 10_001 * MS), "the first restart left the window");
        assertFalse(h.admit(s, 10_002 * MS));
    }

    @Test
    void onRestartWanted_limitZero_refusesTheFirstRestart() {
        // withLimit(0, ...) means never restart.
        final SupervisorStrategy s = SupervisorStrategy.restart().withLimit(0, Duration.ofSeconds(1));
        assertEquals(-1, new RestartHistory().onRestartWanted(s, 0));
    }
}
