package io.troupe.io.internal;

import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.io.Connection;
import io.troupe.io.ConnectionStage;
import io.troupe.io.Tcp;
import io.troupe.io.TlsConnection;
import io.troupe.io.TlsSettings;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.function.Supplier;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIMatcher;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * A TLS connection stage (see {@link io.troupe.io.Tls}): an {@link SSLEngine} between the
 * connection's raw stage calls and an inner stage that sees plaintext. NOT thread safe: like
 * every stage it is called on its connection actor's thread, one call at a time.
 */
public final class TlsStage implements ConnectionStage {
    /*
     * Implementation overview
     *
     * Threading protocol. Every method runs inside the connection actor's turn (raw stage calls,
     * Connection.execute actions, stage timers), so the state below is plain fields. The inner
     * stage is called from here, and calls back into the View from inside those calls (write,
     * close, suspendReading, ...): every method re-checks the state after calling the inner
     * stage, and nothing that unwraps (and so calls the inner stage) runs from inside a View
     * method; resuming input after resumeReading or a drained backlog comes back as an execute
     * action, in a turn of its own.
     *
     * Lifecycle (`state`):
     *   NEW -> HANDSHAKING     // raw onConnected: engine made (or, for a server with SNI contexts, made
     *                          //   once the ClientHello has arrived), handshake begun, timer started
     *   HANDSHAKING -> OPEN    // the engine reports FINISHED: inner.onConnected
     *   HANDSHAKING -> CLOSING // fail(): handshake error, timeout, peer EOF
     *   OPEN -> CLOSING        // inner close (close_notify sent first), or fail() (renegotiation, truncation)
     *   any -> CLOSED          // raw onClosed: inner.onClosed(failure ? ErrorClosed(failure) : why), once
     *
     * Input. The raw connection lends each read. Whole records are unwrapped straight from the
     * lent buffer; the bytes of a last, partial record are copied to `netIn` (at most one
     * record), and the next read first tops netIn up to exactly that record's end, so most bytes
     * are never copied. Each unwrap yields at most one record of plaintext, in a per-thread
     * buffer lent to inner.onReceived. Unwrapping stops while readBlocked(): the inner stage
     * suspended reading, or `pending` holds records; then the rest of the read is copied to
     * netIn and the raw connection's reading is suspended too, so netIn holds at most one
     * read's bytes plus a partial record.
     *
     * Output. inner writes are wrapped at once, record by record (<= 16 KiB of plaintext each),
     * into a per-thread buffer that Connection.write copies into the raw write queue. A write is
     * taken whole or refused whole: its encrypted size (plaintext + records x the largest record
     * overhead seen) must fit in the raw queue's room (Connection.writeRoomBytes) plus what is
     * left of the backlog bound. A record that does not fit in the raw queue (the estimate was
     * short, or a partial record's answer came after its read was counted) is kept, copied, in
     * `pending`, bounded by PENDING_RECORDS packets; while pending is not empty no input is
     * unwrapped and no new record goes to the raw queue ahead of it. Pending drains on
     * onWritingResumed, onAck, any later raw call, and a short retry timer.
     *
     * Invariants.
     *  1. inner.onConnected is called at most once, after the handshake, before any
     *     inner.onReceived; inner.onClosed at most once, last.
     *  2. pendingBytes <= PENDING_RECORDS * packet size + one write's records; records reach the
     *     raw queue in the order wrapped (pending first).
     *  3. netIn is null or holds bytes in read mode; while !readBlocked() it holds less than one
     *     record.
     *  4. After the handshake on TLS 1.2 (or older), a handshake record from the peer fails the
     *     connection before the engine sees it (renegotiation refused).
     *
     * Server names (TlsSettings.withServerNameContext). A server with SNI contexts makes no engine
     * at onConnected: it gathers the client's first bytes in `hello` (at most
     * ClientHelloSni.MAX_HELLO_BYTES) until ClientHelloSni finds the whole ClientHello, picks the
     * context for its SNI name, makes the engine from it, and hands the gathered bytes to it as
     * netIn (the engine sees every byte, in order, as if it had been there from the start). With
     * strict names every engine gets an SNIMatcher for the configured names, so the JDK itself
     * refuses an unknown name with an unrecognized_name alert.
     *
     * Memory ordering. None: confined to the connection actor.
     *
     * Shutdown. Closing is the raw connection's: close() sends close_notify and closes the raw
     * connection (which flushes); fail() sends what alert the engine has and closes; the raw
     * onClosed ends everything. A backlog still pending when the inner stage closes is written
     * first (closeAfterPending).
     *
     * References. RFC 8446 (TLS 1.3: close_notify half-close 6.1, KeyUpdate 4.6.3), RFC 5746
     * and RFC 5246 7.4.1.1 (renegotiation), RFC 7301 (ALPN), RFC 6066 3 (SNI); the SSLEngine
     * state machine as documented in javax.net.ssl.SSLEngine.
     */

    /** The engine exists, the handshake has not started (before the TCP connection). */
    private static final int NEW = 0;
    /** Handshaking: no plaintext yet; the inner stage has not been told onConnected. */
    private static final int HANDSHAKING = 1;
    /** The handshake finished: plaintext flows. */
    private static final int OPEN = 2;
    /** The inner stage closed, or the connection failed: the raw connection is closing. */
    private static final int CLOSING = 3;
    /** The raw connection is closed. */
    private static final int CLOSED = 4;

    /** TLS record content type of handshake messages. */
    private static final int HANDSHAKE_RECORD = 22;
    private static final int RECORD_HEADER_BYTES = 5;
    private static final int MAX_PLAINTEXT_BYTES = 16 << 10;
    /** The backlog bound, in packets (records of the largest size). */
    private static final int PENDING_RECORDS = 4;
    private static final Duration PENDING_RETRY_DELAY = Duration.ofMillis(10);
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    private static final System.Logger LOG = System.getLogger(TlsStage.class.getName());

    /** Timer keys of this stage; identity objects, so they equal no key of the inner stage's. */
    private static final Object HANDSHAKE_TIMER = new Object();
    private static final Object PENDING_TIMER = new Object();

    /** Per-thread plaintext and ciphertext buffers: lent to the inner stage, or copied by Connection.write. */
    private static final class Scratch {
        ByteBuffer appIn = ByteBuffer.allocate(MAX_PLAINTEXT_BYTES + 1024);
        ByteBuffer netOut = ByteBuffer.allocate(MAX_PLAINTEXT_BYTES + 2048);
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** A record that did not fit in the raw write queue yet. */
    private record Pending(ByteBuffer bytes, Object token) {}

    private final TlsSettings settings;
    private final boolean client;
    private final String host;
    private final Supplier<? extends ConnectionStage> innerFactory;
    private final View view = new View();

    private ConnectionStage inner;
    private Connection raw;
    private SSLEngine engine;
    private int state = NEW;
    /** Why the connection is closing, if not at the inner stage's request. */
    private Throwable failure;
    private boolean tls13;
    private boolean innerConnected;
    private boolean innerClosed;
    private boolean innerSuspended;
    private boolean rawSuspended;
    private boolean resumeScheduled;
    private boolean peerCloseNotified;
    private boolean closeRequested;
    private boolean closeAfterPending;
    private boolean shutdownAfterPending;
    private boolean refusalLogged;
    private ByteBuffer netIn;
    /** A server with SNI contexts, before its engine exists: the client's first bytes (read mode). */
    private ByteBuffer hello;
    private final ArrayDeque<Pending> pending = new ArrayDeque<>(2);
    private int pendingBytes;
    /** The largest record overhead (ciphertext minus plaintext) seen on an application record. */
    private int recordOverheadBytes;

    private TlsStage(TlsSettings settings, boolean client, String host, Supplier<? extends ConnectionStage> innerFactory,
                     ConnectionStage inner) {
        this.settings = settings;
        this.client = client;
        this.host = host;
        this.innerFactory = innerFactory;
        this.inner = inner;
    }

    /**
     * A server stage; the inner stage is made from {@code innerFactory} when the TCP connection
     * opens (and told onConnected when the handshake has finished).
     *
     * @param settings the server's settings
     * @param innerFactory makes the inner stage
     * @return the stage, for one connection
     */
    public static TlsStage server(TlsSettings settings, Supplier<? extends ConnectionStage> innerFactory) {
        return new TlsStage(settings, false, null, innerFactory, null);
    }

    /**
     * A client stage for {@code host}.
     *
     * @param settings the client's settings
     * @param host the server's name, for SNI and hostname verification
     * @param inner the inner stage
     * @return the stage, for one connection
     */
    public static TlsStage client(TlsSettings settings, String host, ConnectionStage inner) {
        return new TlsStage(settings, true, host, null, inner);
    }

    // ================================================================ raw stage calls

    @Override
    public void onConnected(Connection connection) {
        raw = connection;
        if (inner == null) {
            inner = innerFactory.get();
            if (inner == null) {
                throw new IllegalStateException("the inner stage factory returned null");
            }
        }
        state = HANDSHAKING;
        raw.startTimer(HANDSHAKE_TIMER, settings.handshakeTimeout(), this::onHandshakeTimeout);
        if (!client && !settings.serverNameContexts().isEmpty()) {
            return; // the engine is made when the ClientHello has told the SNI name (onHello)
        }
        if (startEngine(settings.context())) {
            drive(null); // a client says ClientHello now
        }
    }

    /** Makes the engine from {@code context} and begins the handshake; false if that failed (and closed). */
    private boolean startEngine(SSLContext context) {
        try {
            engine = newEngine(context);
            engine.beginHandshake();
            return true;
        } catch (SSLException | RuntimeException e) {
            fail(e instanceof SSLException ? e : new SSLException("cannot start the TLS handshake: " + e.getMessage(), e));
            return false;
        }
    }

    private SSLEngine newEngine(SSLContext context) {
        final SSLEngine e;
        if (client) {
            final SocketAddress remote = raw.remoteAddress();
            final int port = remote instanceof InetSocketAddress isa ? isa.getPort() : -1;
            e = context.createSSLEngine(host, port);
        } else {
            e = context.createSSLEngine();
        }
        e.setUseClientMode(client);
        final SSLParameters p = e.getSSLParameters();
        if (!settings.protocols().isEmpty()) {
            p.setProtocols(settings.protocols().toArray(String[]::new));
        }
        if (!settings.applicationProtocols().isEmpty()) {
            p.setApplicationProtocols(settings.applicationProtocols().toArray(String[]::new));
        }
        if (client) {
            if (settings.hostnameVerification()) {
                p.setEndpointIdentificationAlgorithm("HTTPS");
            }
            if (!isIpLiteral(host)) {
                p.setServerNames(List.of(new SNIHostName(host)));
            }
        } else {
            switch (settings.clientAuth()) {
                case NEED -> p.setNeedClientAuth(true);
                case WANT -> p.setWantClientAuth(true);
                default -> { }
            }
            if (settings.strictServerNames() && !settings.serverNameContexts().isEmpty()) {
                p.setSNIMatchers(List.of(serverNameMatcher(settings)));
            }
        }
        e.setSSLParameters(p);
        return e;
    }

    /** Matches the settings' server names (wildcards: one label), case-insensitively (as SNIHostName does). */
    private static SNIMatcher serverNameMatcher(TlsSettings settings) {
        final StringBuilder regex = new StringBuilder();
        for (String name : settings.serverNameContexts().keySet()) {
            if (regex.length() > 0) {
                regex.append('|');
            }
            regex.append(name.startsWith("*.") ? "[^.]+" + Pattern.quote(name.substring(1)) : Pattern.quote(name));
        }
        return SNIHostName.createSNIMatcher(regex.toString());
    }

    /**
     * A server with SNI contexts, before its engine: gathers {@code data} (all of it) until the
     * ClientHello is whole, then makes the engine for its name and lets it read what came.
     */
    private void onHello(ByteBuffer data) {
        final int n = data.remaining();
        if (hello == null) {
            hello = ByteBuffer.allocate(Math.min(Math.max(n, 2048), ClientHelloSni.MAX_HELLO_BYTES)).flip();
        }
        if (hello.remaining() + n > ClientHelloSni.MAX_HELLO_BYTES) {
            data.position(data.limit());
            fail(new SSLHandshakeException("the client's first TLS message (ClientHello) is over "
                    + ClientHelloSni.MAX_HELLO_BYTES + " bytes"));
            return;
        }
        if (hello.capacity() - hello.remaining() < n) {
            final ByteBuffer bigger = ByteBuffer.allocate(Math.min(Math.max(2 * hello.capacity(), hello.remaining() + n),
                    ClientHelloSni.MAX_HELLO_BYTES));
            bigger.put(hello).flip();
            hello = bigger;
        }
        hello.compact();
        hello.put(data).flip();
        final String name = ClientHelloSni.parse(hello);
        if (name == ClientHelloSni.NEED_MORE) {
            return;
        }
        if (!startEngine(settings.contextFor(name))) {
            hello = null;
            return;
        }
        netIn = hello; // every byte so far, in order: the engine reads them as if there had been no wait
        hello = null;
        drive(netIn);
        releaseNetInIfEmpty();
    }

    private static boolean isIpLiteral(String host) {
        return host.indexOf(':') >= 0 || host.matches("[0-9.]+");
    }

    @Override
    public void onReceived(Connection connection, ByteBuffer data) {
        flushPending();
        if (inputEnded()) {
            data.position(data.limit()); // nothing more is read: the connection is ending
            return;
        }
        if (engine == null) {
            onHello(data);
            updateRawReading();
            return;
        }
        if (netIn == null || !netIn.hasRemaining()) {
            drive(data);
        } else {
            if (!holdsWholeRecord(netIn)) {
                topUp(data);
            }
            drive(netIn);
            if (!netIn.hasRemaining()) {
                drive(data);
            }
        }
        if (data.hasRemaining() && !inputEnded()) {
            stash(data); // a partial record, or input while reading is blocked
        } else {
            data.position(data.limit());
        }
        releaseNetInIfEmpty();
        updateRawReading();
    }

    @Override
    public void onPeerClosed(Connection connection) {
        if (state == CLOSED || failure != null || peerCloseNotified) {
            return; // after close_notify, the TCP FIN is expected
        }
        if (closeRequested) {
            return; // we are closing anyway
        }
        fail(state == OPEN
                ? new SSLException("the peer closed the TCP connection without close_notify: what it sent may be truncated")
                : new SSLHandshakeException("the peer closed the connection during the TLS handshake"));
    }

    @Override
    public void onShuttingDown(Connection connection) {
        if (state == OPEN && !innerClosed) {
            inner.onShuttingDown(view);
        } else if (state == HANDSHAKING) {
            closeRequested = true;
            raw.close();
        }
    }

    @Override
    public void onWritingPaused(Connection connection) {
        if (innerConnected && !innerClosed && state == OPEN) {
            inner.onWritingPaused(view);
        }
    }

    @Override
    public void onWritingResumed(Connection connection) {
        flushPending();
        if (innerConnected && !innerClosed && state == OPEN) {
            inner.onWritingResumed(view);
        }
    }

    @Override
    public void onAck(Connection connection, Object token) {
        flushPending();
        if (innerConnected && !innerClosed) {
            inner.onAck(view, token);
        }
    }

    @Override
    public void onConnectFailed(SocketAddress address, Throwable cause) {
        inner.onConnectFailed(address, cause);
    }

    @Override
    public void onClosed(Connection connection, Tcp.ConnectionClosed why) {
        state = CLOSED;
        pending.clear();
        pendingBytes = 0;
        netIn = null;
        if (inner != null && !innerClosed) {
            innerClosed = true;
            inner.onClosed(view, failure != null ? new Tcp.ErrorClosed(failure) : why);
        }
    }

    // ================================================================ the engine

    /**
     * Runs the engine: its delegated tasks, the records it wants to send, and the records in
     * {@code src} (null: none), until it needs more input, reading is blocked, or the connection
     * ends. An SSLException fails the connection.
     */
    private void drive(ByteBuffer src) {
        try {
            driveOrThrow(src);
        } catch (SSLException e) {
            fail(e);
        }
    }

    private void driveOrThrow(ByteBuffer src) throws SSLException {
        while (state != CLOSED && failure == null) {
            final HandshakeStatus hs = engine.getHandshakeStatus();
            if (hs == HandshakeStatus.NEED_TASK) {
                runDelegatedTasks();
                continue;
            }
            if (hs == HandshakeStatus.NEED_WRAP) {
                final SSLEngineResult r = wrap(EMPTY, null);
                afterResult(r);
                if (r.bytesProduced() == 0 && engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP) {
                    return; // nothing to send after all (outbound closed): do not spin
                }
                continue;
            }
            if (src == null || readBlocked() || !src.hasRemaining() && hs != HandshakeStatus.NEED_UNWRAP_AGAIN) {
                return;
            }
            if (state == OPEN && !tls13 && src.remaining() > 0 && (src.get(src.position()) & 0xff) == HANDSHAKE_RECORD) {
                throw new SSLHandshakeException("TLS renegotiation refused: the peer sent a handshake message after the "
                        + engine.getSession().getProtocol() + " handshake had finished; this TLS stage never renegotiates");
            }
            final Scratch scratch = SCRATCH.get();
            final ByteBuffer app = scratch.appIn.clear();
            final SSLEngineResult r = engine.unwrap(src, app);
            switch (r.getStatus()) {
                case BUFFER_UNDERFLOW:
                    return; // a partial record: wait for the rest
                case BUFFER_OVERFLOW:
                    scratch.appIn = ByteBuffer.allocate(Math.max(app.capacity() * 2, engine.getSession().getApplicationBufferSize()));
                    continue;
                default:
                    break;
            }
            afterResult(r);
            if (r.getStatus() == SSLEngineResult.Status.OK && r.bytesConsumed() == 0 && app.position() == 0
                    && engine.getHandshakeStatus() == hs) {
                return; // no progress: wait for more input rather than spin
            }
            if (app.position() > 0 && state == OPEN && !innerClosed) {
                app.flip();
                inner.onReceived(view, app);
            }
            if (r.getStatus() == SSLEngineResult.Status.CLOSED && engine.isInboundDone() && !peerCloseNotified) {
                onCloseNotify();
            }
        }
    }

    /** The peer's close_notify arrived. */
    private void onCloseNotify() {
        peerCloseNotified = true;
        if (state == HANDSHAKING) {
            fail(new SSLHandshakeException("the peer closed the connection (close_notify) during the TLS handshake"));
            return;
        }
        drive(null); // TLS 1.2 answers with its own close_notify
        if (state == OPEN && !innerClosed) {
            inner.onPeerClosed(view);
        }
    }

    private void runDelegatedTasks() {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run(); // certificate checks and key agreement: CPU only, inside this turn
        }
    }

    /**
     * Wraps {@code src} into one record and sends it (to the raw queue, or the backlog). The
     * token goes with the record that takes the last of {@code src}.
     */
    private SSLEngineResult wrap(ByteBuffer src, Object token) throws SSLException {
        final Scratch scratch = SCRATCH.get();
        for (;;) {
            final ByteBuffer out = scratch.netOut.clear();
            final SSLEngineResult r = engine.wrap(src, out);
            if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                scratch.netOut = ByteBuffer.allocate(Math.max(out.capacity() * 2, engine.getSession().getPacketBufferSize()));
                continue;
            }
            if (r.bytesConsumed() > 0) {
                recordOverheadBytes = Math.max(recordOverheadBytes, r.bytesProduced() - r.bytesConsumed());
            }
            if (r.bytesProduced() > 0) {
                out.flip();
                send(out, r.bytesConsumed() > 0 && !src.hasRemaining() ? token : null);
            }
            return r;
        }
    }

    private void afterResult(SSLEngineResult r) {
        if (state == HANDSHAKING && (r.getHandshakeStatus() == HandshakeStatus.FINISHED
                || engine.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING
                        && !engine.isInboundDone() && !engine.isOutboundDone())) {
            handshakeFinished();
        }
    }

    private void handshakeFinished() {
        state = OPEN;
        raw.cancelTimer(HANDSHAKE_TIMER);
        tls13 = "TLSv1.3".equals(engine.getSession().getProtocol());
        innerConnected = true;
        inner.onConnected(view);
    }

    private void onHandshakeTimeout() {
        if (state == HANDSHAKING && failure == null) {
            fail(new SocketTimeoutException("TLS handshake timed out after " + settings.handshakeTimeout()
                    + " (TlsSettings.handshakeTimeout): the peer stopped mid-handshake"));
        }
    }

    /**
     * Ends the connection because of {@code cause}: sends the alert the engine holds (or
     * close_notify), closes the raw connection; the inner stage hears ErrorClosed(cause) when it
     * is closed.
     */
    private void fail(Throwable cause) {
        if (failure != null || state == CLOSED) {
            return;
        }
        failure = cause;
        if (state == HANDSHAKING || state == OPEN) {
            state = CLOSING;
        }
        raw.cancelTimer(HANDSHAKE_TIMER);
        if (engine != null) {
            try {
                engine.closeOutbound();
                for (int i = 0; i < 4 && !engine.isOutboundDone(); i++) {
                    if (wrap(EMPTY, null).bytesProduced() == 0) {
                        break;
                    }
                }
            } catch (SSLException | RuntimeException e) {
                // the alert could not be made: close without it
            }
        }
        flushPending();
        raw.close();
    }

    // ================================================================ input buffering

    private boolean readBlocked() {
        return innerSuspended || pendingBytes > 0 || inputEnded();
    }

    /** Whether no more input will be unwrapped: closed, failed, the peer's close_notify seen, or closing. */
    private boolean inputEnded() {
        return state == CLOSED || failure != null || peerCloseNotified || closeRequested;
    }

    /** Whether {@code b} starts with a whole record (or with something that is not a record header). */
    private static boolean holdsWholeRecord(ByteBuffer b) {
        if (b.remaining() < RECORD_HEADER_BYTES) {
            return false;
        }
        return b.remaining() >= recordBytes(b);
    }

    private static int recordBytes(ByteBuffer b) {
        final int p = b.position();
        return RECORD_HEADER_BYTES + ((b.get(p + 3) & 0xff) << 8 | (b.get(p + 4) & 0xff));
    }

    /** Copies from {@code data} just enough to complete netIn's first record (or all of data). */
    private void topUp(ByteBuffer data) {
        if (netIn.remaining() < RECORD_HEADER_BYTES) {
            append(data, Math.min(RECORD_HEADER_BYTES - netIn.remaining(), data.remaining()));
        }
        if (netIn.remaining() >= RECORD_HEADER_BYTES) {
            final int missing = recordBytes(netIn) - netIn.remaining();
            if (missing > 0) {
                append(data, Math.min(missing, data.remaining()));
            }
        }
    }

    private void stash(ByteBuffer data) {
        append(data, data.remaining());
    }

    /** Moves {@code n} bytes of {@code data} to the end of netIn, growing it to fit. */
    private void append(ByteBuffer data, int n) {
        if (n <= 0) {
            return;
        }
        if (netIn == null) {
            netIn = ByteBuffer.allocate(Math.max(n, engine.getSession().getPacketBufferSize())).flip();
        } else if (netIn.capacity() - netIn.remaining() < n) {
            final ByteBuffer bigger = ByteBuffer.allocate(netIn.remaining() + n);
            bigger.put(netIn).flip();
            netIn = bigger;
        }
        netIn.compact();
        final ByteBuffer slice = data.duplicate();
        slice.limit(slice.position() + n);
        netIn.put(slice).flip();
        data.position(data.position() + n);
    }

    /** Drops an empty netIn that grew past one packet (a stash), so an idle connection holds little. */
    private void releaseNetInIfEmpty() {
        if (netIn != null && !netIn.hasRemaining() && netIn.capacity() > engine.getSession().getPacketBufferSize()) {
            netIn = null;
        }
    }

    /** Suspends the raw connection's reading while unwrapping is blocked; resumes it (and the stash) after. */
    private void updateRawReading() {
        if (state == CLOSED || raw == null) {
            return;
        }
        final boolean blockedForUs = innerSuspended || pendingBytes > 0;
        if (blockedForUs && !rawSuspended) {
            rawSuspended = true;
            raw.suspendReading();
        } else if (!blockedForUs && rawSuspended && !resumeScheduled) {
            resumeScheduled = true;
            raw.execute(this::resumeInput); // in a turn of its own: never unwrap from inside the inner stage's call
        }
    }

    private void resumeInput() {
        resumeScheduled = false;
        if (state == CLOSED || innerSuspended || pendingBytes > 0) {
            return;
        }
        if (netIn != null && netIn.hasRemaining()) {
            drive(netIn);
            releaseNetInIfEmpty();
        }
        if (state == CLOSED) {
            return;
        }
        if (innerSuspended || pendingBytes > 0) {
            updateRawReading();
            return;
        }
        if (rawSuspended) {
            rawSuspended = false;
            raw.resumeReading();
        }
    }

    // ================================================================ output

    /** Encrypts and queues a write of the inner stage's; false (nothing queued) if refused. */
    private boolean writePlain(ByteBuffer data, Object token) {
        if (state != OPEN || closeRequested || engine.isOutboundDone() || innerClosed) {
            return false;
        }
        flushPending();
        final int n = data.remaining();
        final long records = Math.max(1, (n + MAX_PLAINTEXT_BYTES - 1) / MAX_PLAINTEXT_BYTES);
        final long needed = n + records * recordOverheadBytes;
        final long room = (long) raw.writeRoomBytes() + pendingLimitBytes() - pendingBytes;
        if (needed > room) {
            if (!refusalLogged) {
                refusalLogged = true;
                LOG.log(System.Logger.Level.WARNING, "the TLS connection {0} refused a write of {1} bytes: the write queue"
                        + " has room for {2} encrypted bytes; stop writing on WritingPaused and resume on WritingResumed,"
                        + " or answer no more than each read", raw, Integer.toString(n), Long.toString(room));
            }
            return false;
        }
        if (n == 0) {
            if (token != null) {
                send(EMPTY, token);
            }
            return true;
        }
        final ByteBuffer src = data.duplicate();
        try {
            while (src.hasRemaining() && failure == null && state != CLOSED) {
                final SSLEngineResult r = wrap(src, token);
                if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                    return false;
                }
            }
        } catch (SSLException e) {
            fail(e);
            return false;
        }
        if (engine.getHandshakeStatus() != HandshakeStatus.NOT_HANDSHAKING) {
            drive(null); // a key update to send
        }
        return true;
    }

    private int pendingLimitBytes() {
        return PENDING_RECORDS * engine.getSession().getPacketBufferSize();
    }

    /** Sends one record to the raw queue if it fits and nothing is pending before it; else keeps a copy. */
    private void send(ByteBuffer record, Object token) {
        if (pending.isEmpty() && raw.writeRoomBytes() >= record.remaining()) {
            if (token == null) {
                raw.write(record);
            } else {
                raw.write(record, token);
            }
            return;
        }
        final ByteBuffer copy = ByteBuffer.allocate(record.remaining());
        copy.put(record.duplicate()).flip();
        pending.add(new Pending(copy, token));
        pendingBytes += copy.remaining();
        raw.startTimer(PENDING_TIMER, PENDING_RETRY_DELAY, this::retryPending);
    }

    private void retryPending() {
        flushPending();
        updateRawReading();
    }

    /** Moves pending records to the raw queue while they fit; after the last, finishes a close or resumes reading. */
    private void flushPending() {
        if (pending.isEmpty() || state == CLOSED) {
            return;
        }
        while (!pending.isEmpty()) {
            final Pending p = pending.peek();
            if (raw.writeRoomBytes() < p.bytes().remaining()) {
                raw.startTimer(PENDING_TIMER, PENDING_RETRY_DELAY, this::retryPending);
                return;
            }
            pending.poll();
            pendingBytes -= p.bytes().remaining();
            if (p.token() == null) {
                raw.write(p.bytes());
            } else {
                raw.write(p.bytes(), p.token());
            }
        }
        raw.cancelTimer(PENDING_TIMER);
        if (closeAfterPending) {
            closeAfterPending = false;
            raw.close();
        } else if (shutdownAfterPending) {
            shutdownAfterPending = false;
            raw.shutdownOutput();
        } else {
            updateRawReading();
        }
    }

    /** Sends close_notify (once). */
    private void closeOutbound() {
        if (!engine.isOutboundDone()) {
            engine.closeOutbound();
            drive(null);
        }
    }

    // ================================================================ the inner stage's connection

    /** The connection as the inner stage sees it: plaintext, and what the handshake settled. */
    private final class View implements TlsConnection {
        @Override
        public boolean write(ByteBuffer data) {
            return writePlain(data, null);
        }

        @Override
        public boolean write(ByteBuffer data, Object token) {
            return writePlain(data, java.util.Objects.requireNonNull(token, "token"));
        }

        @Override
        public void close() {
            if (closeRequested || state == CLOSED) {
                return;
            }
            closeRequested = true;
            if (state == OPEN) {
                state = CLOSING;
            }
            if (engine != null) {
                closeOutbound();
            }
            if (state == CLOSED) {
                return;
            }
            if (pendingBytes > 0) {
                closeAfterPending = true;
            } else {
                raw.close();
            }
        }

        @Override
        public void abort() {
            if (state != CLOSED) {
                raw.abort();
            }
        }

        @Override
        public void shutdownOutput() {
            if (state != OPEN || closeRequested || engine.isOutboundDone()) {
                return;
            }
            closeOutbound();
            if (state == CLOSED) {
                return;
            }
            if (pendingBytes > 0) {
                shutdownAfterPending = true;
            } else {
                raw.shutdownOutput();
            }
        }

        @Override
        public void suspendReading() {
            if (state == CLOSED || innerSuspended) {
                return;
            }
            innerSuspended = true;
            updateRawReading();
        }

        @Override
        public void resumeReading() {
            if (state == CLOSED || !innerSuspended) {
                return;
            }
            innerSuspended = false;
            updateRawReading();
        }

        @Override
        public int queuedBytes() {
            return raw.queuedBytes() + pendingBytes;
        }

        @Override
        public int writeRoomBytes() {
            if (state != OPEN || closeRequested || engine.isOutboundDone()) {
                return 0;
            }
            final int room = raw.writeRoomBytes();
            if (room == Integer.MAX_VALUE) {
                return room;
            }
            final long cipher = Math.max(0L, (long) room - pendingBytes);
            final long records = (cipher + MAX_PLAINTEXT_BYTES - 1) / MAX_PLAINTEXT_BYTES;
            return (int) Math.max(0L, cipher - records * recordOverheadBytes);
        }

        @Override
        public boolean isWritingPaused() {
            return raw.isWritingPaused(); // not the backlog: it drains without a WritingResumed to wait for
        }

        @Override
        public boolean isOpen() {
            return state == OPEN && !closeRequested && raw.isOpen();
        }

        @Override
        public void execute(Runnable action) {
            raw.execute(action);
        }

        @Override
        public void startTimer(Object key, Duration delay, Runnable action) {
            raw.startTimer(key, delay, action);
        }

        @Override
        public void cancelTimer(Object key) {
            raw.cancelTimer(key);
        }

        @Override
        public ActorRef<Tcp.Command> self() {
            return raw.self();
        }

        @Override
        public ActorSystem system() {
            return raw.system();
        }

        @Override
        public SocketAddress remoteAddress() {
            return raw.remoteAddress();
        }

        @Override
        public SocketAddress localAddress() {
            return raw.localAddress();
        }

        @Override
        public SSLSession session() {
            return engine.getSession();
        }

        @Override
        public String applicationProtocol() {
            final String p = engine.getApplicationProtocol();
            return p == null || p.isEmpty() ? null : p;
        }

        @Override
        public String serverName() {
            if (client) {
                return isIpLiteral(host) ? null : host;
            }
            if (engine.getSession() instanceof ExtendedSSLSession s) {
                for (SNIServerName name : s.getRequestedServerNames()) {
                    if (name instanceof SNIHostName h) {
                        return h.getAsciiName();
                    }
                }
            }
            return null;
        }

        @Override
        public List<X509Certificate> peerCertificates() {
            final Certificate[] chain;
            try {
                chain = engine.getSession().getPeerCertificates();
            } catch (SSLPeerUnverifiedException e) {
                return List.of(); // the peer sent none
            }
            final List<X509Certificate> list = new ArrayList<>(chain.length);
            for (Certificate c : chain) {
                if (c instanceof X509Certificate x) {
                    list.add(x);
                }
            }
            return List.copyOf(list);
        }

        @Override
        public boolean isPeerCloseNotified() {
            return peerCloseNotified;
        }

        @Override
        public String toString() {
            return "Tls" + raw;
        }
    }
}
