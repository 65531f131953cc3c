package io.troupe.io;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * A way to cut a byte stream into frames and to send frames: length-prefixed or
 * line-delimited. Immutable and thread safe; each connection gets its own {@link Decoder}.
 *
 * <p>Give it to a connection with {@link TcpOptions#withFraming}, or use a {@link Decoder}
 * directly in a handler that reads raw bytes.
 *
 * <pre>{@code
 * Framing lines = Framing.lines(8 * 1024);
 * Framing.Decoder decoder = lines.newDecoder();
 * decoder.feed(chunk);
 * for (ByteBuffer line = decoder.next(); line != null; line = decoder.next()) { ... }
 * }</pre>
 */
public final class Framing {
    private static final int LINES = 0;

    private final int headerBytes;
    private final int maxFrameBytes;
    /** Lines only: an overlong line is skipped (and reported) instead of ending the stream. */
    private final boolean discardOverlong;

    private Framing(int headerBytes, int maxFrameBytes) {
        this(headerBytes, maxFrameBytes, false);
    }

    private Framing(int headerBytes, int maxFrameBytes, boolean discardOverlong) {
        this.headerBytes = headerBytes;
        this.maxFrameBytes = maxFrameBytes;
        this.discardOverlong = discardOverlong;
    }

    /**
     * Frames preceded by their length as a 4-byte big-endian unsigned integer.
     *
     * @param maxFrameBytes the largest frame accepted, in bytes, without the header
     * @return the framing
     * @throws IllegalArgumentException if {@code maxFrameBytes} is not positive
     */
    public static Framing lengthPrefixed(int maxFrameBytes) {
        return lengthPrefixed(4, maxFrameBytes);
    }

    /**
     * Frames preceded by their length as a big-endian unsigned integer of {@code headerBytes}
     * (1, 2 or 4) bytes.
     *
     * @param headerBytes the size of the length header: 1, 2 or 4
     * @param maxFrameBytes the largest frame accepted, in bytes, without the header
     * @return the framing
     * @throws IllegalArgumentException if {@code headerBytes} is not 1, 2 or 4, or
     *     {@code maxFrameBytes} is not positive or cannot be expressed in the header
     */
    public static Framing lengthPrefixed(int headerBytes, int maxFrameBytes) {
        if (headerBytes != 1 && headerBytes != 2 && headerBytes != 4) {
            throw new IllegalArgumentException("headerBytes must be 1, 2 or 4, was " + headerBytes);
        }
        checkMax(maxFrameBytes);
        if (headerBytes < 4 && maxFrameBytes >= (1 << (8 * headerBytes))) {
            throw new IllegalArgumentException("maxFrameBytes " + maxFrameBytes + " does not fit a " + headerBytes
                    + "-byte length header (at most " + ((1 << (8 * headerBytes)) - 1) + ")");
        }
        return new Framing(headerBytes, maxFrameBytes);
    }

    /**
     * Lines ended by {@code '\n'}; a {@code '\r'} before it is dropped too. Frames exclude the
     * line end; sending a frame appends {@code '\n'}.
     *
     * @param maxLineBytes the longest line, without its line end
     * @return the framing
     * @throws IllegalArgumentException if {@code maxLineBytes} is not positive
     */
    public static Framing lines(int maxLineBytes) {
        checkMax(maxLineBytes);
        return new Framing(LINES, maxLineBytes);
    }

    /**
     * Lines like {@link #lines(int)}, but a line over {@code maxLineBytes} is skipped up to and
     * including its line end, and decoding goes on with the next line, instead of the stream
     * failing: a connection tells its handler {@link Tcp.FrameDiscarded} with the line's size, in
     * order between the lines around it. The skipped bytes are never buffered beyond the limit.
     *
     * @param maxLineBytes the longest line, without its line end
     * @return the framing
     * @throws IllegalArgumentException if {@code maxLineBytes} is not positive
     */
    public static Framing linesDiscardingOverlong(int maxLineBytes) {
        checkMax(maxLineBytes);
        return new Framing(LINES, maxLineBytes, true);
    }

    /**
     * Whether an overlong line is skipped and reported rather than failing the stream.
     *
     * @return {@code true} for {@link #linesDiscardingOverlong}
     */
    public boolean discardsOverlong() {
        return discardOverlong;
    }

    private static void checkMax(int maxFrameBytes) {
        if (maxFrameBytes <= 0) {
            throw new IllegalArgumentException("maxFrameBytes must be positive, was " + maxFrameBytes);
        }
    }

    /**
     * The largest frame accepted, in bytes (without header or line end).
     *
     * @return the frame size limit, in bytes
     */
    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    /**
     * A new decoder, for one stream.
     *
     * @return a fresh decoder with nothing buffered
     */
    public Decoder newDecoder() {
        return new Decoder(this);
    }

    /**
     * The buffers that send {@code frame} (its remaining bytes): header then frame, or frame
     * then line end. {@code frame} is not copied or moved. Any thread; allocates a small array
     * and a few bytes.
     *
     * @param frame the frame to send
     * @return the buffers to write, in order
     * @throws IllegalArgumentException if the frame is over {@link #maxFrameBytes}, or a line
     *     contains {@code '\n'}
     */
    public ByteBuffer[] encode(ByteBuffer frame) {
        Objects.requireNonNull(frame, "frame");
        final int n = frame.remaining();
        if (n > maxFrameBytes) {
            throw new IllegalArgumentException("frame of " + n + " bytes is over maxFrameBytes " + maxFrameBytes);
        }
        final ByteBuffer body = frame.duplicate();
        if (headerBytes == LINES) {
            for (int i = body.position(); i < body.limit(); i++) {
                if (body.get(i) == '\n') {
                    throw new IllegalArgumentException("a line frame must not contain '\\n' (at offset "
                            + (i - body.position()) + ")");
                }
            }
            return new ByteBuffer[] {body, ByteBuffer.wrap(new byte[] {'\n'})};
        }
        final ByteBuffer header = ByteBuffer.allocate(headerBytes);
        switch (headerBytes) {
            case 1 -> header.put((byte) n);
            case 2 -> header.putShort((short) n);
            default -> header.putInt(n);
        }
        return new ByteBuffer[] {header.flip(), body};
    }

    /**
     * The bytes {@link #encode} adds to a frame.
     *
     * @return the header size, or 1 for the line end
     */
    public int overheadBytes() {
        return headerBytes == LINES ? 1 : headerBytes;
    }

    @Override
    public String toString() {
        return headerBytes == LINES ? (discardOverlong ? "Framing.linesDiscardingOverlong(" : "Framing.lines(") + maxFrameBytes + ")"
                : "Framing.lengthPrefixed(" + headerBytes + ", " + maxFrameBytes + ")";
    }

    /**
     * Cuts one byte stream into frames. NOT thread safe: one decoder per stream, used by one
     * thread at a time (a connection actor or a handler).
     *
     * <p>Frames that arrive whole within one fed buffer are returned as slices of it, without a
     * copy; a frame split over several buffers is assembled once. A frame over
     * {@code maxFrameBytes} is refused as soon as that is known (from the header, or when a
     * line grows past the limit without an end), before it is buffered.
     */
    public static final class Decoder {
        /**
         * Returned by {@link #next} in place of a line that was skipped for being over the limit
         * ({@link Framing#linesDiscardingOverlong}); its size is {@link #lastDiscardedBytes}.
         * Empty and read-only; compare by identity.
         */
        public static final ByteBuffer DISCARDED = ByteBuffer.allocate(0).asReadOnlyBuffer();

        private final Framing framing;
        /** Discarding: skipping the rest of an overlong line, up to its line end. */
        private boolean discarding;
        /** Bytes of the line being skipped so far. */
        private long discardedBytes;
        private long lastDiscardedBytes;
        /** Unread bytes between position and limit; null when none. */
        private ByteBuffer pending;
        /** Whether {@code pending}'s array is ours (writable past its limit) rather than the caller's. */
        private boolean owned;
        /** Lines: bytes of {@code pending} already scanned for a line end. */
        private int scanned;

        private Decoder(Framing framing) {
            this.framing = framing;
        }

        /**
         * Adds {@code bytes} (their remaining bytes) to the stream. The decoder keeps the buffer
         * and returns slices of it: the caller must not change it afterwards. Cost: no copy when
         * nothing is pending; otherwise one copy of the new bytes.
         *
         * @param bytes the next bytes of the stream
         */
        public void feed(ByteBuffer bytes) {
            Objects.requireNonNull(bytes, "bytes");
            if (!bytes.hasRemaining()) {
                return;
            }
            if (pending == null || !pending.hasRemaining()) {
                pending = bytes.slice();
                owned = false;
                scanned = 0;
                return;
            }
            append(bytes);
        }

        /** Rare path: appends to the pending bytes, growing into a new array when needed. */
        private void append(ByteBuffer bytes) {
            final int have = pending.remaining();
            final int add = bytes.remaining();
            if (owned && pending.capacity() - pending.limit() >= add) {
                final int limit = pending.limit();
                pending.limit(limit + add);
                pending.put(limit, bytes, bytes.position(), add);
                return;
            }
            // Never compact in place: frames already returned may be slices of the old array.
            final int want = Math.max(have + add, Math.min(2 * (have + add), framing.maxFrameBytes + framing.overheadBytes()));
            final ByteBuffer grown = ByteBuffer.allocate(want);
            grown.put(pending).put(bytes.duplicate()).flip();
            pending = grown;
            owned = true;
        }

        /**
         * The next whole frame (a buffer the caller owns, position 0), or {@code null} if more
         * bytes are needed.
         *
         * @return the next frame, {@link #DISCARDED}, or {@code null}
         * @throws FramingException if the next frame is over {@code maxFrameBytes}; the stream
         *     cannot be decoded further
         */
        public ByteBuffer next() throws FramingException {
            final ByteBuffer p = pending;
            if (p == null || !p.hasRemaining()) {
                return null;
            }
            return framing.headerBytes == LINES ? nextLine(p) : nextLengthPrefixed(p);
        }

        private ByteBuffer nextLengthPrefixed(ByteBuffer p) throws FramingException {
            final int h = framing.headerBytes;
            if (p.remaining() < h) {
                return null;
            }
            final int at = p.position();
            final long length = switch (h) {
                case 1 -> p.get(at) & 0xFFL;
                case 2 -> p.getShort(at) & 0xFFFFL;
                default -> p.getInt(at) & 0xFFFF_FFFFL;
            };
            if (length > framing.maxFrameBytes) {
                throw new FramingException("frame of " + length + " bytes is over maxFrameBytes "
                        + framing.maxFrameBytes + " (length-prefixed, " + h + "-byte header)");
            }
            if (p.remaining() - h < length) {
                return null;
            }
            final ByteBuffer frame = p.slice(at + h, (int) length);
            p.position(at + h + (int) length);
            return frame;
        }

        /**
         * The size of the line last skipped (when {@link #next} returned {@link #DISCARDED}), line end excluded.
         *
         * @return the size in bytes of the last skipped line
         */
        public long lastDiscardedBytes() {
            return lastDiscardedBytes;
        }

        /** Skips to the end of an overlong line: DISCARDED when its line end was found, null if more is needed. */
        private ByteBuffer skipLine(ByteBuffer p) {
            final int start = p.position();
            final int limit = p.limit();
            for (int i = start; i < limit; i++) {
                if (p.get(i) == '\n') {
                    discardedBytes += i - start;
                    if (discardedBytes > 0 && i > start && p.get(i - 1) == '\r') {
                        discardedBytes--;
                    }
                    p.position(i + 1);
                    discarding = false;
                    scanned = 0;
                    lastDiscardedBytes = discardedBytes;
                    discardedBytes = 0;
                    return DISCARDED;
                }
            }
            discardedBytes += limit - start;
            p.position(limit); // nothing of it is kept
            return null;
        }

        private ByteBuffer nextLine(ByteBuffer p) throws FramingException {
            if (discarding) {
                return skipLine(p);
            }
            final int start = p.position();
            final int limit = p.limit();
            for (int i = start + scanned; i < limit; i++) {
                if (p.get(i) == '\n') {
                    int end = i;
                    if (end > start && p.get(end - 1) == '\r') {
                        end--;
                    }
                    if (end - start > framing.maxFrameBytes) {
                        if (framing.discardOverlong) {
                            p.position(i + 1);
                            scanned = 0;
                            lastDiscardedBytes = end - start;
                            return DISCARDED;
                        }
                        throw new FramingException("line of " + (end - start) + " bytes is over maxFrameBytes "
                                + framing.maxFrameBytes);
                    }
                    p.position(i + 1);
                    scanned = 0;
                    return p.slice(start, end - start);
                }
            }
            scanned = limit - start;
            // A line of max bytes may still be followed by "\r\n": allow two bytes of line end.
            if (scanned > framing.maxFrameBytes + 1) {
                if (framing.discardOverlong) {
                    discarding = true;
                    discardedBytes = 0;
                    return skipLine(p); // drops what is buffered; finds no line end here
                }
                throw tooLong(scanned);
            }
            return null;
        }

        private FramingException tooLong(int bytes) {
            return new FramingException("line of " + bytes + "+ bytes without a line end is over maxFrameBytes "
                    + framing.maxFrameBytes);
        }

        /**
         * Bytes fed and not yet returned as frames.
         *
         * @return the number of buffered bytes
         */
        public int bufferedBytes() {
            return pending == null ? 0 : pending.remaining();
        }
    }
}
