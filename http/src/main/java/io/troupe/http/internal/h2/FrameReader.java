package io.troupe.http.internal.h2;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Reads HTTP/2 frames (RFC 9113 4, 6) out of a connection's bytes, split anywhere, and hands
 * each to a {@link Listener}: the client preface first (on a server), then frames, with a
 * HEADERS frame and its CONTINUATIONs joined into one field block under a bound. NOT thread safe:
 * one reader per connection, called in the connection's turn.
 *
 * <p>What it checks itself (each a {@link H2Exception}): the preface, SETTINGS as the first
 * frame, a frame longer than the advertised {@code SETTINGS_MAX_FRAME_SIZE}, every type's fixed
 * length and stream-0 rules, padding longer than its frame, a setting out of range, a frame
 * between a HEADERS and its last CONTINUATION, PUSH_PROMISE (a client must not push), a zero
 * WINDOW_UPDATE, a self-dependent priority, a field block over {@code maxHeaderBlockBytes} or of
 * more than {@link #MAX_CONTINUATIONS} CONTINUATIONs (CVE-2024-27316: a block never ended must not
 * grow without bound). PRIORITY frames are checked, then ignored (RFC 9113 5.3.2); frames of
 * unknown types are ignored (RFC 9113 4.1). Stream states, flow control and HPACK are the
 * listener's.
 *
 * <p>Cost: a frame wholly inside a read is parsed in place and its payload lent to the listener
 * (DATA, a one-frame field block) with no copy; only a frame split across reads is copied, into
 * an array of its own size (at most the max frame size plus the header). A field block in
 * several frames is joined into one array, at most {@code maxHeaderBlockBytes}. An idle reader
 * holds no payload buffer.
 *
 * <p>After a connection error the reader must not be fed again. After a stream error the frame
 * has been consumed (the input's position is past it) and reading may go on.
 */
final class FrameReader {
    /** The most CONTINUATION frames one field block may have. */
    static final int MAX_CONTINUATIONS = 64;

    /** What the frames say; each call in the connection's turn. Payloads are lent for the call only. */
    interface Listener {
        /**
         * A DATA frame.
         *
         * @param streamId the stream (not 0)
         * @param data the data, padding removed (lent)
         * @param flowControlledBytes the whole payload's length, padding included, which counts
         *     against the flow-control windows
         * @param endStream END_STREAM is set
         */
        void onData(int streamId, ByteBuffer data, int flowControlledBytes, boolean endStream) throws H2Exception;

        /**
         * A complete field block: a HEADERS frame and its CONTINUATIONs, joined.
         *
         * @param streamId the stream (not 0)
         * @param block the HPACK-encoded field block (lent)
         * @param endStream END_STREAM was set on the HEADERS frame
         * @param selfDependent its priority names the stream itself: after decoding the block
         *     (to keep the HPACK state), the stream is in error (PROTOCOL_ERROR)
         */
        void onHeaders(int streamId, ByteBuffer block, boolean endStream, boolean selfDependent) throws H2Exception;

        /** RST_STREAM. */
        void onRstStream(int streamId, int errorCode) throws H2Exception;

        /**
         * SETTINGS (values already range-checked).
         *
         * @param ack the ACK flag (then {@code count} is 0)
         * @param ids the identifiers, {@code count} of them
         * @param values the values (unsigned 32-bit, in longs)
         * @param count how many settings
         */
        void onSettings(boolean ack, int[] ids, long[] values, int count) throws H2Exception;

        /** PING (8 opaque bytes as a long). */
        void onPing(boolean ack, long payload) throws H2Exception;

        /** GOAWAY. */
        void onGoAway(int lastStreamId, int errorCode) throws H2Exception;

        /** WINDOW_UPDATE with a positive increment. */
        void onWindowUpdate(int streamId, int increment) throws H2Exception;
    }

    private final Listener listener;
    private final int maxFrameBytes;
    private final int maxHeaderBlockBytes;

    /** Preface bytes still to check (0: done, or none expected). */
    private int prefaceLeft;
    private boolean settingsSeen;

    // a frame split across reads
    private final byte[] header = new byte[H2.FRAME_HEADER_BYTES];
    private int headerFill;
    private byte[] partial;
    private int partialFill;

    // a field block in several frames
    private int blockStream;
    private byte[] block;
    private int blockLength;
    private boolean blockEndStream;
    private boolean blockSelfDependent;
    private int blockFrames;

    /**
     * A reader.
     *
     * @param listener gets the frames
     * @param expectPreface true on a server: the client's 24-byte preface comes first
     * @param maxFrameBytes the SETTINGS_MAX_FRAME_SIZE this end advertises
     * @param maxHeaderBlockBytes the most bytes of one encoded field block
     */
    FrameReader(Listener listener, boolean expectPreface, int maxFrameBytes, int maxHeaderBlockBytes) {
        this.listener = listener;
        this.prefaceLeft = expectPreface ? H2.PREFACE.length : 0;
        this.settingsSeen = !expectPreface;
        this.maxFrameBytes = maxFrameBytes;
        this.maxHeaderBlockBytes = maxHeaderBlockBytes;
    }

    /** True while a frame or a field block is partly read (bytes held here). */
    boolean isMidFrame() {
        return headerFill > 0 || blockStream != 0;
    }

    /** True while a field block waits for its CONTINUATION frames. */
    boolean isMidHeaderBlock() {
        return blockStream != 0;
    }

    /**
     * Reads every frame {@code in} holds from its position, keeping a partial one; returns with
     * {@code in} consumed. Throws at the first error, with {@code in}'s position past the frame
     * in error.
     *
     * @param in bytes from the peer (lent: what must outlive the call is copied)
     * @throws H2Exception a connection or stream error
     */
    void feed(ByteBuffer in) throws H2Exception {
        while (in.hasRemaining()) {
            if (prefaceLeft > 0) {
                readPreface(in);
                continue;
            }
            if (headerFill == 0 && in.remaining() >= H2.FRAME_HEADER_BYTES) {
                final int p = in.position();
                final int length = ((in.get(p) & 0xff) << 16) | ((in.get(p + 1) & 0xff) << 8) | (in.get(p + 2) & 0xff);
                checkLength(length);
                if (in.remaining() >= H2.FRAME_HEADER_BYTES + length) {
                    final int type = in.get(p + 3) & 0xff;
                    final int flags = in.get(p + 4) & 0xff;
                    final int stream = in.getInt(p + 5) & 0x7fffffff;
                    final ByteBuffer payload = in.slice(p + H2.FRAME_HEADER_BYTES, length);
                    in.position(p + H2.FRAME_HEADER_BYTES + length);
                    frame(type, flags, stream, payload);
                    continue;
                }
            }
            // a frame split across reads: gather its header, then its payload
            if (headerFill < H2.FRAME_HEADER_BYTES) {
                final int n = Math.min(H2.FRAME_HEADER_BYTES - headerFill, in.remaining());
                in.get(header, headerFill, n);
                headerFill += n;
                if (headerFill < H2.FRAME_HEADER_BYTES) {
                    return;
                }
                final int length = ((header[0] & 0xff) << 16) | ((header[1] & 0xff) << 8) | (header[2] & 0xff);
                checkLength(length);
                partial = new byte[length];
                partialFill = 0;
            }
            final int n = Math.min(partial.length - partialFill, in.remaining());
            in.get(partial, partialFill, n);
            partialFill += n;
            if (partialFill < partial.length) {
                return;
            }
            final int type = header[3] & 0xff;
            final int flags = header[4] & 0xff;
            final int stream = (((header[5] & 0xff) << 24) | ((header[6] & 0xff) << 16) | ((header[7] & 0xff) << 8)
                    | (header[8] & 0xff)) & 0x7fffffff;
            final ByteBuffer payload = ByteBuffer.wrap(partial);
            headerFill = 0;
            partial = null;
            frame(type, flags, stream, payload);
        }
    }

    private void readPreface(ByteBuffer in) throws H2Exception {
        while (prefaceLeft > 0 && in.hasRemaining()) {
            final byte b = in.get();
            if (b != H2.PREFACE[H2.PREFACE.length - prefaceLeft]) {
                throw H2Exception.connection(H2.PROTOCOL_ERROR, "not the HTTP/2 client preface");
            }
            prefaceLeft--;
        }
    }

    private void checkLength(int length) throws H2Exception {
        if (length > maxFrameBytes) {
            throw H2Exception.connection(H2.FRAME_SIZE_ERROR, "a frame of " + length + " bytes, over the maximum of "
                    + maxFrameBytes);
        }
    }

    /** One whole frame; {@code p} holds its payload, position 0. */
    private void frame(int type, int flags, int stream, ByteBuffer p) throws H2Exception {
        final int length = p.remaining();
        if (!settingsSeen) {
            if (type != H2.SETTINGS || (flags & H2.FLAG_ACK) != 0) {
                throw H2Exception.connection(H2.PROTOCOL_ERROR, "the first frame must be SETTINGS, was type " + type);
            }
            settingsSeen = true;
        }
        if (blockStream != 0 && (type != H2.CONTINUATION || stream != blockStream)) {
            throw H2Exception.connection(H2.PROTOCOL_ERROR, "a frame of type " + type + " inside the field block of stream "
                    + blockStream + " (CONTINUATION expected)");
        }
        switch (type) {
            case H2.DATA -> {
                requireStream(stream, "DATA");
                int from = 0;
                int padding = 0;
                if ((flags & H2.FLAG_PADDED) != 0) {
                    if (length < 1) {
                        throw H2Exception.connection(H2.FRAME_SIZE_ERROR, "a padded DATA frame without its pad length");
                    }
                    padding = p.get(0) & 0xff;
                    from = 1;
                    if (padding >= length) {
                        throw H2Exception.connection(H2.PROTOCOL_ERROR, "DATA padding of " + padding + " bytes in a "
                                + length + "-byte frame");
                    }
                }
                listener.onData(stream, p.slice(from, length - from - padding), length,
                        (flags & H2.FLAG_END_STREAM) != 0);
            }
            case H2.HEADERS -> {
                requireStream(stream, "HEADERS");
                int from = 0;
                int padding = 0;
                if ((flags & H2.FLAG_PADDED) != 0) {
                    if (length < 1) {
                        throw H2Exception.connection(H2.FRAME_SIZE_ERROR, "a padded HEADERS frame without its pad length");
                    }
                    padding = p.get(0) & 0xff;
                    from = 1;
                }
                boolean selfDependent = false;
                if ((flags & H2.FLAG_PRIORITY) != 0) {
                    if (length < from + 5) {
                        throw H2Exception.connection(H2.FRAME_SIZE_ERROR, "a HEADERS frame too short for its priority");
                    }
                    selfDependent = (p.getInt(from) & 0x7fffffff) == stream;
                    from += 5;
                }
                if (padding > length - from) {
                    throw H2Exception.connection(H2.PROTOCOL_ERROR, "HEADERS padding of " + padding + " bytes in a "
                            + length + "-byte frame");
                }
                final ByteBuffer fragment = p.slice(from, length - from - padding);
                final boolean endStream = (flags & H2.FLAG_END_STREAM) != 0;
                if ((flags & H2.FLAG_END_HEADERS) != 0) {
                    checkBlock(fragment.remaining());
                    listener.onHeaders(stream, fragment, endStream, selfDependent);
                } else {
                    checkBlock(fragment.remaining());
                    blockStream = stream;
                    block = new byte[Math.min(maxHeaderBlockBytes, Math.max(fragment.remaining() * 2, 256))];
                    blockLength = 0;
                    blockEndStream = endStream;
                    blockSelfDependent = selfDependent;
                    blockFrames = 1;
                    append(fragment);
                }
            }
            case H2.CONTINUATION -> {
                if (blockStream == 0) {
                    throw H2Exception.connection(H2.PROTOCOL_ERROR, "a CONTINUATION frame with no field block open");
                }
                if (++blockFrames > MAX_CONTINUATIONS + 1) {
                    throw H2Exception.connection(H2.ENHANCE_YOUR_CALM, "a field block of more than " + MAX_CONTINUATIONS
                            + " CONTINUATION frames");
                }
                checkBlock(blockLength + (long) length);
                append(p);
                if ((flags & H2.FLAG_END_HEADERS) != 0) {
                    final ByteBuffer whole = ByteBuffer.wrap(block, 0, blockLength);
                    final int s = blockStream;
                    blockStream = 0;
                    block = null;
                    listener.onHeaders(s, whole, blockEndStream, blockSelfDependent);
                }
            }
            case H2.PRIORITY -> {
                requireStream(stream, "PRIORITY");
                if (length != 5) {
                    throw H2Exception.stream(stream, H2.FRAME_SIZE_ERROR, "a PRIORITY frame of " + length + " bytes");
                }
                if ((p.getInt(0) & 0x7fffffff) == stream) {
                    throw H2Exception.stream(stream, H2.PROTOCOL_ERROR, "stream " + stream + " depends on itself");
                }
                // accepted and ignored (RFC 9113 5.3.2)
            }
            case H2.RST_STREAM -> {
                requireStream(stream, "RST_STREAM");
                if (length != 4) {
                    throw H2Exception.connection(H2.FRAME_SIZE_ERROR, "an RST_STREAM frame of " + length + " bytes");
                }
                listener.onRstStream(stream, p.getInt(0));
            }
            case H2.SETTINGS -> settings(flags, stream, p, length);
            case H2.PUSH_PROMISE -> throw H2Exception.connection(H2.PROTOCOL_ERROR, "a client sent PUSH_PROMISE");
            case H2.PING -> {
                if (stream != 0) {
                    throw H2Exception.connection(H2.PROTOCOL_ERROR, "a PING frame on stream " + stream);
                }
                if (length != 8) {
                    throw H2Exception.connection(H2.FRAME_SIZE_ERROR, "a PING frame of " + length + " bytes");
                }
                listener.onPing((flags & H2.FLAG_ACK) != 0, p.getLong(0));
            }
            case H2.GOAWAY -> {
                if (stream != 0) {
                    throw H2Exception.connection(H2.PROTOCOL_ERROR, "a GOAWAY frame on stream " + stream);
                }
                if (length < 8) {
                    throw H2Exception.connection(H2.FRAME_SIZE_ERROR, "a GOAWAY frame of " + length + " bytes");
                }
                listener.onGoAway(p.getInt(0) & 0x7fffffff, p.getInt(4));
            }
            case H2.WINDOW_UPDATE -> {
                if (length != 4) {
                    throw H2Exception.connection(H2.FRAME_SIZE_ERROR, "a WINDOW_UPDATE frame of " + length + " bytes");
                }
                final int increment = p.getInt(0) & 0x7fffffff;
                if (increment == 0) {
                    if (stream == 0) {
                        throw H2Exception.connection(H2.PROTOCOL_ERROR, "a WINDOW_UPDATE of 0 on the connection");
                    }
                    throw H2Exception.stream(stream, H2.PROTOCOL_ERROR, "a WINDOW_UPDATE of 0");
                }
                listener.onWindowUpdate(stream, increment);
            }
            default -> {
                // unknown frame types are ignored (RFC 9113 4.1, 5.5)
            }
        }
    }

    private static void requireStream(int stream, String type) throws H2Exception {
        if (stream == 0) {
            throw H2Exception.connection(H2.PROTOCOL_ERROR, "a " + type + " frame on stream 0");
        }
    }

    private void checkBlock(long bytes) throws H2Exception {
        if (bytes > maxHeaderBlockBytes) {
            throw H2Exception.connection(H2.ENHANCE_YOUR_CALM, "a field block of more than " + maxHeaderBlockBytes
                    + " bytes");
        }
    }

    private void append(ByteBuffer fragment) {
        final int n = fragment.remaining();
        if (blockLength + n > block.length) {
            block = Arrays.copyOf(block, Math.min(maxHeaderBlockBytes, Math.max(blockLength + n, block.length * 2)));
        }
        fragment.get(block, blockLength, n);
        blockLength += n;
    }

    private void settings(int flags, int stream, ByteBuffer p, int length) throws H2Exception {
        if (stream != 0) {
            throw H2Exception.connection(H2.PROTOCOL_ERROR, "a SETTINGS frame on stream " + stream);
        }
        final boolean ack = (flags & H2.FLAG_ACK) != 0;
        if (ack && length != 0) {
            throw H2Exception.connection(H2.FRAME_SIZE_ERROR, "a SETTINGS ACK with a payload of " + length + " bytes");
        }
        if (length % 6 != 0) {
            throw H2Exception.connection(H2.FRAME_SIZE_ERROR, "a SETTINGS frame of " + length + " bytes");
        }
        final int count = length / 6;
        final int[] ids = new int[count];
        final long[] values = new long[count];
        for (int i = 0; i < count; i++) {
            final int id = p.getShort(i * 6) & 0xffff;
            final long value = p.getInt(i * 6 + 2) & 0xffffffffL;
            switch (id) {
                case H2.SETTINGS_ENABLE_PUSH -> {
                    if (value > 1) {
                        throw H2Exception.connection(H2.PROTOCOL_ERROR, "SETTINGS_ENABLE_PUSH " + value);
                    }
                }
                case H2.SETTINGS_INITIAL_WINDOW_SIZE -> {
                    if (value > H2.MAX_WINDOW) {
                        throw H2Exception.connection(H2.FLOW_CONTROL_ERROR, "SETTINGS_INITIAL_WINDOW_SIZE " + value);
                    }
                }
                case H2.SETTINGS_MAX_FRAME_SIZE -> {
                    if (value < H2.DEFAULT_MAX_FRAME_SIZE || value > H2.MAX_MAX_FRAME_SIZE) {
                        throw H2Exception.connection(H2.PROTOCOL_ERROR, "SETTINGS_MAX_FRAME_SIZE " + value);
                    }
                }
                default -> {
                    // the others take any value; unknown ones are ignored by the listener
                }
            }
            ids[i] = id;
            values[i] = value;
        }
        listener.onSettings(ack, ids, values, count);
    }
}
