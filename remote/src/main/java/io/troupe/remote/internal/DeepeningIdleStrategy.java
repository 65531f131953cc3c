package io.troupe.remote.internal;

import java.util.concurrent.locks.LockSupport;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

/**
 * Aeron's backoff (spin, yield, park 1 us doubling to {@code maxParkNanos}) while work is recent,
 * then, after {@code deepAfterNanos} without any work, parks {@code deepParkNanos} at a time: an
 * idle node wakes a few hundred times a second instead of a thousand, and the price is paid only
 * by the first message after a silence (it may wait up to one deep park at each polling thread).
 * Used by the node's thread and the embedded driver's shared thread; one instance per thread.
 */
public final class DeepeningIdleStrategy implements IdleStrategy {
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
        this.backoff = new BackoffIdleStrategy(10, 20, 1_000, maxParkNanos);
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
