package io.troupe.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.http.Headers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The wire pieces both stages share: the stash, the chunked framing (split at every byte), and
 * field lines.
 */
@Timeout(30)
class Http1CodecTest {
    private static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Decodes {@code wire} fed in pieces of {@code step} bytes (with a stash, as a stage does); returns data|trailers|rest. */
    private static String decode(String wire, int step) throws HttpError {
        final Http1Codec codec = new Http1Codec();
        codec.startChunked(1 << 20, 8192, 100);
        final StringBuilder data = new StringBuilder();
        final byte[] all = wire.getBytes(StandardCharsets.ISO_8859_1);
        for (int from = 0; from < all.length; from += step) {
            codec.stash(ByteBuffer.wrap(all, from, Math.min(step, all.length - from)));
            final ByteBuffer in = codec.stashed();
            while (true) {
                final int r = codec.readChunked(in);
                if (r == Http1Codec.END) {
                    codec.unstash(in);
                    return data + "|" + codec.trailers() + "|" + StandardCharsets.ISO_8859_1.decode(codec.stashed())
                            + new String(all, Math.min(all.length, from + step), all.length - Math.min(all.length, from + step),
                            StandardCharsets.ISO_8859_1);
                }
                if (r == Http1Codec.NEED_MORE || !in.hasRemaining()) {
                    break;
                }
                final int n = (int) Math.min(in.remaining(), codec.chunkDataLeft());
                for (int i = 0; i < n; i++) {
                    data.append((char) (in.get() & 0xff));
                }
                codec.chunkDataTaken(n);
            }
            codec.unstash(in);
        }
        return "INCOMPLETE:" + data;
    }

    @Test
    void chunked_splitAtEveryStep_sameDataAndTheBytesAfterAreLeft() throws HttpError {
        // A chunked body with an extension, BWS and trailers (CRLF and bare LF) decodes to the same data and trailer
        // fields at every split, and stops at its end.
        final String wire = "3;ext=1\r\nabc\r\n10 \r\n0123456789abcdef\r\nA\r\nxxxxxxxxxx\r\n0\r\nT: t\r\nU:u\n\r\nNEXT";
        for (int step = 1; step <= wire.length(); step++) {
            assertEquals("abc0123456789abcdefxxxxxxxxxx|Headers[T: t, U: u]|NEXT", decode(wire, step), "step " + step);
        }
    }

    @Test
    void chunked_badFraming_eachRefusedWithItsStatus() {
        // Each malformed piece of chunk framing is refused with the status a server answers.
        final String[][] cases = {
            {"\r\n", "400"}, {"g\r\n", "400"}, {"1000000000000000\r\n", "400"}, {"3\r\nabcX", "400"},
            {"3;" + "e".repeat(1100) + "\r\n", "400"}, {"200000\r\n", "413"},
            {"0\r\n" + "T: " + "t".repeat(9000) + "\r\n\r\n", "431"},
        };
        for (String[] c : cases) {
            final HttpError e = assertThrows(HttpError.class, () -> decode(c[0], c[0].length()), c[0]);
            assertEquals(Integer.parseInt(c[1]), e.status(), c[0].substring(0, Math.min(40, c[0].length())));
        }
    }

    @Test
    void stash_appendsGrowsAndReleasesWhenEmpty() {
        // The stash keeps bytes in order across appends (growing past its first size), drops what a view's position
        // passed, and holds no buffer once empty; a view of a cleared stash drops nothing.
        final Http1Codec codec = new Http1Codec();
        assertFalse(codec.hasStash());
        codec.stash(bytes("w".repeat(100)));
        ByteBuffer view = codec.stashed();
        view.position(view.position() + 90);
        codec.unstash(view);
        codec.stash(bytes("x".repeat(190))); // fits once the 10 live bytes move to the front
        assertEquals("w".repeat(10) + "x".repeat(190), StandardCharsets.ISO_8859_1.decode(codec.stashed()).toString());
        view = codec.stashed();
        view.position(view.position() + 20);
        codec.unstash(view);
        codec.stash(bytes("y".repeat(300))); // grows
        assertEquals("x".repeat(180) + "y".repeat(300), StandardCharsets.ISO_8859_1.decode(codec.stashed()).toString());
        view = codec.stashed();
        view.position(view.position() + 430);
        codec.unstash(view);
        assertEquals("y".repeat(50), StandardCharsets.ISO_8859_1.decode(codec.stashed()).toString());
        final ByteBuffer rest = codec.stashed();
        codec.clearStash();
        rest.position(rest.limit());
        codec.unstash(rest);
        assertFalse(codec.hasStash());
        codec.stash(bytes("z"));
        final ByteBuffer all = codec.stashed();
        all.position(all.limit());
        codec.unstash(all);
        assertFalse(codec.hasStash(), "released when empty");
    }

    @Test
    void fieldLine_parsedAndRefusals() throws HttpError {
        // A field line is split at its colon with the value trimmed; folding, a non-token name and controls are refused.
        final Headers.Builder b = Headers.builder();
        final byte[] line = "X-Sum:  abc \t".getBytes(StandardCharsets.ISO_8859_1);
        Http1Codec.parseField(line, 0, line.length, b);
        final Headers h = b.build();
        assertEquals("X-Sum", h.name(0));
        assertEquals("abc", h.value(0));
        for (String bad : new String[] {" folded: x", "Bad Name: x", "NoColon", ": x", "X: a\u0001b"}) {
            final byte[] l = bad.getBytes(StandardCharsets.ISO_8859_1);
            final HttpError e = assertThrows(HttpError.class, () -> Http1Codec.parseField(l, 0, l.length, Headers.builder()), bad);
            assertEquals(400, e.status());
        }
        assertTrue(Http1Codec.isTchar('~'));
    }
}
