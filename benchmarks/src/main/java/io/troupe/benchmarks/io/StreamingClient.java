package io.troupe.benchmarks.io;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

/**
 * The streaming load generator: a few connections to an echo server, each writing a
 * continuous byte stream in writes of up to {@code writeBytes} and reading the echo back, with
 * at most {@code windowBytes} sent but not yet echoed per connection. One thread drives all the
 * connections through one {@link Selector}. NOT thread safe: the benchmark thread drives it.
 *
 * <p>Byte {@code k} of every stream is {@code k % 251}; the first and last byte of each read are
 * checked against it, so lost, duplicated or reordered bytes fail the run.
 *
 * <p>The window bounds what a server must buffer: with {@code windowBytes} no larger than the
 * server's write queue, an echo server that writes back what it reads never has to refuse or
 * hold more than that.
 */
final class StreamingClient implements AutoCloseable {
    /** The pattern's period: a prime, so that it does not line up with buffer sizes. */
    private static final int PERIOD = 251;
    /** The client's read buffer: large, so that the client spends few syscalls per byte. */
    private static final int READ_BYTES = 256 << 10;

    private final Selector selector;
    private final Stream[] streams;
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(READ_BYTES);
    private final int writeBytes;
    private final long windowBytes;
    /** Bytes echoed beyond what earlier calls asked for; counted towards the next call. */
    private long surplus;
    private boolean started;

    /** One connection's stream positions. */
    private static final class Stream {
        final SocketChannel channel;
        final SelectionKey key;
        final ByteBuffer source;
        long sent;
        long received;
        boolean wantsWritable;

        Stream(SocketChannel channel, SelectionKey key, ByteBuffer pattern) {
            this.channel = channel;
            this.key = key;
            this.source = pattern.duplicate();
        }
    }

    /** Opens {@code connections} connections to {@code server} ({@code TCP_NODELAY} on). */
    StreamingClient(InetSocketAddress server, int connections, int writeBytes, int windowBytes) throws IOException {
        if (windowBytes < writeBytes) {
            throw new IllegalArgumentException("windowBytes (" + windowBytes + ") must be at least writeBytes (" + writeBytes + ")");
        }
        this.writeBytes = writeBytes;
        this.windowBytes = windowBytes;
        final ByteBuffer pattern = ByteBuffer.allocateDirect(writeBytes + PERIOD);
        for (int i = 0; i < pattern.capacity(); i++) {
            pattern.put(i, (byte) (i % PERIOD));
        }
        this.selector = Selector.open();
        this.streams = new Stream[connections];
        try {
            for (int i = 0; i < connections; i++) {
                final SocketChannel channel = SocketChannel.open(server);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                channel.configureBlocking(false);
                final SelectionKey key = channel.register(selector, SelectionKey.OP_READ);
                final Stream s = new Stream(channel, key, pattern);
                key.attach(s);
                streams[i] = s;
            }
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    /**
     * Streams until {@code bytes} more bytes have been echoed back (counting any surplus of the
     * previous call). The streams keep their bytes in flight between calls.
     */
    void run(long bytes) throws IOException {
        if (!started) {
            started = true;
            for (Stream s : streams) {
                pump(s);
            }
        }
        long echoed = surplus;
        while (echoed < bytes) {
            selector.select();
            for (SelectionKey key : selector.selectedKeys()) {
                final Stream s = (Stream) key.attachment();
                if (key.isReadable()) {
                    echoed += receive(s);
                }
                pump(s);
            }
            selector.selectedKeys().clear();
        }
        surplus = echoed - bytes;
    }

    private int receive(Stream s) throws IOException {
        final ByteBuffer b = readBuffer.clear();
        final int n = s.channel.read(b);
        if (n < 0) {
            throw new IOException("the echo server closed a stream");
        }
        if (n > 0) {
            check(b.get(0), s.received);
            check(b.get(n - 1), s.received + n - 1);
            s.received += n;
        }
        return Math.max(n, 0);
    }

    private static void check(byte actual, long offset) {
        final byte expected = (byte) (offset % PERIOD);
        if (actual != expected) {
            throw new IllegalStateException("echoed byte " + offset + " is " + actual + ", expected " + expected);
        }
    }

    /** Writes while the window has room and the socket takes it; wants OP_WRITE if the socket is full. */
    private void pump(Stream s) throws IOException {
        boolean socketFull = false;
        long room = windowBytes - (s.sent - s.received);
        while (room > 0) {
            final int length = (int) Math.min(room, writeBytes);
            final int start = (int) (s.sent % PERIOD);
            s.source.limit(start + length).position(start);
            final int n = s.channel.write(s.source);
            s.sent += n;
            room -= n;
            if (n < length) {
                socketFull = true;
                break;
            }
        }
        if (socketFull != s.wantsWritable) {
            s.wantsWritable = socketFull;
            s.key.interestOps(socketFull ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ);
        }
    }

    /** Half-closes the connections, lets the server echo what is in flight and close, then closes. */
    @Override
    public void close() {
        ClientConnections.closeGracefully(selector);
    }
}
