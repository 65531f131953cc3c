package io.troupe.http.internal.h2;

/**
 * An HTTP/2 error found while reading (RFC 9113 5.4): a connection error (stream 0: GOAWAY, then
 * close) or a stream error (RST_STREAM on that stream; the connection goes on). Carries no stack
 * trace: it is control flow for a misbehaving peer, not a bug.
 */
final class H2Exception extends Exception {
    private static final long serialVersionUID = 1L;

    /** The stream in error, or 0 for a connection error. */
    final int streamId;
    /** The RFC 9113 error code. */
    final int errorCode;

    private H2Exception(int streamId, int errorCode, String message) {
        super(H2.errorName(errorCode) + ": " + message, null, false, false);
        this.streamId = streamId;
        this.errorCode = errorCode;
    }

    /** A connection error: the whole connection ends with GOAWAY({@code errorCode}). */
    static H2Exception connection(int errorCode, String message) {
        return new H2Exception(0, errorCode, message);
    }

    /** A stream error: RST_STREAM({@code errorCode}) on {@code streamId}. */
    static H2Exception stream(int streamId, int errorCode, String message) {
        return new H2Exception(streamId, errorCode, message);
    }

    boolean isConnectionError() {
        return streamId == 0;
    }
}
