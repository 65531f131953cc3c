package io.troupe.remote.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The node's thread runs the embedded driver's duty cycle: the driver's periodic work keeps the
 * backoff short, but only messages moved (activity) keep the node out of its deep parks.
 */
@Timeout(10)
class DeepeningIdleStrategyTest {
    private static final long AFTER = 200;
    private static final long DEEP = 4_000;
    private long now = 1_000;
    private final List<Long> deepParks = new ArrayList<>();
    private final DeepeningIdleStrategy idle = new DeepeningIdleStrategy(1_000, AFTER, DEEP, () -> now, deepParks::add);

    @Test
    void silenceLongerThanTheThresholdParksDeep() {
        idle.idle(0); // the silence starts
        now += AFTER - 1;
        idle.idle(0);
        assertEquals(List.of(), deepParks, "not yet: the silence is shorter than the threshold");
        now += 1;
        idle.idle(0);
        assertEquals(List.of(DEEP), deepParks);
    }

    @Test
    void theDriversPeriodicWorkDoesNotKeepTheNodeOutOfDeepIdle() {
        idle.idle(0);
        for (int i = 0; i < 10; i++) { // heartbeats, status messages, timer checks: work, no activity
            now += AFTER / 4;
            idle.idle(3);
        }
        idle.idle(0);
        assertEquals(List.of(DEEP), deepParks, "250 ms of only the driver's own work is a silence");
    }

    @Test
    void activityRestartsTheSilence() {
        idle.idle(0);
        now += AFTER - 10;
        idle.activity(); // a message moved
        idle.idle(1);
        now += 20;
        idle.idle(0); // 20 ns into the new silence
        assertEquals(List.of(), deepParks);
        now += AFTER;
        idle.idle(0);
        assertEquals(List.of(DEEP), deepParks, "a silence after the activity");
    }

    @Test
    void neverDeepensWhenTheThresholdIsInfinite() {
        final DeepeningIdleStrategy responsive = new DeepeningIdleStrategy(1_000, Long.MAX_VALUE, DEEP, () -> now, deepParks::add);
        responsive.idle(0);
        now += 3_600_000_000_000L;
        responsive.idle(0);
        assertEquals(List.of(), deepParks);
    }
}
