package io.troupe.actors;

/** A {@link Stash} was full: the message was not stashed. */
public final class StashOverflowException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what overflowed, its capacity, and what to do
     */
    public StashOverflowException(String message) {
        super(message);
    }
}
