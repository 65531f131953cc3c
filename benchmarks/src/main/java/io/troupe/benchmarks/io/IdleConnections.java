package io.troupe.benchmarks.io;

import com.sun.management.UnixOperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * Connections to an echo server that are opened, proved served, and then left idle: the
 * background of the many-idle-connections workload. NOT thread safe: the benchmark thread
 * opens and closes them.
 *
 * <p>Each connection, opened one after the other with a blocking connect, sends one 8-byte
 * message and waits for its echo before the next is opened. So when {@link #open} returns the
 * server has accepted every connection and set up whatever it keeps per connection (a Troupe
 * connection actor and handler, a Netty channel and pipeline), and none is still waiting in the
 * listener's backlog. After that nothing is sent on them until {@link #close}.
 */
final class IdleConnections implements AutoCloseable {
    /** File descriptors left for everything else the JVM opens (jars, selectors, the active connections). */
    private static final int SPARE_DESCRIPTORS = 1_000;

    private final List<SocketChannel> channels;

    private IdleConnections(List<SocketChannel> channels) {
        this.channels = channels;
    }

    /**
     * Opens {@code count} connections to {@code server}, each answered once, and returns them
     * idle. Takes about one connect and one round trip per connection.
     *
     * @throws IllegalStateException if this process may not open that many file descriptors
     *         (the server's process needs as many: both inherit the limit of the shell that
     *         started the run, which HotSpot raises to its hard limit)
     * @throws IOException if a connection fails, or an echo does not match
     */
    static IdleConnections open(InetSocketAddress server, int count) throws IOException {
        requireDescriptors(count);
        final List<SocketChannel> channels = new ArrayList<>(count);
        final IdleConnections idle = new IdleConnections(channels);
        final ByteBuffer request = ByteBuffer.allocate(Long.BYTES);
        final ByteBuffer echo = ByteBuffer.allocate(Long.BYTES);
        try {
            for (long i = 0; i < count; i++) {
                final SocketChannel channel = SocketChannel.open(server);
                channels.add(channel);
                channel.write(request.clear().putLong(0, i));
                echo.clear();
                while (echo.hasRemaining()) {
                    if (channel.read(echo) < 0) {
                        throw new IOException("the echo server closed idle connection " + i + " before answering it");
                    }
                }
                if (echo.getLong(0) != i) {
                    throw new IOException("idle connection " + i + " got the echo " + echo.getLong(0));
                }
            }
            return idle;
        } catch (IOException | RuntimeException e) {
            idle.close();
            throw e;
        }
    }

    private static void requireDescriptors(int count) {
        final OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof UnixOperatingSystemMXBean unix) {
            final long free = unix.getMaxFileDescriptorCount() - unix.getOpenFileDescriptorCount();
            if (free < count + SPARE_DESCRIPTORS) {
                throw new IllegalStateException(count + " idle connections need " + (count + SPARE_DESCRIPTORS)
                        + " free file descriptors, and this process has " + free + " (limit "
                        + unix.getMaxFileDescriptorCount() + "); raise the limit with `ulimit -n` before starting java");
            }
        }
    }

    /** Closes every connection (an orderly close: the client has nothing unread). */
    @Override
    public void close() {
        for (SocketChannel channel : channels) {
            try {
                channel.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        channels.clear();
    }
}
