package io.troupe.http.internal.h2;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The client's half of HTTP/2 in tests: frames built by hand (HPACK by the real encoder), and
 * the server's bytes read back into {@link Frame}s (HPACK by the real decoder), so tests compare
 * what went over the wire as text.
 */
final class H2Wire {
    private final HpackEncoder encoder = new HpackEncoder(4096);
    private final HpackDecoder decoder = new HpackDecoder(4096, 1 << 20);
    private final List<Frame> frames = new ArrayList<>();
    private final FrameReader reader = new FrameReader(new Collector(), false, 1 << 20, 1 << 20);

    /** One frame from the server, with its decoded fields or data. */
    record Frame(String type, int stream, int flags, List<String> fields, byte[] data, long value, int code) {
        boolean endStream() {
            return (flags & H2.FLAG_END_STREAM) != 0;
        }

        String text() {
            return new String(data, StandardCharsets.ISO_8859_1);
        }

        /** The value of a decoded field, or null. */
        String field(String name) {
            for (String f : fields) {
                if (f.startsWith(name + ": ")) {
                    return f.substring(name.length() + 2);
                }
            }
            return null;
        }

        @Override
        public String toString() {
            return switch (type) {
                case "HEADERS" -> "HEADERS " + stream + (endStream() ? " END " : " ") + fields;
                case "DATA" -> "DATA " + stream + (endStream() ? " END " : " ") + data.length;
                case "RST_STREAM" -> "RST_STREAM " + stream + " " + H2.errorName(code);
                case "GOAWAY" -> "GOAWAY " + value + " " + H2.errorName(code);
                case "WINDOW_UPDATE" -> "WINDOW_UPDATE " + stream + " " + value;
                case "PING" -> "PING" + ((flags & H2.FLAG_ACK) != 0 ? " ACK " : " ") + value;
                default -> type + (flags != 0 ? " flags=" + flags : "") + (fields.isEmpty() ? "" : " " + fields);
            };
        }
    }

    private final class Collector implements FrameReader.Listener {
        @Override
        public void onData(int streamId, ByteBuffer data, int flowControlledBytes, boolean endStream) {
            final byte[] b = new byte[data.remaining()];
            data.get(b);
            frames.add(new Frame("DATA", streamId, endStream ? H2.FLAG_END_STREAM : 0, List.of(), b, 0, 0));
        }

        @Override
        public void onHeaders(int streamId, ByteBuffer block, boolean endStream, boolean selfDependent) {
            final List<String> fields = new ArrayList<>();
            try {
                decoder.decode(block, (n, v) -> fields.add(n + ": " + v));
            } catch (HpackException e) {
                throw new AssertionError("the server's field block does not decode: " + e, e);
            }
            frames.add(new Frame("HEADERS", streamId, endStream ? H2.FLAG_END_STREAM : 0, fields, new byte[0], 0, 0));
        }

        @Override
        public void onRstStream(int streamId, int errorCode) {
            frames.add(new Frame("RST_STREAM", streamId, 0, List.of(), new byte[0], 0, errorCode));
        }

        @Override
        public void onSettings(boolean ack, int[] ids, long[] values, int count) {
            final List<String> s = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                s.add(ids[i] + "=" + values[i]);
            }
            frames.add(new Frame("SETTINGS", 0, ack ? H2.FLAG_ACK : 0, s, new byte[0], 0, 0));
        }

        @Override
        public void onPing(boolean ack, long payload) {
            frames.add(new Frame("PING", 0, ack ? H2.FLAG_ACK : 0, List.of(), new byte[0], payload, 0));
        }

        @Override
        public void onGoAway(int lastStreamId, int errorCode) {
            frames.add(new Frame("GOAWAY", 0, 0, List.of(), new byte[0], lastStreamId, errorCode));
        }

        @Override
        public void onWindowUpdate(int streamId, int increment) {
            frames.add(new Frame("WINDOW_UPDATE", streamId, 0, List.of(), new byte[0], increment, 0));
        }
    }

    /** Reads the server's bytes; returns the frames they held (a partial frame waits for more). */
    List<Frame> parse(byte[] bytes) {
        frames.clear();
        try {
            reader.feed(ByteBuffer.wrap(bytes));
        } catch (H2Exception e) {
            throw new AssertionError("the server wrote a bad frame: " + e, e);
        }
        return new ArrayList<>(frames);
    }

    // ---- client frames

    static byte[] preface(int... settings) {
        final ByteBuffer out = ByteBuffer.allocate(24 + 9 + settings.length * 3);
        out.put(H2.PREFACE);
        FrameWriter.settings(out, false, settings);
        return out.array();
    }

    static byte[] concat(byte[]... parts) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** An encoded field block of name, value pairs. */
    byte[] block(String... namesAndValues) {
        final HpackOutput out = new HpackOutput();
        encoder.beginBlock(out);
        for (int i = 0; i < namesAndValues.length; i += 2) {
            encoder.encode(namesAndValues[i], namesAndValues[i + 1], false, out);
        }
        return out.toByteArray();
    }

    /** HEADERS with END_HEADERS. */
    byte[] headers(int stream, boolean endStream, String... namesAndValues) {
        final byte[] b = block(namesAndValues);
        return FrameWriter.frame(H2.HEADERS, H2.FLAG_END_HEADERS | (endStream ? H2.FLAG_END_STREAM : 0), stream, b);
    }

    /** A GET of {@code path}. */
    byte[] get(int stream, String path) {
        return headers(stream, true, ":method", "GET", ":scheme", "https", ":authority", "localhost", ":path", path);
    }

    static byte[] data(int stream, boolean endStream, byte[] data) {
        return FrameWriter.frame(H2.DATA, endStream ? H2.FLAG_END_STREAM : 0, stream, data);
    }

    static byte[] rst(int stream, int code) {
        return FrameWriter.frame(H2.RST_STREAM, 0, stream, ByteBuffer.allocate(4).putInt(code).array());
    }

    static byte[] windowUpdate(int stream, int increment) {
        return FrameWriter.frame(H2.WINDOW_UPDATE, 0, stream, ByteBuffer.allocate(4).putInt(increment).array());
    }

    static byte[] ping(long payload) {
        return FrameWriter.frame(H2.PING, 0, 0, ByteBuffer.allocate(8).putLong(payload).array());
    }

    static byte[] settings(int... pairs) {
        final ByteBuffer out = ByteBuffer.allocate(9 + pairs.length * 3);
        FrameWriter.settings(out, false, pairs);
        return out.array();
    }

    static byte[] settingsAck() {
        return FrameWriter.frame(H2.SETTINGS, H2.FLAG_ACK, 0, new byte[0]);
    }
}
