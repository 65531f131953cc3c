package io.troupe.mailbox;

/**
 * Thrown to a sender by {@code tell} when the receiver's mailbox is full and its policy is
 * {@link OverflowPolicy#FAIL_SENDER}. Nothing was enqueued; the sender still owns the message.
 */
public final class MailboxFullException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception with a message naming the receiver and its capacity.
     *
     * @param message which mailbox, its capacity, and what was refused
     */
    public MailboxFullException(String message) {
        super(message, null, false, false);
    }
}
