package io.troupe.services.internal;

import io.troupe.timers.Cancellable;
import io.troupe.timers.Clock;
import io.troupe.timers.Scheduler;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * One layer's deadlines without a timer per call: calls that are still pending are pushed onto a
 * lock-free stack (one compare-and-set on the calling thread: no clock reading, no timer, no
 * wake-up), and one recurring sweep on the scheduler, running only while some call is tracked,
 * stamps their start, and calls {@link Node#onDue()} on each call still pending once the layer's
 * delay has passed since its start. Completed calls are dropped lazily. Thread safe; used by the
 * timeout layer (delay: the timeout), the fused timeout/retry/limit call and the hedge layer
 * (delay: the current latency percentile).
 *
 * <p>Timing is coarse: a call is never due before the delay has passed since it was
 * {@linkplain #add added}, and is found due at most one sweep interval
 * ({@link #sweepNanos(long)}: a tenth of the delay, between 1 ms and 10 ms, never more than the
 * delay) after that, plus the scheduler's own latency. The first call into an idle sweep reads
 * the clock itself, so its deadline is exact.
 */
public final class DeadlineSweep {
    /*
     * Threading protocol
     *   Any thread adds. add() pushes the node onto `arrivals`, a Treiber stack (one CAS), and
     *   does nothing more. A node that completes stays where it is (lazy cancellation).
     *   A sweep, a task on the scheduler, owns everything else. Sweeps run one at a time while
     *   nodes are tracked: each schedules the next, sweepNanos later or when the head is due if
     *   that comes first. A sweep takes all arrivals at once (xchg), reads the clock, stamps each
     *   arrival still pending with start = now (it was added before the xchg, so before now: it is
     *   never due early) and appends it to `waiting`, a linked list in start order (one pass over
     *   the batch, which is newest first: all of it gets the same start, so its order does not
     *   matter, except for a node stamped exactly by its adder, which goes to the head); then it calls
     *   onDue on the nodes at the head whose start + delay has passed (at most EXPIRE_LIMIT per
     *   sweep), dropping completed ones on the way, and every time the list has doubled since its
     *   last compaction it unlinks all the completed ones. The delay is read once per sweep, so a
     *   delay that changes (the hedge's percentile) applies to every node alike and the list
     *   stays in due order.
     *   The first node into an idle sweep reads the clock itself, so that its start is exact
     *   (a ManualClock test sees a single call fail exactly at its timeout).
     *
     * Arming (`armed`)
     *   IDLE  -> ARMED   // an adder that pushed and then read IDLE wins the CAS: schedules a sweep
     *   ARMED -> ARMED   // a sweep schedules the next one
     *   ARMED -> IDLE    // a sweep that found nothing waiting and no arrival
     *   Dekker's pattern: an adder pushes (a CAS: a full fence), then reads `armed`; a sweep that
     *   disarms writes IDLE, fences, then reads `arrivals`, and re-arms (CAS) if it finds one.
     *   Either the adder sees IDLE or the sweep sees the arrival (both may try: the CAS settles
     *   it), so no arrival is ever left without a sweep scheduled.
     *
     * Invariants
     *   At most one sweep is scheduled or running: only the winner of IDLE -> ARMED schedules
     *   one, and a sweep schedules its successor only while it holds ARMED. `waiting` and the
     *   plain fields below it are touched only by the holder of ARMED.
     *   `waiting` is empty whenever the sweep is IDLE.
     *   `waiting` is in nondecreasing start order, except for a first node (exact start) that
     *   raced with another adder arming the sweep: it may sit behind nodes started up to one
     *   interval later, and is then found due that much later (still never early).
     *   Each node is handed to onDue at most once (it is unlinked first), and only while not done.
     *   Memory: completed nodes are unlinked at the latest when the list doubles, so `waiting`
     *   holds at most about twice the nodes pending, plus what arrived since the last sweep.
     *
     * Memory ordering
     *   A node's fields (`next`, `startNanos`, `stamped`) are written before the push CAS
     *   (release) and read after the sweep's xchg (acquire). The scheduler orders one sweep
     *   before the next ("actions before schedule happen-before the task"); the CAS on `armed`
     *   orders a disarming sweep before the next arming adder's sweep.
     *
     * Shutdown
     *   Nothing to stop: with no node tracked, no sweep is scheduled and the scheduler holds no
     *   reference to the layer. If the scheduler is closed, no sweep can come: a sweep that finds
     *   it closed when it schedules its successor, or the next add after close cancelled the
     *   scheduled sweep (an adder checks `current`'s timer: three volatile reads), hands every
     *   tracked node to onSchedulerClosed, and later adds do the same at once. The adder that
     *   wins the CAS of `current` from the dead sweep to null takes ARMED over (no sweep can run
     *   then).
     *
     * References
     *   Tower's timeout::Timeout; Varghese and Lauck's timing wheels (the coarse, lazily
     *   cancelled bucket); Netty's HashedWheelTimer, which also takes new timeouts in batches.
     */

    /** No sweep is scheduled. */
    static final int IDLE = 0;
    /** A sweep is scheduled or running. */
    static final int ARMED = 1;
    /** Nodes found due per sweep before the sweep yields (the next one runs at once). */
    static final int EXPIRE_LIMIT = 4096;
    /** The smallest list that is compacted. */
    static final int COMPACT_MIN = 1024;
    /** Delays longer than this (about 73 years) are treated as this, so deadlines cannot wrap. */
    public static final long MAX_DELAY_NANOS = Long.MAX_VALUE / 4;

    /**
     * A call tracked by a sweep: its outer future, and a node of the sweep's lists. A node is
     * added to one sweep at most once.
     *
     * @param <T> the result type
     */
    public abstract static class Node<T> extends CompletableFuture<T> {
        /** The next node: in `arrivals` the one pushed before, in `waiting` the one due after. */
        Node<?> next;
        /** When the delay started (clock nanoseconds); set by the first adder or by a sweep. */
        long startNanos;
        /** Whether startNanos was set by the adder (the first node into an idle sweep). */
        boolean stamped;

        /** Creates a node, not yet added to a sweep. */
        protected Node() {
        }

        /**
         * The delay has passed and this call is not done. Runs on the sweep's thread (the
         * scheduler's task executor), at most once per node.
         */
        protected abstract void onDue();

        /**
         * The scheduler is closed, so this call will never be found due. Runs on the thread that
         * found out (a sweep, or an adder).
         *
         * @param closed what to fail the call with, if it fails
         */
        protected abstract void onSchedulerClosed(IllegalStateException closed);
    }

    private final Scheduler scheduler;
    private final Clock clock;
    private final LongSupplier delayNanos;
    private final Object owner;

    /** Nodes not yet seen by a sweep, newest first; via ARRIVALS. */
    private volatile Node<?> arrivals;
    /** IDLE or ARMED; via ARMED_STATE. */
    private volatile int armed;
    /** The sweep last scheduled (written by the holder of ARMED before it schedules); via CURRENT. */
    private volatile Sweep current;

    // Owned by the holder of ARMED.
    private Node<?> waitingHead;
    private Node<?> waitingTail;
    private int waitingCount;
    private int compactAt = COMPACT_MIN;

    /**
     * Creates an idle sweep.
     *
     * @param scheduler runs the sweeps and provides the clock
     * @param delayNanos the delay after which a node is due; read once per sweep and by the first
     *     adder into an idle sweep (to schedule); must be zero or more whenever a node is tracked,
     *     and at most {@link #MAX_DELAY_NANOS}
     * @param owner named in the exception of a closed scheduler
     */
    public DeadlineSweep(Scheduler scheduler, LongSupplier delayNanos, Object owner) {
        this.scheduler = scheduler;
        this.clock = scheduler.clock();
        this.delayNanos = delayNanos;
        this.owner = owner;
    }

    /**
     * The sweep interval for a delay: a tenth of it, between 1 ms and 10 ms, and never more than
     * the delay itself. A node is found due at most this much after its delay.
     *
     * @param delayNanos the delay, zero or more
     * @return the interval in nanoseconds
     */
    public static long sweepNanos(long delayNanos) {
        final long tenth = Math.max(1_000_000L, Math.min(10_000_000L, delayNanos / 10));
        return Math.min(tenth, delayNanos);
    }

    /**
     * Tracks {@code node} from now on. Any thread; one compare-and-set and three volatile reads;
     * reads the clock and schedules a sweep only when the sweep was idle. The node must not have
     * been added before.
     *
     * @param node the call
     */
    public void add(Node<?> node) {
        if (armed == IDLE) {
            stampExactly(node);
        }
        Node<?> head;
        do {
            head = arrivals;
            node.next = head;
        } while (!ARRIVALS.compareAndSet(this, head, node));
        if (armed == IDLE) {
            arm(); // rare: the sweep was idle
        } else {
            final Sweep sweep = current;
            if (sweep != null && sweep.isCancelled()) {
                recover(sweep); // rare: the scheduler was closed with a sweep scheduled
            }
        }
    }

    // Rare branch kept out of add: the first node into an idle sweep.
    private void stampExactly(Node<?> node) {
        node.startNanos = clock.nanoTime();
        node.stamped = true;
    }

    // Rare branch kept out of add.
    private void arm() {
        if (ARMED_STATE.compareAndSet(this, IDLE, ARMED)) {
            schedule(sweepNanos(delay()));
        }
    }

    private long delay() {
        return Math.min(MAX_DELAY_NANOS, Math.max(0, delayNanos.getAsLong()));
    }

    /** Schedules the next sweep; the caller holds ARMED. */
    private void schedule(long delayNanos) {
        final Sweep sweep = new Sweep(this);
        current = sweep;
        try {
            sweep.timer = scheduler.scheduleOnce(Duration.ofNanos(delayNanos), sweep);
        } catch (IllegalStateException closed) {
            failEverything(closed);
        }
    }

    /**
     * The scheduler was closed while {@code sweep} was scheduled: no sweep will run. The caller
     * that clears `current` takes ARMED over from the dead sweep and hands every node over.
     */
    private void recover(Sweep sweep) {
        if (CURRENT.compareAndSet(this, sweep, null)) {
            failEverything(new IllegalStateException("the scheduler of " + owner + " is closed"));
        }
    }

    /** One sweep; the scheduler runs it, one at a time. */
    private void sweep() {
        final Node<?> batch = (Node<?>) ARRIVALS.getAndSet(this, null);
        final long now = clock.nanoTime();
        final long delay = delay();
        append(batch, now);
        final int expired = expire(now, delay);
        if (waitingCount >= compactAt) {
            compact();
        }
        final Node<?> head = waitingHead;
        if (head != null) {
            final long next = expired == EXPIRE_LIMIT ? 0 : Math.min(sweepNanos(delay), head.startNanos + delay - now);
            schedule(Math.max(0, next));
        } else {
            disarm();
        }
    }

    /**
     * Appends the arrivals still pending to `waiting`, stamping their start, in one pass over the
     * batch (each node is read once: at a high call rate most are done and out of the cache).
     * Every unstamped arrival gets the same start, so their order does not matter; a stamped one
     * (exact start, earlier) goes to the head when it is due no later than the head.
     */
    private void append(Node<?> batch, long now) {
        Node<?> p = batch;
        while (p != null) {
            final Node<?> next = p.next;
            p.next = null;
            if (!p.isDone()) {
                if (!p.stamped) {
                    p.startNanos = now;
                    link(p);
                } else {
                    linkStamped(p);
                }
            }
            p = next;
        }
    }

    /** Links a node with an exact start: at the head if it starts no later than the head. */
    private void linkStamped(Node<?> p) {
        final Node<?> head = waitingHead;
        if (head == null || p.startNanos - head.startNanos > 0) {
            link(p);
        } else {
            p.next = head;
            waitingHead = p;
            waitingCount++;
        }
    }

    /** Appends a node to the tail of `waiting`. */
    private void link(Node<?> p) {
        if (waitingTail == null) {
            waitingHead = p;
        } else {
            waitingTail.next = p;
        }
        waitingTail = p;
        waitingCount++;
    }

    /** Hands the due nodes at the head of `waiting` to onDue; drops completed ones. Returns how many were due. */
    private int expire(long now, long delay) {
        int expired = 0;
        Node<?> p = waitingHead;
        while (p != null && expired < EXPIRE_LIMIT) {
            final boolean done = p.isDone();
            if (!done && now - p.startNanos - delay < 0) {
                break;
            }
            final Node<?> next = p.next;
            p.next = null;
            waitingCount--;
            if (!done) {
                expired++;
                p.onDue();
            }
            p = next;
        }
        waitingHead = p;
        if (p == null) {
            waitingTail = null;
        }
        return expired;
    }

    /** Unlinks every completed node from `waiting`. */
    private void compact() {
        Node<?> p = waitingHead;
        waitingHead = null;
        waitingTail = null;
        waitingCount = 0;
        while (p != null) {
            final Node<?> next = p.next;
            p.next = null;
            if (!p.isDone()) {
                link(p);
            }
            p = next;
        }
        compactAt = Math.max(COMPACT_MIN, 2 * waitingCount);
    }

    private void disarm() {
        ARMED_STATE.setVolatile(this, IDLE);
        VarHandle.fullFence(); // Dekker with add: the store above before the read below
        if (arrivals != null && ARMED_STATE.compareAndSet(this, IDLE, ARMED)) {
            schedule(sweepNanos(delay()));
        }
    }

    /**
     * The scheduler is closed: no sweep will come, so every node tracked here is handed to
     * onSchedulerClosed, and so will later ones be (each re-arms and finds it closed again). The
     * caller holds ARMED.
     */
    private void failEverything(IllegalStateException closed) {
        do {
            final Node<?> waiting = waitingHead;
            waitingHead = null;
            waitingTail = null;
            waitingCount = 0;
            failAll(waiting, closed);
            failAll((Node<?>) ARRIVALS.getAndSet(this, null), closed);
            ARMED_STATE.setVolatile(this, IDLE);
            VarHandle.fullFence();
        } while (arrivals != null && ARMED_STATE.compareAndSet(this, IDLE, ARMED));
    }

    /** Hands every node of a list linked through `next` to onSchedulerClosed, unlinking it. */
    private static void failAll(Node<?> list, IllegalStateException closed) {
        Node<?> p = list;
        while (p != null) {
            final Node<?> next = p.next;
            p.next = null;
            p.onSchedulerClosed(closed);
            p = next;
        }
    }

    /**
     * The nodes in the deadline list as of the last sweep: pending ones, and completed ones not
     * yet dropped; 0 when no sweep is scheduled. A racy read, for tests and diagnostics.
     *
     * @return the nodes tracked
     */
    public int trackedCalls() {
        return armed == IDLE ? 0 : waitingCount;
    }

    /**
     * Tells whether a sweep is scheduled or running (some node may be pending). Any thread.
     *
     * @return whether the sweep is armed
     */
    public boolean isArmed() {
        return armed != IDLE;
    }

    /** A scheduled sweep: the task, and its timer (to see that the scheduler cancelled it). */
    private static final class Sweep implements Runnable {
        private final DeadlineSweep owner;
        /** Set right after scheduling; cancelled only when the scheduler closes. */
        volatile Cancellable timer;

        Sweep(DeadlineSweep owner) {
            this.owner = owner;
        }

        @Override
        public void run() {
            owner.sweep();
        }

        boolean isCancelled() {
            final Cancellable t = timer;
            return t != null && t.isCancelled();
        }
    }

    private static final VarHandle ARRIVALS;
    private static final VarHandle ARMED_STATE;
    private static final VarHandle CURRENT;

    static {
        try {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            ARRIVALS = lookup.findVarHandle(DeadlineSweep.class, "arrivals", Node.class);
            ARMED_STATE = lookup.findVarHandle(DeadlineSweep.class, "armed", int.class);
            CURRENT = lookup.findVarHandle(DeadlineSweep.class, "current", Sweep.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
