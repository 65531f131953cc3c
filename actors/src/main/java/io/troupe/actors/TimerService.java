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
