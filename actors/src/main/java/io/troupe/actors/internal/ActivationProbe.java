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
     * Invariants: `current` is the task being run, or null between tasks; `handled`,
     *   `activations`, `steals`, `parks` and `polls` only grow (each has this one writer, so a
     *   plain read and an opaque store make an increment: no atomic read-modify-write).
     * Memory ordering: opaque stores and loads (no fences on the hot path); readers need no
     * happens-before, only eventual visibility (the watchdog compares two scans).
     * Shutdown: nothing to release.
     * References: Go's sysmon, which detects long-running goroutines by comparing scans.
     */
    private final Thread thread;
    /**
     * Whether actor cells count their own activations on this thread (a fork-join pool's thread:
     * the pool runs them with no hook of its own); a work-stealing worker counts every task it
     * runs itself, the count it keeps anyway for its event interval.
     */
    private final boolean cellsCountActivations;
    private Object current;
    private long handled;
    /** Observability (issue 15): activations run, like `handled` (summed into the counters file). */
    private long activations;
    /** Steals that found work, parks, and polls of the attached poller (issue 15), like `handled`. */
    private long steals;
    private long parks;
    private long polls;
    /** Written by the watchdog: the `handled` value it saw unchanged since `seenSinceNanos`. */
    private long seenHandled = -1;
    private long seenSinceNanos;
    /** The span of the message being handled (tracing on), or null. Owner thread only: plain. */
    private Object span;

    /**
     * A probe for {@code thread}, the dispatcher thread that owns it.
     *
     * @param thread the owner
     * @param cellsCountActivations true if the actor cells it runs count their activations
     *     ({@link #cellsCountActivations()}); false if the owner calls {@link #onActivation()} itself
     */
    public ActivationProbe(Thread thread, boolean cellsCountActivations) {
        this.thread = java.util.Objects.requireNonNull(thread, "thread");
        this.cellsCountActivations = cellsCountActivations;
    }

    /** A probe whose owner counts its activations itself. */
    public ActivationProbe(Thread thread) {
        this(thread, false);
    }

    /** Whether an actor cell run on this thread calls {@link #onActivation()}. Owner thread. */
    public boolean cellsCountActivations() {
        return cellsCountActivations;
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

    /** Owner thread: one more activation (a turn of an actor, or a task of the runtime) began. */
    public void onActivation() {
        ACTIVATIONS.setOpaque(this, activations + 1);
    }

    /** Owner thread: its own count of activations (a plain read of its own writes). */
    public long activations() {
        return activations;
    }

    /** Any thread: activations so far, possibly slightly stale. */
    public long lvActivations() {
        return (long) ACTIVATIONS.getOpaque(this);
    }

    /** Owner thread: a steal took work from another worker (or the injection queue's search found some). */
    public void onSteal() {
        STEALS.setOpaque(this, steals + 1);
    }

    /** Any thread: steals so far, possibly slightly stale. */
    public long lvSteals() {
        return (long) STEALS.getOpaque(this);
    }

    /** Owner thread: the worker is about to park (or block in the poller) with nothing to run. */
    public void onPark() {
        PARKS.setOpaque(this, parks + 1);
    }

    /** Any thread: parks so far, possibly slightly stale. */
    public long lvParks() {
        return (long) PARKS.getOpaque(this);
    }

    /** Owner thread: the worker is about to poll the attached poller (the I/O driver's selector). */
    public void onPoll() {
        POLLS.setOpaque(this, polls + 1);
    }

    /** Any thread: polls so far, possibly slightly stale. */
    public long lvPolls() {
        return (long) POLLS.getOpaque(this);
    }

    /**
     * Watchdog thread: the handled count {@code handled} has not moved since {@code sinceNanos}
     * ({@link System#nanoTime()}), so the current handler has run at least that long.
     */
    public void soSeenSince(long handled, long sinceNanos) {
        SEEN_SINCE_NANOS.setOpaque(this, sinceNanos);
        SEEN_HANDLED.setRelease(this, handled);
    }

    /**
     * Any thread: since when (a {@link System#nanoTime()} value) the handler running now has run,
     * as far as the watchdog saw; or {@code Long.MIN_VALUE} if it has not seen this handler yet
     * (it started less than one watchdog period ago).
     */
    public long lvHandlerSinceNanos() {
        final long seen = (long) SEEN_HANDLED.getAcquire(this);
        return seen == lvHandled() ? (long) SEEN_SINCE_NANOS.getOpaque(this) : Long.MIN_VALUE;
    }

    /** Owner thread: the span of the message being handled, or null. */
    public Object span() {
        return span;
    }

    /** Owner thread: sets the span of the message being handled (null: none). */
    public void setSpan(Object span) {
        this.span = span;
    }

    /** Implemented by dispatcher threads. */
    public interface ProbeHolder {
        /** This thread's probe. */
        ActivationProbe probe();
    }

    private static final VarHandle CURRENT;
    private static final VarHandle HANDLED;
    private static final VarHandle ACTIVATIONS;
    private static final VarHandle STEALS;
    private static final VarHandle PARKS;
    private static final VarHandle POLLS;
    private static final VarHandle SEEN_HANDLED;
    private static final VarHandle SEEN_SINCE_NANOS;

    static {
        try {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            CURRENT = lookup.findVarHandle(ActivationProbe.class, "current", Object.class);
            HANDLED = lookup.findVarHandle(ActivationProbe.class, "handled", long.class);
            ACTIVATIONS = lookup.findVarHandle(ActivationProbe.class, "activations", long.class);
            STEALS = lookup.findVarHandle(ActivationProbe.class, "steals", long.class);
            PARKS = lookup.findVarHandle(ActivationProbe.class, "parks", long.class);
            POLLS = lookup.findVarHandle(ActivationProbe.class, "polls", long.class);
            SEEN_HANDLED = lookup.findVarHandle(ActivationProbe.class, "seenHandled", long.class);
            SEEN_SINCE_NANOS = lookup.findVarHandle(ActivationProbe.class, "seenSinceNanos", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
