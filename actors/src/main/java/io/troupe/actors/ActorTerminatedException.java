package io.troupe.actors;

/** Fails an {@link ActorRef#ask} whose target stopped before it replied. */
public final class ActorTerminatedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception; the message names the actor's path.
     *
     * @param message which actor stopped
     */
    public ActorTerminatedException(String message) {
        super(message);
    }
}
