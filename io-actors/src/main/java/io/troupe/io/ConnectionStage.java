package io.troupe.io;

import java.net.SocketAddress;
import java.nio.ByteBuffer;

/**
 * Protocol code that runs <em>inside</em> a connection actor's own turn: what a decoder, a TLS
 * engine, an HTTP parser or a handler that only answers (echo, hello) needs, with no message and
 * no actor hop between the socket and the code. Served with
 * {@link Tcp#serve(io.troupe.actors.ActorSystem, SocketAddress, TcpOptions, java.util.function.Supplier)}
 * or connected with {@link Tcp#connect(io.troupe.actors.ActorSystem, SocketAddress, TcpOptions,
 * java.time.Duration, ConnectionStage)}; one stage instance per connection.
 *
 * <pre>{@code
 * Tcp.serve(system, new InetSocketAddress(7007), TcpOptions.defaults(),
 *           () -> (connection, data) -> connection.write(data)); // an echo server
 * }</pre>
 *
 * <p>A request/response therefore costs one actor turn: readiness, read, this stage, write,
 * flush. Compared with a handler actor ({@link Tcp#bind}) it saves two actor hops and a
 * {@link Tcp.Received} message per read; the price is that a stage must not block or run long
 * (it holds the connection's turn, and a worker thread), and that it talks to other actors
 * through {@link Connection#execute} and stages of its own rather than a mailbox. Reach for
 * a handler actor when the connection has a protocol of its own (timers, replies, broadcasts);
 * reach for a stage for the hot request/response path.
 *
 * <p>Threads. Every method is called on the connection actor's thread, one call at a time,
 * never concurrently with another call on the same stage; a stage needs no locks and may keep
 * plain fields. The {@link Connection} it is given may be used only inside these calls (and in
 * actions run by {@link Connection#execute} or {@link Connection#startTimer}).
 *
 * <p>Back-pressure. A stage's writes are synchronous ({@link Connection#write}), so the
 * connection couples its reading to its write queue by itself: it reads no more than the
 * room the queue has left, stops reading at the high watermark and resumes at the low one. An
 * answer no larger than its request is therefore never refused. A stage that answers later (after
 * an ask) or writes more than it reads pauses its own reading ({@link Connection#suspendReading})
 * or watches {@link #onWritingPaused}. {@link TcpOptions#withReadCredit} and
 * {@link TcpOptions#withAnsweredReads} do not apply to stages.
 *
 * <p>Failure. A stage method that throws closes the connection at once with
 * {@link Tcp.ErrorClosed} carrying the exception (logged at WARNING); the other connections
 * are not affected. {@link #onClosed} is still called.
 */
@FunctionalInterface
public interface ConnectionStage {
    /**
     * Bytes from the peer (or one whole frame, with {@link TcpOptions#withFraming}).
     *
     * <p>The buffer is <em>lent</em> for the duration of this call: without framing it is the
     * reading thread's own buffer, reused by the next read. Read it here, or copy what must be
     * kept; {@link Connection#write} copies, so writing it back as it is (an echo) is safe.
     * With framing the frame is not reused and may be kept.
     *
     * @param connection the connection, for writes and control
     * @param data the bytes, from position to limit
     */
    void onReceived(Connection connection, ByteBuffer data);

    /**
     * The connection is open: the first call. The default does nothing.
     *
     * @param connection the connection
     */
    default void onConnected(Connection connection) {}

    /**
     * An outgoing connection could not be made (refused, unreachable, timed out, unresolved):
     * the only call such a stage gets. The default does nothing.
     *
     * @param address the address asked for
     * @param cause why
     */
    default void onConnectFailed(SocketAddress address, Throwable cause) {}

    /**
     * The peer has closed its side (end of stream); reading has ended, writing has not. The
     * default closes the connection once queued writes are flushed (what most protocols
     * want); a half-close protocol overrides it and closes later.
     *
     * @param connection the connection
     */
    default void onPeerClosed(Connection connection) {
        connection.close();
    }

    /**
     * The actor system is shutting down gracefully (see {@link Tcp.ShuttingDown}): the listener
     * stopped accepting. The default closes the connection once queued writes are flushed; a
     * stage with requests in flight overrides it, finishes them, says goodbye if its protocol has
     * one, then closes.
     *
     * @param connection the connection
     */
    default void onShuttingDown(Connection connection) {
        connection.close();
    }

    /**
     * The write queue reached its high watermark; the connection has stopped reading. Writes of
     * the stage's own (not answers) should stop until {@link #onWritingResumed}. The default does
     * nothing.
     *
     * @param connection the connection
     */
    default void onWritingPaused(Connection connection) {}

    /**
     * The write queue drained to its low watermark. The default does nothing.
     *
     * @param connection the connection
     */
    default void onWritingResumed(Connection connection) {}

    /**
     * A write made with {@link Connection#write(ByteBuffer, Object)} has been handed to the
     * operating system in full. Acks come in the order of the writes. The default does nothing.
     *
     * @param connection the connection
     * @param token the write's token
     */
    default void onAck(Connection connection, Object token) {}

    /**
     * The connection is closed: the last call ({@link Tcp.Closed}, {@link Tcp.Aborted} or
     * {@link Tcp.ErrorClosed} with the cause). When the actor system closes, every connection
     * is closed in order first ({@link Tcp.Closed}); a connection actor stopped otherwise from
     * outside reports {@link Tcp.ErrorClosed}. The default does nothing.
     *
     * @param connection the connection (writes are refused now)
     * @param why how it ended
     */
    default void onClosed(Connection connection, Tcp.ConnectionClosed why) {}
}
