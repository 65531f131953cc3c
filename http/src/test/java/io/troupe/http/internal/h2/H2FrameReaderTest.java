package io.troupe.http.internal.h2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The frame layer byte for byte: frames written by {@link FrameWriter} compared with hand-made
 * RFC 9113 bytes, and read back by {@link FrameReader} whole, split at every byte index and one
 * byte per read (the same events in the same order), with each rule's error code.
 */
@Timeout(30)
class H2FrameReaderTest {
    private static final HexFormat HEX = HexFormat.of();

    /** Records what the reader reports, as text lines in order. */
    static final class Recorder implements FrameReader.Listener {
        final List<String> events = new ArrayList<>();

        @Override
        public void onData(int streamId, ByteBuffer data, int flowControlledBytes, boolean endStream) {
            events.add("DATA " + streamId + " " + text(data) + " flow=" + flowControlledBytes + (endStream ? " END" : ""));
        }

        @Override
        public void onHeaders(int streamId, ByteBuffer block, boolean endStream, boolean selfDependent) {
            events.add("HEADERS " + streamId + " " + hex(block) + (endStream ? " END" : "") + (selfDependent ? " SELF" : ""));
        }

        @Override
        public void onRstStream(int streamId, int errorCode) {
            events.add("RST " + streamId + " " + H2.errorName(errorCode));
        }

        @Override
        public void onSettings(boolean ack, int[] ids, long[] values, int count) {
            final StringBuilder b = new StringBuilder("SETTINGS" + (ack ? " ACK" : ""));
            for (int i = 0; i < count; i++) {
                b.append(' ').append(ids[i]).append('=').append(values[i]);
            }
            events.add(b.toString());
        }

        @Override
        public void onPing(boolean ack, long payload) {
            events.add("PING" + (ack ? " ACK " : " ") + Long.toHexString(payload));
        }

        @Override
        public void onGoAway(int lastStreamId, int errorCode) {
            events.add("GOAWAY " + lastStreamId + " " + H2.errorName(errorCode));
        }

        @Override
        public void onWindowUpdate(int streamId, int increment) {
            events.add("WINDOW_UPDATE " + streamId + " " + increment);
        }
    }

    static String text(ByteBuffer b) {
        final byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return new String(a, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    static String hex(ByteBuffer b) {
        final byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return HEX.formatHex(a);
    }

    static byte[] bytes(String hex) {
        return HEX.parseHex(hex.replace(" ", ""));
    }

    /** A conversation covering every type, written by hand from RFC 9113. */
    static byte[] conversation() {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(H2.PREFACE);
        out.writeBytes(bytes("000006 04 00 00000000  0003 00000064"));            // SETTINGS MAX_CONCURRENT_STREAMS=100
        out.writeBytes(bytes("000000 04 01 00000000"));                           // SETTINGS ACK
        out.writeBytes(bytes("000004 08 00 00000000  00010000"));                 // WINDOW_UPDATE conn 65536
        out.writeBytes(bytes("000003 01 04 00000001  828684"));                   // HEADERS s1 END_HEADERS
        out.writeBytes(bytes("000005 02 00 00000003  00000001 10"));              // PRIORITY s3 (ignored)
        out.writeBytes(bytes("000009 01 25 00000003  80000001 ff 82 86 ab cd"));  // HEADERS s3 PRIORITY|END_HEADERS|END_STREAM
        out.writeBytes(bytes("000002 01 00 00000005  8286"));                     // HEADERS s5, no END_HEADERS
        out.writeBytes(bytes("000001 09 00 00000005  84"));                       // CONTINUATION s5
        out.writeBytes(bytes("000002 09 04 00000005  4142"));                     // CONTINUATION s5 END_HEADERS
        out.writeBytes(bytes("000005 00 00 00000001  68656c6c6f"));               // DATA s1 "hello"
        out.writeBytes(bytes("000005 00 09 00000001  02 6869 0000"));              // DATA s1 PADDED(2) END_STREAM "hi"
        out.writeBytes(bytes("000003 fa 07 00000000  010203"));                   // unknown type 0xfa: ignored
        out.writeBytes(bytes("000008 06 00 00000000  0102030405060708"));         // PING
        out.writeBytes(bytes("000004 03 00 00000005  00000008"));                 // RST_STREAM s5 CANCEL
        out.writeBytes(bytes("000004 08 00 00000003  00000400"));                 // WINDOW_UPDATE s3 1024
        out.writeBytes(bytes("00000a 07 00 00000000  00000005 0000000b 6869"));   // GOAWAY last=5 ENHANCE_YOUR_CALM "hi"
        return out.toByteArray();
    }

    static final List<String> EXPECTED = List.of(
            "SETTINGS 3=100",
            "SETTINGS ACK",
            "WINDOW_UPDATE 0 65536",
            "HEADERS 1 828684",
            "HEADERS 3 8286abcd END",
            "HEADERS 5 8286844142",
            "DATA 1 hello flow=5",
            "DATA 1 hi flow=5 END",
            "PING 102030405060708",
            "RST 5 CANCEL",
            "WINDOW_UPDATE 3 1024",
            "GOAWAY 5 ENHANCE_YOUR_CALM");

    private static Recorder read(byte[] wire, int... cuts) throws H2Exception {
        final Recorder r = new Recorder();
        final FrameReader reader = new FrameReader(r, true, 16_384, 16_384);
        int from = 0;
        for (int cut : cuts) {
            reader.feed(ByteBuffer.wrap(wire, from, cut - from).slice());
            from = cut;
        }
        reader.feed(ByteBuffer.wrap(wire, from, wire.length - from).slice());
        return r;
    }

    @Test
    void everyType_wholeInOneRead_eventsInOrder() throws H2Exception {
        // Every frame type is read, in order, with payloads and flags as sent; PRIORITY and unknown types are silent.
        assertEquals(EXPECTED, read(conversation()).events);
    }

    @Test
    void splitAtEveryByteIndex_sameEvents() throws H2Exception {
        // A read may end anywhere (in the preface, a header, a payload, a field block): the events do not change.
        final byte[] wire = conversation();
        for (int cut = 1; cut < wire.length; cut++) {
            assertEquals(EXPECTED, read(wire, cut).events, "split at " + cut);
        }
    }

    @Test
    void oneBytePerRead_sameEvents() throws H2Exception {
        // The worst split: every byte its own read.
        final byte[] wire = conversation();
        final Recorder r = new Recorder();
        final FrameReader reader = new FrameReader(r, true, 16_384, 16_384);
        for (byte b : wire) {
            reader.feed(ByteBuffer.wrap(new byte[] {b}));
        }
        assertEquals(EXPECTED, r.events);
    }

    @Test
    void writer_producesTheRfcBytes() {
        // Each writer method's bytes equal the hand-made frame.
        final ByteBuffer out = ByteBuffer.allocate(256);
        FrameWriter.settings(out, false, H2.SETTINGS_MAX_CONCURRENT_STREAMS, 100, H2.SETTINGS_INITIAL_WINDOW_SIZE, 65_536);
        FrameWriter.settings(out, true);
        FrameWriter.ping(out, true, 0x0102030405060708L);
        FrameWriter.goAway(out, 7, H2.PROTOCOL_ERROR);
        FrameWriter.rstStream(out, 3, H2.REFUSED_STREAM);
        FrameWriter.windowUpdate(out, 0, 1 << 20);
        FrameWriter.data(out, 1, ByteBuffer.wrap("ok".getBytes()), true);
        FrameWriter.headers(out, 1, ByteBuffer.wrap(bytes("8286 8441 42")), false, 16_384);
        FrameWriter.headers(out, 3, ByteBuffer.wrap(bytes("0102030405")), true, 2); // split: HEADERS + 2 CONTINUATION
        out.flip();
        final String expected = ""
                + "00000c0400000000000003000000640004" + "00010000"
                + "000000040100000000"
                + "0000080601000000000102030405060708"
                + "000008070000000000" + "0000000700000001"
                + "000004030000000003" + "00000007"
                + "000004080000000000" + "00100000"
                + "000002000100000001" + "6f6b"
                + "000005010400000001" + "8286844142"
                + "000002010100000003" + "0102"
                + "000002090000000003" + "0304"
                + "000001090400000003" + "05";
        assertEquals(expected, hex(out));
        assertEquals(9 * 3 + 5, FrameWriter.headersBytes(5, 2));
    }

    @Test
    void writtenFrames_readBack() throws H2Exception {
        // What the writer writes, the reader reads (a round trip through both halves).
        final ByteBuffer out = ByteBuffer.allocate(512);
        out.put(H2.PREFACE);
        FrameWriter.settings(out, false, H2.SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20);
        FrameWriter.headers(out, 1, ByteBuffer.wrap(bytes("828684418aa0e41d139d09b8f01e07")), false, 4);
        FrameWriter.data(out, 1, ByteBuffer.wrap("body".getBytes()), true);
        FrameWriter.rstStream(out, 1, H2.CANCEL);
        out.flip();
        final byte[] wire = new byte[out.remaining()];
        out.get(wire);
        assertEquals(List.of("SETTINGS 4=1048576", "HEADERS 1 828684418aa0e41d139d09b8f01e07", "DATA 1 body flow=4 END",
                "RST 1 CANCEL"), read(wire).events);
    }

    private static H2Exception error(String hexFrames) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(H2.PREFACE);
        out.writeBytes(bytes("000000 04 00 00000000"));
        out.writeBytes(bytes(hexFrames));
        final byte[] wire = out.toByteArray();
        return assertThrows(H2Exception.class, () -> read(wire));
    }

    private static void assertConnectionError(int code, String hexFrames) {
        final H2Exception e = error(hexFrames);
        assertEquals(H2.errorName(code), H2.errorName(e.errorCode), e.getMessage());
        assertTrue(e.isConnectionError(), "a connection error: " + e.getMessage());
    }

    private static void assertStreamError(int stream, int code, String hexFrames) {
        final H2Exception e = error(hexFrames);
        assertEquals(H2.errorName(code), H2.errorName(e.errorCode), e.getMessage());
        assertEquals(stream, e.streamId, e.getMessage());
    }

    @Test
    void rules_eachWithItsErrorCode() {
        // Each RFC 9113 framing rule is enforced with the code the RFC names, as a connection or a stream error.
        assertConnectionError(H2.FRAME_SIZE_ERROR, "004001 00 00 00000001");                 // 16385 > max frame size
        assertConnectionError(H2.PROTOCOL_ERROR, "000001 00 00 00000000 00");                // DATA on stream 0
        assertConnectionError(H2.PROTOCOL_ERROR, "000002 00 08 00000001 0200");              // padding >= length
        assertConnectionError(H2.PROTOCOL_ERROR, "000001 01 04 00000000 82");                // HEADERS on stream 0
        assertConnectionError(H2.PROTOCOL_ERROR, "000001 01 00 00000001 82 000001 00 00 00000001 00"); // DATA inside a block
        assertConnectionError(H2.PROTOCOL_ERROR, "000001 01 00 00000001 82 000001 09 04 00000003 84"); // CONTINUATION of another stream
        assertConnectionError(H2.PROTOCOL_ERROR, "000001 09 04 00000001 84");                // CONTINUATION without HEADERS
        assertConnectionError(H2.FRAME_SIZE_ERROR, "000003 03 00 00000001 000000");          // RST_STREAM of 3 bytes
        assertConnectionError(H2.PROTOCOL_ERROR, "000004 03 00 00000000 00000000");          // RST_STREAM on stream 0
        assertConnectionError(H2.FRAME_SIZE_ERROR, "000001 04 01 00000000 00");              // SETTINGS ACK with payload
        assertConnectionError(H2.FRAME_SIZE_ERROR, "000005 04 00 00000000 0001000000");      // SETTINGS not a multiple of 6
        assertConnectionError(H2.PROTOCOL_ERROR, "000006 04 00 00000001 000100000000");      // SETTINGS on a stream
        assertConnectionError(H2.PROTOCOL_ERROR, "000006 04 00 00000000 000200000002");      // ENABLE_PUSH 2
        assertConnectionError(H2.FLOW_CONTROL_ERROR, "000006 04 00 00000000 000480000000");  // INITIAL_WINDOW_SIZE 2^31
        assertConnectionError(H2.PROTOCOL_ERROR, "000006 04 00 00000000 000500003fff");      // MAX_FRAME_SIZE 16383
        assertConnectionError(H2.PROTOCOL_ERROR, "000004 05 04 00000001 00000002");          // PUSH_PROMISE from a client
        assertConnectionError(H2.FRAME_SIZE_ERROR, "000007 06 00 00000000 00000000000000");  // PING of 7 bytes
        assertConnectionError(H2.PROTOCOL_ERROR, "000008 06 00 00000001 0000000000000000");  // PING on a stream
        assertConnectionError(H2.FRAME_SIZE_ERROR, "000004 07 00 00000000 00000000");        // GOAWAY of 4 bytes
        assertConnectionError(H2.FRAME_SIZE_ERROR, "000003 08 00 00000000 000001");          // WINDOW_UPDATE of 3 bytes
        assertConnectionError(H2.PROTOCOL_ERROR, "000004 08 00 00000000 00000000");          // WINDOW_UPDATE 0 on the connection
        assertStreamError(3, H2.PROTOCOL_ERROR, "000004 08 00 00000003 00000000");           // WINDOW_UPDATE 0 on a stream
        assertStreamError(3, H2.PROTOCOL_ERROR, "000005 02 00 00000003 0000000310");         // PRIORITY on itself
        assertStreamError(3, H2.FRAME_SIZE_ERROR, "000004 02 00 00000003 00000001");         // PRIORITY of 4 bytes
    }

    @Test
    void prefaceAndFirstFrame_enforced() {
        // A wrong preface, or a first frame other than SETTINGS, is a connection PROTOCOL_ERROR.
        final byte[] http1 = "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes();
        assertEquals(H2.PROTOCOL_ERROR, assertThrows(H2Exception.class, () -> read(http1)).errorCode);
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(H2.PREFACE);
        out.writeBytes(bytes("000008 06 00 00000000 0000000000000000"));
        final byte[] pingFirst = out.toByteArray();
        assertEquals(H2.PROTOCOL_ERROR, assertThrows(H2Exception.class, () -> read(pingFirst)).errorCode);
    }

    @Test
    void streamError_consumesTheFrame_readingGoesOn() throws H2Exception {
        // After a stream error the input is positioned past the bad frame, and the next frames are read.
        final Recorder r = new Recorder();
        final FrameReader reader = new FrameReader(r, false, 16_384, 16_384);
        final ByteBuffer in = ByteBuffer.wrap(bytes("000005 02 00 00000003 0000000310  000008 06 00 00000000 0000000000000001"));
        assertEquals(3, assertThrows(H2Exception.class, () -> reader.feed(in)).streamId);
        reader.feed(in);
        assertEquals(List.of("PING 1"), r.events);
    }

    @Test
    void continuationFlood_boundedByBytesAndByFrames() {
        // CVE-2024-27316: a field block that never ends is cut off at its byte bound or frame bound, ENHANCE_YOUR_CALM.
        final Recorder r = new Recorder();
        final FrameReader reader = new FrameReader(r, false, 16_384, 4_096);
        final ByteBuffer start = ByteBuffer.wrap(bytes("000400 01 00 00000001" + "00".repeat(1024)));
        final H2Exception bytesOver = assertThrows(H2Exception.class, () -> {
            reader.feed(start);
            for (int i = 0; i < 100; i++) {
                reader.feed(ByteBuffer.wrap(bytes("000400 09 00 00000001" + "00".repeat(1024))));
            }
        });
        assertEquals(H2.ENHANCE_YOUR_CALM, bytesOver.errorCode);
        assertTrue(bytesOver.isConnectionError());
        assertTrue(r.events.isEmpty(), "no block was delivered");

        final FrameReader reader2 = new FrameReader(r, false, 16_384, 1 << 20);
        final H2Exception framesOver = assertThrows(H2Exception.class, () -> {
            reader2.feed(ByteBuffer.wrap(bytes("000001 01 00 00000001 82")));
            for (int i = 0; i < 10_000; i++) {
                reader2.feed(ByteBuffer.wrap(bytes("000000 09 00 00000001"))); // empty CONTINUATIONs cost CPU, not bytes
            }
        });
        assertEquals(H2.ENHANCE_YOUR_CALM, framesOver.errorCode);
        assertTrue(r.events.isEmpty());
    }

    @Test
    void splitFrame_holdsOnlyItsOwnBytes() throws H2Exception {
        // A frame split across reads is kept in an array of its own size; a whole frame is lent, not copied.
        final Recorder r = new Recorder();
        final FrameReader reader = new FrameReader(r, false, 16_384, 16_384);
        final byte[] payload = new byte[10_000];
        final byte[] frame = FrameWriter.frame(H2.DATA, H2.FLAG_END_STREAM, 1, payload);
        reader.feed(ByteBuffer.wrap(frame, 0, 5000));
        assertTrue(reader.isMidFrame());
        reader.feed(ByteBuffer.wrap(frame, 5000, frame.length - 5000));
        assertTrue(!reader.isMidFrame());
        assertEquals(List.of("DATA 1 " + "\0".repeat(10_000) + " flow=10000 END"), r.events);
    }
}
