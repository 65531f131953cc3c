package io.troupe.http.internal.h2;

import static io.troupe.http.internal.h2.HpackTesting.decode;
import static io.troupe.http.internal.h2.HpackTesting.entries;
import static io.troupe.http.internal.h2.HpackTesting.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.http.internal.h2.HpackException.Kind;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Each protection of the decoder, sent as an attack: the HPACK bomb, strings longer than the block
 * or the limit, integer overflow, bad Huffman padding and EOS, size updates out of place or above
 * the limit, bad indexes, malformed fields. Connection errors are COMPRESSION; stream errors come
 * after the whole block, with the dynamic table still in step (the next block decodes).
 */
@Timeout(20)
class HpackDecoderAttackTest {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** A sink made before any measurement (a lambda's first evaluation allocates its class). */
    private static final HeaderSink IGNORE = (name, value) -> {};

    private static HpackException decodeFails(HpackDecoder decoder, byte[] block) {
        return assertThrows(HpackException.class, () -> decode(decoder, block));
    }

    private static byte[] concat(HpackOutput out) {
        return out.toByteArray();
    }

    /** Bytes allocated by this thread while {@code task} runs. */
    private static long allocatedBy(ThrowingRunnable task) throws Exception {
        final long before = THREADS.getCurrentThreadAllocatedBytes();
        task.run();
        return THREADS.getCurrentThreadAllocatedBytes() - before;
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void hpackBomb_manyReferencesToOneBigEntry_stopsAtTheListLimitAndKeepsTheContext() throws Exception {
        // one 4000-octet entry, then 10,000 one-octet references to it: 40 MB of header list
        final HpackOutput out = new HpackOutput();
        HpackEncoder.encodeInt(out, 0x40, 6, 0);
        HpackEncoder.encodeString(out, "x-big", false);
        HpackEncoder.encodeString(out, "a".repeat(4000), false);
        for (int i = 0; i < 10_000; i++) {
            out.append(0xbe);
        }
        final HpackDecoder decoder = new HpackDecoder(4096, 16_384);
        final List<String> seen = new ArrayList<>();
        final HpackException e = assertThrows(HpackException.class,
                () -> decoder.decode(ByteBuffer.wrap(out.toByteArray()), (n, v) -> seen.add(n)));
        assertEquals(Kind.HEADER_LIST_TOO_LARGE, e.kind());
        // 4037 octets per field: the sink saw the first four (16,148), not the fifth
        assertEquals(List.of("x-big", "x-big", "x-big", "x-big"), seen);
        // the context is intact: the next block refers to the entry again
        assertEquals(List.of("x-big: " + "a".repeat(4000)), decode(decoder, hex("be")));
    }

    @Test
    void longLiteral_beyondTheListLimit_isSkippedWithoutAllocatingIt() throws Exception {
        // a 1 MB literal value (not indexed) against a 16 KB limit
        final HpackOutput out = new HpackOutput();
        HpackEncoder.encodeInt(out, 0x00, 4, 0);
        HpackEncoder.encodeString(out, "x-long", false);
        HpackEncoder.encodeString(out, "b".repeat(1 << 20), false);
        final byte[] block = out.toByteArray();
        final HpackDecoder decoder = new HpackDecoder(4096, 16_384);
        decode(decoder, hex("00 81 1f 81 1f")); // warm up: class loading (the Huffman tables)
        final HpackException[] thrown = new HpackException[1];
        final long allocated = allocatedBy(() -> {
            try {
                decoder.decode(ByteBuffer.wrap(block), IGNORE);
            } catch (HpackException e) {
                thrown[0] = e;
            }
        });
        assertEquals(Kind.HEADER_LIST_TOO_LARGE, thrown[0].kind());
        assertTrue(allocated < 64 * 1024, "allocated " + allocated + " bytes for a skipped 1 MB value");
    }

    @Test
    void longHuffmanLiteral_beyondTheListLimit_isCountedWithoutStoringIt() throws Exception {
        final HpackOutput out = new HpackOutput();
        HpackEncoder.encodeInt(out, 0x00, 4, 0);
        HpackEncoder.encodeString(out, "x-long", true);
        HpackEncoder.encodeString(out, "e".repeat(1 << 20), true); // 'e' is 5 bits: Huffman is shorter
        assertEquals(0x80, out.byteAt(7) & 0x80, "the value is Huffman-coded");
        final byte[] block = out.toByteArray();
        final HpackDecoder decoder = new HpackDecoder(4096, 16_384);
        decode(decoder, hex("00 81 1f 81 1f")); // warm up: class loading (the Huffman tables)
        final HpackException[] thrown = new HpackException[1];
        final long allocated = allocatedBy(() -> {
            try {
                decoder.decode(ByteBuffer.wrap(block), IGNORE);
            } catch (HpackException e) {
                thrown[0] = e;
            }
        });
        assertEquals(Kind.HEADER_LIST_TOO_LARGE, thrown[0].kind());
        assertTrue(allocated < 64 * 1024, "allocated " + allocated + " bytes for a skipped 1 MB value");
    }

    @Test
    void stringLength_beyondTheBlock_isACompressionErrorBeforeAllocating() throws Exception {
        final HpackOutput out = new HpackOutput();
        HpackEncoder.encodeInt(out, 0x00, 4, 0);
        HpackEncoder.encodeInt(out, 0x00, 7, Integer.MAX_VALUE); // a name of 2^31 - 1 octets, none sent
        out.append('x');
        final byte[] block = out.toByteArray();
        final HpackDecoder decoder = new HpackDecoder(4096, Integer.MAX_VALUE);
        final HpackException[] thrown = new HpackException[1];
        final long allocated = allocatedBy(() -> {
            try {
                decoder.decode(ByteBuffer.wrap(block), IGNORE);
            } catch (HpackException e) {
                thrown[0] = e;
            }
        });
        assertEquals(Kind.COMPRESSION, thrown[0].kind());
        assertTrue(thrown[0].getMessage().contains("left in the block"), thrown[0].getMessage());
        assertTrue(allocated < 64 * 1024, "allocated " + allocated);
    }

    @Test
    void integerOverflow_isACompressionError() {
        // 127 + (0x7f << 28) > 2^31 - 1
        final HpackException big = decodeFails(new HpackDecoder(4096, 16_384), hex("ff ff ff ff ff 7f"));
        assertEquals(Kind.COMPRESSION, big.kind());
        assertTrue(big.getMessage().contains("above 2^31 - 1"), big.getMessage());
        // 2^32 + 2, which an int would wrap to index 2 (":method: GET")
        final HpackException wrapped = decodeFails(new HpackDecoder(4096, 16_384), hex("ff 83 ff ff ff 0f"));
        assertTrue(wrapped.getMessage().contains("above 2^31 - 1"), wrapped.getMessage());
        // exactly 2^31 - 1 decodes as an integer (then fails as an index beyond the table)
        final HpackOutput max = new HpackOutput();
        HpackEncoder.encodeInt(max, 0x80, 7, Integer.MAX_VALUE);
        final HpackException e = decodeFails(new HpackDecoder(4096, 16_384), max.toByteArray());
        assertTrue(e.getMessage().contains("beyond the table"), e.getMessage());
        // zero continuation octets without end: refused after five
        final HpackException padded = decodeFails(new HpackDecoder(4096, 16_384), hex("ff 80 80 80 80 80 00"));
        assertTrue(padded.getMessage().contains("five"), padded.getMessage());
        assertTrue(padded.isConnectionError());
        // a truncated integer
        assertEquals(Kind.COMPRESSION, decodeFails(new HpackDecoder(4096, 16_384), hex("ff 80")).kind());
    }

    @Test
    void huffmanPadding_longerThan7BitsOrNotOnes_isACompressionError() throws HpackException {
        // "a" is 00011: 0x1f is "a" + 3 one-bits of padding, fine
        assertEquals(List.of("a: a"), decode(new HpackDecoder(4096, 16_384), hex("00 81 1f 81 1f")));
        // padding of 11 bits (a whole extra octet of ones)
        HpackException e = decodeFails(new HpackDecoder(4096, 16_384), hex("00 81 1f 82 1f ff"));
        assertEquals(Kind.COMPRESSION, e.kind());
        // padding 000 instead of ones
        e = decodeFails(new HpackDecoder(4096, 16_384), hex("00 81 1f 81 18"));
        assertEquals(Kind.COMPRESSION, e.kind());
        // padding of exactly one octet of ones after a symbol that ends on an octet boundary: 8 bits
        // ('&' is 11111000)
        e = decodeFails(new HpackDecoder(4096, 16_384), hex("00 81 1f 82 f8 ff"));
        assertEquals(Kind.COMPRESSION, e.kind());
    }

    @Test
    void huffmanEos_inAString_isACompressionError() {
        // EOS (30 ones) + 2 bits of padding
        final HpackException e = decodeFails(new HpackDecoder(4096, 16_384), hex("00 81 1f 84 ff ff ff ff"));
        assertEquals(Kind.COMPRESSION, e.kind());
        assertTrue(e.getMessage().contains("EOS"), e.getMessage());
    }

    @Test
    void sizeUpdate_afterAField_isACompressionError() {
        final HpackException e = decodeFails(new HpackDecoder(4096, 16_384), hex("82 3f e1 1f"));
        assertTrue(e.getMessage().contains("after a field"), e.getMessage());
    }

    @Test
    void sizeUpdate_aboveTheAcknowledgedSetting_isACompressionError() throws HpackException {
        final HpackDecoder decoder = new HpackDecoder(4096, 16_384);
        decode(decoder, hex("3f e1 1f 82")); // 4096: allowed
        final HpackException e = decodeFails(decoder, hex("3f e2 1f 82")); // 4097
        assertTrue(e.getMessage().contains("above the limit"), e.getMessage());
    }

    @Test
    void settingLowered_nextBlockWithoutASizeUpdate_isACompressionError() throws HpackException {
        final HpackDecoder decoder = new HpackDecoder(4096, 16_384);
        decode(decoder, hex("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572"));
        decoder.setMaxTableSize(0);
        assertEquals(List.of(), entries(decoder.table()));
        final HpackException e = decodeFails(decoder, hex("82"));
        assertTrue(e.getMessage().contains("must start with"), e.getMessage());

        final HpackDecoder obeyed = new HpackDecoder(4096, 16_384);
        obeyed.setMaxTableSize(100);
        assertEquals(List.of(":method: GET"), decode(obeyed, hex("20 3f 45 82"))); // 0, then 100
        assertEquals(100, obeyed.table().capacity());
    }

    @Test
    void index_zeroOrBeyondTheTable_isACompressionError() {
        assertEquals(Kind.COMPRESSION, decodeFails(new HpackDecoder(4096, 16_384), hex("80")).kind());
        assertEquals(Kind.COMPRESSION, decodeFails(new HpackDecoder(4096, 16_384), hex("be")).kind());
        // a literal whose name index is beyond the table
        assertEquals(Kind.COMPRESSION, decodeFails(new HpackDecoder(4096, 16_384), hex("7f 00 01 61")).kind());
    }

    @Test
    void truncatedLiteral_isACompressionError() {
        assertEquals(Kind.COMPRESSION, decodeFails(new HpackDecoder(4096, 16_384), hex("00")).kind());
        assertEquals(Kind.COMPRESSION, decodeFails(new HpackDecoder(4096, 16_384), hex("00 03 61 62")).kind());
        assertEquals(Kind.COMPRESSION, decodeFails(new HpackDecoder(4096, 16_384), hex("00 01 61")).kind());
    }

    @Test
    void uppercaseName_isMalformedAfterTheBlock_andTheTableStaysInStep() throws HpackException {
        // literal with indexing "Custom-Key: v", then ":method: GET"
        final HpackOutput out = new HpackOutput();
        HpackEncoder.encodeInt(out, 0x40, 6, 0);
        HpackEncoder.encodeString(out, "Custom-Key", false);
        HpackEncoder.encodeString(out, "v", false);
        out.append(0x82);
        final HpackDecoder decoder = new HpackDecoder(4096, 16_384);
        final List<String> seen = new ArrayList<>();
        final HpackException e = assertThrows(HpackException.class,
                () -> decoder.decode(ByteBuffer.wrap(out.toByteArray()), (n, v) -> seen.add(n)));
        assertEquals(Kind.MALFORMED, e.kind());
        assertEquals(List.of(), seen, "nothing after (or before, here) the malformed field reaches the sink");
        assertEquals(List.of("(43) Custom-Key: v"), entries(decoder.table()));
        // the next block still decodes against the same table, and a reference to the bad entry is malformed
        assertEquals(List.of(":method: GET"), decode(decoder, hex("82")));
        assertEquals(Kind.MALFORMED, decodeFails(decoder, hex("be")).kind());
    }

    @Test
    void forbiddenOctets_inNamesAndValues_areMalformed() {
        final String[][] bad = {{"a b", "v"}, {"a:b", "v"}, {"", "v"}, {"x", "a\r\nb"}, {"x", "a\0"},
            {"x", " v"}, {"x", "v\t"}, {"\u00e9", "v"}, {"x\u007f", "v"}};
        for (String[] field : bad) {
            final HpackOutput out = new HpackOutput();
            HpackEncoder.encodeInt(out, 0x00, 4, 0);
            HpackEncoder.encodeString(out, field[0], false);
            HpackEncoder.encodeString(out, field[1], false);
            final HpackException e = decodeFails(new HpackDecoder(4096, 16_384), out.toByteArray());
            assertEquals(Kind.MALFORMED, e.kind(), field[0] + ": " + field[1]);
        }
    }

    @Test
    void sinkRefusal_streamLevel_isThrownAfterTheBlockWithTheTableInStep() throws HpackException {
        final HpackDecoder decoder = new HpackDecoder(4096, 16_384);
        final List<String> seen = new ArrayList<>();
        final HpackException refusal = new HpackException(Kind.MALFORMED, "pseudo-header after a field");
        // ":method: GET" then a literal with indexing "custom-key: custom-header"
        final byte[] block = hex("82 400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572");
        final HpackException e = assertThrows(HpackException.class, () -> decoder.decode(ByteBuffer.wrap(block),
                (n, v) -> {
                    seen.add(n);
                    throw refusal;
                }));
        assertEquals(refusal, e);
        assertEquals(List.of(":method"), seen);
        assertEquals(List.of("(55) custom-key: custom-header"), entries(decoder.table()));
    }

    @Test
    void sinkRefusal_connectionLevel_isThrownAtOnce() {
        final HpackDecoder decoder = new HpackDecoder(4096, 16_384);
        final List<String> seen = new ArrayList<>();
        final HpackException e = assertThrows(HpackException.class, () -> decoder.decode(
                ByteBuffer.wrap(hex("82 86")), (n, v) -> {
                    seen.add(n + ": " + v);
                    throw HpackException.compression("refused");
                }));
        assertTrue(e.isConnectionError());
        assertEquals(List.of(":method: GET"), seen);
    }
}
