package io.troupe.http.internal;

import io.troupe.http.Headers;
import java.nio.charset.StandardCharsets;

/**
 * Parses a request head (request line and header fields, up to the blank line) held in an array.
 * Stateless: the stage finds where the head ends (scanning as bytes arrive) and hands over the
 * whole head at once. No regular expressions; strings are made once, as ISO-8859-1, and the
 * common methods and header names are shared constants rather than new strings.
 *
 * <p>Accepts a line end of CRLF or a bare LF (RFC 9112 section 2.2). Refuses with 400: a method
 * that is not a token, an empty or control-character target, a malformed version, a field name
 * that is not a token or is followed by white space before the colon, obsolete line folding, and
 * control characters in a value. An {@code HTTP/x.y} other than 1.0 and 1.1 is 505; more than
 * {@code maxHeaderCount} fields is 431.
 */
final class HeadParser {
    /** A parsed head. */
    record Head(String method, String target, boolean http11, Headers headers) {}

    private static final String[] COMMON_METHODS = {"GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"};
    private static final byte[][] COMMON_METHOD_BYTES = Http1Codec.bytes(COMMON_METHODS);

    private HeadParser() {}

    /**
     * Parses the head in {@code b[from, to)}, which ends with its blank line.
     *
     * @throws HttpError with the status to answer
     */
    static Head parse(byte[] b, int from, int to, int maxHeaderCount) throws HttpError {
        // request line: method SP target SP version
        int i = from;
        final int lineEnd = lineEnd(b, i, to);
        final int contentEnd = b[lineEnd - 1] == '\r' && lineEnd - 1 >= i ? lineEnd - 1 : lineEnd;
        int sp = i;
        while (sp < contentEnd && b[sp] != ' ') {
            if (!Http1Codec.isTchar(b[sp])) {
                throw new HttpError(400, "the method is not a token");
            }
            sp++;
        }
        if (sp == i || sp == contentEnd) {
            throw new HttpError(400, "malformed request line");
        }
        final String method = Http1Codec.string(b, i, sp, COMMON_METHOD_BYTES, COMMON_METHODS);
        i = sp + 1;
        sp = i;
        while (sp < contentEnd && b[sp] != ' ') {
            final int c = b[sp] & 0xff;
            if (c < 0x21 || c == 0x7f) {
                throw new HttpError(400, "control character in the request target");
            }
            sp++;
        }
        if (sp == i || sp == contentEnd) {
            throw new HttpError(400, "malformed request line");
        }
        final String target = new String(b, i, sp - i, StandardCharsets.ISO_8859_1);
        i = sp + 1;
        final boolean http11 = version(b, i, contentEnd);

        // header fields
        final Headers.Builder headers = Headers.builder();
        i = lineEnd + 1;
        while (true) {
            final int end = lineEnd(b, i, to);
            final int cEnd = end > i && b[end - 1] == '\r' ? end - 1 : end;
            if (cEnd == i) {
                break; // the blank line
            }
            Http1Codec.parseField(b, i, cEnd, headers);
            if (headers.size() > maxHeaderCount) {
                throw new HttpError(431, "more than " + maxHeaderCount + " header fields");
            }
            i = end + 1;
        }
        return new Head(method, target, http11, headers.build());
    }

    /** The index of the LF that ends the line starting at {@code i} (the head ends with one). */
    private static int lineEnd(byte[] b, int i, int to) throws HttpError {
        for (int k = i; k < to; k++) {
            if (b[k] == '\n') {
                return k;
            }
        }
        throw new HttpError(400, "incomplete head");
    }

    private static boolean version(byte[] b, int i, int end) throws HttpError {
        if (end - i != 8 || b[i] != 'H' || b[i + 1] != 'T' || b[i + 2] != 'T' || b[i + 3] != 'P' || b[i + 4] != '/'
                || b[i + 6] != '.' || !digit(b[i + 5]) || !digit(b[i + 7])) {
            throw new HttpError(400, "malformed HTTP version");
        }
        if (b[i + 5] == '1' && b[i + 7] == '1') {
            return true;
        }
        if (b[i + 5] == '1' && b[i + 7] == '0') {
            return false;
        }
        throw new HttpError(505, "HTTP version " + (char) b[i + 5] + "." + (char) b[i + 7] + " is not supported");
    }

    private static boolean digit(byte c) {
        return c >= '0' && c <= '9';
    }
}
