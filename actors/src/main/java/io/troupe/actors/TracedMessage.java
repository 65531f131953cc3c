package io.troupe.actors;

/**
 * A user message sent from inside a traced handler, wrapped with the sender's span. Only sends
 * made while tracing is on are wrapped: with tracing off no message grows. Immutable.
 */
final class TracedMessage extends InternalMessage {
    private final Object message;
    private final TraceSpan parent;

    TracedMessage(Object message, TraceSpan parent) {
        this.message = message;
        this.parent = parent;
    }

    @Override
    void deliver(ActorCell<?> cell) {
        cell.handleTraced(message, parent);
    }

    @Override
    Object payload() {
        return message;
    }

    @Override
    boolean sentOnBehalfOfRecipient() {
        return false;
    }
}
