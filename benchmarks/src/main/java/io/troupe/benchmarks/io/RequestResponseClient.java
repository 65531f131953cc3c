package io.troupe.benchmarks.io;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

/**
 * The request/response load generator: {@code connections} connections to an echo server, each
 * with one request of {@code messageBytes} bytes in flight at a time (a closed loop): when a
 * connection's echo is complete, its next request goes out at once. One thread drives all the
 * connections through one {@link Selector}, so the client takes as little of the machine's CPU
 * from the server as a client can. NOT thread safe: the benchmark thread drives it.
 *
 * <p>Each request carries its connection's sequence number; an echo that does not carry the
 * number sent fails the run, so a server cannot win by losing, merging or reordering bytes.
 */
final class RequestResponseClient implements AutoCloseable {
    private final Selector selector;
    private final Connection[] connections;
    /** Responses completed beyond what earlier calls asked for; counted towards the next call. */
    private int surplus;
    private boolean started;

    /** One connection's buffers and its request in flight. */
    private static final class Connection {
        final SocketChannel channel;
        final ByteBuffer request;
        final ByteBuffer response;
        long sequence;
        long sentAtNanos;

        Connection(SocketChannel channel, int messageBytes) {
            this.channel = channel;
            this.request = ByteBuffer.allocateDirect(messageBytes);
            this.response = ByteBuffer.allocateDirect(messageBytes);
            for (int i = 0; i < messageBytes; i++) {
                request.put(i, (byte) i);
            }
        }
    }

    /** Opens {@code connections} connections to {@code server} ({@code TCP_NODELAY} on). */
    RequestResponseClient(InetSocketAddress server, int connections, int messageBytes) throws IOException {
        if (messageBytes < Long.BYTES) {
            throw new IllegalArgumentException("messageBytes must be at least 8 (the sequence number), was " + messageBytes);
        }
        this.selector = Selector.open();
        this.connections = new Connection[connections];
        try {
            for (int i = 0; i < connections; i++) {
                final SocketChannel channel = SocketChannel.open(server);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                channel.configureBlocking(false);
                final Connection c = new Connection(channel, messageBytes);
                channel.register(selector, SelectionKey.OP_READ, c);
                this.connections[i] = c;
            }
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    /**
     * Runs the closed loop until {@code responses} more echoes are complete (counting any surplus
     * of the previous call), recording each round trip in {@code latencies}. The connections
     * keep their requests in flight between calls.
     */
    void run(int responses, LatencyCounters latencies) throws IOException {
        if (!started) {
            started = true;
            for (Connection c : connections) {
                send(c);
            }
        }
        int done = surplus;
        while (done < responses) {
            selector.select();
            for (SelectionKey key : selector.selectedKeys()) {
                final Connection c = (Connection) key.attachment();
                if (receive(c)) {
                    latencies.record(System.nanoTime() - c.sentAtNanos);
                    done++;
                    send(c);
                }
            }
            selector.selectedKeys().clear();
        }
        surplus = done - responses;
    }

    private static void send(Connection c) throws IOException {
        c.sequence++;
        c.request.clear();
        c.request.putLong(0, c.sequence);
        c.sentAtNanos = System.nanoTime();
        c.channel.write(c.request);
        if (c.request.hasRemaining()) {
            // With one small request in flight the socket's send buffer is always empty.
            throw new IllegalStateException("a " + c.request.capacity() + "-byte request was not written at once");
        }
    }

    /** Reads what is there; true when the whole echo has arrived (and checked). */
    private static boolean receive(Connection c) throws IOException {
        final int n = c.channel.read(c.response);
        if (n < 0) {
            throw new IOException("the echo server closed a connection");
        }
        if (c.response.hasRemaining()) {
            return false;
        }
        final long echoed = c.response.getLong(0);
        if (echoed != c.sequence) {
            throw new IllegalStateException("echo carried sequence " + echoed + ", expected " + c.sequence);
        }
        c.response.clear();
        return true;
    }

    /** Half-closes the connections, lets the server echo what is in flight and close, then closes. */
    @Override
    public void close() {
        ClientConnections.closeGracefully(selector);
    }
}
