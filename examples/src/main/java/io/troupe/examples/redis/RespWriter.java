package io.troupe.examples.redis;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Step 1, the other half of the codec: encodes RESP2 replies into a growing byte array. NOT
 * thread safe: each connection has its own, reused for every batch of replies it writes.
 *
 * <pre>
 * +OK\r\n            simple string     -ERR ...\r\n    error
 * :42\r\n            integer           $3\r\nbar\r\n   bulk string
 * $-1\r\n            null bulk (nil)   *2\r\n...       array of n replies
 * </pre>
 */
final class RespWriter {
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] NIL = "$-1\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OK = "+OK\r\n".getBytes(StandardCharsets.US_ASCII);

    private byte[] bytes;
    private int size;
    /** Scratch for formatting a long: 20 digits and a sign. */
    private final byte[] digits = new byte[20];

    /**
     * An empty writer.
     *
     * @param initialBytes the first array's size
     */
    RespWriter(int initialBytes) {
        bytes = new byte[initialBytes];
    }

    /** {@code +OK}. */
    RespWriter ok() {
        return raw(OK);
    }

    /** A simple string: {@code +text}; the text must hold no CR or LF. */
    RespWriter simple(String text) {
        put((byte) '+').putAscii(text);
        return raw(CRLF);
    }

    /** An error: {@code -ERR text}, the message as given (with its code first); CR and LF become spaces, as Redis does. */
    RespWriter error(String message) {
        put((byte) '-').putAscii(message.replace('\r', ' ').replace('\n', ' '));
        return raw(CRLF);
    }

    /** An integer: {@code :n}. */
    RespWriter integer(long n) {
        put((byte) ':').putLong(n);
        return raw(CRLF);
    }

    /** A bulk string, or nil for {@code null}. */
    RespWriter bulk(byte[] value) {
        if (value == null) {
            return raw(NIL);
        }
        put((byte) '$').putLong(value.length).raw(CRLF).raw(value);
        return raw(CRLF);
    }

    /** A bulk string of the UTF-8 bytes of {@code text}. */
    RespWriter bulk(String text) {
        return bulk(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The header of an array of {@code n} replies, which follow. */
    RespWriter array(int n) {
        put((byte) '*').putLong(n);
        return raw(CRLF);
    }

    /** Bytes that are already RESP. */
    RespWriter raw(byte[] resp) {
        ensure(resp.length);
        System.arraycopy(resp, 0, bytes, size, resp.length);
        size += resp.length;
        return this;
    }

    /** Bytes written so far. */
    int size() {
        return size;
    }

    /** What was written, as a buffer over this writer's array: valid until the next write or {@link #clear}. */
    ByteBuffer buffer() {
        return ByteBuffer.wrap(bytes, 0, size);
    }

    /** A copy of what was written. */
    byte[] toByteArray() {
        return Arrays.copyOf(bytes, size);
    }

    /** Forgets what was written; keeps the array unless it grew large. */
    void clear() {
        size = 0;
        if (bytes.length > 1 << 20) {
            bytes = new byte[64 << 10];
        }
    }

    private RespWriter put(byte b) {
        ensure(1);
        bytes[size++] = b;
        return this;
    }

    private RespWriter putAscii(String s) {
        ensure(s.length());
        for (int i = 0; i < s.length(); i++) {
            bytes[size++] = (byte) s.charAt(i);
        }
        return this;
    }

    private RespWriter putLong(long n) {
        if (n >= 0 && n < 10) {
            return put((byte) ('0' + n));
        }
        if (n == Long.MIN_VALUE) {
            return putAscii("-9223372036854775808");
        }
        int i = digits.length;
        long v = Math.abs(n);
        while (v > 0) {
            digits[--i] = (byte) ('0' + v % 10);
            v /= 10;
        }
        if (n < 0) {
            digits[--i] = '-';
        }
        ensure(digits.length - i);
        System.arraycopy(digits, i, bytes, size, digits.length - i);
        size += digits.length - i;
        return this;
    }

    private void ensure(int more) {
        if (size + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(2 * bytes.length, size + more));
        }
    }
}
