package io.troupe.mailbox;

/**
 * A message on a mailbox's system lane: stop, watch, child terminated, failure.
 *
 * <p>System messages are never dropped, never wait behind user messages and never count
 * against the mailbox's capacity. Each instance may sit in at most one mailbox at a time: the
 * lane links instances through a field of their own instead of allocating a queue node.
 */
public abstract class SystemMessage {
    /** Next message of a drained list, in arrival order; written before publication or by the consumer. */
    SystemMessage next;

    /** Creates a system message. */
    protected SystemMessage() {}

    /**
     * The message after this one in a list returned by {@link BoundedMailbox#drainSystem()}, or
     * {@code null}. Only the consumer that drained the list may call this.
     *
     * @return the next system message of the drained list, or {@code null}
     */
    public final SystemMessage next() {
        return next;
    }
}
