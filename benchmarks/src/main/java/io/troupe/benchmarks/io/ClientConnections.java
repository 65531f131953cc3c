package io.troupe.benchmarks.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/** Ending a load generator's connections in order. */
final class ClientConnections {
    /** How long the servers get to echo what is in flight and close their side. */
    private static final long DRAIN_MILLIS = 5_000;

    private ClientConnections() {}

    /**
     * Half-closes every connection registered with {@code selector}, reads (and discards) the
     * echoes still in flight until each server side closes, then closes the connections and
     * the selector. A server that has not closed within {@value #DRAIN_MILLIS} ms is cut off.
     * So a benchmark ends with the orderly close a real client does, not with resets that make
     * servers log errors or dead letters.
     */
    static void closeGracefully(Selector selector) {
        try {
            for (SelectionKey key : selector.keys()) {
                key.interestOps(SelectionKey.OP_READ);
                try {
                    ((SocketChannel) key.channel()).shutdownOutput();
                } catch (IOException e) {
                    closeQuietly(key);
                }
            }
            final ByteBuffer sink = ByteBuffer.allocateDirect(64 << 10);
            final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DRAIN_MILLIS);
            long left;
            while (!selector.keys().isEmpty() && (left = deadline - System.nanoTime()) > 0) {
                selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                for (SelectionKey key : selector.selectedKeys()) {
                    try {
                        if (((SocketChannel) key.channel()).read(sink.clear()) < 0) {
                            closeQuietly(key);
                        }
                    } catch (IOException e) {
                        closeQuietly(key);
                    }
                }
                selector.selectedKeys().clear();
                selector.selectNow(); // flushes the cancelled keys
            }
        } catch (IOException e) {
            // closing anyway
        } finally {
            for (SelectionKey key : selector.keys()) {
                closeQuietly(key);
            }
            try {
                selector.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    private static void closeQuietly(SelectionKey key) {
        key.cancel();
        try {
            key.channel().close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
