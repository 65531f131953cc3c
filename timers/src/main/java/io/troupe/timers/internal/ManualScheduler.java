package io.troupe.timers.internal;

import io.troupe.timers.Clock;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A scheduler with no thread, driven by the {@link ManualTimeline} of a manual clock. Thread
 * safe: schedule and cancel take a short lock; firing happens on the thread that advances the
 * clock, outside the lock.
 */
public final class ManualScheduler extends AbstractScheduler {
    /*
     * Threading protocol
     *   `lock` guards the wheel, `closed` and the links and deadlines of handles in the wheel.
     *   Schedule and cancel apply at once under it. The advancing thread asks
     *   nextExpirationNanos() and then expireAt(now), which takes one due timer at a time under
     *   the lock and fires it after releasing the lock, so a task may schedule, cancel or
     *   advance (the advance lock is re-entrant) without deadlock, and a task on another thread
     *   never waits for a whole advance.
     *
     * Invariants
     *   A handle is PENDING from submit() on (it is never QUEUED to other threads).
     *   The scheduler never holds `lock` while calling into the timeline (no lock-order cycle with
     *   the timeline's advance lock, which is taken first).
     *
     * Memory ordering
     *   All by `lock`, plus the volatile handle state.
     *
     * Shutdown
     *   close(): under the lock set `closed` and cancel every timer in the wheel, then detach from
     *   the timeline. A periodic run finishing later finds `closed` and cancels its handle.
     *
     * References
     *   Tokio's paused clock (tokio::time::advance), which also fires due timers in order.
     */

    private final ManualTimeline timeline;
    private final ReentrantLock lock = new ReentrantLock();
    private final TimerWheel wheel;
    private boolean closed;

    private ManualScheduler(Clock clock, ManualTimeline timeline, Executor taskExecutor,
                            long tickNanos) {
        super(clock, taskExecutor, tickNanos);
        this.timeline = timeline;
        this.wheel = new TimerWheel(tickNanos);
    }

    /**
     * Creates a scheduler attached to a manual clock's timeline.
     *
     * @param clock the clock that {@link #clock()} returns
     * @param timeline the clock's machinery
     * @param taskExecutor runs the tasks, or {@code null} to run them on the advancing thread
     * @param tickNanos the wheel's tick
     * @return the attached scheduler
     */
    public static ManualScheduler attach(Clock clock, ManualTimeline timeline,
                                         Executor taskExecutor, long tickNanos) {
        final ManualScheduler scheduler =
                new ManualScheduler(clock, timeline, taskExecutor, tickNanos);
        timeline.attach(scheduler);
        return scheduler;
    }

    @Override
    void checkOpen() {
        lock.lock();
        try {
            if (closed) {
                throw closedException();
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    TimerHandle submit(TimerHandle timer) {
        lock.lock();
        try {
            if (closed) {
                throw closedException();
            }
            timer.soState(TimerHandle.PENDING);
            wheel.add(timer);
        } finally {
            lock.unlock();
        }
        timeline.onScheduled();
        return timer;
    }

    @Override
    void onCancelled(TimerHandle timer) {
        lock.lock();
        try {
            if (timer.isLinked()) {
                wheel.remove(timer);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    void rearm(PeriodicTimerHandle timer) {
        lock.lock();
        try {
            if (closed) {
                timer.cancelOnClose();
            } else if (timer.lvState() == TimerHandle.PENDING && !timer.isLinked()) {
                wheel.add(timer);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Returns the clock reading at which this scheduler next has work, or {@link Long#MAX_VALUE}.
     * Called by the advancing thread.
     */
    long nextExpirationNanos() {
        final long tick;
        lock.lock();
        try {
            tick = wheel.nextExpirationTick();
        } finally {
            lock.unlock();
        }
        if (tick == Long.MAX_VALUE) {
            return Long.MAX_VALUE;
        }
        return Nanos.saturatedAdd(originNanos, tick * tickNanos);
    }

    /** Fires every timer due at or before {@code nowNanos} (a clock reading), in order. */
    void expireAt(long nowNanos) {
        final long nowTick = floorTick(nowNanos - originNanos);
        while (true) {
            final TimerHandle timer;
            lock.lock();
            try {
                timer = closed ? null : wheel.poll(nowTick);
            } finally {
                lock.unlock();
            }
            if (timer == null) {
                return;
            }
            fire(timer);
        }
    }

    /** Returns the number of timers in the wheel; for tests. */
    @Override
    public int pendingCount() {
        lock.lock();
        try {
            return wheel.size();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            wheel.drain(TimerHandle::cancelOnClose);
        } finally {
            lock.unlock();
        }
        timeline.detach(this);
    }

    @Override
    public String toString() {
        return "ManualScheduler[clock=" + clock + ", tick=" + tickNanos + " ns]";
    }
}
