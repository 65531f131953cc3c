package io.troupe.services;

/**
 * The failure of a call refused because a circuit breaker refused a call because its circuit is open (or half-open with all trial calls taken): the service behind it failed or was slow too often, and is left alone until the breaker's wait is over.
 *
 * <p>Carries no stack trace: it is an expected outcome under load, created often, and its message
 * names the layer and the limit.
 */
public class CircuitOpenException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message names the layer and the limit that refused the call
     */
    public CircuitOpenException(String message) {
        super(message, null, false, false);
    }
}
