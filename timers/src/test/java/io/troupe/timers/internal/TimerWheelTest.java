package io.troupe.timers.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The wheel against a sorted-set model: same timers, same order, never early, never late. */
class TimerWheelTest {

    /** A handle that remembers its insertion sequence for the model's tie-break (1 ns ticks). */
    private static final class Probe extends TimerHandle {
        final long sequence;
        final long tickValue;

        Probe(long tick, long sequence) {
            super(null, () -> { }, tick);
            this.tickValue = tick;
            this.sequence = sequence;
        }
    }

    private static final Comparator<Probe> ORDER =
            Comparator.<Probe>comparingLong(p -> p.tickValue).thenComparingLong(p -> p.sequence);

    @ParameterizedTest
    @ValueSource(longs = {1, 7, 42, 2024, 99_991})
    void poll_randomAddsRemovesAndPolls_matchesASortedModel(long seed) {
        // Any mix of add, remove and poll returns exactly the due timers in (tick, add order).
        SplittableRandom random = new SplittableRandom(seed);
        TimerWheel wheel = new TimerWheel(1);
        TreeSet<Probe> model = new TreeSet<>(ORDER);
        List<Probe> live = new ArrayList<>();
        long now = 0;
        long sequence = 0;
        for (int step = 0; step < 200_000; step++) {
            int op = random.nextInt(10);
            if (op < 5) {
                long delay = switch (random.nextInt(4)) {
                    case 0 -> random.nextLong(4);
                    case 1 -> random.nextLong(100);
                    case 2 -> random.nextLong(10_000);
                    default -> random.nextLong(1L << random.nextInt(1, 62));
                };
                Probe probe = new Probe(Math.min(Long.MAX_VALUE - 1, now + delay), sequence++);
                wheel.add(probe);
                model.add(probe);
                live.add(probe);
            } else if (op < 7 && !live.isEmpty()) {
                Probe probe = live.remove(random.nextInt(live.size()));
                if (model.remove(probe)) {
                    wheel.remove(probe);
                }
            } else {
                long advance = random.nextInt(3) == 0 ? random.nextLong(1L << random.nextInt(1, 40))
                        : random.nextLong(50);
                now = Math.min(Long.MAX_VALUE - 1, now + advance);
                TimerHandle polled;
                while ((polled = wheel.poll(now)) != null) {
                    Probe expected = model.pollFirst();
                    assertSame(expected, polled, "step " + step);
                    assertTrue(expected.tickValue <= now, "never early");
                }
                assertTrue(model.isEmpty() || model.first().tickValue > now, "never late");
            }
            assertEquals(model.size(), wheel.size());
        }
    }

    @Test
    void nextExpirationTick_emptyWheel_isMaxValueAndNeverBeforeTheEarliestTimer() {
        // The next expiration is MAX_VALUE when empty, and never after the earliest deadline.
        TimerWheel wheel = new TimerWheel(1_000_000);
        assertEquals(Long.MAX_VALUE, wheel.nextExpirationTick());
        Probe far = new Probe(java.time.Duration.ofDays(3).toNanos() + 1, 0);
        long farTick = wheel.tickOf(far.deadline);
        assertEquals(86_400_000L * 3 + 1, farTick, "rounded up to the next 1 ms tick");
        wheel.add(far);
        long next = wheel.nextExpirationTick();
        assertTrue(next <= farTick);
        int hops = 0;
        while (wheel.poll(next) == null) {
            next = wheel.nextExpirationTick();
            hops++;
            assertTrue(next <= farTick);
        }
        assertTrue(hops <= wheel.levels(), "a timer days away moves down at most once per level");
        assertNull(wheel.poll(Long.MAX_VALUE / 1_000_000));
        assertEquals(Long.MAX_VALUE, wheel.nextExpirationTick());
    }

    @Test
    void remove_lastTimerOfASlot_clearsTheSlotSoNothingIsReportedDue() {
        // Removing the only timer leaves an empty wheel with no expiration pending.
        TimerWheel wheel = new TimerWheel(1);
        Probe probe = new Probe(1_000, 0);
        wheel.add(probe);
        wheel.remove(probe);
        assertEquals(0, wheel.size());
        assertEquals(Long.MAX_VALUE, wheel.nextExpirationTick());
        assertNull(wheel.poll(Long.MAX_VALUE - 1));
    }
}
