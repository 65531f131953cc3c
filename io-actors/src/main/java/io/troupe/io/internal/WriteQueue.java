package io.troupe.io.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * A connection's queue of bytes to write, counted in bytes. NOT thread safe: owned by one
 * connection actor. The bound and the watermarks are the connection's business; this class
 * only counts, writes with gathering writes, and reports completed entries in order.
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

    /** Drops everything queued (after an abort or an error). */
    void clear() {
        buffers.clear();
        acks.clear();
        queuedBytes = 0;
    }
}
