package io.troupe.actors.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

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
     * Memory ordering: opaque stores and loads (no fences on the hot path); readers need no
     * happens-before, only eventual visibility (the watchdog compares two scans).
     * Shutdown: nothing to release.
     * References: Go's sysmon, which detects long-running goroutines by comparing scans.
     */
    private final Thread thread;
    private Object current;
    private long handled;

    /** A probe for {@code thread}, the dispatcher thread that owns it. */
    public ActivationProbe(Thread thread) {
        this.thread = java.util.Objects.requireNonNull(thread, "thread");
    }

    /** The thread that owns this probe; the watchdog samples its state. Any thread. */
    public Thread thread() {
        return thread;
    }

    /** The probe of the calling thread, or {@code null} if it is not a dispatcher thread. */
    public static ActivationProbe current() {
        final Thread t = Thread.currentThread();
        return t instanceof ProbeHolder h ? h.probe() : null;
    }

    /** Owner thread: {@code task} starts running ({@code null}: nothing runs). */
    public void soCurrent(Object task) {
        CURRENT.setOpaque(this, task);
    }

    /** Any thread: the task running now, possibly slightly stale. */
    public Object lvCurrent() {
        return CURRENT.getOpaque(this);
    }

    /** Owner thread: one more message was handled. */
    public void onHandled() {
        HANDLED.setOpaque(this, handled + 1);
    }

    /** Any thread: messages handled so far, possibly slightly stale. */
    public long lvHandled() {
        return (long) HANDLED.getOpaque(this);
    }

    /** Implemented by dispatcher threads. */
    public interface ProbeHolder {
        /** This thread's probe. */
        ActivationProbe probe();
    }

    private static final VarHandle CURRENT;
    private static final VarHandle HANDLED;

    static {
        try {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            CURRENT = lookup.findVarHandle(ActivationProbe.class, "current", Object.class);
            HANDLED = lookup.findVarHandle(ActivationProbe.class, "handled", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
