package io.troupe.http.internal.h2;

import static io.troupe.http.internal.h2.HpackTesting.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Huffman code both ways: known codings from RFC 7541 Appendix C, every octet alone and in
 * random strings round-trips, encodedLength is the length written, and a capped decode counts
 * past its cap without storing.
 */
@Timeout(20)
class HuffmanTest {
    private static byte[] encode(String s) {
        final HpackOutput out = new HpackOutput();
        Huffman.encode(s, out);
        assertEquals(Huffman.encodedLength(s), out.length(), "encodedLength of " + s);
        return out.toByteArray();
    }

    private static String decode(byte[] bytes) throws HpackException {
        final byte[] dst = new byte[bytes.length * 8 / 5];
        final int n = Huffman.decode(ByteBuffer.wrap(bytes), bytes.length, dst, dst.length);
        return new String(dst, 0, n, StandardCharsets.ISO_8859_1);
    }

    @Test
    void knownStrings_codedAsInRfc7541AppendixC() throws HpackException {
        final String[][] known = {{"www.example.com", "f1e3c2e5f23a6ba0ab90f4ff"}, {"no-cache", "a8eb10649cbf"},
            {"custom-key", "25a849e95ba97d7f"}, {"custom-value", "25a849e95bb8e8b4bf"}, {"302", "6402"},
            {"private", "aec3771a4b"}, {"https://www.example.com", "9d29ad171863c78f0b97c8e9ae82ae43d3"}};
        for (String[] k : known) {
            assertEquals(k[1], hex(encode(k[0])), k[0]);
            assertEquals(k[0], decode(hex(k[1])));
        }
    }

    @Test
    void everyOctet_aloneAndRepeated_roundTrips() throws HpackException {
        for (int c = 0; c < 256; c++) {
            final String one = String.valueOf((char) c);
            assertEquals(one, decode(encode(one)), "octet " + c);
            final String many = one.repeat(17);
            assertEquals(many, decode(encode(many)), "octet " + c + " x17");
        }
    }

    @Test
    void randomStrings_roundTrip() throws HpackException {
        final Random random = new Random(42);
        for (int i = 0; i < 5000; i++) {
            final char[] chars = new char[random.nextInt(100)];
            for (int j = 0; j < chars.length; j++) {
                chars[j] = (char) (random.nextBoolean() ? random.nextInt(256) : 'a' + random.nextInt(26));
            }
            final String s = new String(chars);
            assertEquals(s, decode(encode(s)));
        }
    }

    @Test
    void cappedDecode_countsPastTheCapWithoutStoring() throws HpackException {
        final byte[] coded = encode("abcdefghij");
        final byte[] dst = new byte[4];
        final ByteBuffer in = ByteBuffer.wrap(coded);
        assertEquals(10, Huffman.decode(in, coded.length, dst, 4));
        assertEquals("abcd", new String(dst, StandardCharsets.ISO_8859_1));
        assertEquals(0, in.remaining());
    }
}
