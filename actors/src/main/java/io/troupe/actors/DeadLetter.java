package io.troupe.actors;

/**
 * A message that could not be delivered.
 *
 * @param message the message
 * @param sender the actor that was running on the sending thread, or {@code null} if the sender
 *     was not an actor
 * @param recipient the intended receiver
 * @param reason why it was not delivered
 */
public record DeadLetter(Object message, ActorRef<?> sender, ActorRef<?> recipient, Reason reason) {
    /** Why a message became a dead letter. */
    public enum Reason {
        /** The mailbox was full and its policy dropped the new message. */
        MAILBOX_FULL,
        /** The mailbox was full and its policy dropped this, the oldest message. */
        DROPPED_OLDEST,
        /** The recipient had stopped, or stopped with the message still queued. */
        RECIPIENT_STOPPED
    }
}
