package io.troupe.actors.internal;

/**
 * What a dispatcher thread is running right now, published for the slow-handler watchdog and
 * for naming the sender of a dead letter.
 *
 * <p>Written only by its own dispatcher thread, read racily by the watchdog: a stale read can
 * only delay a report by one scan.
 */
public final class ActivationProbe {
    /*
     * Threading protocol: single writer (the owning worker thread), any number of racy readers.
     * Invariants: `current` is the task being run, or null between tasks; `handled` only grows.
     * Memory ordering: opaque stores and loads; readers need no happens-before, only eventual
     * visibility (the watchdog compares two scans).
     * Shutdown: nothing to release.
     * References: Go's sysmon, which detects long-running goroutines by comparing scans.
     */

    /** The task (usually an actor cell) being run, or {@code null}. */
    public volatile Object current;
    /** Messages handled by this thread so far; the watchdog compares scans. */
    public volatile long handled;

    /** The probe of the calling thread, or {@code null} if it is not a dispatcher thread. */
    public static ActivationProbe current() {
        final Thread t = Thread.currentThread();
        return t instanceof ProbeHolder h ? h.probe() : null;
    }

    /** Implemented by dispatcher threads. */
    public interface ProbeHolder {
        /** This thread's probe. */
        ActivationProbe probe();
    }
}
