package io.troupe.actors.sync;

import io.troupe.actors.ActorRef;
import io.troupe.actors.DeadLetter;

/** What the {@link EventStream} carries: a lifecycle event of an actor system. Immutable. */
public sealed interface SystemEvent {
    /**
     * An actor stopped without failing (stopped by itself, its parent, or the system's close).
     *
     * @param ref the actor
     */
    record ActorStopped(ActorRef<?> ref) implements SystemEvent {}

    /**
     * An actor's handler (or factory, or hook) threw and the actor stopped because of it.
     *
     * @param ref the actor
     * @param cause what it threw
     */
    record ActorFailed(ActorRef<?> ref, Throwable cause) implements SystemEvent {}

    /**
     * An actor failed and its supervisor restarts it (same ref, fresh instance).
     *
     * @param ref the actor
     * @param cause what it threw
     */
    record ActorRestarted(ActorRef<?> ref, Throwable cause) implements SystemEvent {}

    /**
     * A message could not be delivered.
     *
     * @param letter the dead letter, as {@link io.troupe.actors.DeadLetters} saw it
     */
    record DeadLettered(DeadLetter letter) implements SystemEvent {}
}
