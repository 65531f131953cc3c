package io.troupe.io.internal;

import io.troupe.actors.internal.jfr.TroupeEvents;
import io.troupe.actors.internal.counters.SystemCounters;
import io.troupe.actors.internal.SystemAccess;
import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.Signal;
import io.troupe.actors.Terminated;
import io.troupe.io.Connection;
import io.troupe.io.ConnectionStage;
import io.troupe.io.Framing;
import io.troupe.io.FramingException;
import io.troupe.io.Tcp;
import io.troupe.io.TcpOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/**
 * The actor that owns one stream socket (TCP or Unix-domain): it connects (for outgoing
 * connections), reads, writes, and closes, on its own dispatcher thread, and tells its handler
 * what happens: a handler actor, through its mailbox, or a {@link ConnectionStage}, called
 * inside this actor's turn. Like every actor it is used by one thread at a time.
 */
public final class TcpConnection extends Actor<Object> {
    /*
     * Implementation overview
     *
     * Threading protocol. Everything here runs on the actor's thread. The reactor only tells
     * Readiness (one per armed operation, see Registration); the handler tells Commands; the
     * timers tell Tick; completions of blocked sends to the handler tell HandlerCaughtUp.
     *
     * Lifecycle (`state`):
     *   CONNECTING -> OPEN      // connect finished (outgoing) or the channel was accepted
     *   CONNECTING -> CLOSED    // refused, unreachable, unresolvable, connect timeout, handler stopped
     *   OPEN -> CLOSING         // Close, or the handler stopped: flush the write queue first
     *   OPEN -> CLOSED          // Abort, I/O error, idle timeout, bad frame, both directions shut
     *   CLOSING -> CLOSED       // queue flushed (FIN), close timeout (RST), or I/O error
     * At CLOSED the channel is handed to the reactor to close and the actor stops itself.
     *
     * Reading. Readable -> up to READS_PER_TURN reads into a per-thread direct scratch
     * buffer, each copied once into a fresh exact-size array that becomes the Received
     * message (so one copy between the socket and the handler, as reading into a heap buffer
     * would cost inside the JDK, but never an oversized array). A read shorter than the chunk
     * ends the turn: the socket is most likely drained, and re-arming OP_READ costs less than
     * a read that finds nothing (level-triggered, so bytes that arrived meanwhile are reported
     * at once). Reading continues (OP_READ re-armed) only while wantsRead(): OPEN, input not
     * shut, not suspended, credit left (pull mode), and the handler not blocked; and, with
     * answered reads, while readRoomBytes() > 0 (below). The handler is blocked when an event
     * did not fit in its mailbox: it was then sent with send() (lossless, ordered behind earlier
     * waiting sends), and reading resumes when the last such send has been enqueued
     * (HandlerCaughtUp).
     *
     * Answered reads (TcpOptions.withAnsweredReads): reading is coupled to the write queue,
     * inside this actor, so no answer depends on a handler message arriving in time (a read
     * turn delivers up to READS_PER_TURN chunks before any SuspendReading could come back).
     * The handler's side of the contract: it answers each Received with at most as many bytes
     * (a frame: at most one frame as large), told before the ReadCredit that returns it.
     *  - Reservation. Delivering a Received reserves its answer's size in the WriteQueue: the
     *    read's byte count, or a frame's length plus the framing's overhead (what writing it
     *    back queues). ReadCredit(n) releases the n oldest reservations. A raw read takes at
     *    most max - queued - reserved bytes; a frame whose reservation does not fit is parked
     *    (delivered when nothing is queued or reserved even if it never fits, since its answer
     *    could not be written in one Write anyway).
     *  - Self-pause. No read while writing is paused (from WritingPaused to WritingResumed, at
     *    the low watermark) or queuedBytes >= the high watermark (Writes queued before the
     *    flush that tells WritingPaused): reading stops and resumes with no message.
     *  - Resumption. Reading that stopped for room sets readWaitsForRoom; a flush that wrote
     *    bytes or a ReadCredit calls onWriteRoom, which delivers a parked frame and re-arms.
     * Why no answer is refused: let U be the reserved bytes whose answers have not arrived.
     * Each delivery checks queued + reserved + size <= max, so queued + U <= max after it; an
     * arriving answer moves bytes from U to queued (it arrives before the credit that releases
     * its reservation: one sender, FIFO); a flush or a release only lowers queued or U. So
     * queued + U <= max always, and every answer fits when it arrives. Push mode and plain
     * pull mode are not coupled: without the handler's promise this actor cannot tell an
     * answer from a write of its own, and stopping the reads of a connection that writes on its
     * own deadlocks against a peer that stops reading while it cannot write.
     *
     * Writing. A Write is refused (WriteRejected) unless it fits in the bound (after writing
     * out what is queued, if a flush is pending); otherwise it is queued. The first Write into
     * an empty queue tells this actor FlushWrites instead of writing at once, so the Writes
     * already behind it in the mailbox (a handler answering a burst of reads) join the queue
     * first and all go out in one gathering write: one syscall per burst instead of one per
     * Write, for the cost of one self-message. If that message does not fit in the mailbox the
     * queue is written at once. What the socket does not take waits for OP_WRITE. Crossing the
     * high watermark upwards (checked when the queue was written, or when a Write arrives
     * while OP_WRITE is awaited) tells WritingPaused, reaching the low watermark tells
     * WritingResumed. Acks are told in write order as entries complete. A refused write is
     * never silent: the first per connection is logged with its reason, and every one is
     * counted (ConnectionStats.writesRejected) and totalled in a log line at postStop.
     *
     * Invariants.
     *  1. queuedBytes <= writeQueueMaxBytes at all times (a write that does not fit is refused).
     *  2. Connected is the handler's first event from this connection and a ConnectionClosed
     *     (or ConnectFailed) its last; each at most once.
     *  3. Events reach the handler in the order they were produced (offer() fails while sends
     *     wait, and waiting sends enter in order).
     *  4. At most one copy of each read byte is made before the handler sees it (no framing).
     *  5. Answered reads: queuedBytes + (reserved bytes not yet answered) <= writeQueueMaxBytes,
     *     except for a parked frame delivered into an empty queue (see Answered reads).
     *  6. parkedFrame != null only with answered reads, and then no read happens.
     *  7. out != null only inside a turn in which a stage wrote, and then every queued byte
     *     came after out's: out is written first (flush) or moved to the queue's tail first.
     *
     * Memory ordering. Only `stopped` is read by other threads (send-completion callbacks) and
     * is volatile; everything else is actor-confined.
     *
     * Shutdown. postStop closes the channel through the reactor if it is still open (the
     * system is closing, or the parent stopped): no event is told then.
     *
     * Known limit. Readiness and HandlerCaughtUp are told losslessly (offer, then send), but
     * timer ticks (connect, idle, close timeouts) use the actor's timers, whose messages go to
     * dead letters if this actor's mailbox is full; only a handler that ignores WritingPaused
     * and floods Writes can fill it, and the connect timeout cannot be affected (no handler
     * has the ref before Connected).
     *
     * Stages (ConnectionStage, Tcp.serve). Instead of a handler actor, a stage may be called
     * inside this actor's turn: emit() calls its methods instead of telling events, a read is
     * lent to it straight from the scratch buffer (no copy, no Received), and its writes
     * (StageLink.write) are copied at once: into the turn's output buffer (`out`, the thread's
     * direct output buffer, ThreadBuffers) while the queue is empty, else into the queue (after moving what `out`
     * holds there, to keep the order). When the turn ends (endStageTurn) `out` is written in one
     * write with no copy inside the JDK, what the socket did not take is queued, and the queue
     * is flushed; so read -> stage -> write -> flush is one turn, with no message and no
     * allocation for a request that fits in a read. `out` never outlives the turn: closing and
     * half-closing move it into the queue first, closeNow drops it. Reading
     * is coupled to the write queue as with answered reads (readRoomBytes), without
     * reservations: a stage's answer is written before its call returns, so a read that fits
     * in the room left leaves room for its answer. Credit does not apply (credit stays -1).
     * A stage call that throws closes the connection with ErrorClosed(the exception); a stage
     * call inside a closing turn sees state CLOSED and its writes refused. execute() and
     * stage timers come back in as StageTask messages, dropped once CLOSED.
     *
     * TLS (TcpOptions.withTls). The connection's stage is a TlsStage: around the given stage, or,
     * for a handler actor, around a TlsHandlerStage that turns plaintext into the handler's events
     * and takes the handler's Commands (dispatch routes them there, all but GetStats, which
     * reports the raw socket's counts). `framing` is null under TLS (it would frame ciphertext):
     * the TlsHandlerStage frames the plaintext. Under TLS, reads are coupled to the write queue
     * only with answered reads (the TlsHandlerStage reserves room per Received through
     * AnswerRoom), so push and pull mode keep a plain connection's back-pressure; a stage's
     * reads stay coupled as above.
     *
     * References. Pekko IO's TcpConnection (pull mode, ack-based writes, half-close);
     * Erlang gen_tcp {active, N}; Netty's ChannelOutboundBuffer (watermarks); issue 8 (bytes
     * lost by an echo whose SuspendReading arrived after a whole read turn).
     */

    /** Connecting: resolving the name or waiting for the connect to finish. */
    private static final int CONNECTING = 0;
    /** Open: reading and writing. */
    private static final int OPEN = 1;
    /** Close requested: flushing the write queue; reads stopped, writes refused. */
    private static final int CLOSING = 2;
    /** The socket is closed (or being closed by the reactor); the actor stops. */
    private static final int CLOSED = 3;

    /** Reads per Readable message at most, so one busy connection shares its dispatcher. */
    private static final int READS_PER_TURN = 16;

    /**
     * This thread's read scratch buffer and a stage's output buffer (its writes of one turn are
     * gathered there and written when the turn ends). On a dispatcher worker they hang off the
     * thread itself (ThreadSlot: a field read); on other threads off a ThreadLocal.
     */
    static final class ThreadBuffers {
        ByteBuffer scratch;
        final ByteBuffer out = ByteBuffer.allocateDirect(OUT_BYTES);
    }

    private static final ThreadLocal<ThreadBuffers> BUFFERS = ThreadLocal.withInitial(ThreadBuffers::new);
    private static final int OUT_BYTES = 64 << 10;

    private static ThreadBuffers buffers() {
        final Thread t = Thread.currentThread();
        if (t instanceof io.troupe.actors.internal.ThreadSlot slot) {
            if (slot.threadSlot() instanceof ThreadBuffers b) {
                return b;
            }
            final ThreadBuffers b = new ThreadBuffers();
            slot.threadSlot(b);
            return b;
        }
        return BUFFERS.get();
    }

    /** Timer keys, and the messages the timers send. */
    enum Tick { CONNECT_TIMEOUT, IDLE_CHECK, CLOSE_TIMEOUT }

    /**
     * Told to itself by the first Write into an empty queue: the queue is written when this
     * arrives, after the Writes that were already in the mailbox have joined it.
     */
    enum FlushWrites { INSTANCE }

    /** A name resolved (or not) on the blocking pool. */
    record Resolved(InetSocketAddress address, Throwable failure) {}

    /** All sends to the handler up to generation {@code gen} have been enqueued. */
    record HandlerCaughtUp(long gen) {}

    /** The system is shutting down: close as Close does (flush, then Closed to the handler). */
    enum ShutdownClose { INSTANCE }

    /** The system is shutting down gracefully: tell the handler (Tcp.ShuttingDown), which closes. */
    enum ShutdownNotice { INSTANCE }

    /** An action of the stage's, run in this actor's turn (Connection.execute, stage timers). */
    record StageTask(Runnable action) {}

    /** A stage timer's key, kept apart from this actor's own Tick keys. */
    record StageTimerKey(Object key) {}

    private final Reactor reactor;
    private final TcpOptions options;
    /** The handler actor; null when a stage handles the connection. */
    private final ActorRef<Tcp.Event> handler;
    /** The stage called in this actor's turn; null when a handler actor does (without TLS). */
    private final ConnectionStage stage;
    /** A handler actor's connection under TLS: the stage inside the TlsStage that speaks to it; else null. */
    private final TlsHandlerStage tlsHandler;
    /** The options' framing, or null under TLS (the TlsHandlerStage frames the plaintext). */
    private final Framing framing;
    private final StageLink link;
    /** A stage wrote in this turn: the queue is flushed when the turn ends. */
    private boolean stageWrote;
    /**
     * This turn's output buffer (this thread's ThreadBuffers.out), between a stage's first write in a turn
     * and the write at its end; null otherwise. Holds outBytes bytes. Used only while the queue
     * is empty, so its bytes always go out before anything queued after them.
     */
    private ByteBuffer out;
    private int outBytes;
    /** Reading is coupled to the write queue: answered reads, or a stage. */
    private final boolean coupled;
    private final SocketAddress target;
    private final Duration connectTimeout;
    private final WriteQueue queue = new WriteQueue();
    private final long idleNanos;
    /** TcpOptions.withAnsweredReads: reading is coupled to the write queue (see the overview). */
    private final boolean answering;
    private SocketChannel channel;
    private Registration reg;
    private int state = CONNECTING;
    private boolean handlerGone;
    private boolean inputShut;
    private boolean outputShut;
    private boolean shutdownOutputRequested;
    private boolean readingSuspended;
    private boolean writingPaused;
    /** A stage's write paused writing in its turn; WritingPaused is told when the turn ends. */
    private boolean pauseUntold;
    /** Reading is wanted but waits for room in the write queue: a flush or a credit re-arms it. */
    private boolean readWaitsForRoom;
    /** Answered reads: a frame taken from the decoder whose reservation did not fit yet. */
    private ByteBuffer parkedFrame;
    /** The peer closed, half-close is off: close when every delivered read is answered. */
    private boolean closeWhenAnswered;
    /** A FlushWrites message is in the mailbox. */
    private boolean flushScheduled;
    private int credit;
    private Framing.Decoder decoder;
    private Tcp.ConnectionClosed closingEvent;
    private long blockedGen;
    private long caughtUpGen;
    private long bytesRead;
    private long bytesWritten;
    private long writesRejected;
    private long bytesRejected;
    private long lastActivityNanos;
    private volatile boolean stopped;
    /** Set in preStart and onConnected, read by StageLink's any-thread methods. */
    private volatile ActorRef<Object> selfRef;
    private volatile ActorSystem system;
    private volatile SocketAddress remoteAddress;
    /** The system's counters file (issue 15): sockets open, bytes read and written. */
    private SystemCounters counters;
    /** Counted in socketsOpen (connected, not yet closed). */
    private boolean countedOpen;
    private volatile SocketAddress localAddress;

    private TcpConnection(Reactor reactor, TcpOptions options, ActorRef<Tcp.Event> handler, ConnectionStage stage,
                          SocketChannel accepted, SocketAddress target, Duration connectTimeout) {
        this.reactor = reactor;
        this.options = options;
        this.handler = handler;
        final io.troupe.io.TlsSettings tls = options.tls();
        this.tlsHandler = tls != null && handler != null ? new TlsHandlerStage(handler, options, new AnswerRoom()) : null;
        this.stage = tls == null ? stage : withTls(tls, tlsHandler != null ? tlsHandler : stage, accepted != null, target, options);
        this.framing = tls == null ? options.framing() : null;
        this.link = this.stage == null ? null : new StageLink();
        this.channel = accepted;
        this.target = target;
        this.connectTimeout = connectTimeout;
        this.idleNanos = options.idleTimeout().toNanos();
        this.answering = this.stage == null && options.answeredReads();
        this.coupled = answering || this.stage != null && (tlsHandler == null || options.answeredReads());
    }

    /** The TLS stage around {@code inner}: a server's for an accepted channel, else a client's for the target's host. */
    private static ConnectionStage withTls(io.troupe.io.TlsSettings tls, ConnectionStage inner, boolean server,
                                           SocketAddress target, TcpOptions options) {
        if (server) {
            return TlsStage.server(tls, () -> inner);
        }
        String host = options.tlsServerName();
        if (host == null && target instanceof InetSocketAddress isa) {
            host = isa.getHostString();
        }
        if (host == null) {
            throw new IllegalArgumentException("TLS to " + target + " needs the server's name: TcpOptions.withTls(settings,"
                    + " serverName)");
        }
        return TlsStage.client(tls, host, inner);
    }

    /** The write queue's answer reservations, for the TlsHandlerStage's answered reads. */
    private final class AnswerRoom implements TlsHandlerStage.AnswerRoom {
        @Override
        public void reserve(int bytes) {
            queue.reserve(bytes);
        }

        @Override
        public void release(int messages) {
            queue.release(messages);
            onWriteRoom();
        }
    }

    /** A connection actor for a channel a listener accepted (already non-blocking and set up). */
    static TcpConnection accepted(Reactor reactor, TcpOptions options, ActorRef<Tcp.Event> handler, SocketChannel channel) {
        return new TcpConnection(reactor, options, handler, null, channel, null, null);
    }

    /** A connection actor for an accepted channel, handled by {@code stage} in its own turn. */
    static TcpConnection accepted(Reactor reactor, TcpOptions options, ConnectionStage stage, SocketChannel channel) {
        return new TcpConnection(reactor, options, null, stage, channel, null, null);
    }

    /** A connection actor that connects to {@code target}. */
    static TcpConnection outgoing(Reactor reactor, TcpOptions options, ActorRef<Tcp.Event> handler, SocketAddress target,
                                  Duration connectTimeout) {
        return new TcpConnection(reactor, options, handler, null, null, target, connectTimeout);
    }

    /** A connection actor that connects to {@code target}, handled by {@code stage} in its own turn. */
    static TcpConnection outgoing(Reactor reactor, TcpOptions options, ConnectionStage stage, SocketAddress target,
                                  Duration connectTimeout) {
        return new TcpConnection(reactor, options, null, stage, null, target, connectTimeout);
    }

    @Override
    protected void preStart() {
        selfRef = self();
        system = context().system();
        counters = SystemAccess.counters(system);
        if (handler != null) {
            context().watch(AdaptingRef.unwrap(handler));
        }
        if (channel != null) {
            reg = reactor.register(channel, self(), 0);
            onConnected();
            endStageTurn();
            return;
        }
        context().timers().startSingleTimer(Tick.CONNECT_TIMEOUT, Tick.CONNECT_TIMEOUT, connectTimeout);
        if (target instanceof InetSocketAddress isa && isa.isUnresolved()) {
            final String host = isa.getHostString();
            final int port = isa.getPort();
            context().spawnBlocking(() -> new InetSocketAddress(InetAddress.getByName(host), port), Resolved::new);
            return;
        }
        connectTo(target);
        endStageTurn(); // connected at once: the stage may have written in onConnected
    }

    @Override
    protected void receive(Object message) {
        dispatch(message);
        if (stageWrote) {
            endStageTurn();
        }
    }

    private void dispatch(Object message) {
        if (tlsHandler != null && message instanceof Tcp.Command c && !(c instanceof Tcp.GetStats)) {
            callStage(() -> tlsHandler.onCommand(c)); // the handler's commands go through TLS
            return;
        }
        if (message instanceof Readiness r) {
            onReadiness(r);
        } else if (message instanceof StageTask t) {
            if (state != CLOSED) {
                callStage(t.action());
            }
        } else if (message instanceof Tcp.Write w) {
            onWrite(w);
        } else if (message == FlushWrites.INSTANCE) {
            onFlushWrites();
        } else if (message == ShutdownNotice.INSTANCE) {
            if (state == OPEN) {
                emit(new Tcp.ShuttingDown());
            }
        } else if (message == ShutdownClose.INSTANCE) {
            if (state == OPEN) {
                spillOut();
                beginClose(new Tcp.Closed());
            } else if (state == CONNECTING) {
                connectFailed(new java.net.SocketException("the actor system is shutting down"));
            }
        } else if (message instanceof HandlerCaughtUp c) {
            onHandlerCaughtUp(c.gen());
        } else if (message instanceof Tick t) {
            onTick(t);
        } else if (message instanceof Tcp.Command c) {
            onCommand(c);
        } else if (message instanceof Resolved r) {
            onResolved(r);
        } else {
            context().log().log(System.Logger.Level.WARNING, "the connection ignores an unknown message {0}", message);
        }
    }

    @Override
    protected void onSignal(Signal signal) {
        if (signal instanceof Terminated t && t.ref() == AdaptingRef.unwrap(handler)) {
            handlerGone = true;
            if (tlsHandler != null && state == OPEN) {
                callStage(() -> {
                    if (!tlsHandler.onHandlerGone()) {
                        beginClose(null); // still handshaking: no TLS to close
                    }
                });
                endStageTurn(); // the close_notify goes out
                return;
            }
            switch (state) {
                case CONNECTING -> closeNow(null);
                case OPEN -> beginClose(null);
                case CLOSING -> closingEvent = null;
                default -> { }
            }
        }
    }

    @Override
    protected void postStop() {
        stopped = true;
        if (state != CLOSED) {
            final boolean wasConnected = state != CONNECTING;
            state = CLOSED;
            closeChannel();
            if (stage != null && tlsHandler == null && wasConnected) {
                toStage(new Tcp.ErrorClosed(new java.nio.channels.ClosedChannelException() {
                    @Override
                    public String getMessage() {
                        return "the connection actor was stopped from outside (its parent stopped or the system closed)";
                    }
                }));
            }
        }
        if (writesRejected > 0) {
            context().log().log(System.Logger.Level.WARNING, "the connection closed after refusing {0} writes ({1} bytes)"
                    + " with WriteRejected", Long.toString(writesRejected), Long.toString(bytesRejected));
        }
    }

    // ================================================================ connecting

    private void onResolved(Resolved r) {
        if (state != CONNECTING) {
            return; // the connect timed out meanwhile
        }
        if (r.failure() != null) {
            final Throwable cause = r.failure() instanceof UnknownHostException ? r.failure()
                    : new UnknownHostException("cannot resolve " + target + ": " + r.failure());
            connectFailed(cause);
            return;
        }
        connectTo(r.address());
    }

    private void connectTo(SocketAddress address) {
        try {
            channel = address instanceof UnixDomainSocketAddress
                    ? SocketChannel.open(StandardProtocolFamily.UNIX) : SocketChannel.open();
            channel.configureBlocking(false);
            SocketSetup.applyToConnection(channel, options);
            if (channel.connect(address)) {
                reg = reactor.register(channel, self(), 0);
                context().timers().cancel(Tick.CONNECT_TIMEOUT);
                onConnected();
            } else {
                reg = reactor.register(channel, self(), SelectionKey.OP_CONNECT);
            }
        } catch (IOException | RuntimeException e) {
            connectFailed(e);
        }
    }

    private void finishConnect() {
        try {
            if (channel.finishConnect()) {
                context().timers().cancel(Tick.CONNECT_TIMEOUT);
                onConnected();
            } else {
                reg.arm(SelectionKey.OP_CONNECT);
            }
        } catch (IOException e) {
            connectFailed(e);
        }
    }

    private void connectFailed(Throwable cause) {
        state = CLOSED;
        context().timers().cancelAll();
        closeChannel();
        emit(new Tcp.ConnectFailed(target, cause));
        context().stop(self());
    }

    @SuppressWarnings("unchecked")
    private void onConnected() {
        state = OPEN;
        credit = stage != null ? -1 : options.initialReadCredit();
        decoder = framing == null ? null : framing.newDecoder();
        if (idleNanos > 0) {
            lastActivityNanos = now();
            context().timers().startSingleTimer(Tick.IDLE_CHECK, Tick.IDLE_CHECK, options.idleTimeout());
        }
        SocketAddress remote = target;
        SocketAddress local = null;
        try {
            remote = channel.getRemoteAddress();
            local = channel.getLocalAddress();
        } catch (IOException e) {
            // reported by the first read or write
        }
        remoteAddress = remote;
        localAddress = local;
        recordConnected(remote);
        emit(new Tcp.Connected((ActorRef<Tcp.Command>) (ActorRef<?>) self(), remote, local));
        maybeArmRead();
    }

    // ================================================================ readiness

    private void onReadiness(Readiness r) {
        if (state == CONNECTING) {
            if ((r.ops() & SelectionKey.OP_CONNECT) != 0) {
                finishConnect();
            }
            return;
        }
        if (r.writable() && state != CLOSED) {
            flush();
        }
        if (r.readable() && state == OPEN) {
            onReadable();
        }
    }

    private boolean wantsRead() {
        return state == OPEN && !inputShut && !readingSuspended && credit != 0 && blockedGen == caughtUpGen && !handlerGone;
    }

    /**
     * The most bytes the next read may take: a chunk, unless reads are answered; then 0 while
     * writing is paused, the queue is at the high watermark or a frame is parked, and otherwise
     * no more than the room that queued and reserved bytes leave.
     */
    private int readRoomBytes() {
        final int chunk = options.readChunkBytes();
        if (!coupled) {
            return chunk;
        }
        if (writingPaused || queued() >= options.writeQueueHighWatermarkBytes() || parkedFrame != null) {
            return 0;
        }
        final long room = options.writeQueueMaxBytes() - queued() - queue.reservedBytes();
        return (int) Math.max(0, Math.min(chunk, room));
    }

    /** Whether an answer of {@code bytes} can be reserved now (answered reads, framed). */
    private boolean answerFits(int bytes) {
        final long committed = queue.queuedBytes() + queue.reservedBytes();
        return committed == 0 || committed + bytes <= options.writeQueueMaxBytes();
    }

    private void maybeArmRead() {
        if (!wantsRead()) {
            return;
        }
        readWaitsForRoom = readRoomBytes() == 0;
        if (!readWaitsForRoom) {
            reg.arm(SelectionKey.OP_READ);
        }
    }

    /** Room came back in the write queue (a flush or a credit): deliver a parked frame, read again. */
    private void onWriteRoom() {
        if (state != OPEN || !readWaitsForRoom) {
            return;
        }
        if (parkedFrame != null && !drainFrames()) {
            return;
        }
        maybeArmRead();
    }

    private void onReadable() {
        if (!wantsRead()) {
            return; // re-armed when the reason goes away
        }
        final ByteBuffer scratch = scratch(options.readChunkBytes());
        for (int i = 0; i < READS_PER_TURN; i++) {
            final int limit = readRoomBytes();
            if (limit == 0) {
                readWaitsForRoom = true; // re-armed by onWriteRoom
                return;
            }
            scratch.clear().limit(limit);
            final int n;
            try {
                n = channel.read(scratch);
            } catch (IOException e) {
                closeNow(new Tcp.ErrorClosed(e));
                return;
            }
            if (n > 0) {
                bytesRead += n;
                counters.bytesRead.add(n);
                touch();
                if (stage != null && decoder == null) {
                    scratch.flip();
                    lendToStage(scratch); // no copy: the stage reads it in this call
                    if (!wantsRead()) {
                        return;
                    }
                    if (n < limit) {
                        maybeArmRead();
                        return;
                    }
                    continue;
                }
                final byte[] bytes = new byte[n];
                scratch.flip().get(bytes);
                if (!deliver(ByteBuffer.wrap(bytes)) || !wantsRead()) {
                    return;
                }
                if (n < limit) {
                    maybeArmRead(); // most likely drained: skip the read that would find nothing
                    return;
                }
            } else if (n == 0) {
                maybeArmRead();
                return;
            } else {
                onEndOfStream();
                return;
            }
        }
        maybeArmRead(); // budget spent: the reactor reports the rest at once
    }

    private static ByteBuffer scratch(int chunk) {
        final ThreadBuffers buffers = buffers();
        ByteBuffer b = buffers.scratch;
        if (b == null || b.capacity() < chunk) {
            b = ByteBuffer.allocateDirect(Math.max(chunk, 16 << 10));
            buffers.scratch = b;
        }
        return b;
    }

    /**
     * Hands read bytes to the handler (through the decoder if framed); false if that closed the
     * connection. With answered reads each Received reserves room for its answer: a raw read
     * fits by the read's limit, a frame waits (parked) until it fits.
     */
    private boolean deliver(ByteBuffer data) {
        if (decoder == null) {
            if (answering) {
                queue.reserve(data.remaining());
            }
            received(data);
            if (credit > 0) {
                credit--;
            }
            return true;
        }
        decoder.feed(data);
        return drainFrames();
    }

    private boolean drainFrames() {
        while (credit != 0 && !(stage != null && readingSuspended)) {
            ByteBuffer frame = parkedFrame;
            if (frame == null) {
                try {
                    frame = decoder.next();
                } catch (FramingException e) {
                    closeNow(new Tcp.ErrorClosed(e));
                    return false;
                }
                if (frame == null) {
                    return true;
                }
                if (frame == Framing.Decoder.DISCARDED) {
                    emit(new Tcp.FrameDiscarded(decoder.lastDiscardedBytes(), framing.maxFrameBytes()));
                    continue;
                }
            }
            parkedFrame = null;
            if (answering) {
                final int answerBytes = frame.remaining() + framing.overheadBytes();
                if (!answerFits(answerBytes)) {
                    parkedFrame = frame;
                    return true;
                }
                queue.reserve(answerBytes);
            }
            received(frame);
            if (state != OPEN) {
                return false; // the stage closed the connection
            }
            if (credit > 0) {
                credit--;
            }
        }
        return true;
    }

    private void onEndOfStream() {
        inputShut = true;
        reg.disarm(SelectionKey.OP_READ);
        emit(new Tcp.PeerClosed());
        if (outputShut) {
            closeNow(new Tcp.Closed()); // both directions are done
        } else if (stage == null && !options.halfClose() && state == OPEN) {
            // No half-close (the default): close once what is queued is flushed. With answered
            // reads, first wait for the answer to every read delivered (its credit), so no
            // answer is lost; otherwise writes the handler makes after this are refused
            // (CommandFailed), as in Pekko IO.
            closeWhenAnswered = true;
            maybeCloseAnswered();
        }
    }

    /** No half-close: the peer closed; close once every delivered read has been answered. */
    private void maybeCloseAnswered() {
        if (closeWhenAnswered && state == OPEN
                && (!answering || queue.reservations() == 0 && parkedFrame == null)) {
            closeWhenAnswered = false;
            beginClose(new Tcp.Closed());
        }
    }

    // ================================================================ writing

    private void onWrite(Tcp.Write w) {
        queueWrite(w.data(), w.ack(), w);
    }

    /**
     * Queues a write from the handler ({@code command} is its Write) or from the stage
     * ({@code command} null: {@code data} is the stage's copy); false if refused. A handler
     * hears refusals as events; a stage from the result (and the log, and the counters).
     */
    private boolean queueWrite(ByteBuffer data, Object ack, Tcp.Write command) {
        if (state != OPEN || shutdownOutputRequested) {
            final String reason = state == OPEN
                    ? "the output was shut down (ShutdownOutput): no more writes on this connection"
                    : "the connection is " + (state == CONNECTING ? "not connected yet" : "closing") + ": write refused";
            if (command != null) {
                emit(new Tcp.CommandFailed(command, reason));
            }
            return false;
        }
        final ByteBuffer[] parts;
        if (framing != null) {
            try {
                parts = framing.encode(data);
            } catch (IllegalArgumentException e) {
                if (command != null) {
                    emit(new Tcp.CommandFailed(command, e.getMessage()));
                } else {
                    reject(null, data.remaining(), e.getMessage());
                }
                return false;
            }
        } else {
            parts = new ByteBuffer[] {data.duplicate()};
        }
        long size = 0;
        for (ByteBuffer p : parts) {
            size += p.remaining();
        }
        final int max = options.writeQueueMaxBytes();
        if ((flushScheduled || stageWrote) && size <= max && queued() + size > max) {
            flush(); // write out what is queued before deciding that this write does not fit
            if (state == CLOSED) {
                return false;
            }
        }
        if (size > max) {
            reject(command, size, "a write of " + size + " bytes is larger than the whole write queue (writeQueueMaxBytes "
                    + max + "): split it into smaller writes");
            return false;
        }
        if (queued() + size > max) {
            reject(command, size, "the write queue is full: " + queued() + " bytes queued + " + size
                    + " > writeQueueMaxBytes " + max + "; stop writing on WritingPaused and resume on WritingResumed,"
                    + (command != null ? " or, to answer reads, use TcpOptions.withAnsweredReads (see Tcp)"
                            : " or answer no more than each read (see ConnectionStage)"));
            return false;
        }
        if (command == null) {
            stageWrote = true; // written when the turn ends
            if (ack == null && queue.isEmpty() && stageOut(parts, (int) size)) {
                pauseInTurnIfFull();
                return true; // in the turn's output buffer
            }
            spillOut(); // keep the order: what is in the output buffer goes first
            queue.add(new ByteBuffer[] {copyOf(parts, (int) size)}, ack == null ? WriteQueue.NO_ACK : ack);
            pauseInTurnIfFull();
            return true;
        }
        final boolean wasEmpty = queue.isEmpty();
        queue.add(parts, ack == null ? WriteQueue.NO_ACK : ack);
        if (wasEmpty && !flushScheduled) {
            if (self().offer(FlushWrites.INSTANCE)) {
                flushScheduled = true;
            } else {
                flush(); // our own mailbox is full: no batching this time
            }
        }
        if (!flushScheduled) {
            checkHighWatermark();
        }
        return true;
    }

    private void onFlushWrites() {
        flushScheduled = false;
        if (state != CLOSED) {
            flush();
            checkHighWatermark();
        }
    }

    /**
     * A stage's write reached the high watermark: writing is paused at once, so the stage sees
     * it in the same turn ({@link Connection#isWritingPaused}); WritingPaused is told when the
     * turn ends, before the turn's flush, which tells WritingResumed if it drains the queue to
     * the low watermark. So a stage that writes while not paused is never refused, and every
     * pause it sees is followed by a resume (without this, a pause seen in the turn and undone
     * by the turn's flush was never told either way).
     */
    private void pauseInTurnIfFull() {
        if (!writingPaused && state == OPEN && queued() >= options.writeQueueHighWatermarkBytes()) {
            writingPaused = true;
            pauseUntold = true;
        }
    }

    private void checkHighWatermark() {
        if (state == OPEN && !writingPaused && queued() >= options.writeQueueHighWatermarkBytes()) {
            writingPaused = true;
            emit(new Tcp.WritingPaused());
        }
    }

    /**
     * Refuses a write; the first refusal is logged with its reason, all are counted (and logged
     * at close). A handler's refused Write ({@code w}) is told back; a stage's ({@code w} null)
     * is its write's false result.
     */
    private void reject(Tcp.Write w, long size, String reason) {
        writesRejected++;
        bytesRejected += size;
        if (writesRejected == 1) {
            context().log().log(System.Logger.Level.WARNING, "the connection refused a write of {0} bytes (WriteRejected,"
                    + " its bytes are not sent): {1}. Further refusals on this connection are counted in"
                    + " ConnectionStats.writesRejected and reported when it closes", Long.toString(size), reason);
        }
        if (w != null) {
            emit(new Tcp.WriteRejected(w, reason));
        }
    }

    private void flush() {
        if (outBytes > 0 && !writeOut()) {
            return; // closed by an I/O error
        }
        if (!queue.isEmpty()) {
            final long written;
            try {
                written = queue.writeTo(channel, this::onAck);
            } catch (IOException e) {
                closeNow(new Tcp.ErrorClosed(e));
                return;
            }
            if (written > 0) {
                bytesWritten += written;
                counters.bytesWritten.add(written);
                touch();
            }
            if (!queue.isEmpty()) {
                reg.arm(SelectionKey.OP_WRITE);
            }
            if (writingPaused && !pauseUntold && queue.queuedBytes() <= options.writeQueueLowWatermarkBytes()) {
                // (a pause not yet told is undone only after it was: the turn's end tells it, then flushes)
                writingPaused = false;
                emit(new Tcp.WritingResumed());
            }
            if (written > 0) {
                onWriteRoom();
                if (state == CLOSED) {
                    return; // a parked frame's successor was invalid
                }
            }
        }
        if (writingPaused && !pauseUntold && queue.isEmpty()) {
            writingPaused = false; // a pause reached by the turn's output buffer alone, written out whole
            emit(new Tcp.WritingResumed());
        }
        if (queue.isEmpty()) {
            afterDrained();
        }
    }

    private void onAck(Object token) {
        emit(new Tcp.Ack(token));
    }

    private void afterDrained() {
        if (shutdownOutputRequested && !outputShut) {
            try {
                channel.shutdownOutput();
            } catch (IOException e) {
                closeNow(new Tcp.ErrorClosed(e));
                return;
            }
            outputShut = true;
            if (inputShut) {
                closeNow(new Tcp.Closed());
                return;
            }
        }
        if (state == CLOSING) {
            closeNow(closingEvent);
        }
    }

    // ================================================================ commands

    private void onCommand(Tcp.Command c) {
        if (c instanceof Tcp.GetStats g) {
            g.replyTo().tell(new Tcp.ConnectionStats(bytesRead, bytesWritten, queue.queuedBytes(),
                    queue.peakQueuedBytes(), writesRejected));
            return;
        }
        if (state != OPEN) {
            if (!(c instanceof Tcp.Close) || state == CONNECTING) {
                emit(new Tcp.CommandFailed(c, "the connection is " + (state == CONNECTING ? "not connected yet" : "closing")));
            }
            return;
        }
        if (c instanceof Tcp.Close) {
            beginClose(new Tcp.Closed());
        } else if (c instanceof Tcp.Abort) {
            abort(new Tcp.Aborted());
        } else if (c instanceof Tcp.ShutdownOutput) {
            if (!shutdownOutputRequested) {
                shutdownOutputRequested = true;
                if (queue.isEmpty()) {
                    afterDrained();
                }
            }
        } else if (c instanceof Tcp.SuspendReading) {
            readingSuspended = true;
            reg.disarm(SelectionKey.OP_READ);
        } else if (c instanceof Tcp.ResumeReading) {
            readingSuspended = false;
            maybeArmRead();
        } else if (c instanceof Tcp.ReadCredit rc) {
            if (credit < 0) {
                emit(new Tcp.CommandFailed(c, "reads are automatic on this connection; use TcpOptions.withReadCredit"
                        + " to deliver reads against credit"));
                return;
            }
            queue.release(rc.messages()); // the answers to that many Received are queued: see the overview
            credit = (int) Math.min(Integer.MAX_VALUE, (long) credit + rc.messages());
            if (decoder != null && !drainFrames()) {
                return;
            }
            maybeArmRead();
            maybeCloseAnswered();
        }
    }

    private void onTick(Tick t) {
        switch (t) {
            case CONNECT_TIMEOUT -> {
                if (state == CONNECTING) {
                    connectFailed(new SocketTimeoutException("connect to " + target + " timed out after " + connectTimeout));
                }
            }
            case IDLE_CHECK -> {
                if (state == OPEN || state == CLOSING) {
                    final long idleFor = now() - lastActivityNanos;
                    if (idleFor >= idleNanos) {
                        closeNow(new Tcp.ErrorClosed(new SocketTimeoutException("no bytes read or written for "
                                + options.idleTimeout() + " (TcpOptions.idleTimeout)")));
                    } else {
                        context().timers().startSingleTimer(Tick.IDLE_CHECK, Tick.IDLE_CHECK, Duration.ofNanos(idleNanos - idleFor));
                    }
                }
            }
            case CLOSE_TIMEOUT -> {
                if (state == CLOSING) {
                    abort(closingEvent == null ? null : new Tcp.Aborted());
                }
            }
        }
    }

    /** The actor system's clock (a ManualClock in tests), which the idle timer also runs on. */
    private long now() {
        return context().system().clock().nanoTime();
    }

    private void touch() {
        if (idleNanos > 0) {
            lastActivityNanos = now();
        }
    }

    // ================================================================ closing

    private void beginClose(Tcp.ConnectionClosed event) {
        state = CLOSING;
        closingEvent = event;
        reg.disarm(SelectionKey.OP_READ);
        if (queue.isEmpty()) {
            closeNow(event);
            return;
        }
        context().timers().startSingleTimer(Tick.CLOSE_TIMEOUT, Tick.CLOSE_TIMEOUT, options.closeTimeout());
    }

    /** Resets the connection: SO_LINGER 0 makes the close send RST and drop unsent data. */
    private void abort(Tcp.ConnectionClosed event) {
        try {
            if (channel.supportedOptions().contains(StandardSocketOptions.SO_LINGER)) {
                channel.setOption(StandardSocketOptions.SO_LINGER, 0);
            }
        } catch (IOException e) {
            // closing anyway
        }
        closeNow(event);
    }

    private void closeNow(Tcp.ConnectionClosed event) {
        if (state == CLOSED) {
            return;
        }
        state = CLOSED;
        queue.clear();
        releaseOut();
        context().timers().cancelAll();
        closeChannel();
        if (event != null) {
            emit(event);
        }
        context().stop(self());
    }

    /** Counts the socket open and emits troupe.SocketConnected if a recording takes it. */
    private void recordConnected(SocketAddress remote) {
        countedOpen = true;
        counters.socketsOpen.increment();
        if (TroupeEvents.SOCKET_CONNECTED_PROBE.isEnabled()) {
            final TroupeEvents.SocketConnected e = new TroupeEvents.SocketConnected();
            e.path = self().path();
            e.remoteAddress = String.valueOf(remote);
            e.commit();
        }
    }

    /** Counts the socket closed and emits troupe.SocketClosed if a recording takes it; once per connection. */
    private void recordClosed() {
        if (!countedOpen) {
            return;
        }
        countedOpen = false;
        counters.socketsOpen.decrement();
        if (TroupeEvents.SOCKET_CLOSED_PROBE.isEnabled()) {
            final TroupeEvents.SocketClosed e = new TroupeEvents.SocketClosed();
            e.path = self().path();
            e.remoteAddress = String.valueOf(remoteAddress);
            e.bytesRead = bytesRead;
            e.bytesWritten = bytesWritten;
            e.commit();
        }
    }

    private void closeChannel() {
        recordClosed();
        if (reg != null) {
            reg.close(null);
        } else if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // nothing more to do
            }
        }
    }

    // ================================================================ the handler

    /**
     * Tells the handler {@code event}, in order. When its mailbox is full the event is sent
     * with send() instead (lossless, no thread blocked) and reading pauses until it is in.
     */
    private void emit(Tcp.Event event) {
        if (stage != null) {
            toStage(event);
            return;
        }
        if (handlerGone || handler.offer(event)) {
            return;
        }
        Handoff.sendThenNotify(handler, event, self(), new HandlerCaughtUp(++blockedGen), () -> stopped);
    }

    private void onHandlerCaughtUp(long gen) {
        if (gen > caughtUpGen) {
            caughtUpGen = gen;
        }
        maybeArmRead();
    }

    // ================================================================ the stage

    /** Bytes or a frame for the handler or the stage; a handler gets them as Received. */
    private void received(ByteBuffer data) {
        if (stage != null) {
            lendToStage(data);
        } else {
            emit(new Tcp.Received(data));
        }
    }

    private void lendToStage(ByteBuffer data) {
        try {
            stage.onReceived(link, data);
        } catch (Exception e) {
            stageFailed(e);
        }
    }

    /** Calls the stage method that stands for {@code event}, containing what it throws. */
    private void toStage(Tcp.Event event) {
        try {
            if (event instanceof Tcp.Connected) {
                stage.onConnected(link);
            } else if (event instanceof Tcp.PeerClosed) {
                stage.onPeerClosed(link);
            } else if (event instanceof Tcp.Ack a) {
                stage.onAck(link, a.token());
            } else if (event instanceof Tcp.WritingPaused) {
                stage.onWritingPaused(link);
            } else if (event instanceof Tcp.WritingResumed) {
                stage.onWritingResumed(link);
            } else if (event instanceof Tcp.ConnectionClosed c) {
                stage.onClosed(link, c);
            } else if (event instanceof Tcp.ShuttingDown) {
                stage.onShuttingDown(link);
            } else if (event instanceof Tcp.ConnectFailed f) {
                stage.onConnectFailed(f.address(), f.cause());
            } else if (event instanceof Tcp.Received r) {
                stage.onReceived(link, r.data());
            }
            // CommandFailed and WriteRejected answer Commands other actors sent to self():
            // the refusals are logged and counted; the stage did not send them.
        } catch (Exception e) {
            stageFailed(e);
        }
    }

    /** Runs a stage action (execute, a stage timer) in this turn, containing what it throws. */
    private void callStage(Runnable action) {
        try {
            action.run();
        } catch (Exception e) {
            stageFailed(e);
        }
    }

    private void stageFailed(Exception e) {
        if (state == CLOSED) {
            context().log().log(System.Logger.Level.WARNING, "the stage threw while closing", e);
            return;
        }
        context().log().log(System.Logger.Level.WARNING, "the stage threw; closing the connection", e);
        abort(new Tcp.ErrorClosed(e));
    }

    /** Bytes waiting to be written: the queue's and the turn's output buffer's. */
    private int queued() {
        return queue.queuedBytes() + outBytes;
    }

    /**
     * Copies {@code parts} into the turn's output buffer (this thread's direct buffer, taken at
     * the first write of the turn); false if they do not fit in what it has left.
     */
    private boolean stageOut(ByteBuffer[] parts, int size) {
        if (out == null) {
            out = buffers().out.clear();
        }
        if (out.remaining() < size) {
            return false;
        }
        for (ByteBuffer p : parts) {
            out.put(p.duplicate());
        }
        outBytes += size;
        return true;
    }

    /**
     * Writes the turn's output buffer to the socket (one write, no copy inside the JDK: the
     * buffer is direct) and gives the buffer back; what the socket did not take goes to the
     * queue. Precondition: the queue is empty (the buffer is only used then). False if the
     * write failed, which closed the connection.
     */
    private boolean writeOut() {
        out.flip();
        try {
            final int n = channel.write(out);
            if (n > 0) {
                bytesWritten += n;
                counters.bytesWritten.add(n);
                touch();
            }
        } catch (IOException e) {
            releaseOut();
            closeNow(new Tcp.ErrorClosed(e));
            return false;
        }
        if (out.hasRemaining()) {
            final ByteBuffer rest = ByteBuffer.allocate(out.remaining());
            rest.put(out).flip();
            queue.add(new ByteBuffer[] {rest}, WriteQueue.NO_ACK);
        }
        releaseOut();
        return true;
    }

    /** Moves what the turn's output buffer holds into the queue (a heap copy), keeping the order. */
    private void spillOut() {
        if (outBytes > 0) {
            out.flip();
            final ByteBuffer copy = ByteBuffer.allocate(out.remaining());
            copy.put(out).flip();
            queue.add(new ByteBuffer[] {copy}, WriteQueue.NO_ACK);
            releaseOut();
        }
    }

    private void releaseOut() {
        out = null;
        outBytes = 0;
    }

    private static ByteBuffer copyOf(ByteBuffer[] parts, int size) {
        final ByteBuffer copy = ByteBuffer.allocate(size);
        for (ByteBuffer p : parts) {
            copy.put(p.duplicate());
        }
        return copy.flip();
    }

    /** The turn in which the stage wrote ends: write the queue out, in one gathering write. */
    private void endStageTurn() {
        while (stageWrote) {
            stageWrote = false;
            if (state == CLOSED) {
                return;
            }
            if (pauseUntold) {
                pauseUntold = false;
                emit(new Tcp.WritingPaused()); // the stage may write again: the loop goes on
                if (state == CLOSED) {
                    return;
                }
            }
            flush();
            checkHighWatermark(); // may call the stage, which may write again
        }
    }

    /**
     * The connection as its stage sees it. Confined to this actor's thread except where
     * {@link Connection} says otherwise (execute, self, system, the addresses: they read
     * volatile fields or send).
     */
    private final class StageLink implements Connection {
        @Override
        public boolean write(ByteBuffer data) {
            return writeCopy(data, null);
        }

        @Override
        public boolean write(ByteBuffer data, Object token) {
            return writeCopy(data, java.util.Objects.requireNonNull(token, "token"));
        }

        private boolean writeCopy(ByteBuffer data, Object ack) {
            return queueWrite(data, ack, null); // copied there, into the output buffer or the queue
        }

        @Override
        public void close() {
            if (state == OPEN) {
                spillOut(); // closing looks at the queue: what this turn wrote must be in it
                beginClose(new Tcp.Closed());
            }
        }

        @Override
        public void abort() {
            if (state == OPEN || state == CLOSING) {
                TcpConnection.this.abort(new Tcp.Aborted());
            }
        }

        @Override
        public void shutdownOutput() {
            if (state == OPEN && !shutdownOutputRequested) {
                shutdownOutputRequested = true;
                spillOut();
                if (queue.isEmpty()) {
                    afterDrained();
                }
            }
        }

        @Override
        public void suspendReading() {
            if (state == OPEN && !readingSuspended) {
                readingSuspended = true;
                reg.disarm(SelectionKey.OP_READ);
            }
        }

        @Override
        public void resumeReading() {
            if (state == OPEN && readingSuspended) {
                readingSuspended = false;
                if (decoder != null && !drainFrames()) {
                    return;
                }
                maybeArmRead();
            }
        }

        @Override
        public int queuedBytes() {
            return queued();
        }

        @Override
        public boolean isWritingPaused() {
            return writingPaused;
        }

        @Override
        public int writeRoomBytes() {
            return state == OPEN && !shutdownOutputRequested ? Math.max(0, options.writeQueueMaxBytes() - queued()) : 0;
        }

        @Override
        public boolean isOpen() {
            return state == OPEN;
        }

        @Override
        public void execute(Runnable action) {
            java.util.Objects.requireNonNull(action, "action");
            final StageTask task = new StageTask(action);
            final ActorRef<Object> me = selfRef;
            if (!me.offer(task)) {
                me.send(task); // lossless; a stopped connection makes it a dead letter
            }
        }

        @Override
        public void startTimer(Object key, Duration delay, Runnable action) {
            java.util.Objects.requireNonNull(key, "key");
            java.util.Objects.requireNonNull(action, "action");
            if (delay.isNegative() || delay.isZero()) {
                throw new IllegalArgumentException("timer delay must be positive, was " + delay);
            }
            context().timers().startSingleTimer(new StageTimerKey(key), new StageTask(action), delay);
        }

        @Override
        public void cancelTimer(Object key) {
            context().timers().cancel(new StageTimerKey(key));
        }

        @Override
        @SuppressWarnings("unchecked")
        public ActorRef<Tcp.Command> self() {
            return (ActorRef<Tcp.Command>) (ActorRef<?>) selfRef;
        }

        @Override
        public ActorSystem system() {
            return system;
        }

        @Override
        public SocketAddress remoteAddress() {
            return remoteAddress;
        }

        @Override
        public SocketAddress localAddress() {
            return localAddress;
        }

        @Override
        public String toString() {
            return "Connection[" + selfRef.path() + "]";
        }
    }
}
