package io.troupe.http;

/**
 * A body was longer than the limit it was read with ({@link Body#toBytes}). A handler that lets
 * it fail its call answers 413 (Content Too Large).
 */
public final class BodyTooLargeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The size seen when the limit was passed (at least this long). */
    private final long bytes;
    /** The limit. */
    private final long maxBytes;

    /**
     * A body of at least {@code bytes} over {@code maxBytes}.
     *
     * @param bytes the size seen when the limit was passed
     * @param maxBytes the limit
     */
    public BodyTooLargeException(long bytes, long maxBytes) {
        super("body of at least " + bytes + " bytes is over the limit of " + maxBytes + " bytes");
        this.bytes = bytes;
        this.maxBytes = maxBytes;
    }

    /**
     * The size seen when the limit was passed.
     *
     * @return bytes
     */
    public long bytes() {
        return bytes;
    }

    /**
     * The limit.
     *
     * @return bytes
     */
    public long maxBytes() {
        return maxBytes;
    }
}
