package io.troupe.http.internal.h2;

/**
 * A header block that could not be decoded, with what the caller must do about it.
 *
 * <p>{@link Kind#COMPRESSION} means the HPACK context is broken (the dynamic table may no longer be
 * in step with the peer's): the connection must end with a GOAWAY carrying COMPRESSION_ERROR
 * (RFC 9113 section 4.3). The other kinds leave the context intact, because the decoder read the
 * whole block before it threw: the caller rejects only the stream (431-like for
 * {@link Kind#HEADER_LIST_TOO_LARGE}, a stream error PROTOCOL_ERROR for {@link Kind#MALFORMED}).
 */
public class HpackException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why the block was refused. */
    public enum Kind {
        /** The block breaks RFC 7541; the HPACK context is lost: close the connection (COMPRESSION_ERROR). */
        COMPRESSION,
        /** The decoded header list exceeds the limit (name + value + 32 per field): reject this stream only. */
        HEADER_LIST_TOO_LARGE,
        /** A field breaks RFC 9113 section 8.2.1 (uppercase or forbidden octets): reject this stream only. */
        MALFORMED
    }

    private final Kind kind;

    /**
     * Creates an exception of the given kind.
     *
     * @param kind why the block was refused
     * @param message what was wrong, for logs
     */
    public HpackException(Kind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    /**
     * A COMPRESSION_ERROR: the block breaks RFC 7541.
     *
     * @param message what was wrong
     * @return the exception
     */
    public static HpackException compression(String message) {
        return new HpackException(Kind.COMPRESSION, message);
    }

    /**
     * Why the block was refused.
     *
     * @return the kind
     */
    public Kind kind() {
        return kind;
    }

    /**
     * Whether the connection's HPACK context is broken, so the connection must close with
     * COMPRESSION_ERROR; false when only this header list is refused and the connection may go on.
     *
     * @return true for {@link Kind#COMPRESSION}
     */
    public boolean isConnectionError() {
        return kind == Kind.COMPRESSION;
    }
}
