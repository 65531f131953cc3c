package io.troupe.http.internal.h2;

import static io.troupe.http.internal.h2.HpackTesting.decode;
import static io.troupe.http.internal.h2.HpackTesting.encode;
import static io.troupe.http.internal.h2.HpackTesting.entries;
import static io.troupe.http.internal.h2.HpackTesting.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The examples of RFC 7541 Appendix C, both ways: each block decodes to the listed fields and
 * leaves the listed dynamic table (entries, sizes, total), and the encoder, fed the same fields,
 * writes the same octets (its indexing policy and Huffman choice match the examples').
 */
@Timeout(10)
class HpackRfcExamplesTest {
    private static final String[] REQUEST_1 = {":method", "GET", ":scheme", "http", ":path", "/",
        ":authority", "www.example.com"};
    private static final String[] REQUEST_2 = {":method", "GET", ":scheme", "http", ":path", "/",
        ":authority", "www.example.com", "cache-control", "no-cache"};
    private static final String[] REQUEST_3 = {":method", "GET", ":scheme", "https", ":path", "/index.html",
        ":authority", "www.example.com", "custom-key", "custom-value"};

    private static final String[] RESPONSE_1 = {":status", "302", "cache-control", "private",
        "date", "Mon, 21 Oct 2013 20:13:21 GMT", "location", "https://www.example.com"};
    private static final String[] RESPONSE_2 = {":status", "307", "cache-control", "private",
        "date", "Mon, 21 Oct 2013 20:13:21 GMT", "location", "https://www.example.com"};
    private static final String[] RESPONSE_3 = {":status", "200", "cache-control", "private",
        "date", "Mon, 21 Oct 2013 20:13:22 GMT", "location", "https://www.example.com",
        "content-encoding", "gzip", "set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"};

    private static final List<String> REQUEST_TABLE_1 = List.of("(57) :authority: www.example.com");
    private static final List<String> REQUEST_TABLE_2 = List.of("(53) cache-control: no-cache",
            "(57) :authority: www.example.com");
    private static final List<String> REQUEST_TABLE_3 = List.of("(54) custom-key: custom-value",
            "(53) cache-control: no-cache", "(57) :authority: www.example.com");

    private static final List<String> RESPONSE_TABLE_1 = List.of("(63) location: https://www.example.com",
            "(65) date: Mon, 21 Oct 2013 20:13:21 GMT", "(52) cache-control: private", "(42) :status: 302");
    private static final List<String> RESPONSE_TABLE_2 = List.of("(42) :status: 307",
            "(63) location: https://www.example.com", "(65) date: Mon, 21 Oct 2013 20:13:21 GMT",
            "(52) cache-control: private");
    private static final List<String> RESPONSE_TABLE_3 = List.of(
            "(98) set-cookie: foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1",
            "(52) content-encoding: gzip", "(65) date: Mon, 21 Oct 2013 20:13:22 GMT");

    private static List<String> fields(String... nameValues) {
        final java.util.ArrayList<String> out = new java.util.ArrayList<>();
        for (int i = 0; i < nameValues.length; i += 2) {
            out.add(nameValues[i] + ": " + nameValues[i + 1]);
        }
        return out;
    }

    private static int sum(List<String> entries) {
        return entries.stream().mapToInt(e -> Integer.parseInt(e.substring(1, e.indexOf(')')))).sum();
    }

    /** Decodes one block of a sequence and checks the fields and the table after it. */
    private static void step(HpackDecoder decoder, String block, String[] expected, List<String> table)
            throws HpackException {
        assertEquals(fields(expected), decode(decoder, hex(block)));
        assertEquals(table, entries(decoder.table()));
        assertEquals(sum(table), decoder.tableSizeBytes());
    }

    @Test
    void integerExamples_c1_encodeAndDecode() throws HpackException {
        // C.1.1: 10 with a 5-bit prefix; C.1.2: 1337 with a 5-bit prefix; C.1.3: 42 at an octet boundary
        final int[][] cases = {{10, 5}, {1337, 5}, {42, 8}};
        final String[] expected = {"0a", "1f9a0a", "2a"};
        for (int i = 0; i < cases.length; i++) {
            final HpackOutput out = new HpackOutput();
            HpackEncoder.encodeInt(out, 0, cases[i][1], cases[i][0]);
            assertEquals(expected[i], hex(out.toByteArray()));
            assertEquals(cases[i][0], HpackDecoder.decodeInt(ByteBuffer.wrap(hex(expected[i])), cases[i][1]));
        }
    }

    @Test
    void literalRepresentations_c2_decodeWithTheirTableEffects() throws HpackException {
        // C.2.1 literal with indexing: enters the table
        HpackDecoder decoder = new HpackDecoder(4096, 16384);
        step(decoder, "400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572",
                new String[] {"custom-key", "custom-header"}, List.of("(55) custom-key: custom-header"));
        // C.2.2 literal without indexing: the table stays empty
        decoder = new HpackDecoder(4096, 16384);
        step(decoder, "040c 2f73 616d 706c 652f 7061 7468", new String[] {":path", "/sample/path"}, List.of());
        // C.2.3 never indexed
        decoder = new HpackDecoder(4096, 16384);
        step(decoder, "1008 7061 7373 776f 7264 0673 6563 7265 74", new String[] {"password", "secret"},
                List.of());
        // C.2.4 indexed
        decoder = new HpackDecoder(4096, 16384);
        step(decoder, "82", new String[] {":method", "GET"}, List.of());
    }

    private static final String C3_1 = "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d";
    private static final String C3_2 = "8286 84be 5808 6e6f 2d63 6163 6865";
    private static final String C3_3 = "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65";
    private static final String C4_1 = "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff";
    private static final String C4_2 = "8286 84be 5886 a8eb 1064 9cbf";
    private static final String C4_3 = "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf";

    private static final String C5_1 = "4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420"
            + "3230 3133 2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65"
            + "2e63 6f6d";
    private static final String C5_2 = "4803 3330 37c1 c0bf";
    private static final String C5_3 = "88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32"
            + "3220 474d 54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541"
            + "5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31";
    private static final String C6_1 = "4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81"
            + "66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3";
    private static final String C6_2 = "4883 640e ffc1 c0bf";
    private static final String C6_3 = "88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a"
            + "839b d9ab 77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587"
            + "3160 65c0 03ed 4ee5 b106 3d50 07";

    @Test
    void requestsWithoutHuffman_c3_decodeWithTableStates() throws HpackException {
        final HpackDecoder decoder = new HpackDecoder(4096, 16384);
        step(decoder, C3_1, REQUEST_1, REQUEST_TABLE_1);
        step(decoder, C3_2, REQUEST_2, REQUEST_TABLE_2);
        step(decoder, C3_3, REQUEST_3, REQUEST_TABLE_3);
    }

    @Test
    void requestsWithHuffman_c4_decodeWithTableStates() throws HpackException {
        final HpackDecoder decoder = new HpackDecoder(4096, 16384);
        step(decoder, C4_1, REQUEST_1, REQUEST_TABLE_1);
        step(decoder, C4_2, REQUEST_2, REQUEST_TABLE_2);
        step(decoder, C4_3, REQUEST_3, REQUEST_TABLE_3);
    }

    @Test
    void responsesWithoutHuffman_c5_decodeWithEvictionInA256OctetTable() throws HpackException {
        final HpackDecoder decoder = new HpackDecoder(256, 16384);
        step(decoder, C5_1, RESPONSE_1, RESPONSE_TABLE_1);
        step(decoder, C5_2, RESPONSE_2, RESPONSE_TABLE_2);
        step(decoder, C5_3, RESPONSE_3, RESPONSE_TABLE_3);
    }

    @Test
    void responsesWithHuffman_c6_decodeWithEvictionInA256OctetTable() throws HpackException {
        final HpackDecoder decoder = new HpackDecoder(256, 16384);
        step(decoder, C6_1, RESPONSE_1, RESPONSE_TABLE_1);
        step(decoder, C6_2, RESPONSE_2, RESPONSE_TABLE_2);
        step(decoder, C6_3, RESPONSE_3, RESPONSE_TABLE_3);
    }

    @Test
    void requestsEncoded_c3AndC4_sameOctetsAndTables() {
        final HpackEncoder plain = new HpackEncoder(4096);
        plain.useHuffman(false);
        final HpackEncoder huffman = new HpackEncoder(4096);
        final String[][] requests = {REQUEST_1, REQUEST_2, REQUEST_3};
        final String[] c3 = {C3_1, C3_2, C3_3};
        final String[] c4 = {C4_1, C4_2, C4_3};
        final List<List<String>> tables = List.of(REQUEST_TABLE_1, REQUEST_TABLE_2, REQUEST_TABLE_3);
        for (int i = 0; i < 3; i++) {
            assertEquals(hex(hex(c3[i])), hex(encode(plain, requests[i])), "C.3." + (i + 1));
            assertEquals(hex(hex(c4[i])), hex(encode(huffman, requests[i])), "C.4." + (i + 1));
            assertEquals(tables.get(i), entries(plain.table()));
            assertEquals(tables.get(i), entries(huffman.table()));
        }
    }

    @Test
    void responsesEncoded_c5AndC6_sameOctetsAfterTheSizeUpdateTo256() {
        // the examples' table holds 256 octets; the encoder announces that first (3f e1 01 = 256)
        final HpackEncoder plain = new HpackEncoder(256);
        plain.useHuffman(false);
        final HpackEncoder huffman = new HpackEncoder(256);
        final String[][] responses = {RESPONSE_1, RESPONSE_2, RESPONSE_3};
        final String[] c5 = {C5_1, C5_2, C5_3};
        final String[] c6 = {C6_1, C6_2, C6_3};
        final List<List<String>> tables = List.of(RESPONSE_TABLE_1, RESPONSE_TABLE_2, RESPONSE_TABLE_3);
        for (int i = 0; i < 3; i++) {
            final String update = i == 0 ? "3fe101" : "";
            assertEquals(update + hex(hex(c5[i])), hex(encode(plain, responses[i])), "C.5." + (i + 1));
            // C.6.2 Huffman-codes "307" in 3 octets, no shorter than the raw 3: this encoder sends it raw
            final String expected = i == 1 ? "4803333037c1c0bf" : hex(hex(c6[i]));
            assertEquals(update + expected, hex(encode(huffman, responses[i])), "C.6." + (i + 1));
            assertEquals(tables.get(i), entries(plain.table()));
            assertEquals(tables.get(i), entries(huffman.table()));
        }
    }
}
