package io.troupe.services;

/**
 * The failure of a call refused because a call was made to a service (or a layer of it) that is at a limit and not ready: a concurrency limit that is full, a rate limit without a token, a buffer that is full. Nothing was queued; the request is still the caller's to retry later, after {@link Service#ready()}.
 *
 * <p>Carries no stack trace: it is an expected outcome under load, created often, and its message
 * names the layer and the limit.
 */
public class NotReadyException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message names the layer and the limit that refused the call
     */
    public NotReadyException(String message) {
        super(message, null, false, false);
    }
}
