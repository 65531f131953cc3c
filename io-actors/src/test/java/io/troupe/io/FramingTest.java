package io.troupe.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FramingTest {
    private static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String str(ByteBuffer b) {
        return StandardCharsets.UTF_8.decode(b.duplicate()).toString();
    }

    private static ByteBuffer concat(ByteBuffer[] parts) {
        int n = 0;
        for (ByteBuffer p : parts) {
            n += p.remaining();
        }
        final ByteBuffer all = ByteBuffer.allocate(n);
        for (ByteBuffer p : parts) {
            all.put(p.duplicate());
        }
        return all.flip();
    }

    private static List<String> drain(Framing.Decoder d) throws FramingException {
        final List<String> out = new ArrayList<>();
        for (ByteBuffer f = d.next(); f != null; f = d.next()) {
            out.add(str(f));
        }
        return out;
    }

    @Test
    void lengthPrefixed_coalescedFrames_areSlicedWithoutCopy() throws Exception {
        // Several whole frames in one buffer come out in order as slices of that buffer (no copy).
        final Framing f = Framing.lengthPrefixed(100);
        final ByteBuffer stream = ByteBuffer.allocate(64);
        for (String s : new String[] {"a", "", "hello"}) {
            stream.put(concat(f.encode(bytes(s))));
        }
        stream.flip();
        final Framing.Decoder d = f.newDecoder();
        d.feed(stream);
        final ByteBuffer first = d.next();
        assertEquals("a", str(first));
        assertSame(stream.array(), first.array());
        assertEquals(List.of("", "hello"), drain(d));
        assertEquals(0, d.bufferedBytes());
    }

    @Test
    void lengthPrefixed_splitAtEveryByte_reassemblesSameFrames() throws Exception {
        // Feeding a stream one byte at a time yields exactly the frames that were encoded.
        final Framing f = Framing.lengthPrefixed(2, 1000);
        final SplittableRandom r = new SplittableRandom(7);
        final List<String> sent = new ArrayList<>();
        final ByteBuffer stream = ByteBuffer.allocate(64 << 10);
        for (int i = 0; i < 50; i++) {
            final String s = "x".repeat(r.nextInt(300)) + i;
            sent.add(s);
            stream.put(concat(f.encode(bytes(s))));
        }
        stream.flip();
        final Framing.Decoder d = f.newDecoder();
        final List<String> got = new ArrayList<>();
        while (stream.hasRemaining()) {
            d.feed(ByteBuffer.wrap(new byte[] {stream.get()}));
            got.addAll(drain(d));
        }
        assertEquals(sent, got);
    }

    @Test
    void lengthPrefixed_headerOverMax_refusedBeforeBody() {
        // A header announcing more than maxFrameBytes fails at once, naming the size and the limit.
        final Framing.Decoder d = Framing.lengthPrefixed(10).newDecoder();
        d.feed(ByteBuffer.wrap(new byte[] {0, 0, 0, 11}));
        final FramingException e = assertThrows(FramingException.class, d::next);
        assertTrue(e.getMessage().contains("11 bytes is over maxFrameBytes 10"), e.getMessage());
    }

    @Test
    void lines_crlfAndLf_splitAndCoalesced_giveLinesWithoutEnds() throws Exception {
        // Lines end at '\n' (a '\r' before it is dropped), whatever the read boundaries.
        final Framing.Decoder d = Framing.lines(20).newDecoder();
        d.feed(bytes("one\r\ntw"));
        assertEquals(List.of("one"), drain(d));
        d.feed(bytes("o\n\nthree"));
        assertEquals(List.of("two", ""), drain(d));
        d.feed(bytes("\n"));
        assertEquals(List.of("three"), drain(d));
        assertNull(d.next());
    }

    @Test
    void lines_tooLongWithoutEnd_refusedBeforeTheEndArrives() {
        // A line that grows past maxFrameBytes without a line end fails without waiting for the end.
        final Framing.Decoder d = Framing.lines(8).newDecoder();
        d.feed(bytes("0123456789"));
        final FramingException e = assertThrows(FramingException.class, d::next);
        assertTrue(e.getMessage().contains("over maxFrameBytes 8"), e.getMessage());
    }

    @Test
    void lines_tooLongWithItsEndInOneRead_refusedAndMaxLengthAccepted() throws Exception {
        // A line over maxFrameBytes is refused even when it arrives whole, line end included, in one read; a line of exactly maxFrameBytes passes.
        final Framing f = Framing.lines(8);
        final Framing.Decoder fits = f.newDecoder();
        fits.feed(bytes("01234567\r\n"));
        assertEquals(List.of("01234567"), drain(fits));
        for (String whole : new String[] {"012345678\n", "012345678\r\n", "0123456789\nnext\n"}) {
            final Framing.Decoder d = f.newDecoder();
            d.feed(bytes(whole));
            final FramingException e = assertThrows(FramingException.class, d::next, whole);
            assertTrue(e.getMessage().contains("over maxFrameBytes 8"), e.getMessage());
        }
    }

    @Test
    void lines_encode_appendsLineEndAndRefusesEmbeddedNewline() {
        // Encoding adds '\n' and refuses a frame that would split into two lines.
        final Framing f = Framing.lines(10);
        assertEquals("hi\n", str(concat(f.encode(bytes("hi")))));
        assertThrows(IllegalArgumentException.class, () -> f.encode(bytes("a\nb")));
        assertThrows(IllegalArgumentException.class, () -> f.encode(bytes("01234567890")));
    }

    @Test
    void factories_invalidArguments_failWithParameterNames() {
        // Bad settings fail fast and say which parameter and why.
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Framing.lines(0)).getMessage().contains("maxFrameBytes"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Framing.lengthPrefixed(3, 10)).getMessage().contains("headerBytes"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Framing.lengthPrefixed(1, 256)).getMessage().contains("1-byte"));
    }

    @Test
    void linesDiscardingOverlong_skipsTheLongLineInPlace_andGoesOn_evenAcrossFeeds() throws Exception {
        // Limit 5: "ok1", a 12-byte line (reported as DISCARDED with its size, in its place), "ok2"; then a line that grows
        // past the limit over three feeds without a line end is dropped as it comes (nothing buffered), its end found
        // later, then "ok3\r\n" still decodes.
        final Framing.Decoder d = Framing.linesDiscardingOverlong(5).newDecoder();
        d.feed(ByteBuffer.wrap("ok1\nABCDEFGHIJKL\nok2\n".getBytes(StandardCharsets.US_ASCII)));
        assertEquals("ok1", str(d.next()));
        assertSame(Framing.Decoder.DISCARDED, d.next());
        assertEquals(12, d.lastDiscardedBytes());
        assertEquals("ok2", str(d.next()));
        assertNull(d.next());
        d.feed(ByteBuffer.wrap("0123456789".getBytes(StandardCharsets.US_ASCII)));
        assertNull(d.next());
        assertEquals(0, d.bufferedBytes(), "the overlong line is not buffered");
        d.feed(ByteBuffer.wrap("0123456789".getBytes(StandardCharsets.US_ASCII)));
        assertNull(d.next());
        d.feed(ByteBuffer.wrap("01\r\nok3\r\n".getBytes(StandardCharsets.US_ASCII)));
        assertSame(Framing.Decoder.DISCARDED, d.next());
        assertEquals(22, d.lastDiscardedBytes());
        assertEquals("ok3", str(d.next()));
        assertNull(d.next());
    }
}
