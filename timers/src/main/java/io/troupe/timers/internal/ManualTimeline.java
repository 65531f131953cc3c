package io.troupe.timers.internal;

import java.time.Duration;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The state behind a {@code ManualClock}: its reading and the schedulers attached to it. Thread
 * safe.
 */
public final class ManualTimeline {
    /*
     * Threading protocol
     *   Any thread reads `now`. advance() runs under `advanceLock` (re-entrant, so a task may
     *   advance): it repeatedly asks every attached scheduler for its next expiration, picks the
     *   earliest (ties: the scheduler attached first), moves `now` to it and lets that scheduler
     *   fire what is due; when nothing is due up to the target, it moves `now` to the target.
     *   Timers that tasks schedule during the advance take part in it.
     *
     * Invariants
     *   `now` never decreases and is written only under `advanceLock`.
     *   During an advance, `now` equals the deadline of the timer being fired (or the start of a
     *   wheel slot being moved down a level, which is never after the next deadline).
     *
     * Memory ordering
     *   `now` is volatile. The scheduler list is a copy-on-write list.
     *
     * Shutdown
     *   Nothing to stop; a closed scheduler detaches itself.
     *
     * References
     *   Tokio's paused clock, tokio::time::advance.
     */

    private final ReentrantLock advanceLock = new ReentrantLock();
    private final CopyOnWriteArrayList<ManualScheduler> schedulers = new CopyOnWriteArrayList<>();
    private volatile long now;
    private final Object scheduledSignal = new Object();

    /**
     * Creates a timeline.
     *
     * @param startNanos the first reading
     */
    public ManualTimeline(long startNanos) {
        this.now = startNanos;
    }

    /** Returns the current reading. */
    public long nanoTime() {
        return now;
    }

    /**
     * Moves time forward by {@code byNanos}, firing the due timers of every attached scheduler on
     * the calling thread, in deadline order.
     *
     * @param byNanos a non-negative distance
     */
    public void advance(long byNanos) {
        if (byNanos < 0) {
            throw new IllegalArgumentException("byNanos must not be negative, was " + byNanos);
        }
        advanceLock.lock();
        try {
            final long target = Nanos.saturatedAdd(now, byNanos);
            while (true) {
                ManualScheduler earliest = null;
                long earliestNanos = Long.MAX_VALUE;
                for (ManualScheduler scheduler : schedulers) {
                    final long next = scheduler.nextExpirationNanos();
                    if (next < earliestNanos) {
                        earliestNanos = next;
                        earliest = scheduler;
                    }
                }
                if (earliest == null || earliestNanos > target) {
                    break;
                }
                if (earliestNanos > now) {
                    now = earliestNanos;
                }
                earliest.expireAt(now);
            }
            if (target > now) {
                now = target;
            }
        } finally {
            advanceLock.unlock();
        }
    }

    /** Called by an attached scheduler after it added a timer: wakes awaitPendingTimers. */
    void onScheduled() {
        synchronized (scheduledSignal) {
            scheduledSignal.notifyAll();
        }
    }

    /** Timers pending in every attached scheduler. */
    public int pendingTimers() {
        int n = 0;
        for (ManualScheduler scheduler : schedulers) {
            n += scheduler.pendingCount();
        }
        return n;
    }

    /**
     * Blocks until at least {@code atLeast} timers are pending, or the timeout passes.
     *
     * @return whether the count was reached
     */
    public boolean awaitPendingTimers(int atLeast, long timeoutNanos) throws InterruptedException {
        final long deadline = System.nanoTime() + timeoutNanos;
        synchronized (scheduledSignal) {
            while (pendingTimers() < atLeast) {
                final long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(scheduledSignal, left);
            }
            return true;
        }
    }

    void attach(ManualScheduler scheduler) {
        schedulers.add(scheduler);
    }

    void detach(ManualScheduler scheduler) {
        schedulers.remove(scheduler);
    }

    /**
     * Returns a duration in nanoseconds, saturated.
     *
     * @param d a duration
     * @return nanoseconds, saturated
     */
    public static long saturatedNanos(Duration d) {
        return Nanos.saturatedNanos(d);
    }
}
