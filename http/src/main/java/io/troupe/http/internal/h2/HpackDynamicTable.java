package io.troupe.http.internal.h2;

import java.util.Arrays;

/**
 * The dynamic table of RFC 7541 section 2.3.2: a FIFO of entries, newest first, whose size (name
 * octets + value octets + 32 per entry) stays within a capacity by evicting the oldest. NOT thread
 * safe: one connection's encoder or decoder owns it.
 *
 * <p>A ring of entries that grows by doubling to at most capacity / 32 + 1 slots, so a peer cannot
 * make it larger than its byte bound allows.
 */
final class HpackDynamicTable {
    /** One entry; {@code valid} says whether the field passed RFC 9113's checks when decoded. */
    record Entry(String name, String value, int size, boolean valid) {}

    /** The per-entry overhead of RFC 7541 section 4.1. */
    static final int ENTRY_OVERHEAD = 32;

    private Entry[] ring = new Entry[8];
    /** Slot the next entry goes to; the newest is at {@code head - 1}. */
    private int head;
    private int length;
    private int sizeBytes;
    private int capacity;

    HpackDynamicTable(int capacity) {
        this.capacity = capacity;
    }

    static int sizeOf(String name, String value) {
        return name.length() + value.length() + ENTRY_OVERHEAD;
    }

    int length() {
        return length;
    }

    int sizeBytes() {
        return sizeBytes;
    }

    int capacity() {
        return capacity;
    }

    /** The entry at {@code i}, 0 being the newest; {@code i < length()}. */
    Entry get(int i) {
        return ring[(head - 1 - i) & (ring.length - 1)];
    }

    /**
     * Adds an entry, evicting the oldest until it fits; an entry larger than the capacity empties
     * the table and is not added (RFC 7541 section 4.4).
     */
    void add(Entry entry) {
        if (entry.size() > capacity) {
            clear();
            return;
        }
        while (sizeBytes + entry.size() > capacity) {
            evictOldest();
        }
        if (length == ring.length) {
            final Entry[] bigger = new Entry[ring.length * 2];
            for (int i = 0; i < length; i++) {
                bigger[length - 1 - i] = get(i);
            }
            ring = bigger;
            head = length;
        }
        ring[head] = entry;
        head = (head + 1) & (ring.length - 1);
        length++;
        sizeBytes += entry.size();
    }

    /** Sets the capacity, evicting the oldest entries until the table fits it. */
    void setCapacity(int capacity) {
        this.capacity = capacity;
        while (sizeBytes > capacity) {
            evictOldest();
        }
    }

    private void evictOldest() {
        final int tail = (head - length) & (ring.length - 1);
        sizeBytes -= ring[tail].size();
        ring[tail] = null;
        length--;
    }

    void clear() {
        Arrays.fill(ring, null);
        head = 0;
        length = 0;
        sizeBytes = 0;
    }
}
