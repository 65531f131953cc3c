package io.troupe.io;

import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * One open stream connection, as a {@link ConnectionStage} sees it: writes, closing, reading
 * control and timers, all carried out at once on the connection actor's thread.
 *
 * <p>Threads. Call these methods only from inside the stage's calls (the connection's turn),
 * except {@link #execute}, {@link #self}, {@link #system} and the addresses, which any thread may
 * call. Not thread safe otherwise: the connection is confined to its actor.
 */
public interface Connection {
    /**
     * Queues the remaining bytes of {@code data} for writing, copying them (the buffer's
     * position is not moved, and it may be reused as soon as this returns). The queue is
     * written when the current turn ends, in one gathering write with everything else written
     * in the turn. Costs one copy of the bytes.
     *
     * @param data the bytes (one frame, with framing)
     * @return true if queued; false if refused, with nothing queued: the queue has no room
     *     (see {@link TcpOptions#withWriteQueue}), the connection is closing or closed, or the
     *     output was shut down. The first refusal per connection is logged and all are counted
     *     ({@link Tcp.ConnectionStats#writesRejected}).
     */
    boolean write(ByteBuffer data);

    /**
     * Like {@link #write(ByteBuffer)}, and calls {@link ConnectionStage#onAck} with
     * {@code token} once these bytes are handed to the operating system.
     *
     * @param data the bytes
     * @param token the ack token, not null
     * @return whether queued (as {@link #write(ByteBuffer)})
     */
    boolean write(ByteBuffer data, Object token);

    /** Flushes the queued writes, then closes (FIN); the stage hears {@link Tcp.Closed}. */
    void close();

    /** Resets the connection at once (RST); queued writes are dropped; the stage hears {@link Tcp.Aborted}. */
    void abort();

    /** Flushes the queued writes, then shuts down the output (FIN): a half-close. */
    void shutdownOutput();

    /** Stops reading from the socket until {@link #resumeReading}. Costs no system call. */
    void suspendReading();

    /** Reads again after {@link #suspendReading}. */
    void resumeReading();

    /**
     * Bytes in the write queue now, not yet handed to the operating system.
     *
     * @return the number of queued bytes
     */
    int queuedBytes();

    /**
     * How many more bytes the write queue takes now: a write of at most this many bytes is not
     * refused for lack of room (it may still be refused because the connection is closing). A
     * protocol stage that turns one write into several (TLS records) checks it first, so that a
     * write is taken whole or refused whole. The default, for connections that cannot tell,
     * answers {@link Integer#MAX_VALUE} while open and 0 otherwise.
     *
     * @return the room left in the write queue, in bytes
     */
    default int writeRoomBytes() {
        return isOpen() ? Integer.MAX_VALUE : 0;
    }

    /**
     * Whether the write queue is above its high watermark (between WritingPaused and WritingResumed).
     *
     * @return {@code true} while writing is paused
     */
    boolean isWritingPaused();

    /**
     * Whether the connection is open (not closing or closed).
     *
     * @return {@code true} if the connection is open
     */
    boolean isOpen();

    /**
     * Runs {@code action} inside this connection's turn, later, in the order of the calls: the
     * way back in from another thread (a completed ask, a future, another actor). Dropped,
     * without running, if the connection has closed by then. Any thread; waits for room in the
     * connection's mailbox without blocking the caller.
     *
     * @param action what to run; an exception it throws closes the connection, as from a stage call
     */
    void execute(Runnable action);

    /**
     * Runs {@code action} inside this connection's turn after {@code delay}, unless cancelled:
     * starting a timer under a key replaces the timer under that key (as actor timers do), on
     * the system's clock.
     *
     * @param key names the timer (compared with equals)
     * @param delay how long from now; positive
     * @param action what to run
     */
    void startTimer(Object key, Duration delay, Runnable action);

    /**
     * Cancels the timer under {@code key}, if any; its action will not run, even if already due.
     *
     * @param key the timer's key
     */
    void cancelTimer(Object key);

    /**
     * The connection actor: other actors may send it {@link Tcp.Command}s (a {@link Tcp.Write}
     * goes straight to the socket, not through the stage). Any thread.
     *
     * @return the connection actor's ref
     */
    ActorRef<Tcp.Command> self();

    /**
     * The actor system the connection runs in. Any thread.
     *
     * @return the actor system
     */
    ActorSystem system();

    /**
     * The peer's address (null if it could not be read). Any thread.
     *
     * @return the remote address, or {@code null}
     */
    SocketAddress remoteAddress();

    /**
     * This end's address (null if it could not be read). Any thread.
     *
     * @return the local address, or {@code null}
     */
    SocketAddress localAddress();
}
