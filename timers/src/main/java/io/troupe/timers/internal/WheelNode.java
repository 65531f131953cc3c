package io.troupe.timers.internal;

/**
 * A link of the intrusive, circular, doubly-linked lists that hold the timers of one wheel slot.
 * NOT thread safe: only the thread that owns the {@link TimerWheel} touches the links.
 */
class WheelNode {

    /** The previous node of the slot list, or {@code null} when not in a list. */
    WheelNode prev;
    /** The next node of the slot list, or {@code null} when not in a list. */
    WheelNode next;

    /**
     * Tells whether this node is in a slot list.
     *
     * @return {@code true} if linked
     */
    final boolean isLinked() {
        return next != null;
    }
}
