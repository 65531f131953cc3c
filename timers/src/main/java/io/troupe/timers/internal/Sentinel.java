package io.troupe.timers.internal;

/**
 * The head of one slot list of a {@link TimerWheel}: an empty list is a sentinel linked to itself.
 * It knows its slot so that unlinking the last timer of a slot can clear the slot's occupancy bit
 * without the timer storing where it is. NOT thread safe.
 */
final class Sentinel extends WheelNode {

    /** The wheel level, or -1 for the list of timers already due. */
    final int level;
    /** The slot within the level. */
    final int slot;

    Sentinel(int level, int slot) {
        this.level = level;
        this.slot = slot;
        this.prev = this;
        this.next = this;
    }

    boolean isEmpty() {
        return next == this;
    }
}
