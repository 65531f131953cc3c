package io.troupe.http.internal.h2;

import io.troupe.http.internal.h2.HpackDynamicTable.Entry;

/**
 * Encodes header blocks with HPACK (RFC 7541) for one connection. NOT thread safe: the
 * connection's turn calls it, and blocks must be sent in the order they were encoded, since each
 * one changes the dynamic table the peer's decoder mirrors.
 *
 * <p>Per block: {@link #beginBlock} (emits any pending dynamic table size update), then
 * {@link #encode} for each field. A field found whole in a table costs one index; otherwise its
 * name comes from a table when it can and the value (and a new name) is written as a string,
 * Huffman-coded when that is shorter. Names are lowercased (HTTP/2 requires lowercase names).
 *
 * <p>Indexing policy: a field is added to the dynamic table unless it is sensitive (then it is sent
 * as never-indexed, RFC 7541 section 7.1.3, so no intermediary indexes it either), its entry would
 * take more than half the table (it would flush what is there for something unlikely to repeat),
 * or its name is one whose values rarely repeat (content-length, etag, ...). The dynamic table is
 * searched linearly: it holds at most capacity / 32 entries.
 *
 * <p>Characters above 0xFF cannot be sent in a field (fields are octets, sent as ISO-8859-1):
 * they are written as '?'.
 */
public final class HpackEncoder {
    /** The table size both ends assume before any SETTINGS (RFC 9113 section 6.5.2). */
    static final int DEFAULT_TABLE_SIZE = 4096;

    private final int maxTableSize;
    private final HpackDynamicTable table;
    /** Whether a size update must start the next block. */
    private boolean updatePending;
    /** The smallest capacity the table had since the last size update sent. */
    private int pendingMinimum;
    /** Whether strings may be Huffman-coded (off only in tests, for RFC 7541 C.3 and C.5). */
    private boolean huffman = true;

    /**
     * Creates an encoder.
     *
     * @param maxTableSize the most memory this side will spend on its dynamic table: the table
     *     uses the smaller of this and the peer's SETTINGS_HEADER_TABLE_SIZE (0 disables indexing)
     */
    public HpackEncoder(int maxTableSize) {
        if (maxTableSize < 0) {
            throw new IllegalArgumentException("maxTableSize must not be negative, was " + maxTableSize);
        }
        this.maxTableSize = maxTableSize;
        final int capacity = Math.min(maxTableSize, DEFAULT_TABLE_SIZE);
        this.table = new HpackDynamicTable(capacity);
        if (capacity != DEFAULT_TABLE_SIZE) {
            updatePending = true;
            pendingMinimum = capacity;
        }
    }

    /**
     * Takes the peer's SETTINGS_HEADER_TABLE_SIZE: the table's capacity becomes the smaller of it
     * and this encoder's own maximum, evicting at once if it shrinks, and the next
     * {@link #beginBlock} announces the change (RFC 7541 section 4.2; the smallest capacity in
     * between is announced first when it was lower).
     *
     * @param peerHeaderTableSize the peer's setting
     */
    public void setMaxTableSize(int peerHeaderTableSize) {
        if (peerHeaderTableSize < 0) {
            throw new IllegalArgumentException("peerHeaderTableSize must not be negative, was "
                    + peerHeaderTableSize);
        }
        final int capacity = Math.min(maxTableSize, peerHeaderTableSize);
        if (capacity == table.capacity()) {
            return;
        }
        pendingMinimum = updatePending ? Math.min(pendingMinimum, capacity) : capacity;
        updatePending = true;
        table.setCapacity(capacity);
    }

    /**
     * Starts a header block: writes the pending dynamic table size update, if any. Call before the
     * first {@link #encode} of every block.
     *
     * @param out where the block goes
     */
    public void beginBlock(HpackOutput out) {
        if (!updatePending) {
            return;
        }
        if (pendingMinimum < table.capacity()) {
            encodeInt(out, 0x20, 5, pendingMinimum);
        }
        encodeInt(out, 0x20, 5, table.capacity());
        updatePending = false;
    }

    /**
     * Appends one field to the block being written.
     *
     * @param name the field name (lowercased here); a pseudo-header field starts with a colon
     * @param value the field value
     * @param sensitive true to send it never-indexed (authorization, cookie, ...): it does not enter
     *     any table, here or at an intermediary
     * @param out where the block goes
     */
    public void encode(CharSequence name, CharSequence value, boolean sensitive, HpackOutput out) {
        final String n = lowercase(name);
        final String v = value.toString();
        final int staticName = HpackStaticTable.nameIndex(n);
        int nameIndex = staticName;
        if (!sensitive) {
            final int staticFull = HpackStaticTable.fullIndex(staticName, n, v);
            if (staticFull != 0) {
                encodeInt(out, 0x80, 7, staticFull);
                return;
            }
            for (int i = 0; i < table.length(); i++) {
                final Entry entry = table.get(i);
                if (entry.name().equals(n)) {
                    if (entry.value().equals(v)) {
                        encodeInt(out, 0x80, 7, HpackStaticTable.LENGTH + 1 + i);
                        return;
                    }
                    if (nameIndex == 0) {
                        nameIndex = HpackStaticTable.LENGTH + 1 + i;
                    }
                }
            }
        } else if (nameIndex == 0) {
            for (int i = 0; i < table.length(); i++) {
                if (table.get(i).name().equals(n)) {
                    nameIndex = HpackStaticTable.LENGTH + 1 + i;
                    break;
                }
            }
        }
        final int size = HpackDynamicTable.sizeOf(n, v);
        final boolean indexing = !sensitive && worthIndexing(n, size);
        if (sensitive) {
            encodeInt(out, 0x10, 4, nameIndex);
        } else if (indexing) {
            encodeInt(out, 0x40, 6, nameIndex);
        } else {
            encodeInt(out, 0x00, 4, nameIndex);
        }
        if (nameIndex == 0) {
            encodeString(out, n, huffman);
        }
        encodeString(out, v, huffman);
        if (indexing) {
            table.add(new Entry(n, v, size, true));
        }
    }

    private boolean worthIndexing(String name, int size) {
        if (size > table.capacity() / 2) {
            return false;
        }
        switch (name) {
            case "content-length":
            case "content-range":
            case "etag":
            case "if-match":
            case "if-none-match":
            case "if-modified-since":
            case "if-unmodified-since":
            case "last-modified":
            case "age":
                return false;
            default:
                return true;
        }
    }

    /**
     * Whether a field with this name holds a secret and should be sent never-indexed by default:
     * authorization, proxy-authorization, cookie, set-cookie (RFC 7541 section 7.1.3).
     *
     * @param name a lowercase field name
     * @return true for the names above
     */
    public static boolean sensitiveByDefault(CharSequence name) {
        final String n = name.toString();
        return n.equals("authorization") || n.equals("proxy-authorization") || n.equals("cookie")
                || n.equals("set-cookie");
    }

    /** The dynamic table (for tests). */
    HpackDynamicTable table() {
        return table;
    }

    /** Turns Huffman coding off or on (for tests: RFC 7541 C.3 and C.5 use none). */
    void useHuffman(boolean huffman) {
        this.huffman = huffman;
    }

    private static String lowercase(CharSequence name) {
        final int length = name.length();
        for (int i = 0; i < length; i++) {
            final char c = name.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                final char[] chars = new char[length];
                for (int j = 0; j < length; j++) {
                    final char d = name.charAt(j);
                    chars[j] = d >= 'A' && d <= 'Z' ? (char) (d + 32) : d;
                }
                return new String(chars);
            }
        }
        return name.toString();
    }

    /** Writes an integer with an N-bit prefix after the {@code flags} bits (RFC 7541 section 5.1). */
    static void encodeInt(HpackOutput out, int flags, int prefixBits, int value) {
        final int max = (1 << prefixBits) - 1;
        if (value < max) {
            out.append(flags | value);
            return;
        }
        out.append(flags | max);
        int rest = value - max;
        while (rest >= 0x80) {
            out.append((rest & 0x7F) | 0x80);
            rest >>>= 7;
        }
        out.append(rest);
    }

    /** Writes a string literal, Huffman-coded when that is shorter (RFC 7541 section 5.2). */
    static void encodeString(HpackOutput out, String s, boolean huffman) {
        final int huffmanLength = huffman ? Huffman.encodedLength(s) : Integer.MAX_VALUE;
        if (huffmanLength < s.length()) {
            encodeInt(out, 0x80, 7, huffmanLength);
            Huffman.encode(s, out);
        } else {
            encodeInt(out, 0x00, 7, s.length());
            for (int i = 0; i < s.length(); i++) {
                out.append(Huffman.octet(s.charAt(i)));
            }
        }
    }
}
