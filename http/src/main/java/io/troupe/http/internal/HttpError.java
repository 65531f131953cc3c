package io.troupe.http.internal;

/**
 * A message the HTTP/1.1 parsing refuses: the status to answer (a server answers it, a client
 * reports the message) and why. No stack trace (it is a verdict, not a bug). Immutable.
 */
public final class HttpError extends Exception {
    private static final long serialVersionUID = 1L;

    final int status;

    HttpError(int status, String detail) {
        super(detail, null, false, false);
        this.status = status;
    }

    /**
     * The status a server answers with.
     *
     * @return the status code, such as 400
     */
    public int status() {
        return status;
    }
}
