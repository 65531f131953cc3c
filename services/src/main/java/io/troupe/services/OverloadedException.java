package io.troupe.services;

/**
 * The failure of a call refused because the load-shed layer refused a call at once because the service behind it was not ready. Distinct from {@link NotReadyException} so that a server can answer "overloaded" (an HTTP 503) without confusing it with a caller's bug.
 *
 * <p>Carries no stack trace: it is an expected outcome under load, created often, and its message
 * names the layer and the limit.
 */
public class OverloadedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message names the layer and the limit that refused the call
     */
    public OverloadedException(String message) {
        super(message, null, false, false);
    }
}
