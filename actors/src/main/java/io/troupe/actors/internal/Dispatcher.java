package io.troupe.actors.internal;

import java.time.Duration;
import java.util.List;

/**
 * Runs actors (and small framework tasks) on a pool of threads. Implementations: the
 * {@link WorkStealingDispatcher} and the {@link ForkJoinDispatcher}.
 */
public interface Dispatcher {
    /**
     * Schedules {@code task}. From one of this dispatcher's threads the task goes to that
     * thread's local queue (the LIFO slot on the work-stealing dispatcher); from any other thread
     * it goes to the shared injection queue. Lock-free; any thread.
     */
    void execute(Runnable task);

    /**
     * Re-schedules a task that used its whole budget: it goes to the back of the queue, never to
     * the LIFO slot. Called by the task's own thread.
     */
    void yieldTask(Runnable task);

    /** Messages an actor handles per activation before it yields. */
    int throughput();

    /** A name for logs and thread names. */
    String name();

    /** The probes of this dispatcher's threads, for the slow-handler watchdog. */
    List<ActivationProbe> probes();

    /**
     * Adds the counts of this dispatcher's threads to {@code into}: its live threads' probes
     * and, where threads end while the dispatcher runs (the {@code ForkJoinPool} retires idle
     * ones), the counts those threads left, so that the sums never go down. Cost: a few opaque
     * loads per thread. Any thread; the system's counters fold calls it.
     *
     * @param into the sums to add to
     */
    default void addCounts(WorkerCounts into) {
        for (ActivationProbe p : probes()) {
            into.add(p);
        }
    }

    /**
     * Lets this dispatcher's idle workers drive {@code poller} (see {@link IdlePoller}). At most
     * one poller per dispatcher. Any thread.
     *
     * @return {@code false} if this dispatcher cannot (the {@code ForkJoinPool} one) or already
     *     drives another: the caller then needs a thread of its own
     */
    default boolean attachPoller(IdlePoller poller) {
        return false;
    }

    /**
     * Stops driving {@code poller}: when this returns, no worker is inside it or will enter it
     * again. Any thread but one of this dispatcher's while it polls; idempotent.
     */
    default void detachPoller(IdlePoller poller) {
    }

    /** Stops accepting work and lets the threads end. Idempotent. */
    void shutdown();

    /** Waits until every thread has ended; returns {@code false} on timeout. */
    boolean awaitTermination(Duration timeout) throws InterruptedException;
}
