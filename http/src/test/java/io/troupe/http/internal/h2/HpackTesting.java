package io.troupe.http.internal.h2;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** Helpers for the HPACK tests: hex blocks, decoding to "name: value" lines, table dumps. */
final class HpackTesting {
    private HpackTesting() {}

    static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex.replaceAll("\\s", ""));
    }

    static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    /** Decodes a block, returning its fields as "name: value" in order. */
    static List<String> decode(HpackDecoder decoder, byte[] block) throws HpackException {
        final List<String> fields = new ArrayList<>();
        final ByteBuffer buffer = ByteBuffer.wrap(block);
        decoder.decode(buffer, (name, value) -> fields.add(name + ": " + value));
        if (buffer.hasRemaining()) {
            throw new AssertionError("the decoder left " + buffer.remaining() + " bytes");
        }
        return fields;
    }

    /** A table's entries, newest first, as "(size) name: value". */
    static List<String> entries(HpackDynamicTable table) {
        final List<String> out = new ArrayList<>();
        for (int i = 0; i < table.length(); i++) {
            final HpackDynamicTable.Entry e = table.get(i);
            out.add("(" + e.size() + ") " + e.name() + ": " + e.value());
        }
        return out;
    }

    /** Encodes fields given as name, value pairs into one block. */
    static byte[] encode(HpackEncoder encoder, String... nameValues) {
        final HpackOutput out = new HpackOutput();
        encoder.beginBlock(out);
        for (int i = 0; i < nameValues.length; i += 2) {
            encoder.encode(nameValues[i], nameValues[i + 1], false, out);
        }
        return out.toByteArray();
    }
}
