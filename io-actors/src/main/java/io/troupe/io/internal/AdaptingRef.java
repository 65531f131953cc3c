package io.troupe.io.internal;

import io.troupe.actors.ActorRef;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * The ref a socket actor tells its events to when the handler speaks a protocol of its own:
 * each event is converted by the application's adapter on the sending thread (the socket
 * actor's) and enqueued in the handler's mailbox as one message of its protocol, so there is
 * no extra actor and no extra hop. Immutable and thread safe; the adapter must be too (a record
 * constructor or a pure function). {@link #unwrap} gives the handler's own ref, for watching.
 *
 * @param <E> the socket's events ({@code Tcp.Event}, {@code Udp.Event})
 * @param <M> the handler's protocol
 */
final class AdaptingRef<E, M> implements ActorRef<E> {
    private final ActorRef<M> target;
    private final Function<? super E, ? extends M> adapter;

    AdaptingRef(ActorRef<M> target, Function<? super E, ? extends M> adapter) {
        this.target = Objects.requireNonNull(target, "handler");
        this.adapter = Objects.requireNonNull(adapter, "adapter");
    }

    /** A spawned handler whose static type was erased to Tcp.Event, reached through {@code adapter}. */
    @SuppressWarnings("unchecked")
    static ActorRef<io.troupe.io.Tcp.Event> erased(ActorRef<?> handler, Function<Object, Object> adapter) {
        return new AdaptingRef<io.troupe.io.Tcp.Event, Object>((ActorRef<Object>) handler, adapter);
    }

    /** The handler's own ref behind {@code ref}, or {@code ref} itself. */
    static ActorRef<?> unwrap(ActorRef<?> ref) {
        return ref instanceof AdaptingRef<?, ?> a ? a.target : ref;
    }

    private M adapt(E event) {
        final M m = adapter.apply(event);
        if (m == null) {
            throw new NullPointerException("the event adapter of " + target.path() + " returned null for " + event);
        }
        return m;
    }

    @Override
    public void tell(E message) {
        target.tell(adapt(message));
    }

    @Override
    public boolean offer(E message) {
        return target.offer(adapt(message));
    }

    @Override
    public CompletionStage<Void> send(E message) {
        return target.send(adapt(message));
    }

    @Override
    public <R> CompletionStage<R> ask(Function<ActorRef<R>, ? extends E> request, Duration timeout) {
        return target.ask(replyTo -> adapt(request.apply(replyTo)), timeout);
    }

    @Override
    public String path() {
        return target.path();
    }

    @Override
    public String name() {
        return target.name();
    }

    @Override
    public String toString() {
        return "Adapted[" + target + "]";
    }
}
