package io.troupe.actors.sync;

/**
 * A subscription to a {@link Topic} or a {@link LatestValue}: cancel it
 * to stop receiving. It also ends by itself when the subscribed actor stops. Thread safe.
 */
public interface Subscription {
    /**
     * Stops delivery: nothing published after this call reaches the subscriber (a message being
     * delivered at the time of the call may). Idempotent; any thread.
     */
    void cancel();

    /**
     * Whether the subscription has ended (cancelled, or its actor stopped). Any thread.
     *
     * @return {@code true} once the subscription has ended
     */
    boolean isClosed();
}
