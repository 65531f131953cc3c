package io.troupe.actors.internal;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorContext;
import io.troupe.actors.Signal;
import io.troupe.actors.Stash;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The runtime's back door into {@link Actor} for the synchronous test kit (which drives an
 * actor's handlers on the test thread without a cell): installed by {@code Actor}'s class
 * initialiser, the JDK's {@code SharedSecrets} pattern. Thread safe.
 */
public final class ActorAccess {
    /** What the test kit may do to an actor that the public API does not allow. */
    public interface Accessor {
        /**
         * Gives {@code actor} its context.
         *
         * @param actor the actor
         * @param context its context
         * @param <M> its message type
         */
        <M> void attach(Actor<M> actor, ActorContext<M> context);

        /**
         * Hands {@code message} to the actor's current handler ({@code receive} or {@code become}'s).
         *
         * @param actor the actor
         * @param message the message
         * @param <M> its message type
         */
        <M> void handle(Actor<M> actor, M message);

        /**
         * Runs {@code preStart}.
         *
         * @param actor the actor
         */
        void preStart(Actor<?> actor);

        /**
         * Runs {@code postStop}.
         *
         * @param actor the actor
         */
        void postStop(Actor<?> actor);

        /**
         * Runs {@code onSignal}.
         *
         * @param actor the actor
         * @param signal the signal
         */
        void onSignal(Actor<?> actor, Signal signal);

        /**
         * A stash for an actor that is not in a cell.
         *
         * @param capacity its capacity
         * @param path the owner's path, for messages
         * @param unstash receives the stashed messages on {@code unstashAll}
         * @param deadLetter receives what is left when the owner stops
         * @param <M> the message type
         * @return the stash
         */
        <M> Stash<M> newStash(int capacity, String path, Consumer<ArrayDeque<? extends M>> unstash, Consumer<Object> deadLetter);
    }

    private static volatile Accessor accessor;

    private ActorAccess() {}

    /**
     * Installed once by {@link Actor}'s static initialiser.
     *
     * @param a the accessor
     */
    public static void install(Accessor a) {
        accessor = Objects.requireNonNull(a, "accessor");
    }

    /**
     * The accessor. Any thread; an {@link Actor} instance must exist (its class installed it).
     *
     * @return the accessor
     */
    public static Accessor get() {
        final Accessor a = accessor;
        if (a == null) {
            throw new IllegalStateException("io.troupe.actors.Actor is not initialised yet");
        }
        return a;
    }
}
