package io.troupe.actors;

import io.troupe.timers.Cancellable;
import io.troupe.timers.Clock;
import io.troupe.timers.MissedTickBehavior;
import io.troupe.timers.Scheduler;
import java.time.Duration;

/**
 * The actor runtime's view of time: one-shot and periodic framework tasks (timer messages, ask
 * timeouts, restart backoffs), on the timers module's wheel. Tasks run inline on the timer
 * thread (or, with a {@link io.troupe.timers.ManualClock}, on the thread that advances it) and
 * must only enqueue; anything that could run user code is handed to a dispatcher first.
 */
final class TimerService {
    /*
     * Threading protocol: any thread schedules and cancels; tasks run on the timer thread.
     * Invariants: a cancelled handle's task does not start after cancel() returned true; once
     *   the system has closed its scheduler, schedule() returns an already-cancelled handle (the
     *   actors that could use it have stopped).
     * Memory ordering: the scheduler's; scheduling happens-before the task runs.
     * Shutdown: close() cancels everything and stops the thread.
     * References: io.troupe.timers.Scheduler.
     */

    /** A scheduled task. */
    interface Handle {
        /** Cancels the task; {@code true} if it had not run yet and now never will. */
        boolean cancel();
    }

    private static final Handle CANCELLED = () -> false;

    /**
     * The longest delay the runtime schedules (2^61 ns, about 73 years): longer delays (an ask
     * timeout of 1000 years, meaning "never") are clamped to it, so no deadline arithmetic
     * overflows; such a timer never fires in a process's life.
     */
    static final long MAX_DELAY_NANOS = Long.MAX_VALUE / 4;

    /**
     * {@code d} in nanoseconds, clamped to {@code [0, MAX_DELAY_NANOS]}; never throws for a large
     * duration.
     */
    static long clampedNanos(java.time.Duration d) {
        if (d.isNegative()) {
            return 0;
        }
        if (d.getSeconds() >= MAX_DELAY_NANOS / 1_000_000_000L) {
            return MAX_DELAY_NANOS;
        }
        return Math.min(d.toNanos(), MAX_DELAY_NANOS);
    }

    private final Clock clock;
    private final Scheduler scheduler;

    TimerService(Clock clock) {
        this.clock = clock;
        this.scheduler = Scheduler.create(clock, Runnable::run);
    }

    Handle schedule(long delayNanos, Runnable task) {
        try {
            final Cancellable c = scheduler.scheduleOnce(Duration.ofNanos(Math.max(0, delayNanos)), task);
            return c::cancel;
        } catch (IllegalStateException closed) {
            return CANCELLED;
        }
    }

    /** A fixed-rate task; ticks missed because a run was late are skipped. */
    Handle scheduleAtFixedRate(long initialNanos, long periodNanos, Runnable task) {
        try {
            final Cancellable c = scheduler.scheduleAtFixedRate(Duration.ofNanos(Math.max(0, initialNanos)),
                    Duration.ofNanos(periodNanos), task, MissedTickBehavior.SKIP);
            return c::cancel;
        } catch (IllegalStateException closed) {
            return CANCELLED;
        }
    }

    /** Timers pending in the wheel (the counters' "timers pending"). Any thread. */
    int pendingTimers() {
        return scheduler.pendingCount();
    }

    long nanoTime() {
        return clock.nanoTime();
    }

    Clock clock() {
        return clock;
    }

    void close() {
        scheduler.close();
    }
}
