package io.troupe.actors;

/**
 * A framework message that travels in the user lane (so it keeps order and obeys capacity)
 * but is interpreted by the cell instead of being handed to {@code receive} as is.
 */
abstract class InternalMessage {
    /** Runs on the actor's thread. */
    abstract void deliver(ActorCell<?> cell);

    /** What dead letters show for this message. */
    abstract Object payload();

    /**
     * Whether the runtime sent it on the recipient's behalf (a {@code pipeToSelf} result, a
     * timer message): dead letters then name the recipient as the sender. A message through a
     * message adapter was sent by someone else.
     */
    boolean sentOnBehalfOfRecipient() {
        return true;
    }
}
