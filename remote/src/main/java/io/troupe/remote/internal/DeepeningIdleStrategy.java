package io.troupe.remote.internal;

import java.util.concurrent.locks.LockSupport;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

/**
 * A backoff (yield, then park 1 us doubling to {@code maxParkNanos}) while work is recent,
 * then, after {@code deepAfterNanos} without any work, parks {@code deepParkNanos} at a time: an
 * idle node wakes a few hundred times a second instead of a thousand, and the price is paid only
 * by the first message after a silence (it may wait up to one deep park at each polling thread).
 * Used by the node's thread and the embedded driver's shared thread; one instance per thread.
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
    private long idleSinceNanos;

    /**
     * @param maxParkNanos the backoff's longest park
     * @param deepAfterNanos idleness after which parks deepen; {@code Long.MAX_VALUE} never
     * @param deepParkNanos the deep park
     */
    public DeepeningIdleStrategy(long maxParkNanos, long deepAfterNanos, long deepParkNanos) {
        this.backoff = new BackoffIdleStrategy(SPINS, YIELDS, 1_000, maxParkNanos);
        this.deepAfterNanos = deepAfterNanos;
        this.deepParkNanos = deepParkNanos;
    }

    @Override
    public void idle(int workCount) {
        if (workCount > 0) {
            reset();
        } else {
            idle();
        }
    }

    @Override
    public void idle() {
        final long now = System.nanoTime();
        if (idleSinceNanos == 0) {
            idleSinceNanos = now;
        }
        if (now - idleSinceNanos >= deepAfterNanos) {
            LockSupport.parkNanos(deepParkNanos);
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
