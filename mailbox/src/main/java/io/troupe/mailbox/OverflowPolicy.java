package io.troupe.mailbox;

/**
 * What a {@link BoundedMailbox} does with a {@code tell} that finds it full.
 *
 * <p>{@code offer} never applies a policy (it returns {@code false}), and {@code send} never
 * does either (it waits for room). The policy only governs the fire-and-forget path.
 */
public enum OverflowPolicy {
    /** The new message is not enqueued; it is handed to {@link BoundedMailbox#onOverflow} (dead letters). The default. */
    DEAD_LETTER,
    /**
     * The oldest queued message is removed and handed to {@link BoundedMailbox#onOverflow}; the
     * new one is enqueued. When no message is queued to drop (the consumer holds every slot in
     * the batch it is handling) or sends are waiting for room, the new message is handed to
     * {@code onOverflow} instead: enqueue never waits and never overtakes a waiting send.
     */
    DROP_OLDEST,
    /** The sender gets a {@link MailboxFullException}; nothing is enqueued. */
    FAIL_SENDER
}
