package io.troupe.actors;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * The ref returned by {@link ActorContext#messageAdapter}: a {@code T} sent to it is wrapped and
 * enqueued in its owner's mailbox, and converted to the owner's {@code M} on the owner's thread,
 * in the owner's turn, just before it is handled. No actor of its own, no extra hop.
 */
final class MessageAdapterRef<T, M> implements ActorRef<T> {
    /*
     * Threading protocol. Any thread sends (tell/offer/send/ask): each wraps the message in an
     * Envelope and hands it to the owner's mailbox, so capacity, overflow policy, per-sender
     * order and back-pressure are the owner's. `function` is written and read only on the
     * owner's thread (messageAdapter() registers it, a restart clears it, delivery reads it).
     * Invariants. One ref per (owner, registered class): registering the class again replaces
     * the function, and messages already queued are converted by the function registered when
     * they are handled. A message handled while no function is registered (after a restart whose
     * fresh instance did not register the class again) becomes a dead letter (NO_ADAPTER).
     * Memory ordering. The owner's mailbox orders each send before its conversion.
     * Shutdown. Nothing of its own: once the owner stopped, its closed mailbox turns sends into
     * dead letters carrying the unconverted message.
     * References. Pekko typed's ActorContext.messageAdapter (conversion in the owner's turn).
     */
    final ActorCell<M> owner;
    final Class<T> type;
    /** The conversion; owner's thread only. Null after a restart until registered again. */
    private Function<? super T, ? extends M> function;

    MessageAdapterRef(ActorCell<M> owner, Class<T> type) {
        this.owner = owner;
        this.type = type;
    }

    void setFunction(Function<? super T, ? extends M> function) {
        this.function = function;
    }

    @Override
    public void tell(T message) {
        owner.tellInternal(wrap(message));
    }

    @Override
    public boolean offer(T message) {
        return owner.offerInternal(wrap(message));
    }

    @Override
    public CompletionStage<Void> send(T message) {
        return owner.sendInternal(wrap(message));
    }

    @Override
    @SuppressWarnings("unchecked")
    public <R> CompletionStage<R> ask(Function<ActorRef<R>, ? extends T> request, Duration timeout) {
        Objects.requireNonNull(request, "request");
        return owner.ask(replyTo -> (M) wrap(request.apply(replyTo)), timeout);
    }

    /** The envelope; sent from inside a traced handler, it carries that handler's span (tracing on). */
    private Envelope<T> wrap(T message) {
        return new Envelope<>(this, Objects.requireNonNull(message, "message"), TraceSpan.currentIfTracing());
    }

    @Override
    public String path() {
        return owner.path() + "/" + name();
    }

    @Override
    public String name() {
        return "$adapter-" + type.getSimpleName();
    }

    @Override
    public String toString() {
        return "ActorRef[" + path() + "]";
    }

    /** Owner's thread: converts and hands the result to the owner's current handler. */
    private void deliver(ActorCell<?> cell, T message, TraceSpan span) {
        final Function<? super T, ? extends M> f = function;
        if (f == null) {
            // Who sent it is not recorded (as for any message taken from a mailbox).
            cell.system.deadLetters().publish(new DeadLetter(message, null, cell, DeadLetter.Reason.NO_ADAPTER));
            return;
        }
        final M converted = f.apply(message); // a throw fails the owner, like a throwing receive
        if (converted != null) {
            cell.handleAdapted(converted, span); // a span if the sender's handler was one, or the owner is traced
        }
    }

    /** One adapted message in the owner's user lane. */
    private static final class Envelope<T> extends InternalMessage {
        private final MessageAdapterRef<T, ?> adapter;
        private final T message;
        /** The span of the handler that sent it (tracing on), or null. */
        private final TraceSpan span;

        Envelope(MessageAdapterRef<T, ?> adapter, T message, TraceSpan span) {
            this.adapter = adapter;
            this.message = message;
            this.span = span;
        }

        @Override
        void deliver(ActorCell<?> cell) {
            adapter.deliver(cell, message, span);
        }

        @Override
        Object payload() {
            return message;
        }

        @Override
        boolean sentOnBehalfOfRecipient() {
            return false; // another actor (or thread) sent it; the owner did not
        }
    }
}
