package io.troupe.http.internal;

import io.troupe.http.BodyTooLargeException;
import io.troupe.services.CircuitOpenException;
import io.troupe.services.NotReadyException;
import io.troupe.services.OverloadedException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * The status a server answers with when its service fails, the same for HTTP/1.1 and HTTP/2.
 * Stateless; any thread.
 */
public final class ServiceFailure {
    private ServiceFailure() {}

    /**
     * The failure under its {@link CompletionException} and {@link ExecutionException} wrappers.
     *
     * @param failure what the service's stage failed with, or null (it answered null)
     * @return the innermost cause that is not such a wrapper (a wrapper without a cause stays), or null
     */
    public static Throwable unwrap(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /**
     * The status for an unwrapped failure: 504 for a timeout, 503 for overload, a service not
     * ready or an open circuit, 413 for a body over its limit, else 500 (a handler's bug, which
     * the caller logs).
     *
     * @param cause the unwrapped failure ({@link #unwrap}), or null
     * @return the status code
     */
    public static int status(Throwable cause) {
        if (cause instanceof TimeoutException) {
            return 504;
        } else if (cause instanceof OverloadedException || cause instanceof NotReadyException
                || cause instanceof CircuitOpenException) {
            return 503;
        } else if (cause instanceof BodyTooLargeException) {
            return 413;
        }
        return 500;
    }
}
