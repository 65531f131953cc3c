package io.troupe.http.internal;

/** A request the server refuses: the status to answer and why. No stack trace (it is a verdict, not a bug). */
final class HttpError extends Exception {
    private static final long serialVersionUID = 1L;

    final int status;

    HttpError(int status, String detail) {
        super(detail, null, false, false);
        this.status = status;
    }
}
