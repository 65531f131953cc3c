package io.troupe.actors;

/**
 * A message that could not be delivered.
 *
 * @param message the message; never {@code null}: for a {@code pipeToSelf} result it is the
 *     stage's value, its failure, or {@link Placeholder#NULL_STAGE_RESULT} when the stage
 *     completed with {@code null} (as the stage of {@code send} does)
 * @param sender the actor that sent it: for a {@code pipeToSelf} result or a timer message, the
 *     actor it was meant for (the runtime sent it on that actor's behalf); otherwise the actor
 *     whose handler was running on the sending thread, or {@code null} if none was
 * @param recipient the intended receiver
 * @param reason why it was not delivered
 */
public record DeadLetter(Object message, ActorRef<?> sender, ActorRef<?> recipient, Reason reason) {
    /**
     * Checks the parameters.
     *
     * @param message the undelivered message
     * @param sender who sent it, or null
     * @param recipient the intended receiver
     * @param reason why it was not delivered
     * @throws NullPointerException if {@code message} or {@code reason} is null
     */
    public DeadLetter {
        java.util.Objects.requireNonNull(message, "message");
        java.util.Objects.requireNonNull(reason, "reason");
    }

    /** Why a message became a dead letter. */
    public enum Reason {
        /** The mailbox was full and its policy dropped the new message. */
        MAILBOX_FULL,
        /** The mailbox was full and its policy dropped this, the oldest message. */
        DROPPED_OLDEST,
        /** The recipient had stopped, or stopped with the message still queued. */
        RECIPIENT_STOPPED,
        /**
         * The message came through a message adapter of an actor that restarted, and its fresh
         * instance did not register an adapter for the message's class again.
         */
        NO_ADAPTER,
        /** A reply to an {@code ask} that had already timed out. */
        ASK_TIMED_OUT,
        /**
         * A reply to an {@code ask} that was already completed otherwise: answered by an earlier
         * reply, or failed because the asked actor stopped or the request could not be enqueued.
         */
        ASK_ALREADY_COMPLETED,
        /**
         * For a remote actor: the transport to its node could not take the message now (Aeron
         * back-pressured, or more messages already wait for the node than allowed), and the verb
         * was {@code tell}; the recipient names the node.
         */
        REMOTE_BACK_PRESSURED,
        /**
         * For a remote actor: its node is unreachable (not connected, handshake refused or timed
         * out, declared down by the failure detector), or the message was for an earlier
         * incarnation of a node that restarted; the recipient names the node.
         */
        REMOTE_UNREACHABLE,
        /** For a remote actor: the message's class has no registered codec, or it is too large. */
        REMOTE_NOT_ENCODABLE
    }

    /** What a dead letter carries when the undelivered message has no content of its own. */
    public enum Placeholder {
        /** A {@code pipeToSelf} stage completed normally with {@code null}. */
        NULL_STAGE_RESULT
    }
}
