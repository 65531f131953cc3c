package io.troupe.actors;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An actor's keyed timers and receive timeout. Only the actor's thread touches the map; the
 * timer thread only enqueues an entry as an internal message.
 */
final class TimerSupport<M> implements Timers<M> {
    /*
     * Threading protocol. Actor thread: start, cancel, onFire (via the mailbox). Timer thread:
     * fire(), which only enqueues the entry itself as a message.
     * Invariants. `timers.get(key)` is the only live entry for a key; an entry that is not the
     * live one is discarded when its message arrives (cancelled or replaced timers never
     * reach receive). A fixed-rate entry has at most one message in the mailbox (inFlight).
     * Memory ordering. The mailbox orders fire() before onFire(); `handle` is volatile because
     * the actor thread cancels what the timer thread may be re-arming (fixed delay re-arms on
     * the actor thread, so only the first arm races, and cancel re-reads it).
     * Shutdown. cancelAllTimers() at termination; later starts throw.
     * References. Pekko's TimerSchedulerImpl (generation check on receipt).
     */
    private static final int SINGLE = 0;
    private static final int FIXED_DELAY = 1;
    private static final int FIXED_RATE = 2;
    private static final Object RECEIVE_TIMEOUT = new Object() {
        @Override
        public String toString() {
            return "receive-timeout";
        }
    };

    private final ActorCell<M> cell;
    private final HashMap<Object, Entry> timers = new HashMap<>(4);
    private Entry receiveTimeout;

    TimerSupport(ActorCell<M> cell) {
        this.cell = cell;
    }

    @Override
    public void startSingleTimer(Object key, M message, Duration delay) {
        start(key, message, delay, SINGLE);
    }

    @Override
    public void startTimerWithFixedDelay(Object key, M message, Duration delay) {
        start(key, message, positive(delay, "delay"), FIXED_DELAY);
    }

    @Override
    public void startTimerAtFixedRate(Object key, M message, Duration interval) {
        start(key, message, positive(interval, "interval"), FIXED_RATE);
    }

    @Override
    public boolean isTimerActive(Object key) {
        return timers.containsKey(Objects.requireNonNull(key, "key"));
    }

    @Override
    public boolean cancel(Object key) {
        final Entry e = timers.remove(Objects.requireNonNull(key, "key"));
        if (e == null) {
            return false;
        }
        e.cancelHandle();
        return true;
    }

    @Override
    public void cancelAll() {
        for (Entry e : new ArrayList<>(timers.values())) {
            e.cancelHandle();
        }
        timers.clear();
    }

    void setReceiveTimeout(Duration timeout, M message) {
        Objects.requireNonNull(message, "message");
        final long nanos = TimerService.clampedNanos(positive(timeout, "timeout"));
        checkAlive();
        cancelReceiveTimeout();
        receiveTimeout = new Entry(RECEIVE_TIMEOUT, message, nanos, SINGLE);
        receiveTimeout.arm(nanos);
    }

    void cancelReceiveTimeout() {
        final Entry e = receiveTimeout;
        if (e != null) {
            receiveTimeout = null;
            e.cancelHandle();
        }
    }

    /** Every handled message restarts the receive timeout's countdown. */
    void onMessageHandled() {
        final Entry e = receiveTimeout;
        if (e != null) {
            e.cancelHandle();
            receiveTimeout = new Entry(RECEIVE_TIMEOUT, e.message, e.periodNanos, SINGLE);
            receiveTimeout.arm(e.periodNanos);
        }
    }

    void cancelAllTimers() {
        cancelAll();
        cancelReceiveTimeout();
    }

    private void start(Object key, M message, Duration delay, int kind) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(delay, "delay");
        checkAlive();
        final long nanos = TimerService.clampedNanos(delay);
        final Entry entry = new Entry(key, message, nanos, kind);
        final Entry old = timers.put(key, entry);
        if (old != null) {
            old.cancelHandle();
        }
        entry.arm(nanos);
    }

    private void checkAlive() {
        if (cell.isTerminated() || cell.lifecycleForDiagnostics() == ActorCell.TERMINATED) {
            throw new IllegalStateException("timers of " + cell.path() + " cannot start: the actor has stopped");
        }
    }

    private static Duration positive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + d);
        }
        return d;
    }

    /** Runs on the actor's thread when an entry's message comes out of the mailbox. */
    private void onFire(Entry entry) {
        if (entry.key == RECEIVE_TIMEOUT) {
            if (receiveTimeout != entry) {
                return; // reset or cancelled since it was sent
            }
            cell.handleAdapted(entry.message, entry.span); // re-arms through onMessageHandled
            return;
        }
        if (timers.get(entry.key) != entry) {
            return; // cancelled or replaced: discarded on receipt
        }
        switch (entry.kind) {
            case SINGLE -> timers.remove(entry.key);
            case FIXED_DELAY -> entry.arm(entry.periodNanos);
            default -> entry.inFlight.set(false);
        }
        cell.handleAdapted(entry.message, entry.span);
    }

    /** A timer, and the message its firing enqueues. */
    private final class Entry extends InternalMessage implements Runnable {
        final Object key;
        final M message;
        final long periodNanos;
        final int kind;
        final AtomicBoolean inFlight = new AtomicBoolean();
        volatile TimerService.Handle handle;
        volatile boolean cancelled;
        /** The span that started this timer (tracing on), or null: its firings are children of it. */
        final TraceSpan span = TraceSpan.currentIfTracing();

        Entry(Object key, M message, long periodNanos, int kind) {
            this.key = key;
            this.message = message;
            this.periodNanos = periodNanos;
            this.kind = kind;
        }

        void arm(long delayNanos) {
            final TimerService ts = cell.system.timerService();
            handle = kind == FIXED_RATE
                    ? ts.scheduleAtFixedRate(delayNanos, periodNanos, this)
                    : ts.schedule(delayNanos, this);
            if (cancelled) {
                handle.cancel();
            }
        }

        void cancelHandle() {
            cancelled = true;
            final TimerService.Handle h = handle;
            if (h != null) {
                h.cancel();
            }
        }

        /** Timer thread: enqueue this entry; a fixed-rate tick is skipped while one waits. */
        @Override
        public void run() {
            if (cancelled) {
                return;
            }
            if (kind == FIXED_RATE && !inFlight.compareAndSet(false, true)) {
                return; // missed tick skipped: the previous one is still in the mailbox
            }
            cell.tellInternal(this);
        }

        @Override
        void deliver(ActorCell<?> c) {
            onFire(this);
        }

        @Override
        Object payload() {
            return message;
        }
    }
}
