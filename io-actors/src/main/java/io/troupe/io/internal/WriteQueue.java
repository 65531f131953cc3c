package io.troupe.io.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * A connection's queue of bytes to write, counted in bytes, and the room reserved in it for
 * answers that are still to come. NOT thread safe: owned by one connection actor. The bound
 * and the watermarks are the connection's business; this class only counts, writes with
 * gathering writes, and reports completed entries in order.
 */
final class WriteQueue {
    /** Marks an entry that completes no write: a framing header, or a write without an ack. */
    static final Object NO_ACK = new Object();
    /** Buffers handed to one gathering write at most. */
    private static final int GATHER = 16;

    private final ArrayDeque<ByteBuffer> buffers = new ArrayDeque<>();
    private final ArrayDeque<Object> acks = new ArrayDeque<>();
    private final ByteBuffer[] gather = new ByteBuffer[GATHER];
    private int queuedBytes;
    private int peakQueuedBytes;
    /**
     * Reservations, oldest first: a ring (power-of-two length) of {@code reservationCount}
     * sizes from {@code reservationHead}; null until the first, as most connections make none.
     */
    private int[] reservations;
    private int reservationHead;
    private int reservationCount;
    private long reservedBytes;

    /** Appends {@code parts}; the last one carries {@code ack} ({@link #NO_ACK} for none). */
    void add(ByteBuffer[] parts, Object ack) {
        for (int i = 0; i < parts.length; i++) {
            final ByteBuffer b = parts[i];
            buffers.addLast(b);
            acks.addLast(i == parts.length - 1 ? ack : NO_ACK);
            queuedBytes += b.remaining();
        }
        if (queuedBytes > peakQueuedBytes) {
            peakQueuedBytes = queuedBytes;
        }
    }

    /**
     * Writes until the channel takes no more or the queue is empty, calling {@code onAck} with
     * the ack of each completed entry, in order.
     *
     * @return the bytes written
     */
    long writeTo(GatheringByteChannel channel, Consumer<Object> onAck) throws IOException {
        long total = 0;
        try {
            while (!buffers.isEmpty()) {
                int n = 0;
                for (ByteBuffer b : buffers) {
                    gather[n++] = b;
                    if (n == GATHER) {
                        break;
                    }
                }
                final long written = n == 1 ? channel.write(gather[0]) : channel.write(gather, 0, n);
                if (written <= 0) {
                    break;
                }
                total += written;
                queuedBytes -= (int) written;
                while (!buffers.isEmpty() && !buffers.peekFirst().hasRemaining()) {
                    buffers.pollFirst();
                    final Object ack = acks.pollFirst();
                    if (ack != NO_ACK) {
                        onAck.accept(ack);
                    }
                }
            }
        } finally {
            java.util.Arrays.fill(gather, null);
        }
        return total;
    }

    boolean isEmpty() {
        return buffers.isEmpty();
    }

    int queuedBytes() {
        return queuedBytes;
    }

    int peakQueuedBytes() {
        return peakQueuedBytes;
    }

    /**
     * Reserves room for {@code bytes} still to come: the answer to one delivered read. Released
     * in the order reserved, by {@link #release}.
     */
    void reserve(int bytes) {
        if (reservations == null || reservationCount == reservations.length) {
            growReservations();
        }
        reservations[(reservationHead + reservationCount) & (reservations.length - 1)] = bytes;
        reservationCount++;
        reservedBytes += bytes;
    }

    /** Rare path: allocates or doubles the ring, oldest reservation first. */
    private void growReservations() {
        if (reservations == null) {
            reservations = new int[16];
            return;
        }
        final int[] grown = new int[reservations.length * 2];
        for (int i = 0; i < reservationCount; i++) {
            grown[i] = reservations[(reservationHead + i) & (reservations.length - 1)];
        }
        reservations = grown;
        reservationHead = 0;
    }

    /** Releases the {@code count} oldest reservations, or all of them if there are fewer. */
    void release(int count) {
        final int n = Math.min(count, reservationCount);
        for (int i = 0; i < n; i++) {
            reservedBytes -= reservations[reservationHead];
            reservationHead = (reservationHead + 1) & (reservations.length - 1);
        }
        reservationCount -= n;
    }

    /** The reservations not yet released. */
    int reservations() {
        return reservationCount;
    }

    /** The bytes reserved and not yet released. */
    long reservedBytes() {
        return reservedBytes;
    }

    /** Drops everything queued and reserved (after an abort or an error). */
    void clear() {
        buffers.clear();
        acks.clear();
        queuedBytes = 0;
        reservationHead = 0;
        reservationCount = 0;
        reservedBytes = 0;
    }
}
