package io.troupe.timers.internal;

import io.troupe.timers.Cancellable;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One scheduled one-shot timer, and the node that links it into the wheel. Thread safe for
 * {@link #cancel()} and {@link #isCancelled()}; everything else belongs to the scheduler.
 *
 * <p>Heap cost: 40 bytes with compressed oops (12 header, links 8, state 4, deadline 8, task 4,
 * scheduler 4), nothing else per pending timer: the wheel is intrusive.
 */
class TimerHandle extends WheelNode implements Cancellable {
    /*
     * Threading protocol
     *   Any thread may cancel; the answer is the outcome of one CAS on `state`, so it is right at
     *   once, before the scheduler hears of it. The links (`prev`, `next`) and `deadline` belong
     *   to the scheduler's wheel owner: the timer thread, or whoever holds a manual scheduler's
     *   lock. `deadline` is also written by the thread that completes a periodic run, while the
     *   handle is out of the wheel, and handed to the owner through the command queue or the lock.
     *
     * Lifecycle (state)
     *   QUEUED  -> PENDING    // the owner took the schedule command and linked the timer
     *   QUEUED  -> CANCELLED  // cancel() before that; the owner drops the command, no unlink
     *   PENDING -> CANCELLED  // cancel(); the canceller sends the handle so the owner unlinks it
     *   PENDING -> FIRED      // a one-shot timer expired (owner's CAS, before the task runs)
     *   QUEUED, PENDING -> CANCELLED  // the scheduler closed
     *   A periodic timer stays PENDING across runs; FIRED and CANCELLED are final.
     *
     * Invariants
     *   A one-shot handle that is PENDING is linked in the wheel or is being expired by the owner.
     *   A handle is in at most one slot list; `next == null` iff it is in none.
     *   Only a successful PENDING -> CANCELLED transition makes a cancel command, so a cancelled
     *   timer leaves the wheel as soon as the owner drains its commands: a storm of
     *   schedule-then-cancel costs no memory that lives until the deadline. A timer cancelled
     *   while QUEUED costs no command at all.
     *
     * Memory ordering
     *   `state` is volatile and changed only by CAS, so a cancel and an expiry cannot both win.
     *   The task and deadline written before the handle is enqueued are published by the queue.
     *
     * Shutdown
     *   Closing moves every QUEUED or PENDING handle it can reach to CANCELLED through
     *   cancelOnClose(), which sends no command.
     *
     * References
     *   The state-machine-in-one-int style of java.lang.VirtualThread; intrusive timer nodes as in
     *   Tokio's time driver (tokio/src/runtime/time/entry.rs).
     */

    /** Scheduled; the owner has not taken the schedule command yet. */
    static final int QUEUED = 0;
    /** Scheduled and in the wheel (or, periodic, between runs). */
    static final int PENDING = 1;
    /** A one-shot timer that expired; its task has been run or handed to the executor. */
    static final int FIRED = 2;
    /** Cancelled by {@link #cancel()} or by closing the scheduler. */
    static final int CANCELLED = 3;

    private volatile int state;
    /**
     * When the timer is due, in nanoseconds from the scheduler's origin; for a periodic timer, the
     * nominal time of its current run. The wheel derives its tick from this.
     */
    long deadline;
    final Runnable task;
    final AbstractScheduler scheduler;

    TimerHandle(AbstractScheduler scheduler, Runnable task, long deadline) {
        this.scheduler = scheduler;
        this.task = task;
        this.deadline = deadline;
        // state starts QUEUED (0); the handle is published to other threads by the command queue
    }

    @Override
    public final boolean cancel() {
        while (true) {
            final int state = this.state;
            if (state == QUEUED) {
                if (STATE.compareAndSet(this, QUEUED, CANCELLED)) {
                    return true;
                }
            } else if (state == PENDING) {
                if (STATE.compareAndSet(this, PENDING, CANCELLED)) {
                    scheduler.onCancelled(this);
                    return true;
                }
            } else {
                return false;
            }
        }
    }

    @Override
    public final boolean isCancelled() {
        return state == CANCELLED;
    }

    final int lvState() {
        return state;
    }

    final void soState(int value) {
        STATE.setRelease(this, value);
    }

    final boolean casState(int expect, int update) {
        return STATE.compareAndSet(this, expect, update);
    }

    /**
     * Cancels without telling the scheduler, for a scheduler that is closing.
     *
     * @return {@code true} if the state was QUEUED (the timer never reached the wheel)
     */
    final boolean cancelOnClose() {
        while (true) {
            final int state = this.state;
            if (state != QUEUED && state != PENDING) {
                return false;
            }
            if (STATE.compareAndSet(this, state, CANCELLED)) {
                return state == QUEUED;
            }
        }
    }

    @Override
    public String toString() {
        final String[] names = {"QUEUED", "PENDING", "FIRED", "CANCELLED"};
        return getClass().getSimpleName() + "[" + names[state] + ", task=" + task + "]";
    }

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(TimerHandle.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
