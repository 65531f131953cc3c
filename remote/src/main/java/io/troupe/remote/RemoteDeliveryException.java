package io.troupe.remote;

/**
 * A message for a remote actor was not delivered to its node: the node is unreachable or was
 * declared down, it restarted (the ref was for its earlier incarnation), too many messages
 * already wait for it, or the message could not be encoded. The stage of a {@code send} or an
 * {@code ask} fails with it; the message itself is a dead letter on the sending node.
 */
public class RemoteDeliveryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * A delivery failure.
     *
     * @param message why, naming the node
     */
    public RemoteDeliveryException(String message) {
        super(message);
    }
}
