package io.troupe.http.internal;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Percent-decoding of request targets (RFC 3986 2.1) as UTF-8, strict: an escape is {@code %}
 * and two hexadecimal digits, and the decoded bytes must be well-formed UTF-8. Stateless and
 * thread safe. Cost: a scan of the text; nothing is allocated for text with no escape and no
 * byte above 0x7F (the common case), else one byte array and the decoded string.
 *
 * <p>The text given is the target as the server read it (each char one byte, ISO-8859-1), or a
 * Java string a caller made; a char above 0xFF is taken as its UTF-8 bytes.
 */
public final class PercentCoding {
    private PercentCoding() {}

    /**
     * Decodes a path strictly, as the server does before it calls a handler: an escape that
     * changes the path's segments ({@code %2F}) or encodes NUL ({@code %00}) is refused too.
     *
     * @param raw the path as sent
     * @return the decoded path ({@code raw} itself if it has nothing to decode)
     * @throws HttpError 400 for a malformed escape, malformed UTF-8, an encoded {@code /} or NUL
     */
    public static String checkedPath(String raw) throws HttpError {
        return decode(raw, false, true);
    }

    /**
     * Decodes a path or one segment of it: as {@link #checkedPath}, but an encoded {@code /} or
     * NUL is decoded like any byte.
     *
     * @param raw the text as sent
     * @return the decoded text ({@code raw} itself if it has nothing to decode)
     * @throws HttpError 400 for a malformed escape or malformed UTF-8
     */
    public static String decode(String raw) throws HttpError {
        return decode(raw, false, false);
    }

    /**
     * Decodes a query as {@code application/x-www-form-urlencoded} pairs: split at {@code &},
     * each at its first {@code =} (no {@code =}: the value is empty), {@code +} is a space, then
     * percent-decoding as UTF-8. Empty pieces are skipped.
     *
     * @param raw the query as sent (after the {@code ?}), or null
     * @return name to values in the order first seen, values in order; unmodifiable (empty if none)
     * @throws HttpError 400 for a malformed escape or malformed UTF-8
     */
    public static Map<String, List<String>> queryParams(String raw) throws HttpError {
        if (raw == null || raw.isEmpty()) {
            return Map.of();
        }
        final LinkedHashMap<String, List<String>> out = new LinkedHashMap<>();
        int start = 0;
        final int n = raw.length();
        while (start <= n) {
            int amp = raw.indexOf('&', start);
            if (amp < 0) {
                amp = n;
            }
            if (amp > start) {
                final int eq = raw.indexOf('=', start);
                final String name;
                final String value;
                if (eq >= 0 && eq < amp) {
                    name = decode(raw.substring(start, eq), true, false);
                    value = decode(raw.substring(eq + 1, amp), true, false);
                } else {
                    name = decode(raw.substring(start, amp), true, false);
                    value = "";
                }
                out.computeIfAbsent(name, k -> new ArrayList<>(1)).add(value);
            }
            start = amp + 1;
        }
        out.replaceAll((k, v) -> List.copyOf(v));
        return Collections.unmodifiableMap(out);
    }

    /**
     * Checks a query the way {@link #queryParams} reads it, without keeping anything.
     *
     * @param raw the query, or null
     * @throws HttpError 400 for a malformed escape or malformed UTF-8
     */
    public static void checkQuery(String raw) throws HttpError {
        if (raw != null && needsDecoding(raw, true)) {
            queryParams(raw);
        }
    }

    private static boolean needsDecoding(String s, boolean plusIsSpace) {
        for (int i = 0, n = s.length(); i < n; i++) {
            final char c = s.charAt(i);
            if (c == '%' || c > 0x7f || (plusIsSpace && c == '+')) {
                return true;
            }
        }
        return false;
    }

    private static String decode(String s, boolean plusIsSpace, boolean refuseSlashAndNul) throws HttpError {
        if (!needsDecoding(s, plusIsSpace)) {
            return s;
        }
        final int n = s.length();
        byte[] bytes = new byte[n];
        int len = 0;
        boolean ascii = true;
        for (int i = 0; i < n; i++) {
            final char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= n) {
                    throw new HttpError(400, "a truncated percent escape in '" + abbreviate(s) + "'");
                }
                final int hi = Character.digit(s.charAt(i + 1), 16);
                final int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0 || s.charAt(i + 1) > 0x7f || s.charAt(i + 2) > 0x7f) {
                    throw new HttpError(400, "an invalid percent escape '" + s.substring(i, i + 3) + "' in '"
                            + abbreviate(s) + "'");
                }
                final int b = hi << 4 | lo;
                if (refuseSlashAndNul && (b == '/' || b == 0)) {
                    throw new HttpError(400, (b == 0 ? "an encoded NUL" : "an encoded '/' (it would change the path's"
                            + " segments)") + " in '" + abbreviate(s) + "'");
                }
                ascii &= b < 0x80;
                bytes[len++] = (byte) b;
                i += 2;
            } else if (c == '+' && plusIsSpace) {
                bytes[len++] = ' ';
            } else if (c <= 0xff) {
                ascii &= c < 0x80;
                bytes[len++] = (byte) c;
            } else {
                final byte[] utf8 = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    final byte[] pair = s.substring(i, i + 2).getBytes(StandardCharsets.UTF_8);
                    bytes = ensure(bytes, len + pair.length);
                    System.arraycopy(pair, 0, bytes, len, pair.length);
                    len += pair.length;
                    i++;
                    ascii = false;
                    continue;
                }
                bytes = ensure(bytes, len + utf8.length);
                System.arraycopy(utf8, 0, bytes, len, utf8.length);
                len += utf8.length;
                ascii = false;
            }
        }
        if (ascii) {
            return new String(bytes, 0, len, StandardCharsets.ISO_8859_1);
        }
        final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            final CharBuffer chars = utf8.decode(ByteBuffer.wrap(bytes, 0, len));
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new HttpError(400, "'" + abbreviate(s) + "' does not decode as UTF-8");
        }
    }

    private static byte[] ensure(byte[] b, int size) {
        return size <= b.length ? b : java.util.Arrays.copyOf(b, Math.max(size, b.length * 2));
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
