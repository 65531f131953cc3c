package io.troupe.actors.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A worker's bounded local run queue: its owner pushes and pops (FIFO), other workers steal
 * half of it. Lock-free.
 *
 * <p>Only the owner thread may call {@link #push} and {@link #pop}; any thread may call
 * {@link #stealHalfInto}, passing a queue it owns.
 */
final class SpmcRunQueue {
    /*
     * Threading protocol. One producer (the owner) writes `tail`; the owner and thieves advance
     * `head` by CAS. Thieves copy the candidate slots into their own queue first and publish
     * them only if their CAS on the victim's head succeeds.
     *
     * Invariants. 0 <= tail - head <= CAPACITY. Slot (i & MASK) for head <= i < tail holds the
     * i-th task. A slot is only overwritten by the owner at index tail, which needs
     * tail - head < CAPACITY; so a slot a thief copied from [h, h + n) can only have changed if
     * head moved past h, and then the thief's CAS from h fails and it discards its copies.
     * head and tail are 64-bit counters: no ABA in practice.
     *
     * Memory ordering. The owner stores a slot plainly, then tail with release; readers load
     * tail with acquire before reading slots. head is CAS'd (volatile).
     *
     * Shutdown. Nothing to release; tasks left in the queue are dropped with the dispatcher.
     *
     * References. Tokio's multi-thread scheduler run queue (queue.rs: Local and Steal halves,
     * steal-half); Chase and Lev, "Dynamic circular work-stealing deque" (2005).
     */
    static final int CAPACITY = 256;
    private static final int MASK = CAPACITY - 1;

    private final Runnable[] buffer = new Runnable[CAPACITY];
    private volatile long head;
    private volatile long tail;

    /** Owner only. Returns {@code false} if full (the caller overflows to the injector). */
    boolean push(Runnable task) {
        final long t = tail;
        final long h = head;
        if (t - h >= CAPACITY) {
            return false;
        }
        buffer[(int) t & MASK] = task;
        TAIL.setRelease(this, t + 1);
        return true;
    }

    /** Owner only. The oldest task, or {@code null}. */
    Runnable pop() {
        for (;;) {
            final long h = head;
            final long t = (long) TAIL.getOpaque(this);
            if (h == t) {
                return null;
            }
            final Runnable task = buffer[(int) h & MASK];
            if (HEAD.compareAndSet(this, h, h + 1)) {
                return task;
            }
        }
    }

    /**
     * Owner only: moves up to {@code max} of the oldest tasks out, into {@code sink}; used on
     * overflow and on shutdown.
     */
    int drainTo(java.util.function.Consumer<Runnable> sink, int max) {
        int n = 0;
        while (n < max) {
            final Runnable task = pop();
            if (task == null) {
                break;
            }
            sink.accept(task);
            n++;
        }
        return n;
    }

    /** Any thread: a snapshot of the number of queued tasks. */
    int size() {
        final long t = tail;
        final long h = head;
        return (int) Math.max(0, t - h);
    }

    boolean isEmpty() {
        return size() == 0;
    }

    /**
     * Thief: takes half (rounded up) of this queue's tasks; returns the first and pushes the
     * rest into {@code dst}, which the calling thread owns and which must be empty.
     *
     * @return a stolen task, or {@code null} if there was nothing to steal
     */
    Runnable stealHalfInto(SpmcRunQueue dst) {
        for (;;) {
            final long h = head;
            final long t = (long) TAIL.getAcquire(this);
            final long available = t - h;
            if (available <= 0) {
                return null;
            }
            if (available > CAPACITY) {
                continue; // torn snapshot: head moved between the two loads
            }
            final int n = (int) (available - available / 2);
            final Runnable first = buffer[(int) h & MASK];
            final long dstTail = dst.tail;
            for (int i = 1; i < n; i++) {
                dst.buffer[(int) (dstTail + i - 1) & MASK] = buffer[(int) (h + i) & MASK];
            }
            if (HEAD.compareAndSet(this, h, h + n)) {
                if (n > 1) {
                    TAIL.setRelease(dst, dstTail + n - 1);
                }
                return first;
            }
        }
    }

    private static final VarHandle HEAD;
    private static final VarHandle TAIL;

    static {
        try {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            HEAD = lookup.findVarHandle(SpmcRunQueue.class, "head", long.class);
            TAIL = lookup.findVarHandle(SpmcRunQueue.class, "tail", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
