package io.troupe.timers;

import io.troupe.timers.internal.ManualScheduler;
import io.troupe.timers.internal.ReactorScheduler;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * Settings for a {@link Scheduler}; obtain one with {@link Scheduler#builder()}. NOT thread safe:
 * configure it on one thread, then {@link #build()}.
 */
public final class SchedulerBuilder {

    private static final Duration DEFAULT_TICK = Duration.ofMillis(1);
    private static final Duration MANUAL_DEFAULT_TICK = Duration.ofNanos(1);

    private Clock clock = Clock.system();
    private Executor taskExecutor;
    private Duration tick;

    SchedulerBuilder() {
    }

    /**
     * Sets the clock that deadlines are measured on. Default: {@link Clock#system()}. With a
     * {@link ManualClock}, the scheduler owns no thread and is driven by
     * {@link ManualClock#advance(Duration)}.
     *
     * @param clock the clock
     * @return this builder
     */
    public SchedulerBuilder clock(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        return this;
    }

    /**
     * Sets the executor that runs the tasks. Default: none, tasks run inline on the timer thread
     * (or on the thread advancing a {@link ManualClock}).
     *
     * @param taskExecutor the executor
     * @return this builder
     */
    public SchedulerBuilder taskExecutor(Executor taskExecutor) {
        this.taskExecutor = Objects.requireNonNull(taskExecutor, "taskExecutor");
        return this;
    }

    /**
     * Sets the tick: the resolution of the wheel. Deadlines are rounded up to a tick, so a longer
     * tick means fewer wake-ups and later firing. Default: 1 ms, or 1 ns with a
     * {@link ManualClock} (so that {@code advance} fires exactly the timers whose deadline has
     * passed).
     *
     * @param tick the tick length, at least 1 ns and at most 1 hour
     * @return this builder
     */
    public SchedulerBuilder tick(Duration tick) {
        Objects.requireNonNull(tick, "tick");
        if (tick.isNegative() || tick.isZero() || tick.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("tick must be between 1 ns and 1 hour, was " + tick);
        }
        this.tick = tick;
        return this;
    }

    /**
     * Creates the scheduler; with a clock other than a {@link ManualClock}, starts its
     * {@code troupe-timer} thread.
     *
     * @return a new scheduler
     */
    public Scheduler build() {
        if (clock instanceof ManualClock manual) {
            long tickNanos = (tick == null ? MANUAL_DEFAULT_TICK : tick).toNanos();
            return ManualScheduler.attach(manual, manual.timeline(), taskExecutor, tickNanos);
        }
        long tickNanos = (tick == null ? DEFAULT_TICK : tick).toNanos();
        return ReactorScheduler.start(clock, taskExecutor, tickNanos);
    }
}
