package io.troupe.remote.internal;

import java.util.concurrent.locks.LockSupport;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

/**
 * A backoff (yield, then park 1 us doubling to {@code maxParkNanos}) while work is recent,
 * then, after {@code deepAfterNanos} without any {@link #activity()}, parks {@code deepParkNanos}
 * at a time: an
 * idle node wakes a few hundred times a second instead of a thousand, and the price is paid only
 * by the first message after a silence (it may wait up to one deep park at each polling thread).
 * Two kinds of work: any work ({@link #idle(int)} with a count above 0) resets the backoff;
 * only {@link #activity()} (messages or frames moved) resets the clock of the deep parks, so the
 * embedded driver's periodic work (heartbeats, status messages, timer checks) run on the same
 * thread does not keep an idle node out of them. Used by the node's thread; one instance per
 * thread, called by it only.
 */
public final class DeepeningIdleStrategy implements IdleStrategy {
    /**
     * The backoff's spins and yields before it parks (system properties, for measurements). No
     * spins: an idle poll of the driver or the node is a syscall or a queue probe, and spinning
     * on it takes a core from the workers and the other node's threads; a yield gives it away.
     * Measured (RemotePingPongBenchmark, 2 cores, 8 pairs): Aeron's default 10 spins gave 24,474
     * round trips/s, no spins 34,527 (20 yields), 38,638 in a two-fork rerun; 1 pair 5,356 against
     * 9,187..10,357. Fewer yields (0 or 4) fall into the parks sooner, and a 1 us park
     * sleeps ~60 us: 2,331..2,745 at 1 pair.
     */
    private static final int SPINS = Integer.getInteger("troupe.remote.idleSpins", 0);
    private static final int YIELDS = Integer.getInteger("troupe.remote.idleYields", 20);
    private final BackoffIdleStrategy backoff;
    private final long deepAfterNanos;
    private final long deepParkNanos;
    private final java.util.function.LongSupplier clock;
    private final java.util.function.LongConsumer deepParker;
    private long idleSinceNanos;
    /** Deep parks so far: written by the owner thread only, read by tests (volatile: one writer). */
    private volatile long deepParks;

    /**
     * @param maxParkNanos the backoff's longest park
     * @param deepAfterNanos idleness after which parks deepen; {@code Long.MAX_VALUE} never
     * @param deepParkNanos the deep park
     */
    public DeepeningIdleStrategy(long maxParkNanos, long deepAfterNanos, long deepParkNanos) {
        this(maxParkNanos, deepAfterNanos, deepParkNanos, System::nanoTime, LockSupport::parkNanos);
    }

    /** Tests: a manual clock, and a parker that records the deep parks. */
    DeepeningIdleStrategy(long maxParkNanos, long deepAfterNanos, long deepParkNanos,
            java.util.function.LongSupplier clock, java.util.function.LongConsumer deepParker) {
        this.backoff = new BackoffIdleStrategy(SPINS, YIELDS, 1_000, maxParkNanos);
        this.deepAfterNanos = deepAfterNanos;
        this.deepParkNanos = deepParkNanos;
        this.clock = clock;
        this.deepParker = deepParker;
    }

    @Override
    public void idle(int workCount) {
        if (workCount > 0) {
            backoff.reset();
        } else {
            idle();
        }
    }

    /**
     * How many deep parks the owner thread has taken. Any thread; for tests and diagnostics.
     *
     * @return the count so far
     */
    public long deepParks() {
        return deepParks;
    }

    /** Messages or frames moved in this turn: the deep parks wait for another silence. */
    public void activity() {
        idleSinceNanos = 0;
    }

    @Override
    public void idle() {
        final long now = clock.getAsLong();
        if (idleSinceNanos == 0) {
            idleSinceNanos = now;
        }
        if (now - idleSinceNanos >= deepAfterNanos) {
            deepParks++; // one writer
            deepParker.accept(deepParkNanos);
        } else {
            backoff.idle();
        }
    }

    @Override
    public void reset() {
        idleSinceNanos = 0;
        backoff.reset();
    }

    @Override
    public String alias() {
        return "deepening-backoff";
    }
}
