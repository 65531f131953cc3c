package io.troupe.actors.internal.counters;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One 64-bit counter in a counters buffer (a slot of Agrona's counters layout). Thread safe:
 * {@link #increment()}, {@link #decrement()} and {@link #add(long)} are atomic adds from any
 * thread (a {@code LOCK XADD} on x86, so keep them off per-message paths); {@link #setRelease}
 * is for a single writer.
 */
public final class Counter {
    /*
     * Threading protocol: any thread adds; readers (this process or another mapping the file)
     * read with acquire or opaque loads.
     * Invariants: the slot is 8-byte aligned in a direct buffer (VarHandle atomics need it).
     * Memory ordering: getAndAdd is volatile; setRelease publishes what the writer did before.
     * Shutdown: the buffer outlives the system; see SystemCounters.close.
     * References: Agrona's AtomicCounter (same slot layout), done with VarHandles instead of Unsafe.
     */
    private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());

    private final ByteBuffer buffer;
    private final int offset;
    private final String label;

    Counter(ByteBuffer buffer, int offset, String label) {
        this.buffer = buffer;
        this.offset = offset;
        this.label = label;
    }

    /** Adds one. Any thread. */
    public void increment() {
        LONGS.getAndAdd(buffer, offset, 1L);
    }

    /** Subtracts one. Any thread. */
    public void decrement() {
        LONGS.getAndAdd(buffer, offset, -1L);
    }

    /**
     * Adds {@code delta}. Any thread.
     *
     * @param delta the amount
     */
    public void add(long delta) {
        LONGS.getAndAdd(buffer, offset, delta);
    }

    /**
     * Sets the value; for a counter with a single writer. Release store.
     *
     * @param value the value
     */
    public void setRelease(long value) {
        LONGS.setRelease(buffer, offset, value);
    }

    /**
     * The value. Any thread; acquire load.
     *
     * @return the value
     */
    public long get() {
        return (long) LONGS.getAcquire(buffer, offset);
    }

    /**
     * The counter's label.
     *
     * @return the label
     */
    public String label() {
        return label;
    }

    @Override
    public String toString() {
        return label + "=" + get();
    }
}
