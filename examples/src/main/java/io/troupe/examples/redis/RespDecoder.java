package io.troupe.examples.redis;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Step 1, the codec: cuts a RESP2 byte stream into commands. NOT thread safe: one decoder per
 * connection, fed by that connection's turns.
 *
 * <p>A client sends either a multibulk (what every client library sends):
 * <pre>
 * *3\r\n $3\r\n SET\r\n $1\r\n k\r\n $1\r\n v\r\n     (without the spaces)
 * </pre>
 * or an inline command, one line split on spaces, with quotes as {@code redis-cli} writes them
 * ({@code PING\r\n}, {@code SET "a key" "x\x41"\n}).
 *
 * <p>The decoder is a state machine, so a command may arrive split at any byte and many may
 * arrive in one read (pipelining): {@link #decode} hands every whole command to the sink and
 * keeps its place in the one that is not finished. Each argument is copied once, straight from
 * the read buffer into its own array (which the command then owns); only a header line that is
 * split between two reads is gathered in a small buffer first.
 *
 * <p>Malformed input throws {@link ProtocolException} with the message Redis sends
 * ({@code Protocol error: invalid multibulk length}, ...) after the commands before it have gone
 * to the sink; the stream cannot be decoded further, and the server closes the connection after
 * the error, as Redis does. Limits are Redis' own except the bulk length, which is
 * {@code maxBulkBytes} (Redis: 512 MB).
 */
final class RespDecoder {
    /** The longest inline command or header line, in bytes (Redis' PROTO_INLINE_MAX_SIZE). */
    static final int MAX_LINE_BYTES = 64 * 1024;
    /** The most arguments in one multibulk (Redis' limit). */
    static final int MAX_MULTIBULK_LENGTH = 1024 * 1024;

    /** Receives each whole command: its arguments, the command's name first. */
    @FunctionalInterface
    interface Sink {
        /**
         * One command.
         *
         * @param args the arguments, name first; at least one; owned by the sink from now on
         */
        void onCommand(byte[][] args);
    }

    /** Input that is not RESP: the message is what Redis answers, with "ERR " prepended. */
    static final class ProtocolException extends Exception {
        private static final long serialVersionUID = 1L;

        ProtocolException(String message) {
            super("Protocol error: " + message, null, false, false);
        }
    }

    /** Between commands: the next byte says multibulk ({@code *}) or inline. */
    private static final int START = 0;
    /** Reading a line up to {@code \n}: an inline command, a multibulk count or a bulk length. */
    private static final int LINE = 1;
    /** Copying a bulk argument's bytes. */
    private static final int BULK = 2;
    /** Skipping the two bytes after a bulk argument (Redis skips them without looking). */
    private static final int BULK_END = 3;

    /** What the line being read is. */
    private static final int INLINE = 0;
    private static final int COUNT = 1;
    private static final int BULK_LENGTH = 2;

    private final int maxBulkBytes;
    private int state = START;
    private int lineKind;
    /** The part of a line that arrived in an earlier read; {@code lineLength} bytes of it. */
    private byte[] line = new byte[64];
    private int lineLength;
    /** The multibulk being filled: {@code argCount} arguments of which {@code argIndex} are done. */
    private byte[][] args;
    private int argIndex;
    /** The bulk argument being copied and how many of its bytes have arrived. */
    private byte[] bulk;
    private int bulkFilled;
    private int skip;

    /**
     * A decoder for one stream.
     *
     * @param maxBulkBytes the largest argument accepted, in bytes; positive
     */
    RespDecoder(int maxBulkBytes) {
        if (maxBulkBytes <= 0) {
            throw new IllegalArgumentException("maxBulkBytes must be positive, was " + maxBulkBytes);
        }
        this.maxBulkBytes = maxBulkBytes;
    }

    /**
     * Decodes the remaining bytes of {@code data}, handing each whole command to {@code sink},
     * and keeps what the last one still needs. Reads {@code data} to its limit; keeps no reference
     * to it (it may be a lent buffer).
     *
     * @param data the next bytes of the stream
     * @param sink receives the commands, in order
     * @throws ProtocolException if the stream is not RESP; the commands before the fault have
     *     been handed to the sink, and the decoder must not be used again
     */
    void decode(ByteBuffer data, Sink sink) throws ProtocolException {
        int at = data.position();
        final int limit = data.limit();
        while (at < limit) {
            switch (state) {
                case START -> {
                    if (data.get(at) == '*') {
                        at++;
                        lineKind = COUNT;
                    } else {
                        lineKind = INLINE;
                    }
                    state = LINE;
                }
                case LINE -> at = line(data, at, limit, sink);
                case BULK -> {
                    final int n = Math.min(limit - at, bulk.length - bulkFilled);
                    data.get(at, bulk, bulkFilled, n);
                    at += n;
                    bulkFilled += n;
                    if (bulkFilled == bulk.length) {
                        state = BULK_END;
                        skip = 2;
                    }
                }
                default -> { // BULK_END
                    final int n = Math.min(limit - at, skip);
                    at += n;
                    skip -= n;
                    if (skip == 0) {
                        args[argIndex++] = bulk;
                        bulk = null;
                        if (argIndex == args.length) {
                            emit(sink);
                        } else {
                            state = LINE;
                            lineKind = BULK_LENGTH;
                        }
                    }
                }
            }
        }
        data.position(limit);
    }

    /** Reads a line from {@code at}; handles it when its {@code \n} is here, else keeps it. */
    private int line(ByteBuffer data, int at, int limit, Sink sink) throws ProtocolException {
        int end = -1;
        for (int i = at; i < limit; i++) {
            if (data.get(i) == '\n') {
                end = i;
                break;
            }
        }
        if (end < 0) {
            keep(data, at, limit - at);
            return limit;
        }
        if (lineLength == 0) {
            onLine(data, at, end, sink); // the whole line is in this read: parse it in place
        } else {
            keep(data, at, end - at);
            final ByteBuffer whole = ByteBuffer.wrap(line, 0, lineLength);
            lineLength = 0;
            onLine(whole, 0, whole.limit(), sink);
        }
        return end + 1;
    }

    /** Rare path: a line split between reads is gathered until its end arrives. */
    private void keep(ByteBuffer data, int at, int length) throws ProtocolException {
        if (lineLength + length > MAX_LINE_BYTES) {
            throw new ProtocolException(switch (lineKind) {
                case INLINE -> "too big inline request";
                case COUNT -> "too big mbulk count string";
                default -> "too big bulk count string";
            });
        }
        if (lineLength + length > line.length) {
            line = Arrays.copyOf(line, Math.max(2 * line.length, lineLength + length));
        }
        data.get(at, line, lineLength, length);
        lineLength += length;
    }

    /** A whole line, {@code [from, end)} of {@code buf} without its {@code \n}. */
    private void onLine(ByteBuffer buf, int from, int end, Sink sink) throws ProtocolException {
        if (end > from && buf.get(end - 1) == '\r') {
            end--;
        }
        if (end - from > MAX_LINE_BYTES) {
            throw new ProtocolException(lineKind == INLINE ? "too big inline request" : "too big mbulk count string");
        }
        switch (lineKind) {
            case INLINE -> {
                state = START;
                final byte[][] inline = InlineSplitter.split(buf, from, end);
                if (inline.length > 0) {
                    sink.onCommand(inline);
                }
            }
            case COUNT -> {
                final long count = parseLong(buf, from, end);
                if (count > MAX_MULTIBULK_LENGTH || count == Long.MIN_VALUE) {
                    throw new ProtocolException("invalid multibulk length");
                }
                if (count <= 0) {
                    state = START; // "*0" and "*-1": an empty command, skipped as Redis does
                } else {
                    args = new byte[(int) count][];
                    argIndex = 0;
                    lineKind = BULK_LENGTH;
                }
            }
            default -> { // BULK_LENGTH
                if (end == from || buf.get(from) != '$') {
                    throw new ProtocolException("expected '$', got '" + (end == from ? ' ' : (char) (buf.get(from) & 0xFF)) + "'");
                }
                final long length = parseLong(buf, from + 1, end);
                if (length < 0 || length > maxBulkBytes) {
                    throw new ProtocolException("invalid bulk length");
                }
                bulk = new byte[(int) length];
                bulkFilled = 0;
                if (length == 0) {
                    state = BULK_END;
                    skip = 2;
                } else {
                    state = BULK;
                }
            }
        }
    }

    private void emit(Sink sink) {
        final byte[][] command = args;
        args = null;
        state = START;
        sink.onCommand(command);
    }

    /** A decimal integer in {@code [from, end)}; {@link Long#MIN_VALUE} if it is not one. */
    static long parseLong(ByteBuffer buf, int from, int end) {
        if (from >= end || end - from > 19) {
            return Long.MIN_VALUE;
        }
        final boolean negative = buf.get(from) == '-';
        int i = negative ? from + 1 : from;
        if (i == end) {
            return Long.MIN_VALUE;
        }
        long value = 0;
        for (; i < end; i++) {
            final int d = buf.get(i) - '0';
            if (d < 0 || d > 9) {
                return Long.MIN_VALUE;
            }
            value = value * 10 + d; // 19 digits at most: a value past Long.MAX_VALUE wraps to negative
            if (value < 0) {
                return Long.MIN_VALUE;
            }
        }
        return negative ? -value : value;
    }

    /** Whether a command has begun and not ended: bytes of it are held here. */
    boolean isMidCommand() {
        return state != START || lineLength > 0;
    }
}
