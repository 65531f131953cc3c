package io.troupe.timers;

import io.troupe.timers.internal.ManualTimeline;
import java.time.Duration;
import java.util.Objects;

/**
 * A clock that moves only when told to, for deterministic tests. Thread safe.
 *
 * <p>Schedulers created on this clock attach to it and own no thread. {@link #advance(Duration)}
 * fires their due timers on the calling thread before it returns. Time moves forward through the
 * deadlines one at a time, so a task sees {@link #nanoTime()} equal to its own deadline, and a
 * timer that a task schedules within the advanced span fires within the same call.
 */
public final class ManualClock implements Clock {

    private final ManualTimeline timeline;

    /** Creates a clock reading 0. */
    public ManualClock() {
        this(0L);
    }

    /**
     * Creates a clock with the given first reading.
     *
     * @param startNanos the first reading, in nanoseconds
     */
    public ManualClock(long startNanos) {
        this.timeline = new ManualTimeline(startNanos);
    }

    /**
     * Returns the current reading: one volatile read. Any thread.
     *
     * @return the current reading in nanoseconds
     */
    @Override
    public long nanoTime() {
        return timeline.nanoTime();
    }

    /**
     * Moves the clock forward by {@code by} and, on the calling thread and before returning, fires
     * exactly the timers of every scheduler attached to this clock whose deadline is at or before
     * the new time, in deadline order. Ties fire in schedule order within one scheduler, and in the
     * order the schedulers were created across schedulers; the next tick of a periodic timer counts
     * as scheduled when its previous run finished. A periodic timer due several times in
     * the span fires once per tick, in order, interleaved with the other timers. While a timer
     * fires, {@link #nanoTime()} reads its deadline; at the end it reads the old time plus
     * {@code by} (saturating at {@link Long#MAX_VALUE}).
     *
     * <p>Calls from several threads are serialised. A task may itself call {@code advance}.
     * Tasks that a scheduler hands to a task executor other than {@code Runnable::run} run
     * whenever that executor runs them; determinism then is the executor's business.
     *
     * @param by how far to move; zero fires the timers that are due now
     * @throws NullPointerException if {@code by} is null
     * @throws IllegalArgumentException if {@code by} is negative
     */
    public void advance(Duration by) {
        Objects.requireNonNull(by, "by");
        if (by.isNegative()) {
            throw new IllegalArgumentException("by must not be negative, was " + by);
        }
        timeline.advance(ManualTimeline.saturatedNanos(by));
    }

    /**
     * Returns how many timers are pending in the schedulers attached to this clock. Any thread.
     *
     * @return the number of pending timers
     */
    public int pendingTimers() {
        return timeline.pendingTimers();
    }

    /**
     * Blocks the calling thread until at least {@code atLeast} timers are pending on this clock,
     * so that a test can advance time only after the code under test (running on other threads)
     * has scheduled what it should. Waits on a condition, not in a sleep loop.
     *
     * @param atLeast how many pending timers to wait for
     * @param timeout the longest wait
     * @return {@code true} if the count was reached, {@code false} on timeout
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean awaitPendingTimers(int atLeast, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout");
        return timeline.awaitPendingTimers(atLeast, ManualTimeline.saturatedNanos(timeout));
    }

    /** Returns the machinery behind this clock, for {@link SchedulerBuilder}. */
    ManualTimeline timeline() {
        return timeline;
    }

    @Override
    public String toString() {
        return "ManualClock[" + nanoTime() + " ns]";
    }
}
