package io.troupe.services.internal;

import io.troupe.services.Service;
import io.troupe.timers.Cancellable;
import io.troupe.timers.Clock;
import io.troupe.timers.Scheduler;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;

/**
 * The timeout layer: a call that has not completed within the timeout fails with
 * {@link TimeoutException}; the inner call's later result is ignored (and its stage cancelled
 * when it is a {@link CompletableFuture}). Thread safe; a call costs one future, one callback on
 * the inner stage and one compare-and-set, and touches neither the clock nor the timer thread.
 *
 * <p>Timing is coarse: a call never fails before {@code timeout} has passed since it was made,
 * and fails at most one sweep interval ({@link #sweepNanos(long)}: a tenth of the timeout, kept
 * between 1 ms and 10 ms, never more than the timeout) after that, plus the scheduler's own
 * latency. The first call into an idle layer gets its exact deadline.
 */
public final class TimeoutService<Req, Res> implements Service<Req, Res> {
    /*
     * Threading protocol
     *   Any thread calls. A call whose inner stage is not complete at once becomes a Pending: the
     *   outer future, the inner stage's callback and a node of this layer's deadline queue. The
     *   calling thread pushes it onto `arrivals`, a Treiber stack (one CAS), and does nothing
     *   more: no clock reading, no timer, no wake-up of another thread. A call that completes
     *   leaves its node where it is (lazy cancellation).
     *   A sweep, a task on the scheduler, owns everything else. Sweeps run one at a time while
     *   calls are pending: each schedules the next, sweepNanos later or at the earliest deadline
     *   if that comes first. A sweep takes all arrivals at once (xchg), reads the clock, gives
     *   each arrival still pending the deadline now + timeout (its call was made before the xchg,
     *   so before now: the deadline is never early) and appends it to `waiting`, a linked list in
     *   deadline order; then it fails the calls at the head whose deadline has passed (at most
     *   EXPIRE_LIMIT per sweep), dropping completed ones on the way, and every time the list has
     *   doubled since its last compaction it unlinks all the completed ones.
     *   The first call into an idle layer reads the clock itself, so that its deadline is exact
     *   (a ManualClock test sees a single call fail exactly at its timeout).
     *
     * Arming (`armed`)
     *   IDLE  -> ARMED   // a caller that pushed and then read IDLE wins the CAS: schedules a sweep
     *   ARMED -> ARMED   // a sweep schedules the next one
     *   ARMED -> IDLE    // a sweep that found nothing waiting and no arrival
     *   Dekker's pattern: a caller pushes (a CAS: a full fence), then reads `armed`; a sweep that
     *   disarms writes IDLE, fences, then reads `arrivals`, and re-arms (CAS) if it finds one.
     *   Either the caller sees IDLE or the sweep sees the arrival (both may try: the CAS settles
     *   it), so no arrival is ever left without a sweep scheduled.
     *
     * Invariants
     *   At most one sweep is scheduled or running: only the winner of IDLE -> ARMED schedules
     *   one, and a sweep schedules its successor only while it holds ARMED. `waiting` and the
     *   plain fields below it are touched only by the holder of ARMED.
     *   `waiting` is empty whenever the layer is IDLE.
     *   `waiting` is in nondecreasing deadline order, except for a first call (exact deadline)
     *   that raced with another caller arming the layer: it may sit behind entries due up to
     *   one interval later, and then fails that much later (still never early).
     *   Memory: completed calls are unlinked at the latest when the list doubles, so `waiting`
     *   holds at most about twice the calls pending, plus what arrived since the last sweep.
     *
     * Memory ordering
     *   A node's fields (`next`, `deadlineNanos`, `stamped`) are written before the push CAS
     *   (release) and read after the sweep's xchg (acquire). The scheduler orders one sweep
     *   before the next ("actions before schedule happen-before the task"); the CAS on `armed`
     *   orders a disarming sweep before the next arming caller's sweep.
     *
     * Shutdown
     *   Nothing to stop: with no call pending, no sweep is scheduled and the scheduler holds no
     *   reference to the layer. If the scheduler is closed, calls cannot time out any more: a
     *   sweep that finds it closed when it schedules its successor, or the next call after close
     *   cancelled the scheduled sweep (a caller checks `current`'s timer: three volatile reads),
     *   fails every pending call with an IllegalStateException, and later calls fail the same way
     *   at once, instead of waiting for a sweep that cannot come. The caller that wins the CAS
     *   of `current` from the dead sweep to null takes ARMED over (no sweep can run then).
     *
     * References
     *   Tower's timeout::Timeout; Varghese and Lauck's timing wheels (the coarse, lazily
     *   cancelled bucket); Netty's HashedWheelTimer, which also takes new timeouts in batches.
     */

    /** No sweep is scheduled. */
    static final int IDLE = 0;
    /** A sweep is scheduled or running. */
    static final int ARMED = 1;
    /** Calls failed per sweep before the sweep yields (the next one runs at once). */
    static final int EXPIRE_LIMIT = 4096;
    /** The smallest list that is compacted. */
    static final int COMPACT_MIN = 1024;
    /** Timeouts longer than this (about 73 years) are treated as this, so deadlines cannot wrap. */
    static final long MAX_TIMEOUT_NANOS = Long.MAX_VALUE / 4;

    private final Service<Req, Res> inner;
    private final Scheduler scheduler;
    private final Clock clock;
    private final Duration timeout;
    private final long timeoutNanos;
    private final long sweepNanos;

    /** Calls not yet seen by a sweep, newest first; via ARRIVALS. */
    private volatile Pending<Res> arrivals;
    /** IDLE or ARMED; via ARMED_STATE. */
    private volatile int armed;
    /** The sweep last scheduled (written by the holder of ARMED before it schedules); via CURRENT. */
    private volatile Sweep current;

    // Owned by the holder of ARMED.
    private Pending<Res> waitingHead;
    private Pending<Res> waitingTail;
    private int waitingCount;
    private int compactAt = COMPACT_MIN;

    public TimeoutService(Service<Req, Res> inner, Scheduler scheduler, Duration timeout) {
        this.inner = inner;
        this.scheduler = scheduler;
        this.clock = scheduler.clock();
        this.timeout = Checks.positive(timeout, "timeout");
        this.timeoutNanos = timeout.compareTo(Duration.ofNanos(MAX_TIMEOUT_NANOS)) > 0
                ? MAX_TIMEOUT_NANOS : timeout.toNanos();
        this.sweepNanos = sweepNanos(timeoutNanos);
    }

    /**
     * The sweep interval for a timeout: a tenth of it, between 1 ms and 10 ms, and never more than
     * the timeout itself. A call fails at most this much after its timeout.
     */
    static long sweepNanos(long timeoutNanos) {
        final long tenth = Math.max(1_000_000L, Math.min(10_000_000L, timeoutNanos / 10));
        return Math.min(tenth, timeoutNanos);
    }

    @Override
    public CompletionStage<Res> call(Req request) {
        final CompletionStage<Res> stage = Calls.call(inner, request);
        if (Calls.doneNow(stage) != null) {
            return stage; // fast path: a synchronous answer cannot time out
        }
        final Pending<Res> pending = new Pending<>(stage, timeout);
        stage.whenComplete(pending);
        if (!pending.isDone()) {
            enqueue(pending);
        }
        return pending;
    }

    private void enqueue(Pending<Res> pending) {
        if (armed == IDLE) {
            stampExactly(pending);
        }
        Pending<Res> head;
        do {
            head = arrivals;
            pending.next = head;
        } while (!ARRIVALS.compareAndSet(this, head, pending));
        if (armed == IDLE) {
            arm(); // rare: the layer was idle
        } else {
            final Sweep sweep = current;
            if (sweep != null && sweep.isCancelled()) {
                recover(sweep); // rare: the scheduler was closed with a sweep scheduled
            }
        }
    }

    // Rare branch kept out of enqueue: the first call into an idle layer.
    private void stampExactly(Pending<Res> pending) {
        pending.deadlineNanos = clock.nanoTime() + timeoutNanos;
        pending.stamped = true;
    }

    // Rare branch kept out of enqueue.
    private void arm() {
        if (ARMED_STATE.compareAndSet(this, IDLE, ARMED)) {
            schedule(Math.min(sweepNanos, timeoutNanos));
        }
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
     * that clears `current` takes ARMED over from the dead sweep and fails every pending call.
     */
    private void recover(Sweep sweep) {
        if (CURRENT.compareAndSet(this, sweep, null)) {
            failEverything(new IllegalStateException("the scheduler of " + this + " is closed"));
        }
    }

    /** One sweep; the scheduler runs it, one at a time. */
    @SuppressWarnings("unchecked")
    private void sweep() {
        final Pending<Res> batch = (Pending<Res>) ARRIVALS.getAndSet(this, null);
        final long now = clock.nanoTime();
        append(batch, now);
        final int expired = expire(now);
        if (waitingCount >= compactAt) {
            compact();
        }
        final Pending<Res> head = waitingHead;
        if (head != null) {
            final long delay = expired == EXPIRE_LIMIT ? 0 : Math.min(sweepNanos, head.deadlineNanos - now);
            schedule(Math.max(0, delay));
        } else {
            disarm();
        }
    }

    /** Appends the arrivals (newest first) to `waiting` in arrival order, stamping their deadlines. */
    private void append(Pending<Res> newestFirst, long now) {
        Pending<Res> oldestFirst = null;
        Pending<Res> p = newestFirst;
        while (p != null) {
            final Pending<Res> next = p.next;
            p.next = oldestFirst;
            oldestFirst = p;
            p = next;
        }
        final long deadline = now + timeoutNanos;
        p = oldestFirst;
        while (p != null) {
            final Pending<Res> next = p.next;
            p.next = null;
            if (!p.isDone()) {
                if (!p.stamped) {
                    p.deadlineNanos = deadline;
                }
                link(p);
            }
            p = next;
        }
    }

    /** Appends a call to the tail of `waiting`. */
    private void link(Pending<Res> p) {
        if (waitingTail == null) {
            waitingHead = p;
        } else {
            waitingTail.next = p;
        }
        waitingTail = p;
        waitingCount++;
    }

    /** Fails the due calls at the head of `waiting`; drops completed ones. Returns how many failed. */
    private int expire(long now) {
        int expired = 0;
        Pending<Res> p = waitingHead;
        while (p != null && expired < EXPIRE_LIMIT) {
            final boolean done = p.isDone();
            if (!done && now - p.deadlineNanos < 0) {
                break;
            }
            final Pending<Res> next = p.next;
            p.next = null;
            waitingCount--;
            if (!done) {
                expired++;
                p.timeOut();
            }
            p = next;
        }
        waitingHead = p;
        if (p == null) {
            waitingTail = null;
        }
        return expired;
    }

    /** Unlinks every completed call from `waiting`. */
    private void compact() {
        Pending<Res> p = waitingHead;
        waitingHead = null;
        waitingTail = null;
        waitingCount = 0;
        while (p != null) {
            final Pending<Res> next = p.next;
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
        VarHandle.fullFence(); // Dekker with enqueue: the store above before the read below
        if (arrivals != null && ARMED_STATE.compareAndSet(this, IDLE, ARMED)) {
            schedule(Math.min(sweepNanos, timeoutNanos));
        }
    }

    /**
     * The scheduler is closed: no sweep will come, so every call pending here fails with its
     * exception, and so will later ones (each re-arms and fails again). The caller holds ARMED.
     */
    @SuppressWarnings("unchecked")
    private void failEverything(IllegalStateException closed) {
        do {
            final Pending<Res> waiting = waitingHead;
            waitingHead = null;
            waitingTail = null;
            waitingCount = 0;
            failAll(waiting, closed);
            failAll((Pending<Res>) ARRIVALS.getAndSet(this, null), closed);
            ARMED_STATE.setVolatile(this, IDLE);
            VarHandle.fullFence();
        } while (arrivals != null && ARMED_STATE.compareAndSet(this, IDLE, ARMED));
    }

    /** Fails every call of a list linked through `next`, unlinking it. */
    private static void failAll(Pending<?> list, IllegalStateException closed) {
        Pending<?> p = list;
        while (p != null) {
            final Pending<?> next = p.next;
            p.next = null;
            p.completeExceptionally(closed);
            p = next;
        }
    }

    /**
     * The calls in this layer's deadline list as of its last sweep: pending ones, and completed
     * ones not yet dropped; 0 when no sweep is scheduled. A racy read, for tests and diagnostics.
     *
     * @return the calls tracked
     */
    public int trackedCalls() {
        return armed == IDLE ? 0 : waitingCount;
    }

    /**
     * Tells whether a sweep is scheduled or running (some call may be pending). Any thread.
     *
     * @return whether the layer is armed
     */
    public boolean isArmed() {
        return armed != IDLE;
    }

    @Override
    public boolean isReady() {
        return inner.isReady();
    }

    @Override
    public CompletionStage<Void> ready() {
        return inner.ready();
    }

    @Override
    public String toString() {
        return "Timeout[" + timeout + "] -> " + inner;
    }

    /** A scheduled sweep: the task, and its timer (to see that the scheduler cancelled it). */
    private static final class Sweep implements Runnable {
        private final TimeoutService<?, ?> owner;
        /** Set right after scheduling; cancelled only when the scheduler closes. */
        volatile Cancellable timer;

        Sweep(TimeoutService<?, ?> owner) {
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

    /** One call in flight: the outer future, the inner stage's callback, a node of the queue. */
    private static final class Pending<Res> extends CompletableFuture<Res> implements BiConsumer<Res, Throwable> {
        private final CompletionStage<Res> innerStage;
        private final Duration timeout;
        /** The next node: in `arrivals` the one pushed before, in `waiting` the one due after. */
        Pending<Res> next;
        /** When the call fails (clock nanoseconds); set by the first caller or by a sweep. */
        long deadlineNanos;
        /** Whether deadlineNanos was set by the caller (the first call into an idle layer). */
        boolean stamped;

        Pending(CompletionStage<Res> innerStage, Duration timeout) {
            this.innerStage = innerStage;
            this.timeout = timeout;
        }

        /** The deadline passed. Runs on the sweep's thread. */
        void timeOut() {
            if (completeExceptionally(new TimeoutException("call timed out after " + timeout))) {
                if (innerStage instanceof CompletableFuture<Res> f) {
                    try {
                        f.cancel(false);
                    } catch (UnsupportedOperationException minimalStage) {
                        // a minimal stage cannot be cancelled: its result will be ignored
                    }
                }
            }
        }

        /** The inner call completed: the first of this and timeOut wins. */
        @Override
        public void accept(Res value, Throwable failure) {
            if (failure == null) {
                complete(value);
            } else {
                completeExceptionally(Calls.unwrap(failure));
            }
        }
    }

    private static final VarHandle ARRIVALS;
    private static final VarHandle ARMED_STATE;
    private static final VarHandle CURRENT;

    static {
        try {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            ARRIVALS = lookup.findVarHandle(TimeoutService.class, "arrivals", Pending.class);
            ARMED_STATE = lookup.findVarHandle(TimeoutService.class, "armed", int.class);
            CURRENT = lookup.findVarHandle(TimeoutService.class, "current", Sweep.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
