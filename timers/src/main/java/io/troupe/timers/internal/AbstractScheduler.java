package io.troupe.timers.internal;

import io.troupe.timers.Cancellable;
import io.troupe.timers.Clock;
import io.troupe.timers.MissedTickBehavior;
import io.troupe.timers.Scheduler;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * What the two schedulers share: argument checks, deadlines, running tasks with their failures
 * contained, and the periodic re-arm rule. Thread safe; the subclasses say how.
 */
abstract class AbstractScheduler implements Scheduler {
    /*
     * Threading protocol
     *   The schedule methods run on any thread and hand a new handle to submit(). fire() runs on
     *   the wheel's owner with a handle that poll() just returned; it runs the task inline or
     *   hands it to the task executor. A periodic run, on whatever thread ran it, ends in
     *   completeRun(), which computes the next deadline and calls rearm().
     *
     * Invariants
     *   Deadlines are nanoseconds from `originNanos` (the clock reading at creation), never
     *   before the time of the schedule call (a negative delay is treated as zero), saturated at
     *   Long.MAX_VALUE. The wheel's ticks are deadlines divided by `tickNanos`, rounded up, so a
     *   timer never fires before its deadline.
     *
     * Memory ordering
     *   Fields are final. Handles are published by the subclass (queue or lock).
     *
     * Shutdown
     *   See the subclasses.
     *
     * References
     *   Agrona AgentRunner for containing user failure and rethrowing VirtualMachineError.
     */

    static final System.Logger LOGGER = System.getLogger("io.troupe.timers");

    final Clock clock;
    /** Runs the tasks; {@code null} means inline on the wheel's owner thread. */
    final Executor taskExecutor;
    final long tickNanos;
    final long originNanos;

    AbstractScheduler(Clock clock, Executor taskExecutor, long tickNanos) {
        this.clock = Objects.requireNonNull(clock, "clock");
        if (tickNanos <= 0) {
            throw new IllegalArgumentException("tickNanos must be positive, was " + tickNanos);
        }
        this.taskExecutor = taskExecutor;
        this.tickNanos = tickNanos;
        this.originNanos = clock.nanoTime();
    }

    @Override
    public final Clock clock() {
        return clock;
    }

    @Override
    public final Cancellable scheduleOnce(Duration delay, Runnable task) {
        Objects.requireNonNull(delay, "delay");
        Objects.requireNonNull(task, "task");
        checkOpen();
        final long deadline = deadlineAfter(delay);
        return submit(new TimerHandle(this, task, deadline));
    }

    @Override
    public final Cancellable scheduleWithFixedDelay(Duration initialDelay, Duration delay,
                                                    Runnable task) {
        Objects.requireNonNull(initialDelay, "initialDelay");
        Objects.requireNonNull(delay, "delay");
        Objects.requireNonNull(task, "task");
        final long delayNanos = positiveNanos(delay, "delay");
        checkOpen();
        final long deadline = deadlineAfter(initialDelay);
        return submit(new PeriodicTimerHandle(this, task, deadline, delayNanos, null));
    }

    @Override
    public final Cancellable scheduleAtFixedRate(Duration initialDelay, Duration period,
                                                 Runnable task, MissedTickBehavior missed) {
        Objects.requireNonNull(initialDelay, "initialDelay");
        Objects.requireNonNull(period, "period");
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(missed, "missed");
        final long periodNanos = positiveNanos(period, "period");
        checkOpen();
        final long deadline = deadlineAfter(initialDelay);
        return submit(new PeriodicTimerHandle(this, task, deadline, periodNanos, missed));
    }

    /** Throws if the scheduler is closed; a cheap early check before allocating. */
    abstract void checkOpen();

    /**
     * Hands a new QUEUED handle to the wheel's owner.
     *
     * @return the handle
     * @throws IllegalStateException if the scheduler closed before the handle reached the wheel
     */
    abstract TimerHandle submit(TimerHandle timer);

    /** Called by {@link TimerHandle#cancel()} after PENDING -> CANCELLED, on any thread. */
    abstract void onCancelled(TimerHandle timer);

    /** Puts a periodic timer whose run finished back into the wheel, from any thread. */
    abstract void rearm(PeriodicTimerHandle timer);

    /** Returns the current time in nanoseconds from the origin. */
    final long nowNanos() {
        return clock.nanoTime() - originNanos;
    }

    final long floorTick(long nanos) {
        return nanos <= 0 ? 0 : nanos / tickNanos;
    }

    static IllegalStateException closedException() {
        return new IllegalStateException("scheduler is closed");
    }

    /**
     * Runs or hands on a timer that the wheel just returned as due. Called by the wheel's owner,
     * outside any lock.
     */
    final void fire(TimerHandle timer) {
        if (timer instanceof PeriodicTimerHandle periodic) {
            if (periodic.lvState() == TimerHandle.PENDING) {
                firePeriodic(periodic);
            }
        } else if (timer.casState(TimerHandle.PENDING, TimerHandle.FIRED)) {
            if (taskExecutor == null) {
                runContained(timer.task);
            } else {
                dispatch(() -> runContained(timer.task), timer);
            }
        }
    }

    private void firePeriodic(PeriodicTimerHandle periodic) {
        if (taskExecutor == null) {
            runContained(periodic.task);
            completeRun(periodic);
        } else {
            dispatch(() -> {
                runContained(periodic.task);
                completeRun(periodic);
            }, periodic);
        }
    }

    private void dispatch(Runnable run, TimerHandle timer) {
        try {
            taskExecutor.execute(run);
        } catch (RejectedExecutionException e) {
            onRejected(timer, e);
        }
    }

    // Rare branch kept out of dispatch.
    private void onRejected(TimerHandle timer, RejectedExecutionException e) {
        if (timer instanceof PeriodicTimerHandle) {
            timer.cancelOnClose();
            LOGGER.log(Level.WARNING, "task executor rejected periodic timer task "
                    + timer.task + "; the timer is cancelled", e);
        } else {
            LOGGER.log(Level.WARNING, "task executor rejected timer task " + timer.task, e);
        }
    }

    /** Computes the next deadline of a periodic timer whose run just finished and re-arms it. */
    private void completeRun(PeriodicTimerHandle periodic) {
        if (periodic.lvState() != TimerHandle.PENDING) {
            return;
        }
        periodic.deadline = PeriodicTimerHandle.nextDeadline(periodic.deadline,
                periodic.periodNanos, nowNanos(), periodic.missed);
        rearm(periodic);
    }

    /** Runs a user task; reports what it throws except a VirtualMachineError, which it rethrows. */
    static void runContained(Runnable task) {
        try {
            task.run();
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable t) {
            LOGGER.log(Level.WARNING, "timer task " + task + " threw", t);
        }
    }

    private long deadlineAfter(Duration delay) {
        final long delayNanos = Math.max(0L, Nanos.saturatedNanos(delay));
        return Nanos.saturatedAdd(nowNanos(), delayNanos);
    }

    private static long positiveNanos(Duration value, String name) {
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + value);
        }
        return Nanos.saturatedNanos(value);
    }
}
