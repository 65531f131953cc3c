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

    private static final boolean[] TCHAR = new boolean[128];

    static {
        for (int c = '0'; c <= '9'; c++) {
            TCHAR[c] = true;
        }
        for (int c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = true;
            TCHAR[c - 32] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
    }

    private static final String[] COMMON_METHODS = {"GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"};
    private static final String[] COMMON_NAMES = {"Host", "User-Agent", "Accept", "Content-Length", "Content-Type",
        "Connection", "Transfer-Encoding", "Expect", "Accept-Encoding", "Accept-Language", "host", "user-agent",
        "accept", "content-length", "content-type", "connection", "transfer-encoding", "expect"};
    private static final byte[][] COMMON_METHOD_BYTES = bytes(COMMON_METHODS);
    private static final byte[][] COMMON_NAME_BYTES = bytes(COMMON_NAMES);

    private HeadParser() {}

    private static byte[][] bytes(String[] strings) {
        final byte[][] out = new byte[strings.length][];
        for (int i = 0; i < strings.length; i++) {
            out[i] = strings[i].getBytes(StandardCharsets.ISO_8859_1);
        }
        return out;
    }

    static boolean isTchar(int b) {
        return b >= 0 && b < 128 && TCHAR[b];
    }

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
            if (!isTchar(b[sp])) {
                throw new HttpError(400, "the method is not a token");
            }
            sp++;
        }
        if (sp == i || sp == contentEnd) {
            throw new HttpError(400, "malformed request line");
        }
        final String method = string(b, i, sp, COMMON_METHOD_BYTES, COMMON_METHODS);
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
            if (b[i] == ' ' || b[i] == '\t') {
                throw new HttpError(400, "obsolete line folding in a header field");
            }
            int colon = i;
            while (colon < cEnd && b[colon] != ':') {
                if (!isTchar(b[colon])) {
                    throw new HttpError(400, "a header field name is not a token (white space before the colon?)");
                }
                colon++;
            }
            if (colon == i || colon == cEnd) {
                throw new HttpError(400, "a header field has no name or no colon");
            }
            int vs = colon + 1;
            while (vs < cEnd && (b[vs] == ' ' || b[vs] == '\t')) {
                vs++;
            }
            int ve = cEnd;
            while (ve > vs && (b[ve - 1] == ' ' || b[ve - 1] == '\t')) {
                ve--;
            }
            for (int k = vs; k < ve; k++) {
                final int c = b[k] & 0xff;
                if ((c < 0x20 && c != '\t') || c == 0x7f) {
                    throw new HttpError(400, "control character in a header field value");
                }
            }
            if (headers.size() == maxHeaderCount) {
                throw new HttpError(431, "more than " + maxHeaderCount + " header fields");
            }
            headers.add(string(b, i, colon, COMMON_NAME_BYTES, COMMON_NAMES),
                    new String(b, vs, ve - vs, StandardCharsets.ISO_8859_1));
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

    /** The string of {@code b[from, to)}, shared if it is one of {@code known}. */
    private static String string(byte[] b, int from, int to, byte[][] knownBytes, String[] known) {
        final int len = to - from;
        outer:
        for (int k = 0; k < knownBytes.length; k++) {
            final byte[] kb = knownBytes[k];
            if (kb.length != len) {
                continue;
            }
            for (int j = 0; j < len; j++) {
                if (kb[j] != b[from + j]) {
                    continue outer;
                }
            }
            return known[k];
        }
        return new String(b, from, len, StandardCharsets.ISO_8859_1);
    }
}
