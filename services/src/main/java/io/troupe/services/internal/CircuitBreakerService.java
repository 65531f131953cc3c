package io.troupe.services.internal;

import io.troupe.services.CircuitBreakerSettings;
import io.troupe.services.CircuitOpenException;
import io.troupe.services.Service;
import io.troupe.timers.Clock;
import io.troupe.timers.Scheduler;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;

/**
 * The circuit-breaker layer (closed, open, half-open), judging failure and slow-call rates over a
 * tumbling window of calls; see {@link CircuitBreakerSettings}. Thread safe and lock-free: a call
 * costs two clock readings, one volatile read and one compare-and-set on the window; only state
 * changes allocate.
 */
public final class CircuitBreakerService<Req, Res> implements Service<Req, Res> {
    /*
     * Threading protocol. Any thread calls; outcomes are recorded on the thread that completes the
     * inner stage. The state is an immutable-header Phase object swapped by CAS on `phase`: a
     * transition is one successful CAS, so exactly one thread makes it. Each phase has its own
     * window (calls, failures, slow packed into one AtomicLong, 21 bits each) and, half-open,
     * its own trial permits. A call records its outcome into the phase that admitted it, so
     * outcomes of calls admitted before a transition never count in the next phase.
     *
     * States and transitions:
     *   CLOSED    -> OPEN       // a record finds >= minimumCalls and a rate over its threshold
     *   OPEN      -> HALF_OPEN  // a call or isReady() after openDuration
     *   HALF_OPEN -> CLOSED     // halfOpenCalls outcomes recorded, rates under the thresholds
     *   HALF_OPEN -> OPEN       // halfOpenCalls outcomes recorded, a rate over a threshold
     * A CLOSED window that reaches windowCalls starts afresh (tumbling) in the same CAS.
     *
     * Invariants. Half-open admits at most halfOpenCalls calls. Open admits none.
     * Memory ordering. `phase` is an AtomicReference: a thread that sees a phase sees its fields.
     * References. resilience4j CircuitBreakerStateMachine (count-based sliding window); Pekko's
     * CircuitBreaker. Tower has none.
     */

    /** The breaker's states. */
    public enum State {
        /** Calls pass; outcomes are counted. */
        CLOSED,
        /** Calls are refused until the open duration is over. */
        OPEN,
        /** A few trial calls pass; their outcomes decide. */
        HALF_OPEN
    }

    private static final int BITS = 21;
    private static final long MASK = (1L << BITS) - 1;
    private static final long ONE_CALL = 1L;
    private static final long ONE_FAILURE = 1L << BITS;
    private static final long ONE_SLOW = 1L << (2 * BITS);

    private final Service<Req, Res> inner;
    private final Clock clock;
    private final Scheduler scheduler;
    private final CircuitBreakerSettings settings;
    private final long slowNanos;
    private final long openNanos;
    private final AtomicReference<Phase> phase;
    private final CircuitOpenException open;

    /** One state, entered at `sinceNanos`, with its own window and permits. */
    private static final class Phase {
        final State state;
        final long sinceNanos;
        final AtomicLong window = new AtomicLong();
        final AtomicInteger permits;
        final CompletableFuture<Void> left = new CompletableFuture<>();

        Phase(State state, long sinceNanos, int permits) {
            this.state = state;
            this.sinceNanos = sinceNanos;
            this.permits = state == State.HALF_OPEN ? new AtomicInteger(permits) : null;
        }
    }

    public CircuitBreakerService(Service<Req, Res> inner, Scheduler scheduler, CircuitBreakerSettings settings) {
        this.inner = inner;
        this.scheduler = scheduler;
        this.clock = scheduler.clock();
        this.settings = settings;
        this.slowNanos = settings.slowCallDuration().toNanos();
        this.openNanos = settings.openDuration().toNanos();
        this.phase = new AtomicReference<>(new Phase(State.CLOSED, clock.nanoTime(), 0));
        this.open = new CircuitOpenException("circuit open: too many failed or slow calls (" + settings + ")");
    }

    /** The current state (moving from open to half-open first if the open duration is over). Any thread. */
    public State state() {
        return admittable(clock.nanoTime()).state;
    }

    @Override
    public CompletionStage<Res> call(Req request) {
        final long start = clock.nanoTime();
        final Phase p = admittable(start);
        if (p.state == State.OPEN || (p.state == State.HALF_OPEN && p.permits.getAndDecrement() <= 0)) {
            return CompletableFuture.failedFuture(open);
        }
        final CompletionStage<Res> stage = Calls.call(inner, request);
        final CompletableFuture<Res> f = Calls.doneNow(stage);
        if (f != null) {
            record(p, start, f.isCompletedExceptionally());
            return stage;
        }
        stage.whenComplete(new Recorder(p, start));
        return stage;
    }

    /** The phase to admit a call under: the current one, or half-open if an open one expired. */
    private Phase admittable(long now) {
        final Phase p = phase.get();
        if (p.state != State.OPEN || now - p.sinceNanos < openNanos) {
            return p;
        }
        return transition(p, State.HALF_OPEN, now);
    }

    private Phase transition(Phase from, State to, long now) {
        final Phase next = new Phase(to, now, settings.halfOpenCalls());
        if (phase.compareAndSet(from, next)) {
            from.left.complete(null);
            return next;
        }
        return phase.get();
    }

    private void record(Phase p, long start, boolean failed) {
        final long end = clock.nanoTime();
        final long delta = ONE_CALL + (failed ? ONE_FAILURE : 0) + (end - start >= slowNanos ? ONE_SLOW : 0);
        final int limit = p.state == State.HALF_OPEN ? settings.halfOpenCalls() : settings.windowCalls();
        for (;;) {
            final long cur = p.window.get();
            final long next = cur + delta;
            final long calls = next & MASK;
            if (calls > limit) {
                return; // half-open, all trial outcomes already judged (a late outcome)
            }
            final boolean full = calls == limit;
            if (!p.window.compareAndSet(cur, full && p.state == State.CLOSED ? 0 : next)) {
                continue;
            }
            if (p.state == State.CLOSED) {
                if (calls >= settings.minimumCalls() && overThreshold(next)) {
                    transition(p, State.OPEN, end);
                }
            } else if (p.state == State.HALF_OPEN && full) {
                transition(p, overThreshold(next) ? State.OPEN : State.CLOSED, end);
            }
            return;
        }
    }

    private boolean overThreshold(long counts) {
        final long calls = counts & MASK;
        final long failures = (counts >>> BITS) & MASK;
        final long slow = (counts >>> (2 * BITS)) & MASK;
        return failures * 100 >= settings.failureRatePercent() * calls
                || slow * 100 >= settings.slowCallRatePercent() * calls;
    }

    @Override
    public boolean isReady() {
        final Phase p = admittable(clock.nanoTime());
        return (p.state == State.CLOSED || (p.state == State.HALF_OPEN && p.permits.get() > 0)) && inner.isReady();
    }

    @Override
    public CompletionStage<Void> ready() {
        final long now = clock.nanoTime();
        final Phase p = admittable(now);
        if (p.state == State.CLOSED || (p.state == State.HALF_OPEN && p.permits.get() > 0)) {
            return inner.ready();
        }
        if (p.state == State.OPEN) {
            final long wait = p.sinceNanos + openNanos - now;
            scheduler.scheduleOnce(Duration.ofNanos(Math.max(0, wait)), () -> admittable(clock.nanoTime()));
        }
        return p.left.thenCompose(ignored -> ready());
    }

    @Override
    public String toString() {
        return "CircuitBreaker[" + phase.get().state + "] -> " + inner;
    }

    /** Records the outcome of one call into the phase that admitted it. */
    private final class Recorder implements BiConsumer<Res, Throwable> {
        private final Phase p;
        private final long start;

        Recorder(Phase p, long start) {
            this.p = p;
            this.start = start;
        }

        @Override
        public void accept(Res value, Throwable failure) {
            record(p, start, failure != null);
        }
    }
}
