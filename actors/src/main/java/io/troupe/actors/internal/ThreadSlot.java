package io.troupe.actors.internal;

/**
 * A thread that carries one slot for per-thread state of another module (the socket actors'
 * read and write buffers), read with a field access instead of a {@link ThreadLocal} lookup on
 * a hot path. The work-stealing dispatcher's workers are such threads. Only the thread itself
 * reads or writes its slot.
 */
public interface ThreadSlot {
    /**
     * This thread's slot, or null if never set. Only the current thread may call it.
     *
     * @return what was last stored
     */
    Object threadSlot();

    /**
     * Stores {@code value} in this thread's slot. Only the current thread may call it.
     *
     * @param value what to keep
     */
    void threadSlot(Object value);
}
