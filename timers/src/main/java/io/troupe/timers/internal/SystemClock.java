package io.troupe.timers.internal;

import io.troupe.timers.Clock;

/** The {@link Clock} backed by {@link System#nanoTime()}. Thread safe and stateless. */
public enum SystemClock implements Clock {
    /** The only instance. */
    INSTANCE;

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public String toString() {
        return "Clock.system()";
    }
}
