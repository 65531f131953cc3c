package io.troupe.timers.internal;

import java.util.function.Consumer;

/**
 * A hierarchical timing wheel of intrusive timer handles. NOT thread safe: one owner thread (the
 * timer thread, or the holder of a manual scheduler's lock) calls every method.
 *
 * <p>Costs: {@link #add} and {@link #remove} are O(1); {@link #poll} and
 * {@link #nextExpirationTick()} scan one 64-bit occupancy word per level (at most 11). Each timer
 * moves down at most once per level on its way to expiry (a timer {@code d} ticks away moves
 * {@code log64(d)} times), so a timer days away costs a handful of moves and no idle rounds.
 */
final class TimerWheel {
    /*
     * Threading protocol
     *   Confined to its owner; see the class javadoc. Nothing here is volatile.
     *
     * Invariants
     *   Time is counted in ticks of `tickNanos` from the scheduler's origin; a timer's tick is its
     *   deadline divided by the tick, rounded up (recomputed when it moves down a level, so that
     *   the handle stores only its deadline); `elapsed` is the tick up to which
     *   the wheel has been processed. It only grows.
     *   Level L has 64 slots of 64^L ticks each. A timer due at tick t > elapsed sits in level
     *   L = (index of the highest bit in which t and elapsed differ) / 6, slot (t >> 6L) & 63.
     *   So t and elapsed agree on all bits above level L, and the slot lies ahead of elapsed's
     *   own slot in that level: no level ever wraps around.
     *   A timer due at or before `elapsed` sits in the `due` list instead.
     *   No slot that holds a timer starts at or before `elapsed` except the due list: poll()
     *   never moves `elapsed` past the start of an occupied slot without emptying that slot, and
     *   emptying a slot moves each of its timers to a lower level (they now agree with elapsed on
     *   one more level's bits) or to the due list.
     *   Bit s of occupied[L] is set iff slot s of level L is not empty.
     *   Slot lists are FIFO and expiry moves them in order, so timers due at the same tick fire
     *   in the order they were added.
     *
     * Memory ordering
     *   None: confined.
     *
     * Shutdown
     *   drain() empties every slot and hands each timer to the caller, which cancels it.
     *
     * References
     *   G. Varghese and T. Lauck, "Hashed and Hierarchical Timing Wheels", SOSP 1987 (scheme 7).
     *   Tokio's time driver wheel (tokio/src/runtime/time/wheel), which finds the next
     *   expiration from per-level occupancy bits: read to learn, not copied.
     */

    static final int SLOT_BITS = 6;
    static final int SLOTS = 1 << SLOT_BITS;
    static final long SLOT_MASK = SLOTS - 1;

    private final long tickNanos;
    private final long maxTick;
    private final int levels;
    private final Sentinel[] slots;
    private final long[] occupied;
    private final Sentinel due = new Sentinel(-1, 0);
    private long elapsed;
    private int size;

    /**
     * Creates a wheel whose ticks are {@code tickNanos} long; deadlines from 0 to
     * {@link Long#MAX_VALUE} nanoseconds.
     *
     * @param tickNanos the tick length, positive
     */
    TimerWheel(long tickNanos) {
        if (tickNanos <= 0) {
            throw new IllegalArgumentException("tickNanos must be positive, was " + tickNanos);
        }
        this.tickNanos = tickNanos;
        this.maxTick = Long.MAX_VALUE / tickNanos;
        final int bits = 64 - Long.numberOfLeadingZeros(maxTick);
        this.levels = (bits - 1) / SLOT_BITS + 1;
        this.slots = new Sentinel[levels * SLOTS];
        for (int level = 0; level < levels; level++) {
            for (int slot = 0; slot < SLOTS; slot++) {
                slots[level * SLOTS + slot] = new Sentinel(level, slot);
            }
        }
        this.occupied = new long[levels];
    }

    /** Returns the tick up to which the wheel has been processed. */
    long elapsedTick() {
        return elapsed;
    }

    /** Returns the number of timers in the wheel. */
    int size() {
        return size;
    }

    /** Returns the number of levels. */
    int levels() {
        return levels;
    }

    /**
     * Adds a timer that is in no list, due at the first tick at or after its {@code deadline}; a
     * tick at or before the elapsed tick makes it due at the next {@link #poll}.
     */
    void add(TimerHandle timer) {
        size++;
        place(timer, tickOf(timer.deadline));
    }

    /** Returns the tick of a deadline: rounded up, so that nothing fires early, and capped. */
    long tickOf(long deadlineNanos) {
        if (deadlineNanos <= 0) {
            return 0;
        }
        return Math.min((deadlineNanos - 1) / tickNanos + 1, maxTick);
    }

    /** Removes a timer that is in the wheel. */
    void remove(TimerHandle timer) {
        size--;
        final WheelNode prev = timer.prev;
        final WheelNode next = timer.next;
        prev.next = next;
        next.prev = prev;
        timer.prev = null;
        timer.next = null;
        if (prev == next) {
            // only the sentinel is left: the slot is empty
            final Sentinel sentinel = (Sentinel) prev;
            if (sentinel.level >= 0) {
                occupied[sentinel.level] &= ~(1L << sentinel.slot);
            }
        }
    }

    /**
     * Returns the earliest tick at which {@link #poll} may return a timer or move timers down a
     * level: the elapsed tick if timers are due, {@link Long#MAX_VALUE} if the wheel is empty.
     */
    long nextExpirationTick() {
        if (!due.isEmpty()) {
            return elapsed;
        }
        long best = Long.MAX_VALUE;
        for (int level = 0; level < levels; level++) {
            final long occupiedBits = occupied[level];
            if (occupiedBits != 0) {
                best = Math.min(best, slotStart(level, nextSlot(level, occupiedBits)));
            }
        }
        return best;
    }

    /**
     * Removes and returns the next timer due at or before {@code nowTick}, in tick order and, for
     * equal ticks, in the order added; {@code null} if none. Moves the elapsed tick forward to
     * {@code nowTick} when nothing is due.
     *
     * <p>Emptying a slot of a higher level moves all of its timers at once, so one call may cost
     * time proportional to that slot's size; each timer pays for that at most once per level.
     */
    TimerHandle poll(long nowTick) {
        while (true) {
            final WheelNode first = due.next;
            if (first != due) {
                final TimerHandle timer = (TimerHandle) first;
                remove(timer);
                return timer;
            }
            int bestLevel = -1;
            int bestSlot = 0;
            long bestTick = Long.MAX_VALUE;
            for (int level = 0; level < levels; level++) {
                final long occupiedBits = occupied[level];
                if (occupiedBits != 0) {
                    final int slot = nextSlot(level, occupiedBits);
                    final long start = slotStart(level, slot);
                    if (start < bestTick) {
                        bestTick = start;
                        bestLevel = level;
                        bestSlot = slot;
                    }
                }
            }
            if (bestLevel < 0 || bestTick > nowTick) {
                if (nowTick > elapsed) {
                    elapsed = nowTick;
                }
                return null;
            }
            if (bestTick > elapsed) {
                elapsed = bestTick;
            }
            cascade(bestLevel, bestSlot);
        }
    }

    /**
     * Empties the whole wheel, handing each timer (out of any list) to {@code action}.
     */
    void drain(Consumer<TimerHandle> action) {
        drainList(due, action);
        for (Sentinel sentinel : slots) {
            drainList(sentinel, action);
        }
        java.util.Arrays.fill(occupied, 0L);
        size = 0;
    }

    private void drainList(Sentinel sentinel, Consumer<TimerHandle> action) {
        WheelNode node = sentinel.next;
        sentinel.next = sentinel;
        sentinel.prev = sentinel;
        while (node != sentinel) {
            final TimerHandle timer = (TimerHandle) node;
            node = timer.next;
            timer.prev = null;
            timer.next = null;
            action.accept(timer);
        }
    }

    /** Moves every timer of a slot that is due to the due list and the rest down a level. */
    private void cascade(int level, int slot) {
        occupied[level] &= ~(1L << slot);
        final Sentinel sentinel = slots[level * SLOTS + slot];
        WheelNode node = sentinel.next;
        sentinel.next = sentinel;
        sentinel.prev = sentinel;
        while (node != sentinel) {
            final TimerHandle timer = (TimerHandle) node;
            node = timer.next;
            place(timer, tickOf(timer.deadline));
        }
    }

    private void place(TimerHandle timer, long tick) {
        final Sentinel sentinel;
        if (tick <= elapsed) {
            sentinel = due;
        } else {
            final long differing = (elapsed ^ tick) | SLOT_MASK;
            final int level = (63 - Long.numberOfLeadingZeros(differing)) / SLOT_BITS;
            final int slot = (int) ((tick >>> (level * SLOT_BITS)) & SLOT_MASK);
            sentinel = slots[level * SLOTS + slot];
            occupied[level] |= 1L << slot;
        }
        final WheelNode last = sentinel.prev;
        timer.prev = last;
        timer.next = sentinel;
        last.next = timer;
        sentinel.prev = timer;
    }

    /** Returns the first occupied slot of a level at or after elapsed's slot in that level. */
    private int nextSlot(int level, long occupiedBits) {
        final int position = (int) ((elapsed >>> (level * SLOT_BITS)) & SLOT_MASK);
        final int distance = Long.numberOfTrailingZeros(Long.rotateRight(occupiedBits, position));
        return (position + distance) & (int) SLOT_MASK;
    }

    /** Returns the first tick of a slot, in the span of elapsed's slot one level up. */
    private long slotStart(int level, int slot) {
        final int shift = level * SLOT_BITS;
        final int levelSpanBits = shift + SLOT_BITS;
        final long base = levelSpanBits >= 63 ? 0L : elapsed & -(1L << levelSpanBits);
        return base + ((long) slot << shift);
    }
}
