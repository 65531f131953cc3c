package io.troupe.io.internal;

import io.troupe.actors.ActorRef;
import io.troupe.io.Connection;
import io.troupe.io.ConnectionStage;
import io.troupe.io.Framing;
import io.troupe.io.FramingException;
import io.troupe.io.Tcp;
import io.troupe.io.TcpOptions;
import io.troupe.io.Tls;
import io.troupe.io.TlsConnection;
import java.net.SocketAddress;
import java.nio.ByteBuffer;

/**
 * The handler-actor path of a TLS connection ({@link TcpOptions#withTls}): the stage inside a
 * {@link TlsStage} that turns its plaintext calls into {@link Tcp.Event}s for the handler actor,
 * and carries out the handler's {@link Tcp.Command}s on the TLS connection, with the
 * back-pressure of a plain connection. NOT thread safe: called on the connection actor's thread
 * only (stage calls, and {@link #onCommand} / {@link #onHandlerGone} from that actor's turn),
 * except the send completions, which come back through {@link Connection#execute}.
 */
final class TlsHandlerStage implements ConnectionStage {
    /*
     * Implementation overview
     *
     * Threading protocol. TcpConnection routes every Command of the handler's (but GetStats) to
     * onCommand inside its turn, and calls the stage methods through the TlsStage; so all state
     * is plain fields. A send to a full handler mailbox completes on another thread and comes
     * back with connection.execute (a StageTask, in order, dropped once the connection closed).
     *
     * Events. As TcpConnection's handler path: offer, else send (lossless, ordered behind earlier
     * waiting sends) and reading pauses until the last such send is in (blockedGen/caughtUpGen).
     * Connected comes after the handshake, with Tls.Handshake; a failed handshake is only a
     * ConnectionClosed (ErrorClosed with the SSLHandshakeException), as for a stage.
     *
     * Reading. Plaintext comes one TLS record per onReceived (a lent buffer: copied once into the
     * Received's own array). Reading is paused on the TLS connection (TlsStage keeps the rest of
     * the read, at most one read, and stops the socket) while: the handler is blocked, credit is
     * 0 (pull mode: credit counts Received messages of plaintext, as on a plain connection), or
     * the handler sent SuspendReading. Framing (TcpOptions.withFraming) applies to the plaintext
     * here (TcpConnection frames nothing under TLS): each Received is one frame.
     *
     * Answered reads. TcpConnection couples its reads to its write queue (reads take no more
     * than the room beside queued and reserved bytes); each Received delivered here reserves
     * room for its answer (plaintext + one record's largest overhead, RECORD_OVERHEAD_BYTES)
     * through `room`, and ReadCredit(n) releases the n oldest (TcpConnection then reads again).
     * The ciphertext a read took is at least its records' plaintext plus their overhead, so the
     * reservations of a read's records fit in the room it was read into, and an answer no larger
     * than its request fits in its reservation: answers are never refused (the TLS stage's record
     * backlog covers the case where an estimate was short).
     *
     * Writing. A Write is encrypted at once (TlsConnection.write: whole or refused);
     * WritingPaused/WritingResumed/Ack come from the raw queue through the TLS stage. A refused
     * Write is told back as WriteRejected (no room) or CommandFailed (closing).
     *
     * Invariants.
     *  1. Connected is the handler's first event and a ConnectionClosed its last, each at most once.
     *  2. `suspended` mirrors whether this stage has suspended the TLS connection's reading, and
     *     it has iff readingBlocked().
     *  3. Events reach the handler in the order produced.
     *
     * Memory ordering. None beyond the actor's: the only cross-thread step is execute().
     *
     * Shutdown. PeerClosed (the peer's close_notify) closes the connection once writes are
     * flushed unless half-close is on (with answered reads, once every read has been answered and
     * credited); the handler stopping closes it with close_notify (onHandlerGone). The raw
     * onClosed ends everything: the handler hears the ConnectionClosed, unless it is gone.
     */

    /**
     * Room reserved per answered read beyond its plaintext: more than any record's overhead
     * (22 bytes with TLS 1.3, 29 with TLS 1.2 AES-GCM, 69 at most with a TLS 1.2 CBC suite).
     */
    static final int RECORD_OVERHEAD_BYTES = 96;

    /** TcpConnection's write-queue reservations, for answered reads. */
    interface AnswerRoom {
        /** Reserves {@code bytes} in the write queue for the answer to a read just delivered. */
        void reserve(int bytes);

        /** Releases the {@code messages} oldest reservations; reading may go on. */
        void release(int messages);
    }

    private final ActorRef<Tcp.Event> handler;
    private final TcpOptions options;
    private final AnswerRoom room;
    private final boolean answering;
    private TlsConnection connection;
    private Framing.Decoder decoder;
    private int credit = -1;
    private long blockedGen;
    private long caughtUpGen;
    private boolean commandSuspended;
    private boolean suspended;
    private boolean handlerGone;
    private boolean closeWhenAnswered;
    private int unanswered;
    private boolean closedTold;
    /** Why this stage closed the connection (a bad frame), told instead of the raw reason. */
    private Throwable closeCause;

    TlsHandlerStage(ActorRef<Tcp.Event> handler, TcpOptions options, AnswerRoom room) {
        this.handler = handler;
        this.options = options;
        this.room = room;
        this.answering = options.answeredReads();
    }

    // ================================================================ from the TLS stage

    @Override
    public void onConnected(Connection c) {
        connection = (TlsConnection) c;
        credit = options.initialReadCredit();
        decoder = options.framing() == null ? null : options.framing().newDecoder();
        emit(new Tcp.Connected(c.self(), c.remoteAddress(), c.localAddress(), Tls.Handshake.of(connection)));
        updateReading();
    }

    @Override
    public void onReceived(Connection c, ByteBuffer data) {
        final byte[] bytes = new byte[data.remaining()];
        data.get(bytes);
        if (decoder == null) {
            deliver(ByteBuffer.wrap(bytes));
        } else {
            decoder.feed(ByteBuffer.wrap(bytes));
            drainFrames();
        }
        updateReading();
    }

    private void deliver(ByteBuffer data) {
        if (answering) {
            room.reserve(data.remaining() + (decoder == null ? 0 : options.framing().overheadBytes())
                    + RECORD_OVERHEAD_BYTES);
            unanswered++;
        }
        emit(new Tcp.Received(data));
        if (credit > 0) {
            credit--;
        }
    }

    /** Delivers the decoder's whole frames while credit lasts; a bad frame closes the connection. */
    private void drainFrames() {
        while (credit != 0 && closeCause == null && connection.isOpen()) {
            final ByteBuffer frame;
            try {
                frame = decoder.next();
            } catch (FramingException e) {
                closeCause = e;
                connection.close();
                return;
            }
            if (frame == null) {
                return;
            }
            if (frame == Framing.Decoder.DISCARDED) {
                emit(new Tcp.FrameDiscarded(decoder.lastDiscardedBytes(), options.framing().maxFrameBytes()));
                continue;
            }
            deliver(frame);
        }
    }

    @Override
    public void onPeerClosed(Connection c) {
        emit(new Tcp.PeerClosed());
        if (!options.halfClose()) {
            closeWhenAnswered = true; // as on a plain connection: close once flushed (and, answering, answered)
            maybeCloseAnswered();
        }
    }

    private void maybeCloseAnswered() {
        if (closeWhenAnswered && (!answering || unanswered == 0) && connection.isOpen()) {
            closeWhenAnswered = false;
            connection.close();
        }
    }

    @Override
    public void onShuttingDown(Connection c) {
        emit(new Tcp.ShuttingDown());
    }

    @Override
    public void onWritingPaused(Connection c) {
        emit(new Tcp.WritingPaused());
    }

    @Override
    public void onWritingResumed(Connection c) {
        emit(new Tcp.WritingResumed());
    }

    @Override
    public void onAck(Connection c, Object token) {
        emit(new Tcp.Ack(token));
    }

    @Override
    public void onConnectFailed(SocketAddress address, Throwable cause) {
        emit(new Tcp.ConnectFailed(address, cause));
    }

    @Override
    public void onClosed(Connection c, Tcp.ConnectionClosed why) {
        if (closedTold) {
            return;
        }
        closedTold = true;
        emit(closeCause != null ? new Tcp.ErrorClosed(closeCause) : why);
    }

    // ================================================================ from the handler (TcpConnection)

    /** Carries out one of the handler's commands, in the connection actor's turn. */
    void onCommand(Tcp.Command command) {
        if (connection == null || closedTold) {
            emit(new Tcp.CommandFailed(command, connection == null
                    ? "the TLS handshake has not finished: wait for Connected" : "the connection is closed"));
            return;
        }
        if (command instanceof Tcp.Write w) {
            write(w);
        } else if (command instanceof Tcp.ReadCredit rc) {
            if (credit < 0) {
                emit(new Tcp.CommandFailed(command, "reads are automatic on this connection; use"
                        + " TcpOptions.withReadCredit to deliver reads against credit"));
                return;
            }
            if (answering) {
                final int n = Math.min(rc.messages(), unanswered);
                unanswered -= n;
                room.release(n);
            }
            credit = (int) Math.min(Integer.MAX_VALUE, (long) credit + rc.messages());
            if (decoder != null) {
                drainFrames();
            }
            updateReading();
            maybeCloseAnswered();
        } else if (command instanceof Tcp.SuspendReading) {
            commandSuspended = true;
            updateReading();
        } else if (command instanceof Tcp.ResumeReading) {
            commandSuspended = false;
            updateReading();
        } else if (!connection.isOpen()) {
            if (!(command instanceof Tcp.Close)) {
                emit(new Tcp.CommandFailed(command, "the connection is closing"));
            }
        } else if (command instanceof Tcp.Close) {
            connection.close();
        } else if (command instanceof Tcp.Abort) {
            connection.abort();
        } else if (command instanceof Tcp.ShutdownOutput) {
            connection.shutdownOutput();
        }
    }

    private void write(Tcp.Write w) {
        if (!connection.isOpen()) {
            emit(new Tcp.CommandFailed(w, "the connection is closing: write refused"));
            return;
        }
        ByteBuffer data = w.data();
        if (options.framing() != null) {
            try {
                data = joined(options.framing().encode(data));
            } catch (IllegalArgumentException e) {
                emit(new Tcp.CommandFailed(w, e.getMessage()));
                return;
            }
        }
        final boolean taken = w.ack() == null ? connection.write(data) : connection.write(data, w.ack());
        if (!taken) {
            emit(connection.isOpen()
                    ? new Tcp.WriteRejected(w, "the write queue has no room for " + data.remaining() + " bytes encrypted ("
                            + connection.writeRoomBytes() + " bytes of plaintext fit now): stop writing on WritingPaused and"
                            + " resume on WritingResumed, or, to answer reads, use TcpOptions.withAnsweredReads")
                    : new Tcp.CommandFailed(w, "the connection is closing: write refused"));
        }
    }

    private static ByteBuffer joined(ByteBuffer[] parts) {
        if (parts.length == 1) {
            return parts[0];
        }
        int size = 0;
        for (ByteBuffer p : parts) {
            size += p.remaining();
        }
        final ByteBuffer all = ByteBuffer.allocate(size);
        for (ByteBuffer p : parts) {
            all.put(p.duplicate());
        }
        return all.flip();
    }

    /**
     * The handler stopped: closes with close_notify if the TLS connection is up; false if it is
     * not (still handshaking), for TcpConnection to close the socket itself.
     */
    boolean onHandlerGone() {
        handlerGone = true;
        if (connection != null && connection.isOpen()) {
            connection.close();
            return true;
        }
        return false;
    }

    // ================================================================ events and reading

    private void emit(Tcp.Event event) {
        if (handlerGone || blockedGen == caughtUpGen && handler.offer(event)) {
            return;
        }
        final long gen = ++blockedGen;
        final Connection c = connection;
        handler.send(event).whenComplete((v, e) -> {
            if (e == null && c != null) {
                c.execute(() -> caughtUp(gen)); // dropped if the connection has closed by then
            }
        });
    }

    private void caughtUp(long gen) {
        if (gen > caughtUpGen) {
            caughtUpGen = gen;
        }
        updateReading();
    }

    private boolean readingBlocked() {
        return credit == 0 || blockedGen != caughtUpGen || commandSuspended;
    }

    private void updateReading() {
        if (connection == null || closedTold) {
            return;
        }
        final boolean block = readingBlocked();
        if (block && !suspended) {
            suspended = true;
            connection.suspendReading();
        } else if (!block && suspended) {
            suspended = false;
            connection.resumeReading();
        }
    }
}
