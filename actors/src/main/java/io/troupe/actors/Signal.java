package io.troupe.actors;

/**
 * A lifecycle notification delivered to {@link Actor#onSignal}, outside the actor's message
 * protocol. Signals travel on the system lane: they never wait behind user messages.
 */
public sealed interface Signal permits Terminated, ChildFailed, ShuttingDown {
    /**
     * The actor the signal is about.
     *
     * @return the actor the signal is about
     */
    ActorRef<?> ref();
}
