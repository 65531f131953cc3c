package io.troupe.timers;

/**
 * A handle on a scheduled timer, returned by every {@code schedule} method of {@link Scheduler}.
 *
 * <p>Thread safe: any thread may cancel a timer at any time, and the answer is decided at once by
 * an atomic state change, not by the timer thread later.
 */
public interface Cancellable {

    /**
     * Stops the timer if it is still pending. For a one-shot timer, a task that has already been
     * handed to its executor is not stopped; for a periodic timer, no run starts after this call
     * returns {@code true} (a run already in progress finishes).
     *
     * <p>Costs one compare-and-set, plus, when the timer is already in the wheel, one command to
     * the timer thread so that it unlinks the timer and its memory is reclaimed promptly.
     *
     * <p>Memory consistency effects: actions in a thread before a call that returns {@code true}
     * happen-before the timer is seen as cancelled by the timer thread.
     *
     * @return {@code true} if this call stopped a pending timer; {@code false} if the timer had
     *     already fired (one-shot), was already cancelled, or its scheduler was closed
     */
    boolean cancel();

    /**
     * Tells whether the timer was cancelled, by {@link #cancel()} or by closing its scheduler.
     *
     * @return {@code true} once the timer is cancelled; never changes back
     */
    boolean isCancelled();
}
