package io.troupe.benchmarks.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Iterator;

/**
 * The reference echo server: one thread, one {@link Selector}, non-blocking channels, one
 * direct buffer per connection, no copy and no hand-off between threads. What a hand-written
 * event loop costs is the floor the other servers are measured against.
 *
 * <p>Thread safe: {@link #start} and {@link #close} may be called from any thread; everything
 * else runs on the server's own thread.
 */
public final class RawNioEchoServer implements EchoServer {
    /*
     * Implementation overview
     *
     * Threading protocol. One thread selects, accepts, reads and writes. close() clears the
     * volatile `running` and wakes the selector; the loop sees it and ends.
     *
     * Per connection: a direct buffer of BUFFER_BYTES. Readable -> read once into it, then
     * write it back. If the socket does not take it all, interest switches from OP_READ to
     * OP_WRITE until the rest is written, so the server never holds more than one buffer per
     * connection (the client's flow control is TCP's).
     *
     * Invariants. A connection is interested in exactly one of OP_READ (its buffer is empty)
     * or OP_WRITE (its buffer holds unwritten bytes).
     *
     * Memory ordering. Only `running` is shared; it is volatile. Selector.wakeup() makes a
     * blocked select return so that the loop reads it.
     *
     * Shutdown. close() stops the loop and joins the thread, which closes every channel, the
     * listener and the selector on its way out.
     */

    /** The most bytes read at once per connection: Troupe's and Netty's largest reads are 64 KiB too. */
    private static final int BUFFER_BYTES = 64 << 10;

    private final Selector selector;
    private final ServerSocketChannel listener;
    private final Thread thread;
    private volatile boolean running = true;

    private RawNioEchoServer(Selector selector, ServerSocketChannel listener) {
        this.selector = selector;
        this.listener = listener;
        this.thread = new Thread(this::run, "raw-nio-echo");
        thread.setDaemon(true);
    }

    /** Binds to 127.0.0.1 on an ephemeral port and starts the server thread. */
    public static RawNioEchoServer start() {
        try {
            final Selector selector = Selector.open();
            final ServerSocketChannel listener = ServerSocketChannel.open();
            listener.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
            listener.configureBlocking(false);
            listener.register(selector, SelectionKey.OP_ACCEPT);
            final RawNioEchoServer server = new RawNioEchoServer(selector, listener);
            server.thread.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the raw NIO echo server", e);
        }
    }

    @Override
    public InetSocketAddress address() {
        try {
            return (InetSocketAddress) listener.getLocalAddress();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        running = false;
        selector.wakeup();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        try {
            while (running) {
                selector.select();
                final Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    final SelectionKey key = it.next();
                    it.remove();
                    if (!key.isValid()) {
                        continue;
                    }
                    if (key.isAcceptable()) {
                        accept();
                    } else {
                        onReady(key);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("raw NIO echo server failed", e);
        } finally {
            closeAll();
        }
    }

    private void accept() throws IOException {
        SocketChannel channel;
        while ((channel = listener.accept()) != null) {
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            channel.register(selector, SelectionKey.OP_READ, ByteBuffer.allocateDirect(BUFFER_BYTES));
        }
    }

    private static void onReady(SelectionKey key) {
        final SocketChannel channel = (SocketChannel) key.channel();
        final ByteBuffer buffer = (ByteBuffer) key.attachment();
        try {
            if (key.isReadable()) {
                buffer.clear();
                final int n = channel.read(buffer);
                if (n < 0) {
                    closeQuietly(key);
                    return;
                }
                buffer.flip();
            }
            channel.write(buffer);
            key.interestOps(buffer.hasRemaining() ? SelectionKey.OP_WRITE : SelectionKey.OP_READ);
        } catch (IOException e) {
            closeQuietly(key); // the client went away
        }
    }

    private void closeAll() {
        for (SelectionKey key : selector.keys()) {
            closeQuietly(key);
        }
        try {
            listener.close();
            selector.close();
        } catch (IOException e) {
            // closing anyway
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
