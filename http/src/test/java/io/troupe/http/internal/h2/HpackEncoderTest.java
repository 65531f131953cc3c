package io.troupe.http.internal.h2;

import static io.troupe.http.internal.h2.HpackTesting.decode;
import static io.troupe.http.internal.h2.HpackTesting.encode;
import static io.troupe.http.internal.h2.HpackTesting.entries;
import static io.troupe.http.internal.h2.HpackTesting.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The encoder's choices (indexing policy, never-indexed fields, lowercase names, size updates) and
 * round trips through the decoder: random fields over many blocks with table size changes, the two
 * tables equal after every block, every entry evicted in FIFO order within the bound.
 */
@Timeout(30)
class HpackEncoderTest {
    @Test
    void sensitiveField_sentNeverIndexed_andKeptOutOfBothTables() throws HpackException {
        final HpackEncoder encoder = new HpackEncoder(4096);
        final HpackDecoder decoder = new HpackDecoder(4096, 16_384);
        for (int i = 0; i < 2; i++) {
            final HpackOutput out = new HpackOutput();
            encoder.beginBlock(out);
            encoder.encode("authorization", "Bearer abc", true, out);
            // never indexed (0001), name index 23 with a 4-bit prefix: 1f 08
            assertEquals("1f08", hex(out.toByteArray()).substring(0, 4));
            assertEquals(List.of("authorization: Bearer abc"), decode(decoder, out.toByteArray()));
            assertEquals(List.of(), entries(encoder.table()));
            assertEquals(List.of(), entries(decoder.table()));
        }
    }

    @Test
    void sensitiveByDefault_namesTheSecrets() {
        for (String name : List.of("authorization", "proxy-authorization", "cookie", "set-cookie")) {
            assertTrue(HpackEncoder.sensitiveByDefault(name), name);
        }
        assertEquals(false, HpackEncoder.sensitiveByDefault("content-type"));
    }

    @Test
    void indexingPolicy_volatileNamesAndHugeEntries_notIndexed() throws HpackException {
        final HpackEncoder encoder = new HpackEncoder(4096);
        final byte[] block = encode(encoder, "content-length", "12", "x-huge", "h".repeat(3000),
                "x-small", "s");
        assertEquals(List.of("(40) x-small: s"), entries(encoder.table()));
        final HpackDecoder decoder = new HpackDecoder(4096, 16_384);
        assertEquals(List.of("content-length: 12", "x-huge: " + "h".repeat(3000), "x-small: s"),
                decode(decoder, block));
        assertEquals(entries(encoder.table()), entries(decoder.table()));
        // the second time, the indexed one costs one octet
        assertEquals("be", hex(encode(encoder, "x-small", "s")));
    }

    @Test
    void uppercaseNames_sentLowercase() throws HpackException {
        final HpackEncoder encoder = new HpackEncoder(4096);
        final byte[] block = encode(encoder, "Content-Type", "text/plain", "X-Trace-Id", "Abc");
        assertEquals(List.of("content-type: text/plain", "x-trace-id: Abc"),
                decode(new HpackDecoder(4096, 16_384), block));
    }

    @Test
    void peerTableSize_loweredThenRaised_announcesTheMinimumThenTheFinal() throws HpackException {
        final HpackEncoder encoder = new HpackEncoder(4096);
        final HpackDecoder decoder = new HpackDecoder(4096, 16_384);
        decode(decoder, encode(encoder, "x-a", "1"));
        encoder.setMaxTableSize(0);
        encoder.setMaxTableSize(4096);
        final byte[] block = encode(encoder, "x-b", "2");
        assertEquals("203fe11f", hex(block).substring(0, 8)); // 0, then 4096
        assertEquals(List.of("x-b: 2"), decode(decoder, block));
        assertEquals(List.of("(36) x-b: 2"), entries(decoder.table()));
        assertEquals(entries(encoder.table()), entries(decoder.table()));
        // no change, no update
        encoder.setMaxTableSize(8192); // above the encoder's own 4096: stays 4096
        assertEquals("be", hex(encode(encoder, "x-b", "2")));
    }

    @Test
    void ownMaximumBelowTheDefault_announcedInTheFirstBlock() throws HpackException {
        final HpackEncoder encoder = new HpackEncoder(0);
        final byte[] block = encode(encoder, "x-a", "1", "x-a", "1");
        assertEquals("20", hex(block).substring(0, 2));
        final HpackDecoder decoder = new HpackDecoder(4096, 16_384);
        assertEquals(List.of("x-a: 1", "x-a: 1"), decode(decoder, block));
        assertEquals(0, decoder.table().capacity());
        assertEquals(List.of(), entries(decoder.table()));
    }

    @Test
    void eviction_fifoWithinTheBound_entryLargerThanTheTableEmptiesIt() throws HpackException {
        // 100 octets: two entries of 41 fit, a third evicts the oldest
        final HpackEncoder encoder = new HpackEncoder(100);
        final HpackDecoder decoder = new HpackDecoder(100, 16_384);
        decode(decoder, encode(encoder, "x-1", "aaaaaa", "x-2", "bbbbbb"));
        assertEquals(List.of("(41) x-2: bbbbbb", "(41) x-1: aaaaaa"), entries(decoder.table()));
        decode(decoder, encode(encoder, "x-3", "cccccc"));
        assertEquals(List.of("(41) x-3: cccccc", "(41) x-2: bbbbbb"), entries(decoder.table()));
        assertEquals(82, decoder.tableSizeBytes());
        assertEquals(entries(encoder.table()), entries(decoder.table()));
        // a literal with indexing larger than the table (sent by hand: our encoder would not index it)
        final HpackOutput out = new HpackOutput();
        HpackEncoder.encodeInt(out, 0x40, 6, 0);
        HpackEncoder.encodeString(out, "x-4", false);
        HpackEncoder.encodeString(out, "d".repeat(70), false);
        assertEquals(List.of("x-4: " + "d".repeat(70)), decode(decoder, out.toByteArray()));
        assertEquals(List.of(), entries(decoder.table()));
        assertEquals(0, decoder.tableSizeBytes());
    }

    @Test
    void dynamicTable_growsItsRingAndKeepsOrder() {
        final HpackDynamicTable table = new HpackDynamicTable(32 * 1000);
        for (int i = 0; i < 1000; i++) {
            table.add(new HpackDynamicTable.Entry("n", Integer.toString(i), 32, true));
        }
        assertEquals(1000, table.length());
        for (int i = 0; i < 1000; i++) {
            assertEquals(Integer.toString(999 - i), table.get(i).value());
        }
        table.setCapacity(32 * 10);
        assertEquals(10, table.length());
        assertEquals("990", table.get(9).value());
    }

    @Test
    void randomFields_roundTripOverManyBlocks_tablesEqualAfterEach() throws HpackException {
        final Random random = new Random(7541);
        final String[] names = {":method", ":path", ":authority", "accept", "cookie", "x-a", "x-b", "user-agent",
            "content-type", "etag", "x-long-name-for-a-custom-field", "authorization"};
        final HpackEncoder encoder = new HpackEncoder(4096);
        final HpackDecoder decoder = new HpackDecoder(4096, 1 << 20);
        for (int block = 0; block < 3000; block++) {
            if (random.nextInt(50) == 0) {
                // a SETTINGS_HEADER_TABLE_SIZE change, applied by the encoder and acknowledged to the decoder
                final int size = random.nextInt(5000);
                encoder.setMaxTableSize(size);
                decoder.setMaxTableSize(size);
            }
            final HpackOutput out = new HpackOutput();
            encoder.beginBlock(out);
            final List<String> expected = new ArrayList<>();
            final int count = 1 + random.nextInt(12);
            for (int i = 0; i < count; i++) {
                final String name = random.nextInt(5) == 0 ? randomName(random) : names[random.nextInt(names.length)];
                final String value = randomValue(random);
                encoder.encode(name, value, random.nextInt(8) == 0, out);
                expected.add(name + ": " + value);
            }
            assertEquals(expected, decode(decoder, out.toByteArray()), "block " + block);
            assertEquals(entries(encoder.table()), entries(decoder.table()), "block " + block);
            assertTrue(decoder.tableSizeBytes() <= decoder.table().capacity());
        }
    }

    private static String randomName(Random random) {
        final String chars = "abcdefghijklmnopqrstuvwxyz0123456789-_.!#$%&'*+^`|~";
        final char[] name = new char[1 + random.nextInt(20)];
        for (int i = 0; i < name.length; i++) {
            name[i] = chars.charAt(random.nextInt(chars.length()));
        }
        return new String(name);
    }

    private static String randomValue(Random random) {
        final int kind = random.nextInt(4);
        if (kind == 0) {
            return Integer.toString(random.nextInt(100)); // often repeated
        }
        final char[] value = new char[random.nextInt(kind == 3 ? 600 : 40)];
        for (int i = 0; i < value.length; i++) {
            // visible ASCII, inner spaces and tabs, and octets 0x80-0xff
            final int c = random.nextInt(10) == 0 ? 0x80 + random.nextInt(0x80) : 0x20 + random.nextInt(0x5f);
            value[i] = (char) c;
        }
        if (value.length > 0) {
            value[0] = 'v';
            value[value.length - 1] = 'v';
        }
        return new String(value);
    }
}
