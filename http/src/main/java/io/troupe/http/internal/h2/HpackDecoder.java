package io.troupe.http.internal.h2;

import io.troupe.http.internal.h2.HpackDynamicTable.Entry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Decodes HPACK header blocks (RFC 7541) for one connection. NOT thread safe: the connection's
 * turn calls it, one complete block at a time (the caller joins CONTINUATION fragments first),
 * in the order the blocks arrived.
 *
 * <p>Costs: one pass over the block; one String per literal name and value that is emitted or
 * indexed (names and values taken from a table are shared, not copied); a scratch array as large
 * as the largest string kept. Nothing is allocated for a field beyond the header list limit: a
 * block that would decompress without bound (many references to one large dynamic entry) is
 * counted, name + value + 32 per field (RFC 9113 section 6.5.2), and the fields past the limit are
 * only skipped. String lengths are checked against the input left before anything is read.
 *
 * <p>Errors: anything that breaks RFC 7541 (a bad index, a truncated integer or string, an integer
 * above 2^31 - 1, bad Huffman padding or an EOS symbol, a table size update in the wrong place or
 * above the limit) throws {@link HpackException.Kind#COMPRESSION} at once, and the decoder must not
 * be used again. A header list too large, or a field that RFC 9113 section 8.2.1 calls malformed
 * (an uppercase or forbidden octet in a name, NUL, CR or LF in a value, white space around a
 * value), is reported only after the whole block is decoded, so the dynamic table stays in step
 * with the peer's encoder and the connection can go on; no field is given to the sink after such
 * an error.
 */
public final class HpackDecoder {
    private final HpackDynamicTable table;
    private final int maxHeaderListSize;
    /** The table size we advertised and the peer acknowledged: the bound on size updates. */
    private int maxTableSizeLimit;
    /** Set when the limit was lowered: the next block must start with a size update. */
    private boolean sizeUpdateRequired;
    private byte[] scratch = new byte[64];

    // per-block state
    private long budget;
    private HpackException deferred;
    /** The string read by the last {@link #readString}, or null if it was longer than its cap. */
    private String string;

    /**
     * Creates a decoder.
     *
     * @param maxTableSize our SETTINGS_HEADER_TABLE_SIZE (4096 unless we advertised another):
     *     the dynamic table starts with this capacity and the peer may not raise it above
     * @param maxHeaderListSize the largest header list accepted, as name + value + 32 per field
     */
    public HpackDecoder(int maxTableSize, int maxHeaderListSize) {
        if (maxTableSize < 0) {
            throw new IllegalArgumentException("maxTableSize must not be negative, was " + maxTableSize);
        }
        if (maxHeaderListSize <= 0) {
            throw new IllegalArgumentException("maxHeaderListSize must be positive, was " + maxHeaderListSize);
        }
        this.table = new HpackDynamicTable(maxTableSize);
        this.maxTableSizeLimit = maxTableSize;
        this.maxHeaderListSize = maxHeaderListSize;
    }

    /**
     * Changes the bound on the dynamic table, once the peer has acknowledged a new
     * SETTINGS_HEADER_TABLE_SIZE of ours. A lower bound evicts at once and requires the next block
     * to start with a size update (RFC 7541 section 4.2).
     *
     * @param maxTableSize the acknowledged setting
     */
    public void setMaxTableSize(int maxTableSize) {
        if (maxTableSize < 0) {
            throw new IllegalArgumentException("maxTableSize must not be negative, was " + maxTableSize);
        }
        maxTableSizeLimit = maxTableSize;
        if (maxTableSize < table.capacity()) {
            sizeUpdateRequired = true;
            table.setCapacity(maxTableSize);
        }
    }

    /** The dynamic table's current size in RFC 7541 octets (for tests and counters). */
    int tableSizeBytes() {
        return table.sizeBytes();
    }

    /** The dynamic table (for tests). */
    HpackDynamicTable table() {
        return table;
    }

    /**
     * Decodes one complete header block, calling {@code sink} once per field in order.
     *
     * @param block the block, from its position to its limit; it is consumed
     * @param sink takes the fields
     * @throws HpackException a connection error at once, or, after the whole block, a stream error
     *     (header list too large, malformed field, or one the sink threw)
     */
    public void decode(ByteBuffer block, HeaderSink sink) throws HpackException {
        budget = maxHeaderListSize;
        deferred = null;
        boolean fieldSeen = false;
        while (block.hasRemaining()) {
            final int b = block.get(block.position()) & 0xFF;
            if ((b & 0xE0) == 0x20) {
                sizeUpdate(block, fieldSeen);
                continue;
            }
            if (sizeUpdateRequired) {
                throw HpackException.compression("the block must start with a dynamic table size update");
            }
            fieldSeen = true;
            if ((b & 0x80) != 0) {
                indexed(block, sink);
            } else if ((b & 0x40) != 0) {
                literal(block, 6, true, sink);
            } else {
                // 0000: without indexing, 0001: never indexed; both leave the table alone
                literal(block, 4, false, sink);
            }
        }
        final HpackException error = deferred;
        deferred = null;
        string = null;
        if (error != null) {
            throw error;
        }
    }

    private void sizeUpdate(ByteBuffer block, boolean fieldSeen) throws HpackException {
        if (fieldSeen) {
            throw HpackException.compression("a dynamic table size update after a field");
        }
        final int size = decodeInt(block, 5);
        if (size > maxTableSizeLimit) {
            throw HpackException.compression("dynamic table size update to " + size
                    + " above the limit " + maxTableSizeLimit);
        }
        table.setCapacity(size);
        sizeUpdateRequired = false;
    }

    private void indexed(ByteBuffer block, HeaderSink sink) throws HpackException {
        final int index = decodeInt(block, 7);
        if (index == 0) {
            throw HpackException.compression("index 0");
        }
        if (index <= HpackStaticTable.LENGTH) {
            final String name = HpackStaticTable.name(index);
            final String value = HpackStaticTable.value(index);
            emit(name, value, HpackDynamicTable.sizeOf(name, value), true, sink);
        } else {
            final Entry entry = dynamicEntry(index);
            emit(entry.name(), entry.value(), entry.size(), entry.valid(), sink);
        }
    }

    private Entry dynamicEntry(int index) throws HpackException {
        final int i = index - HpackStaticTable.LENGTH - 1;
        if (i >= table.length()) {
            throw HpackException.compression("index " + index + " beyond the table ("
                    + (HpackStaticTable.LENGTH + table.length()) + " entries)");
        }
        return table.get(i);
    }

    private void literal(ByteBuffer block, int prefixBits, boolean indexing, HeaderSink sink)
            throws HpackException {
        final long budgetLeft = deferred == null ? budget : 0;
        final int capacity = table.capacity();
        final int nameIndex = decodeInt(block, prefixBits);
        String name;
        boolean nameValid = true;
        final int nameLength;
        if (nameIndex == 0) {
            nameLength = readString(block, cap(budgetLeft - 32, indexing, capacity - 32));
            name = string;
            nameValid = name != null && validName(name);
        } else if (nameIndex <= HpackStaticTable.LENGTH) {
            name = HpackStaticTable.name(nameIndex);
            nameLength = name.length();
        } else {
            final Entry entry = dynamicEntry(nameIndex);
            name = entry.name();
            nameValid = entry.valid();
            nameLength = name.length();
        }
        final int valueLength = readString(block,
                cap(budgetLeft - 32 - nameLength, indexing, capacity - 32 - nameLength));
        final String value = string;
        final long size = (long) nameLength + valueLength + HpackDynamicTable.ENTRY_OVERHEAD;
        final boolean valid = nameValid && value != null && validValue(value);
        if (indexing) {
            if (size > capacity) {
                table.clear();
            } else {
                // both strings were read: each is at most capacity - 32 - the other
                table.add(new Entry(name, value, (int) size, valid));
            }
        }
        emit(name, value, size, valid, sink);
    }

    /** The longest string worth reading: what the header list or, if indexing, the table can hold. */
    private static int cap(long budgetLeft, boolean indexing, int tableLeft) {
        final long cap = Math.max(budgetLeft, indexing ? tableLeft : -1);
        return (int) Math.max(0, Math.min(cap, Integer.MAX_VALUE));
    }

    /** Counts a field against the header list limit and, while nothing went wrong, hands it on. */
    private void emit(String name, String value, long size, boolean valid, HeaderSink sink)
            throws HpackException {
        if (deferred != null) {
            return;
        }
        budget -= size;
        if (budget < 0) {
            deferred = new HpackException(HpackException.Kind.HEADER_LIST_TOO_LARGE,
                    "header list larger than " + maxHeaderListSize + " octets");
            return;
        }
        if (!valid) {
            deferred = new HpackException(HpackException.Kind.MALFORMED,
                    "malformed field (RFC 9113 section 8.2.1): " + printable(name));
            return;
        }
        try {
            sink.header(name, value);
        } catch (HpackException e) {
            if (e.isConnectionError()) {
                throw e;
            }
            deferred = e;
        }
    }

    /**
     * Reads a string literal; leaves it in {@link #string} if it has at most {@code cap} octets,
     * null otherwise (then it is only skipped, or Huffman-decoded without being stored).
     *
     * @return the string's decoded length in octets
     */
    private int readString(ByteBuffer block, int cap) throws HpackException {
        if (!block.hasRemaining()) {
            throw HpackException.compression("truncated string literal");
        }
        final boolean huffman = (block.get(block.position()) & 0x80) != 0;
        final int length = decodeInt(block, 7);
        if (length > block.remaining()) {
            throw HpackException.compression("string literal of " + length + " octets with "
                    + block.remaining() + " left in the block");
        }
        if (!huffman) {
            if (length > cap) {
                block.position(block.position() + length);
                string = null;
            } else {
                final byte[] bytes = scratch(length);
                block.get(bytes, 0, length);
                string = new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
            }
            return length;
        }
        // codes are 5 to 30 bits: a Huffman string decodes to between 8/30 and 8/5 of its length
        final int stored = length * 8L / 30 > cap ? 0 : (int) Math.min(cap, length * 8L / 5);
        final byte[] bytes = scratch(stored);
        final int decoded = Huffman.decode(block, length, bytes, stored);
        string = decoded > cap ? null : new String(bytes, 0, decoded, StandardCharsets.ISO_8859_1);
        return decoded;
    }

    private byte[] scratch(int length) {
        if (scratch.length < length) {
            scratch = new byte[Math.max(length, scratch.length * 2)];
        }
        return scratch;
    }

    /**
     * Decodes an integer with an N-bit prefix (RFC 7541 section 5.1), consuming it; values above
     * 2^31 - 1 and encodings longer than five continuation octets are refused.
     */
    static int decodeInt(ByteBuffer in, int prefixBits) throws HpackException {
        final int max = (1 << prefixBits) - 1;
        final int first = in.get() & max;
        if (first < max) {
            return first;
        }
        long value = first;
        int shift = 0;
        while (true) {
            if (!in.hasRemaining()) {
                throw HpackException.compression("truncated integer");
            }
            final int b = in.get() & 0xFF;
            value += (long) (b & 0x7F) << shift;
            if (value > Integer.MAX_VALUE) {
                throw HpackException.compression("integer above 2^31 - 1");
            }
            if ((b & 0x80) == 0) {
                return (int) value;
            }
            shift += 7;
            if (shift > 28) {
                throw HpackException.compression("integer longer than five continuation octets");
            }
        }
    }

    /**
     * RFC 9113 section 8.2.1: not empty; no octet 0x00-0x20, 'A'-'Z' or 0x7f-0xff; a colon only
     * as the first octet (a pseudo-header field).
     */
    static boolean validName(String name) {
        final int length = name.length();
        if (length == 0) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            final char c = name.charAt(i);
            if (c <= 0x20 || c >= 0x7F || (c >= 'A' && c <= 'Z') || (c == ':' && i > 0)) {
                return false;
            }
        }
        return true;
    }

    /** RFC 9113 section 8.2.1: no NUL, CR or LF; no SP or HTAB first or last. */
    static boolean validValue(String value) {
        final int length = value.length();
        if (length > 0) {
            final char first = value.charAt(0);
            final char last = value.charAt(length - 1);
            if (first == ' ' || first == '\t' || last == ' ' || last == '\t') {
                return false;
            }
        }
        for (int i = 0; i < length; i++) {
            final char c = value.charAt(i);
            if (c == 0 || c == '\r' || c == '\n') {
                return false;
            }
        }
        return true;
    }

    private static String printable(String name) {
        if (name == null) {
            return "(a name too long to keep)";
        }
        final StringBuilder out = new StringBuilder(Math.min(name.length(), 64) + 2).append('"');
        for (int i = 0; i < name.length() && i < 64; i++) {
            final char c = name.charAt(i);
            out.append(c >= 0x20 && c < 0x7F ? c : '?');
        }
        return out.append('"').toString();
    }
}
