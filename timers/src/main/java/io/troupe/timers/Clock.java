package io.troupe.timers;

import io.troupe.timers.internal.SystemClock;

/**
 * A monotonic source of nanoseconds, injected wherever Troupe reads time so that tests can use a
 * {@link ManualClock} instead of the real one.
 *
 * <p>Implementations are thread safe. Only differences between two readings mean anything; a
 * reading is not a wall-clock time.
 */
public interface Clock {

    /**
     * Returns the current reading in nanoseconds. Readings never decrease. May be called from any
     * thread; costs what {@link System#nanoTime()} costs for the system clock and one volatile read
     * for a {@link ManualClock}.
     *
     * @return the current reading, in nanoseconds from an arbitrary origin
     */
    long nanoTime();

    /**
     * Returns the clock backed by {@link System#nanoTime()}.
     *
     * @return the shared system clock
     */
    static Clock system() {
        return SystemClock.INSTANCE;
    }
}
