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
    FAIL_SENDER,
    /**
     * Lossless between actors, blocking no thread (after the Pony runtime's muting): a message
     * that finds the mailbox full is held, in order, as a waiting send (as if sent with
     * {@link BoundedMailbox#send}) and the owner is asked, through
     * {@link BoundedMailbox#onFullMuteSender}, to slow its sender down; the actor runtime then
     * does not schedule the sending actor again until this mailbox has drained to half its
     * capacity with nothing held beyond it. When there is no sender to slow down (a thread outside the actors) the message
     * goes to {@link BoundedMailbox#onOverflow} as under {@link #DEAD_LETTER}: use {@code send}
     * from outside. The mailbox itself never holds more than its capacity; what is held beyond
     * it is bounded by what the senders send in the turn in which they found it full (see the
     * actor runtime's documentation of the exact bound).
     */
    MUTE_SENDER
}
