package io.troupe.actors;

/**
 * A watched actor has stopped. Delivered exactly once per {@link ActorContext#watch}, unless
 * {@link ActorContext#unwatch} came first.
 *
 * @param ref the actor that stopped
 */
public record Terminated(ActorRef<?> ref) implements Signal {}
