package io.troupe.http.internal.h2;

import java.nio.ByteBuffer;

/**
 * Writes HTTP/2 frames (RFC 9113 4.1, 6) into buffers. Stateless: static methods, any thread.
 * Each method puts one whole frame at the buffer's position and advances it; the caller makes
 * sure there is room ({@link H2#FRAME_HEADER_BYTES} plus the payload).
 */
final class FrameWriter {
    private FrameWriter() {}

    /** A frame header: length, type, flags, stream. */
    static void header(ByteBuffer out, int length, int type, int flags, int streamId) {
        out.put((byte) (length >>> 16));
        out.put((byte) (length >>> 8));
        out.put((byte) length);
        out.put((byte) type);
        out.put((byte) flags);
        out.putInt(streamId & 0x7fffffff);
    }

    /** A DATA frame of {@code data}'s remaining bytes (not moved), unpadded. */
    static void data(ByteBuffer out, int streamId, ByteBuffer data, boolean endStream) {
        header(out, data.remaining(), H2.DATA, endStream ? H2.FLAG_END_STREAM : 0, streamId);
        out.put(data.duplicate());
    }

    /**
     * A field block as one HEADERS frame and as many CONTINUATION frames as
     * {@code maxFrameBytes} requires.
     *
     * @param block the encoded block, from position to limit (not moved)
     */
    static void headers(ByteBuffer out, int streamId, ByteBuffer block, boolean endStream, int maxFrameBytes) {
        final ByteBuffer b = block.duplicate();
        int type = H2.HEADERS;
        int flags = endStream ? H2.FLAG_END_STREAM : 0;
        do {
            final int n = Math.min(b.remaining(), maxFrameBytes);
            final boolean last = n == b.remaining();
            header(out, n, type, flags | (last ? H2.FLAG_END_HEADERS : 0), streamId);
            out.put(b.slice(b.position(), n));
            b.position(b.position() + n);
            type = H2.CONTINUATION;
            flags = 0;
        } while (b.hasRemaining());
    }

    /** As {@link #headers(ByteBuffer, int, ByteBuffer, boolean, int)}, for a block an encoder wrote. */
    static void headers(ByteBuffer out, int streamId, HpackOutput block, boolean endStream, int maxFrameBytes) {
        final int length = block.length();
        int type = H2.HEADERS;
        int flags = endStream ? H2.FLAG_END_STREAM : 0;
        int offset = 0;
        do {
            final int n = Math.min(length - offset, maxFrameBytes);
            final boolean last = offset + n == length;
            header(out, n, type, flags | (last ? H2.FLAG_END_HEADERS : 0), streamId);
            block.writeTo(out, offset, n);
            offset += n;
            type = H2.CONTINUATION;
            flags = 0;
        } while (offset < length);
    }

    /** How many bytes {@link #headers} writes for a block of {@code blockBytes}. */
    static int headersBytes(int blockBytes, int maxFrameBytes) {
        final int frames = Math.max(1, (blockBytes + maxFrameBytes - 1) / maxFrameBytes);
        return blockBytes + frames * H2.FRAME_HEADER_BYTES;
    }

    /** SETTINGS with these (id, value) pairs, or an ACK when {@code pairs} is empty and {@code ack}. */
    static void settings(ByteBuffer out, boolean ack, int... pairs) {
        header(out, pairs.length / 2 * 6, H2.SETTINGS, ack ? H2.FLAG_ACK : 0, 0);
        for (int i = 0; i + 1 < pairs.length; i += 2) {
            out.putShort((short) pairs[i]);
            out.putInt(pairs[i + 1]);
        }
    }

    /** PING, or its ACK. */
    static void ping(ByteBuffer out, boolean ack, long payload) {
        header(out, 8, H2.PING, ack ? H2.FLAG_ACK : 0, 0);
        out.putLong(payload);
    }

    /** GOAWAY with no debug data. */
    static void goAway(ByteBuffer out, int lastStreamId, int errorCode) {
        header(out, 8, H2.GOAWAY, 0, 0);
        out.putInt(lastStreamId & 0x7fffffff);
        out.putInt(errorCode);
    }

    /** RST_STREAM. */
    static void rstStream(ByteBuffer out, int streamId, int errorCode) {
        header(out, 4, H2.RST_STREAM, 0, streamId);
        out.putInt(errorCode);
    }

    /** WINDOW_UPDATE. */
    static void windowUpdate(ByteBuffer out, int streamId, int increment) {
        header(out, 4, H2.WINDOW_UPDATE, 0, streamId);
        out.putInt(increment & 0x7fffffff);
    }

    /** A frame in a fresh array (for control frames and tests): {@code payload} after the header. */
    static byte[] frame(int type, int flags, int streamId, byte[] payload) {
        final ByteBuffer out = ByteBuffer.allocate(H2.FRAME_HEADER_BYTES + payload.length);
        header(out, payload.length, type, flags, streamId);
        out.put(payload);
        return out.array();
    }
}
