package io.troupe.actors;

/**
 * A child's handler threw, and the child stopped. Delivered to the parent instead of
 * {@link Terminated} when the parent also watches the child.
 *
 * @param ref the child that failed
 * @param cause what its handler threw
 */
public record ChildFailed(ActorRef<?> ref, Throwable cause) implements Signal {}
