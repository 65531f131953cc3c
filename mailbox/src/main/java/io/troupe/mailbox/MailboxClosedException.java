package io.troupe.mailbox;

/**
 * Fails a pending {@code send} whose mailbox closed (its actor stopped) before there was room.
 * The message was handed to dead letters.
 */
public final class MailboxClosedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception with a message naming the receiver.
     *
     * @param message which mailbox, and what was refused
     */
    public MailboxClosedException(String message) {
        super(message);
    }
}
