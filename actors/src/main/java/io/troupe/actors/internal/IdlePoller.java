package io.troupe.actors.internal;

/**
 * An event source that idle dispatcher workers drive themselves, as Tokio's workers drive its
 * I/O driver: a worker with nothing to run polls it without blocking before it steals, and a
 * worker about to park blocks in it instead. What the source finds it schedules with
 * {@link Dispatcher#execute} on the polling thread, so the woken actor runs on that worker next.
 *
 * <p>The dispatcher guarantees that at most one thread at a time is inside {@link #pollNow} or
 * {@link #pollBlocking}; {@link #wakeup} may be called by any thread at any time.
 */
public interface IdlePoller {
    /**
     * Collects what is ready without blocking and schedules it. Runs no user code.
     *
     * @return how many events were found
     */
    int pollNow();

    /**
     * Blocks until something is ready or {@link #wakeup} is called (a wake-up that came before
     * the call makes it return at once), then schedules what is ready. Runs no user code while
     * blocked.
     *
     * @return how many events were found
     */
    int pollBlocking();

    /** Makes a {@link #pollBlocking} in progress, or the next one, return. Any thread. */
    void wakeup();
}
