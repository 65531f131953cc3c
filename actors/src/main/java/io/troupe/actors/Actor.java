package io.troupe.actors;

import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * An actor: state plus a {@link #receive} method that handles one message at a time.
 *
 * <p>Actors are created by a factory ({@code Supplier<Actor<M>>}, usually a constructor
 * reference such as {@code Counter::new}) so that a supervisor can create a fresh instance.
 * The runtime calls every method of an actor from one thread at a time, and each call
 * happens-before the next, so an actor's fields need no synchronization. Handlers must not
 * block: use {@link ActorContext#spawnBlocking} for blocking work.
 *
 * <pre>{@code
 * final class Counter extends Actor<Counter.Msg> {
 *     sealed interface Msg {}
 *     record Add(int n) implements Msg {}
 *     record Get(ActorRef<Integer> replyTo) implements Msg {}
 *     private int total;
 *     protected void receive(Msg msg) {
 *         if (msg instanceof Add a) total += a.n();
 *         else if (msg instanceof Get g) g.replyTo().tell(total);
 *     }
 * }
 * }</pre>
 *
 * @param <M> the type of message the actor accepts
 */
public abstract class Actor<M> {
    static {
        io.troupe.actors.internal.ActorAccess.install(new io.troupe.actors.internal.ActorAccess.Accessor() {
            @Override
            public <T> void attach(Actor<T> actor, ActorContext<T> context) {
                actor.attach(context);
            }

            @Override
            public <T> void handle(Actor<T> actor, T message) {
                actor.handle(message);
            }

            @Override
            public void preStart(Actor<?> actor) {
                actor.preStart();
            }

            @Override
            public void postStop(Actor<?> actor) {
                actor.postStop();
            }

            @Override
            public void onSignal(Actor<?> actor, Signal signal) {
                actor.onSignal(signal);
            }

            @Override
            public <T> Stash<T> newStash(int capacity, String path, java.util.function.Consumer<java.util.ArrayDeque<? extends T>> unstash,
                                         java.util.function.Consumer<Object> deadLetter) {
                return new Stash<>(() -> path, unstash, deadLetter, capacity);
            }
        });
    }

    private ActorContext<M> context;
    private Consumer<? super M> behavior;

    /** Creates the actor; the context is available from {@link #preStart} on, not in the constructor. */
    protected Actor() {}

    /**
     * Handles one message. An exception thrown here fails the actor: it stops (unless a
     * supervisor says otherwise) and its parent receives {@link ChildFailed}.
     *
     * @param message the message, never null
     */
    protected abstract void receive(M message);

    /** Called on the actor's thread before the first message. Default: nothing. */
    protected void preStart() {}

    /** Called on the actor's thread after all its children have stopped, as its last act. Default: nothing. */
    protected void postStop() {}

    /**
     * Called on the old instance when a supervisor restarts this actor, before its children
     * are stopped. Default: {@link #postStop()}.
     *
     * @param cause what the old instance's handler threw
     */
    protected void preRestart(Throwable cause) {
        postStop();
    }

    /**
     * Called on the fresh instance after a restart, before it handles the messages that waited.
     * Default: {@link #preStart()}.
     *
     * @param cause what the old instance's handler threw
     */
    protected void postRestart(Throwable cause) {
        preStart();
    }

    /**
     * Called with {@link Terminated} and {@link ChildFailed}. Default: nothing.
     *
     * @param signal the signal
     */
    protected void onSignal(Signal signal) {}

    /**
     * The actor's context. Only the actor's own thread may use it.
     *
     * @return the context
     * @throws IllegalStateException if called from the constructor
     */
    protected final ActorContext<M> context() {
        final ActorContext<M> c = context;
        if (c == null) {
            throw new IllegalStateException("the actor context is not available in the constructor; use preStart()");
        }
        return c;
    }

    /**
     * This actor's ref. Shorthand for {@code context().self()}.
     *
     * @return this actor's ref
     */
    protected final ActorRef<M> self() {
        return context().self();
    }

    /**
     * Handles the following messages with {@code handler} instead of {@link #receive}, until the
     * next {@code become} or {@link #unbecome}. Only the actor's own thread may call it.
     *
     * @param handler handles the next messages
     */
    protected final void become(Consumer<? super M> handler) {
        this.behavior = Objects.requireNonNull(handler, "handler");
    }

    /** Goes back to handling messages with {@link #receive}. */
    protected final void unbecome() {
        this.behavior = null;
    }

    /**
     * The lambda form of an actor, for small ones: each message is handed to {@code handler}
     * with the context.
     *
     * <pre>{@code
     * ActorRef<String> printer = system.spawn(Actor.of((ctx, msg) -> System.out.println(msg)), "printer");
     * }</pre>
     *
     * @param handler called with the context and each message, on the actor's thread
     * @param <M> the message type
     * @return a factory of such actors, for {@code spawn}
     */
    public static <M> Supplier<Actor<M>> of(BiConsumer<ActorContext<M>, M> handler) {
        Objects.requireNonNull(handler, "handler");
        return () -> new Actor<M>() {
            @Override
            protected void receive(M message) {
                handler.accept(context(), message);
            }
        };
    }

    final void attach(ActorContext<M> context) {
        this.context = context;
    }

    final void handle(M message) {
        final Consumer<? super M> b = behavior;
        if (b == null) {
            receive(message);
        } else {
            b.accept(message);
        }
    }
}
