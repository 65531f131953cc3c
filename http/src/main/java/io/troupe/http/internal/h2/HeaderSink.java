package io.troupe.http.internal.h2;

/**
 * Receives the fields of one decoded header block, in the order they appear in it.
 *
 * <p>Called by {@link HpackDecoder#decode} on the caller's thread, once per field. The strings are
 * the field's octets as ISO-8859-1, names already checked to be lowercase tokens (RFC 9113 section
 * 8.2.1); a sink may keep them.
 */
@FunctionalInterface
public interface HeaderSink {
    /**
     * Takes one decoded field.
     *
     * <p>A sink may refuse the header list by throwing: an exception whose
     * {@link HpackException#isConnectionError()} is false makes the decoder stop calling the sink,
     * finish the block (so the dynamic table stays in step with the peer) and then throw it; a
     * connection error is thrown at once.
     *
     * @param name the field name, lowercase (pseudo-header fields start with a colon)
     * @param value the field value
     * @throws HpackException to refuse the header list or fail the connection
     */
    void header(String name, String value) throws HpackException;
}
