package io.troupe.http.internal.h2;

import io.troupe.http.Body;
import io.troupe.http.BodyTooLargeException;
import io.troupe.http.Headers;
import io.troupe.http.HttpOptions;
import io.troupe.http.Request;
import io.troupe.http.Response;
import io.troupe.http.internal.BodyPublisher;
import io.troupe.http.internal.BodySubscriber;
import io.troupe.http.internal.HttpError;
import io.troupe.http.internal.PercentCoding;
import io.troupe.http.internal.ServiceFailure;
import io.troupe.io.Connection;
import io.troupe.io.ConnectionStage;
import io.troupe.io.Tcp;
import io.troupe.io.TlsConnection;
import io.troupe.services.Service;
import io.troupe.services.Services;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * One HTTP/2 server connection (RFC 9113), as a {@link ConnectionStage}: reads frames out of the
 * bytes lent to it, turns each request's field block into a {@link Request} for the service, and
 * writes each {@link Response} as HEADERS and DATA frames, many streams at once. NOT thread safe:
 * confined to its connection actor's turn, except where said (body demand and the service's
 * answers come back in through {@link Connection#execute}).
 */
final class H2ServerStage implements ConnectionStage, FrameReader.Listener {
    /*
     * Threading protocol. Every field is confined to the connection actor's turn (stage calls,
     * execute actions, timer actions), as in Http1ServerStage. Other threads touch only a request
     * body's demand and cancel flag (BodyPublisher: atomics, then an execute() to wake the stage),
     * a response body publisher's signals and the service's answer, all re-entered with
     * execute(). A Stream is compared by identity on re-entry: an answer or chunk for a stream
     * that has closed is dropped.
     *
     * Stream states (RFC 9113 5.1), as flags on Stream:
     *   (idle) -> open                  // HEADERS without END_STREAM
     *   (idle) -> half-closed (remote)  // HEADERS with END_STREAM (remoteEnded)
     *   open -> half-closed (remote)    // END_STREAM on DATA or trailers
     *   open -> half-closed (local)     // our END_STREAM sent first (localEnded); we then reset
     *                                   //   with NO_ERROR (RFC 9113 8.1) and close
     *   half-closed (remote) -> closed  // our END_STREAM sent
     *   any -> closed                   // RST_STREAM either way, a stream error, the connection's end
     * A closed stream leaves `streams`; ids at or below lastStreamId that are not in it are closed.
     *
     * Flow control. Receiving: we advertise a stream window of streamWindowBytes and a connection
     * window of connectionWindowBytes (= streams x stream window, so that stalled streams cannot
     * starve the others of connection window). DATA counts against both when it arrives; the
     * bytes are given back (WINDOW_UPDATE, batched at half a window) only when the handler takes
     * them (BodyPublisher delivers a chunk), so a handler that does not read stops its own stream
     * and holds at most one stream window of memory. Bytes nobody will read (closed or reset
     * streams, padding, a cancelled body) go back to the connection window at once. Sending: a
     * stream writes DATA only within min(its window, the connection window, the peer's max frame
     * size), and only while the connection's write queue is below its high watermark; streams
     * with output take turns one frame at a time (the `ready` queue), so a stream the peer does
     * not open its window for waits alone. A response body's publisher is asked for one chunk at
     * a time, when its stream's output is empty: at most one chunk per stream waits here.
     *
     * Trailers. A request's trailing HEADERS (END_STREAM, no pseudo-header fields) become its
     * body's trailers() stage, completed before the body's onComplete (a body buffered whole by
     * its Content-Length is Body.Bytes and has none). A streamed response body's trailers stage is
     * waited for once its publisher completes; non-empty fields then go out as HEADERS with
     * END_STREAM after the last DATA (which then carries no END_STREAM); a failed stage resets
     * the stream with INTERNAL_ERROR.
     *
     * Protections. Rapid reset (CVE-2023-44487): RST_STREAMs from the peer and refused streams
     * are counted per window; past the cap, GOAWAY ENHANCE_YOUR_CALM. CONTINUATION flood
     * (CVE-2024-27316): the FrameReader bounds a field block's bytes and frames. HPACK bomb: the
     * decoder's header-list limit; the stream is answered 431 and the decoder state stays in step.
     * SETTINGS and PING floods: each answer (ACK) is written with an ack token; more than
     * MAX_UNACKED_CONTROL answers not yet handed to the operating system (the peer does not read)
     * is GOAWAY ENHANCE_YOUR_CALM. A window never opened: a stream whose output made no progress
     * for bodyReadTimeout is reset with CANCEL (stall timer); the connection then idles out.
     *
     * Invariants.
     *  1. streams.size() <= maxConcurrentStreams; every stream in it has id <= lastStreamId.
     *  2. recvWindow >= 0 and each stream's recvWindow >= 0 (else a FLOW_CONTROL_ERROR was sent).
     *  3. A stream is in `ready` at most once (inReady), and only while it has output it may send.
     *  4. HEADERS and their CONTINUATIONs go out in one write (nothing between them).
     *
     * Memory ordering. As Http1ServerStage: turn-confined fields need none; what other threads
     * hand in travels by execute() (a mailbox hand-off).
     *
     * Shutdown. onShuttingDown (the server's drain): GOAWAY(NO_ERROR, last stream id); streams
     * above it are refused; the connection closes when the last open stream ends. A connection
     * error: GOAWAY(code), then close. onClosed fails every body still open.
     *
     * References. RFC 9113 (HTTP/2), RFC 7541 (HPACK), CVE-2023-44487, CVE-2024-27316, CVE-2019-9512
     * and -9515 (ping and settings floods).
     */

    private static final System.Logger LOG = System.getLogger(H2ServerStage.class.getName());

    /** Peer RST_STREAMs (and refused streams) allowed per reset window before ENHANCE_YOUR_CALM. */
    static final int MAX_RESETS_PER_WINDOW = 200;
    static final Duration RESET_WINDOW = Duration.ofSeconds(10);
    /** Control answers (SETTINGS and PING ACKs) written but not yet taken by the socket. */
    static final int MAX_UNACKED_CONTROL = 10_000;

    static final Object PREFACE_TIMER = new Object();
    static final Object IDLE_TIMER = new Object();
    static final Object STALL_TIMER = new Object();
    static final Object LINGER_TIMER = new Object();
    /** How long input is still read (and dropped) after a connection error's GOAWAY, at most. */
    static final Duration LINGER = Duration.ofSeconds(5);
    private static final Object CONTROL_ACK = new Object();

    private static final ThreadLocal<ByteBuffer> SCRATCH = ThreadLocal.withInitial(() -> ByteBuffer.allocate(1024));
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'",
            Locale.ROOT).withZone(ZoneOffset.UTC);
    private static volatile String[] dateCache = {"", "-1"};

    private final HttpOptions options;
    private final Service<Request, Response> service;
    private final int maxConcurrentStreams;
    private final int streamWindowBytes;
    private final int connectionWindowBytes;
    private final int maxHeaderListBytes;
    private final int highWatermarkBytes;
    /** Our SETTINGS_MAX_FRAME_SIZE (HttpOptions.http2MaxFrameSize), enforced by the reader. */
    private final int maxFrameBytes;
    /** Our SETTINGS_HEADER_TABLE_SIZE (HttpOptions.http2HeaderTableSize): the decoder's table bound once acknowledged. */
    private final int headerTableBytes;
    private boolean settingsAcked;
    private final FrameReader reader;
    private final HpackDecoder decoder;
    private final HpackEncoder encoder = new HpackEncoder(H2.DEFAULT_HEADER_TABLE_SIZE);
    private final HpackOutput block = new HpackOutput(512);
    private final FieldSink sink = new FieldSink();
    /** An h2c upgrade's request, answered on stream 1; null otherwise. */
    private Request upgradeRequest;
    private byte[] upgradeSettings;

    private Connection conn;
    private final HashMap<Integer, Stream> streams = new HashMap<>();
    private final ArrayDeque<Stream> ready = new ArrayDeque<>();
    private int lastStreamId;
    private boolean settingsReceived;
    private int peerInitialWindow = H2.DEFAULT_WINDOW;
    private int peerMaxFrameBytes = H2.DEFAULT_MAX_FRAME_SIZE;
    /** The connection's send window (the peer's receive window for us). */
    private long sendWindow = H2.DEFAULT_WINDOW;
    /** What the peer may still send on the connection. */
    private long recvWindow = H2.DEFAULT_WINDOW;
    /** Bytes taken by handlers (or dropped) not yet given back with WINDOW_UPDATE. */
    private int recvConsumed;
    private boolean goAwaySent;
    private boolean peerGoneAway;
    private boolean failed;
    private boolean closed;
    private int unackedControl;
    private long resetWindowStartNanos;
    private int resetsInWindow;
    private long idleSinceNanos;
    private boolean stallTimerOn;
    private boolean recheckScheduled;

    /**
     * A stage for one connection whose first bytes will be the client preface.
     *
     * @param options the server's options
     * @param service the handler
     */
    H2ServerStage(HttpOptions options, Service<Request, Response> service) {
        this.options = options;
        this.service = service;
        this.maxConcurrentStreams = options.http2MaxConcurrentStreams();
        this.streamWindowBytes = options.http2StreamWindowBytes();
        this.connectionWindowBytes = (int) Math.min(H2.MAX_WINDOW, (long) streamWindowBytes * maxConcurrentStreams);
        this.maxHeaderListBytes = options.maxHeaderBytes() + 32 * options.maxHeaderCount();
        this.highWatermarkBytes = options.tcp().writeQueueHighWatermarkBytes();
        this.maxFrameBytes = options.http2MaxFrameSize();
        this.headerTableBytes = options.http2HeaderTableSize();
        this.reader = new FrameReader(this, true, maxFrameBytes, maxHeaderListBytes);
        // Until the client acknowledges our SETTINGS it may use the protocol's 4,096: a smaller table applies then.
        this.decoder = new HpackDecoder(Math.max(headerTableBytes, H2.DEFAULT_HEADER_TABLE_SIZE), maxHeaderListBytes);
    }

    /**
     * A stage for a connection upgraded from HTTP/1.1 ({@code Upgrade: h2c}, RFC 7540 3.2): the
     * 101 has been written; {@code request} becomes stream 1, half-closed (remote), and the
     * client's {@code HTTP2-Settings} apply as if acknowledged.
     */
    H2ServerStage(HttpOptions options, Service<Request, Response> service, Request request, byte[] settingsPayload) {
        this(options, service);
        this.upgradeRequest = request;
        this.upgradeSettings = settingsPayload;
    }

    /** One stream's state. */
    static final class Stream {
        final int id;
        boolean remoteEnded;
        boolean localEnded;
        boolean closed;
        Request request;
        long contentLength = -1;
        long received;
        /** A small Content-Length body read whole before the call. */
        byte[] buffered;
        BodyPublisher body;
        final ArrayDeque<ByteBuffer> inbound = new ArrayDeque<>(2);
        int inboundBytes;
        /** The body's reader cancelled: further DATA is dropped. */
        boolean discardBody;
        long recvWindow;
        int recvConsumed;
        boolean called;
        boolean answered;
        boolean isHead;
        // output
        long sendWindow;
        boolean headersSent;
        final ArrayDeque<ByteBuffer> out = new ArrayDeque<>(2);
        boolean outEnded;
        boolean inReady;
        BodySubscriber responseBody;
        long responseLength = -1;
        long responseBytes;
        long lastProgressNanos;
        /** The response's trailer fields, known once its body has ended; null if none are to be sent. */
        Headers responseTrailers;
        /** The streamed response body's trailers stage, waited for once the body has ended. */
        CompletionStage<Headers> responseTrailerStage;
        /** The request's trailer fields (a HEADERS frame with END_STREAM after DATA), else null. */
        Headers requestTrailers;

        Stream(int id) {
            this.id = id;
        }

        boolean hasOutput() {
            return !out.isEmpty() || (outEnded && !localEnded);
        }

        @Override
        public String toString() {
            return "stream " + id;
        }
    }

    private long now() {
        return conn.system().clock().nanoTime();
    }

    // ================================================================ stage calls

    @Override
    public void onConnected(Connection connection) {
        this.conn = connection;
        idleSinceNanos = now();
        final ByteBuffer out = scratch(64);
        // one SETTINGS frame, so that the client's first ACK is the one that makes all of it binding
        final int[] settings = {
            H2.SETTINGS_MAX_CONCURRENT_STREAMS, maxConcurrentStreams,
            H2.SETTINGS_INITIAL_WINDOW_SIZE, streamWindowBytes,
            H2.SETTINGS_MAX_HEADER_LIST_SIZE, maxHeaderListBytes,
            H2.SETTINGS_ENABLE_PUSH, 0,
            H2.SETTINGS_MAX_FRAME_SIZE, maxFrameBytes,          // sent only if not the protocol's default
            H2.SETTINGS_HEADER_TABLE_SIZE, headerTableBytes};   // likewise
        int pairs = 8;
        if (maxFrameBytes != H2.DEFAULT_MAX_FRAME_SIZE) {
            pairs += 2;
        } else {
            settings[8] = H2.SETTINGS_HEADER_TABLE_SIZE;
            settings[9] = headerTableBytes;
        }
        if (headerTableBytes != H2.DEFAULT_HEADER_TABLE_SIZE) {
            pairs += 2;
        }
        FrameWriter.settings(out, false, java.util.Arrays.copyOf(settings, pairs));
        if (connectionWindowBytes > H2.DEFAULT_WINDOW) {
            FrameWriter.windowUpdate(out, 0, connectionWindowBytes - H2.DEFAULT_WINDOW);
            recvWindow = connectionWindowBytes;
        }
        write(out.flip());
        conn.startTimer(PREFACE_TIMER, options.headerReadTimeout(), this::onPrefaceTimer);
        conn.startTimer(IDLE_TIMER, options.idleTimeout(), this::onIdleTimer);
        if (upgradeRequest != null) {
            startUpgraded();
        }
    }

    private void startUpgraded() {
        try {
            if (upgradeSettings != null) {
                final ByteBuffer p = ByteBuffer.wrap(upgradeSettings);
                final int count = p.remaining() / 6;
                final int[] ids = new int[count];
                final long[] values = new long[count];
                for (int i = 0; i < count; i++) {
                    ids[i] = p.getShort(i * 6) & 0xffff;
                    values[i] = p.getInt(i * 6 + 2) & 0xffffffffL;
                }
                applySettings(ids, values, count);
            }
        } catch (H2Exception e) {
            connectionError(e);
            return;
        }
        final Stream s = new Stream(1);
        lastStreamId = 1;
        s.recvWindow = 0;
        s.sendWindow = peerInitialWindow;
        s.remoteEnded = true;
        s.isHead = upgradeRequest.method().equals("HEAD");
        s.request = upgradeRequest;
        streams.put(1, s);
        call(s);
        flush();
    }

    @Override
    public void onReceived(Connection connection, ByteBuffer data) {
        if (conn == null) {
            onConnected(connection);
        }
        while (data.hasRemaining() && !failed && !closed) {
            try {
                reader.feed(data);
            } catch (H2Exception e) {
                if (e.isConnectionError()) {
                    connectionError(e);
                    return;
                }
                resetStream(e.streamId, e.errorCode, e);
            }
        }
        flush();
    }

    @Override
    public void onPeerClosed(Connection connection) {
        if (failed) {
            conn.close(); // the lingering close is over
            return;
        }
        // A client that half-closes has nothing more to say; what is in flight cannot be read on.
        closeAllStreams(new ClosedChannelException());
        conn.close();
    }

    @Override
    public void onShuttingDown(Connection connection) {
        if (goAwaySent || failed) {
            return;
        }
        goAwaySent = true;
        final ByteBuffer out = scratch(32);
        FrameWriter.goAway(out, lastStreamId, H2.NO_ERROR);
        write(out.flip());
        if (streams.isEmpty()) {
            conn.close();
        }
    }

    @Override
    public void onWritingResumed(Connection connection) {
        flush();
    }

    @Override
    public void onAck(Connection connection, Object token) {
        if (token == CONTROL_ACK) {
            unackedControl--;
        }
    }

    @Override
    public void onClosed(Connection connection, Tcp.ConnectionClosed why) {
        closed = true;
        closeAllStreams(new ClosedChannelException());
    }

    private void closeAllStreams(Throwable why) {
        for (Stream s : new ArrayList<>(streams.values())) {
            closeStream(s, why);
        }
        ready.clear();
    }

    // ================================================================ frames in

    @Override
    public void onSettings(boolean ack, int[] ids, long[] values, int count) throws H2Exception {
        if (ack) {
            if (!settingsAcked) { // our SETTINGS took effect: a smaller header table now binds the client's encoder
                settingsAcked = true;
                if (headerTableBytes < H2.DEFAULT_HEADER_TABLE_SIZE) {
                    decoder.setMaxTableSize(headerTableBytes);
                }
            }
            return;
        }
        if (!settingsReceived) {
            settingsReceived = true;
            conn.cancelTimer(PREFACE_TIMER);
        }
        applySettings(ids, values, count);
        final ByteBuffer out = scratch(16);
        FrameWriter.settings(out, true);
        writeControlAnswer(out.flip());
        flush(); // a larger window may let streams go on
    }

    private void applySettings(int[] ids, long[] values, int count) throws H2Exception {
        for (int i = 0; i < count; i++) {
            final long v = values[i];
            switch (ids[i]) {
                case H2.SETTINGS_HEADER_TABLE_SIZE -> encoder.setMaxTableSize((int) Math.min(v, Integer.MAX_VALUE));
                case H2.SETTINGS_INITIAL_WINDOW_SIZE -> {
                    final long delta = v - peerInitialWindow;
                    peerInitialWindow = (int) v;
                    for (Stream s : streams.values()) {
                        s.sendWindow += delta;
                        if (s.sendWindow > H2.MAX_WINDOW) {
                            throw H2Exception.connection(H2.FLOW_CONTROL_ERROR, "SETTINGS_INITIAL_WINDOW_SIZE overflows "
                                    + s);
                        }
                        if (s.sendWindow > 0 && s.hasOutput() && s.headersSent) {
                            schedule(s);
                        }
                    }
                }
                case H2.SETTINGS_MAX_FRAME_SIZE -> peerMaxFrameBytes = (int) v;
                default -> {
                    // ENABLE_PUSH (we never push), MAX_CONCURRENT_STREAMS (we open none),
                    // MAX_HEADER_LIST_SIZE (advisory), unknown ones: nothing to do
                }
            }
        }
    }

    @Override
    public void onPing(boolean ack, long payload) throws H2Exception {
        if (ack) {
            return;
        }
        final ByteBuffer out = scratch(32);
        FrameWriter.ping(out, true, payload);
        writeControlAnswer(out.flip());
    }

    @Override
    public void onGoAway(int lastStreamIdOfPeer, int errorCode) {
        peerGoneAway = true;
        if (errorCode != H2.NO_ERROR) {
            LOG.log(System.Logger.Level.DEBUG, () -> "the client sent GOAWAY " + H2.errorName(errorCode));
        }
        if (streams.isEmpty()) {
            conn.close();
        }
    }

    @Override
    public void onWindowUpdate(int streamId, int increment) throws H2Exception {
        if (streamId == 0) {
            sendWindow += increment;
            if (sendWindow > H2.MAX_WINDOW) {
                throw H2Exception.connection(H2.FLOW_CONTROL_ERROR, "the connection window went over 2^31-1");
            }
            return; // flush() at the end of the read
        }
        final Stream s = streams.get(streamId);
        if (s == null) {
            if (streamId > lastStreamId) {
                throw H2Exception.connection(H2.PROTOCOL_ERROR, "WINDOW_UPDATE on idle stream " + streamId);
            }
            return; // closed: ignored
        }
        s.sendWindow += increment;
        if (s.sendWindow > H2.MAX_WINDOW) {
            throw H2Exception.stream(streamId, H2.FLOW_CONTROL_ERROR, "the window of " + s + " went over 2^31-1");
        }
        if (s.sendWindow > 0 && s.headersSent && s.hasOutput()) {
            schedule(s);
        }
    }

    @Override
    public void onRstStream(int streamId, int errorCode) throws H2Exception {
        final Stream s = streams.get(streamId);
        if (s == null) {
            if (streamId > lastStreamId) {
                throw H2Exception.connection(H2.PROTOCOL_ERROR, "RST_STREAM on idle stream " + streamId);
            }
            return;
        }
        countReset();
        closeStream(s, new IOException("the client reset " + s + " (" + H2.errorName(errorCode) + ")"));
    }

    /** Rapid reset (CVE-2023-44487): resets and refusals per window are capped. */
    private void countReset() throws H2Exception {
        final long now = now();
        if (now - resetWindowStartNanos > RESET_WINDOW.toNanos()) {
            resetWindowStartNanos = now;
            resetsInWindow = 0;
        }
        if (++resetsInWindow > MAX_RESETS_PER_WINDOW) {
            throw H2Exception.connection(H2.ENHANCE_YOUR_CALM, "more than " + MAX_RESETS_PER_WINDOW
                    + " streams reset or refused within " + RESET_WINDOW.toSeconds() + " s");
        }
    }

    @Override
    public void onHeaders(int streamId, ByteBuffer fieldBlock, boolean endStream, boolean selfDependent)
            throws H2Exception {
        if ((streamId & 1) == 0) {
            throw H2Exception.connection(H2.PROTOCOL_ERROR, "a client opened even stream " + streamId);
        }
        final Stream existing = streams.get(streamId);
        if (existing != null) {
            trailers(existing, fieldBlock, endStream);
            return;
        }
        if (streamId <= lastStreamId) {
            decodeQuietly(fieldBlock);
            throw H2Exception.connection(H2.STREAM_CLOSED, "HEADERS on closed stream " + streamId);
        }
        lastStreamId = streamId;
        sink.reset(false);
        HpackException refused = null;
        try {
            decoder.decode(fieldBlock, sink);
        } catch (HpackException e) {
            if (e.isConnectionError()) {
                throw H2Exception.connection(H2.COMPRESSION_ERROR, e.getMessage());
            }
            refused = e;
        }
        if (selfDependent) {
            throw H2Exception.stream(streamId, H2.PROTOCOL_ERROR, "stream " + streamId + " depends on itself");
        }
        if (goAwaySent || peerGoneAway) {
            rst(streamId, H2.REFUSED_STREAM);
            return;
        }
        if (streams.size() >= maxConcurrentStreams) {
            countReset();
            rst(streamId, H2.REFUSED_STREAM);
            return;
        }
        if (refused != null && refused.kind() == HpackException.Kind.MALFORMED) {
            throw H2Exception.stream(streamId, H2.PROTOCOL_ERROR, refused.getMessage());
        }
        final String malformed = refused == null ? sink.checkRequest() : null;
        if (malformed != null) {
            throw H2Exception.stream(streamId, H2.PROTOCOL_ERROR, malformed);
        }
        final Stream s = new Stream(streamId);
        s.recvWindow = streamWindowBytes;
        s.sendWindow = peerInitialWindow;
        s.remoteEnded = endStream;
        streams.put(streamId, s);
        if (refused != null) { // HEADER_LIST_TOO_LARGE: the HPACK bomb ends here, with 431
            s.request = Request.of("GET", "/", "HTTP/2", Headers.empty(), Body.empty(), conn.remoteAddress());
            s.answered = true;
            s.called = true;
            startResponse(s, errorResponse(431, "the header list is larger than " + maxHeaderListBytes + " bytes"));
            return;
        }
        begin(s, endStream);
    }

    private void decodeQuietly(ByteBuffer fieldBlock) throws H2Exception {
        sink.reset(true);
        try {
            decoder.decode(fieldBlock, sink);
        } catch (HpackException e) {
            if (e.isConnectionError()) {
                throw H2Exception.connection(H2.COMPRESSION_ERROR, e.getMessage());
            }
        }
    }

    private void trailers(Stream s, ByteBuffer fieldBlock, boolean endStream) throws H2Exception {
        decodeQuietly(fieldBlock);
        if (s.remoteEnded) {
            throw H2Exception.stream(s.id, H2.STREAM_CLOSED, "HEADERS after END_STREAM on " + s);
        }
        if (!endStream) {
            throw H2Exception.stream(s.id, H2.PROTOCOL_ERROR, "trailers without END_STREAM on " + s);
        }
        if (sink.pseudoSeen) {
            throw H2Exception.stream(s.id, H2.PROTOCOL_ERROR, "a pseudo-header field in trailers on " + s);
        }
        // the request body's trailers() (a body buffered whole by its Content-Length is Body.Bytes: none)
        s.requestTrailers = sink.builder.build();
        remoteEnd(s);
    }

    /** A request's head is in: make the Request and call the service (or wait for a small body). */
    private void begin(Stream s, boolean endStream) throws H2Exception {
        final FieldSink f = sink;
        final Headers headers = f.headers();
        final long cl = f.contentLength;
        s.contentLength = cl;
        s.isHead = f.method.equals("HEAD");
        final String target = f.method.equals("CONNECT") ? f.authority : f.path;
        if (!f.method.equals("CONNECT")) { // as over HTTP/1.1: what a handler could not decode, or would misroute, is 400
            final Request probe = Request.of(f.method, target, "HTTP/2", headers, Body.empty(), conn.remoteAddress());
            try {
                PercentCoding.checkedPath(probe.rawPath());
                PercentCoding.checkQuery(probe.query());
            } catch (HttpError e) {
                s.request = probe;
                s.answered = true;
                s.called = true;
                s.discardBody = true;
                startResponse(s, errorResponse(400, e.getMessage()));
                return;
            }
        }
        Body body;
        if (endStream) {
            if (cl > 0) {
                throw H2Exception.stream(s.id, H2.PROTOCOL_ERROR, "content-length " + cl + " with no body");
            }
            body = Body.empty();
        } else if (cl > options.maxBodyBytes()) {
            s.request = Request.of(f.method, target, "HTTP/2", headers, Body.empty(), conn.remoteAddress());
            s.answered = true;
            s.called = true;
            s.discardBody = true;
            startResponse(s, errorResponse(413, "content-length " + cl + " is over the limit of "
                    + options.maxBodyBytes() + " bytes"));
            return;
        } else if (cl >= 0 && cl <= Math.min(options.maxBufferedBodyBytes(), streamWindowBytes)) {
            s.buffered = new byte[(int) cl];
            body = null;
        } else {
            s.body = newRequestBody(s);
            body = Body.stream(s.body, cl).withTrailers(s.body.trailers());
        }
        s.request = Request.of(f.method, target, "HTTP/2", headers, body == null ? Body.empty() : body,
                conn.remoteAddress());
        if (body != null) {
            call(s);
        }
    }

    @Override
    public void onData(int streamId, ByteBuffer data, int flowControlledBytes, boolean endStream) throws H2Exception {
        recvWindow -= flowControlledBytes;
        if (recvWindow < 0) {
            throw H2Exception.connection(H2.FLOW_CONTROL_ERROR, "the client sent past the connection window");
        }
        final Stream s = streams.get(streamId);
        if (s == null) {
            if (streamId > lastStreamId) {
                throw H2Exception.connection(H2.PROTOCOL_ERROR, "DATA on idle stream " + streamId);
            }
            credit(null, flowControlledBytes); // closed (we reset it, or it ended): dropped
            return;
        }
        if (s.remoteEnded) {
            credit(null, flowControlledBytes);
            throw H2Exception.stream(streamId, H2.STREAM_CLOSED, "DATA after END_STREAM on " + s);
        }
        s.recvWindow -= flowControlledBytes;
        if (s.recvWindow < 0) {
            credit(null, flowControlledBytes);
            throw H2Exception.stream(streamId, H2.FLOW_CONTROL_ERROR, "the client sent past the window of " + s);
        }
        final int n = data.remaining();
        if (flowControlledBytes > n) {
            credit(s, flowControlledBytes - n); // padding is nobody's to read
        }
        s.received += n;
        if (s.contentLength >= 0 && s.received > s.contentLength) {
            credit(null, n);
            throw H2Exception.stream(streamId, H2.PROTOCOL_ERROR, "more DATA than content-length " + s.contentLength);
        }
        if (s.received > options.maxBodyBytes() && !s.discardBody) {
            bodyTooLarge(s);
        }
        if (s.discardBody) {
            credit(null, n);
        } else if (s.buffered != null) {
            data.get(s.buffered, (int) (s.received - n), n); // given back when the handler is called
        } else if (n > 0) {
            final byte[] copy = new byte[n];
            data.get(copy);
            s.inbound.add(ByteBuffer.wrap(copy));
            s.inboundBytes += n;
            deliverBody(s);
        }
        if (endStream && !s.closed) {
            remoteEnd(s);
        }
    }

    private void bodyTooLarge(Stream s) {
        s.discardBody = true;
        credit(null, s.inboundBytes);
        s.inbound.clear();
        s.inboundBytes = 0;
        final BodyTooLargeException e = new BodyTooLargeException(s.received, options.maxBodyBytes());
        if (s.body != null) {
            s.body.fail(e);
        }
        if (!s.answered) {
            s.answered = true;
            startResponse(s, errorResponse(413, "the body is over the limit of " + options.maxBodyBytes() + " bytes"));
        }
    }

    /** END_STREAM from the peer. */
    private void remoteEnd(Stream s) throws H2Exception {
        s.remoteEnded = true;
        if (s.contentLength >= 0 && s.received != s.contentLength && !s.discardBody) {
            throw H2Exception.stream(s.id, H2.PROTOCOL_ERROR, "DATA of " + s.received + " bytes, content-length "
                    + s.contentLength);
        }
        if (s.buffered != null) {
            credit(null, (int) s.received); // the handler gets all of it at once
            s.request = s.request.withBody(Body.of(s.buffered));
            s.buffered = null;
            call(s);
        } else if (s.body != null) {
            deliverBody(s);
            if (s.called && !s.answered) {
                startRequestTimer(s);
            }
        }
        if (s.localEnded) {
            closeStream(s, null);
        }
    }

    // ================================================================ request bodies

    /** Hands buffered chunks to the body's reader as its demand allows; gives their window back. */
    private void deliverBody(Stream s) {
        final BodyPublisher b = s.body;
        if (b == null || s.closed) {
            return;
        }
        if (b.cancelled() && !s.discardBody) {
            s.discardBody = true; // nobody reads on: drop, keep the connection window open
            credit(null, s.inboundBytes);
            s.inbound.clear();
            s.inboundBytes = 0;
        }
        while (!s.inbound.isEmpty() && b.wants()) {
            final ByteBuffer chunk = s.inbound.poll();
            final int n = chunk.remaining();
            s.inboundBytes -= n;
            b.deliver(chunk);
            credit(s, n);
        }
        if (s.inbound.isEmpty() && s.remoteEnded) {
            b.complete(s.requestTrailers == null ? Headers.empty() : s.requestTrailers);
        }
    }

    /** The reader of {@code s}'s body asked for more (or cancelled), in the turn. */
    void onBodyDemand(Stream s) {
        if (s.closed || closed) {
            return;
        }
        deliverBody(s);
        flush();
    }

    /**
     * Gives back {@code n} bytes of receive window: to the connection, and to {@code s} unless
     * null or ended. Batched: a WINDOW_UPDATE goes out once half a window is owed.
     */
    private void credit(Stream s, int n) {
        if (n <= 0 || failed || closed) {
            return;
        }
        recvConsumed += n;
        ByteBuffer out = null;
        if (recvConsumed >= connectionWindowBytes / 2) {
            out = scratch(32);
            FrameWriter.windowUpdate(out, 0, recvConsumed);
            recvWindow += recvConsumed;
            recvConsumed = 0;
        }
        if (s != null && !s.remoteEnded && !s.closed && !s.discardBody) {
            s.recvConsumed += n;
            if (s.recvConsumed >= streamWindowBytes / 2) {
                if (out == null) {
                    out = scratch(32);
                }
                FrameWriter.windowUpdate(out, s.id, s.recvConsumed);
                s.recvWindow += s.recvConsumed;
                s.recvConsumed = 0;
            }
        }
        if (out != null) {
            write(out.flip());
        }
    }

    // ================================================================ calling the service

    private void call(Stream s) {
        s.called = true;
        final CompletionStage<Response> stage = Services.call(service, s.request);
        if (stage instanceof CompletableFuture<Response> cf) {
            final CompletableFuture<Response> f = cf.getClass() == CompletableFuture.class ? cf : cf.toCompletableFuture();
            if (f.isDone()) {
                Response response = null;
                Throwable failure = null;
                try {
                    response = f.getNow(null);
                } catch (CompletionException | CancellationException e) {
                    failure = e;
                }
                onAnswer(s, response, failure);
                return;
            }
        }
        if (s.remoteEnded) {
            startRequestTimer(s);
        }
        stage.whenComplete((response, failure) -> conn.execute(() -> {
            onAnswer(s, response, failure);
            flush();
        }));
    }

    private void startRequestTimer(Stream s) {
        conn.startTimer(s, options.requestTimeout(), () -> onRequestTimer(s));
    }

    private void onRequestTimer(Stream s) {
        if (s.answered || s.closed || closed) {
            return;
        }
        s.answered = true;
        startResponse(s, errorResponse(503, "no answer within " + options.requestTimeout().toMillis() + " ms"));
        flush();
    }

    private void onAnswer(Stream s, Response response, Throwable failure) {
        if (s.answered || s.closed || closed) {
            return;
        }
        s.answered = true;
        conn.cancelTimer(s);
        if (failure != null || response == null) {
            response = failureResponse(s, failure);
        }
        startResponse(s, response);
    }

    private static Response failureResponse(Stream s, Throwable failure) {
        final Throwable t = ServiceFailure.unwrap(failure);
        final int status = ServiceFailure.status(t);
        if (status == 500) {
            LOG.log(System.Logger.Level.WARNING, "the handler failed on " + s.request + " (HTTP/2 " + s + "); answering 500",
                    t == null ? new NullPointerException("the handler answered null") : t);
        }
        return errorResponse(status, null);
    }

    private static Response errorResponse(int status, String detail) {
        return Response.text(status, status + " " + reason(status) + (detail == null ? "" : ": " + detail) + "\n");
    }

    private static String reason(int status) {
        return switch (status) {
            case 413 -> "Content Too Large";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            default -> "Error";
        };
    }

    // ================================================================ responses

    private void startResponse(Stream s, Response response) {
        if (s.closed || failed || closed) {
            return;
        }
        final int status = response.status();
        if (!headerSafe(response)) {
            LOG.log(System.Logger.Level.WARNING, "the handler's response to " + s.request
                    + " has a CR, LF or NUL in a header field; answering 500");
            startResponse(s, errorResponse(500, null));
            return;
        }
        final boolean noBody = status == 204 || status == 304 || status < 200;
        final Body body = response.body();
        final long length = body.length();
        block.clear();
        encoder.beginBlock(block);
        encoder.encode(":status", Integer.toString(status), false, block);
        encoder.encode("date", date(), false, block);
        final Headers h = response.headers();
        for (int i = 0, n = h.size(); i < n; i++) {
            final String name = h.name(i);
            if (connectionSpecific(name) || name.equalsIgnoreCase("content-length") || name.equalsIgnoreCase("date")) {
                continue;
            }
            encoder.encode(name, h.value(i), HpackEncoder.sensitiveByDefault(name), block);
        }
        if (length >= 0 && !noBody) {
            encoder.encode("content-length", Long.toString(length), false, block);
        }
        final boolean endNow = noBody || s.isHead || length == 0;
        writeHeaders(s.id, endNow);
        s.headersSent = true;
        s.lastProgressNanos = now();
        if (endNow) {
            if (body instanceof Body.Stream stream) {
                stream.publisher().subscribe(new CancellingSubscriber());
            }
            localEnd(s);
            return;
        }
        if (body instanceof Body.Bytes bytes) {
            s.out.add(ByteBuffer.wrap(bytes.array()));
            s.outEnded = true;
            schedule(s);
            return;
        }
        s.responseLength = length;
        s.responseTrailerStage = body.trailers();
        final BodySubscriber subscriber = new BodySubscriber(conn::execute, BodySubscriber.Sink.of(
                () -> onResponseSubscribed(s), chunk -> onResponseChunk(s, chunk), t -> onResponseEnd(s, t)));
        s.responseBody = subscriber;
        ((Body.Stream) body).publisher().subscribe(subscriber);
    }

    private static boolean connectionSpecific(String name) {
        return name.equalsIgnoreCase("connection") || name.equalsIgnoreCase("keep-alive")
                || name.equalsIgnoreCase("proxy-connection") || name.equalsIgnoreCase("transfer-encoding")
                || name.equalsIgnoreCase("upgrade");
    }

    private static boolean headerSafe(Response r) {
        final Headers h = r.headers();
        for (int i = 0, n = h.size(); i < n; i++) {
            if (!safe(h.name(i)) || !safe(h.value(i)) || h.name(i).isEmpty()) {
                return false;
            }
        }
        return true;
    }

    private static boolean safe(String v) {
        for (int i = 0, n = v.length(); i < n; i++) {
            final char c = v.charAt(i);
            if (c == '\r' || c == '\n' || c == 0) {
                return false;
            }
        }
        return true;
    }

    private static String date() {
        final long second = System.currentTimeMillis() / 1000;
        final String[] c = dateCache;
        if (c[1].equals(Long.toString(second))) {
            return c[0];
        }
        final String d = DATE.format(Instant.ofEpochSecond(second));
        dateCache = new String[] {d, Long.toString(second)};
        return d;
    }

    /** Writes the encoded block as HEADERS (+ CONTINUATIONs) in one write (invariant 4). */
    private void writeHeaders(int streamId, boolean endStream) {
        final int size = FrameWriter.headersBytes(block.length(), peerMaxFrameBytes);
        final ByteBuffer out = scratch(size);
        FrameWriter.headers(out, streamId, block, endStream, peerMaxFrameBytes);
        write(out.flip());
    }

    /** The response body's publisher has subscribed us, in the turn. */
    private void onResponseSubscribed(Stream s) {
        if (!s.closed && !s.outEnded) {
            s.responseBody.requestMore();
        }
    }

    /** A response chunk, in the turn. */
    void onResponseChunk(Stream s, ByteBuffer chunk) {
        if (s.closed || closed || failed) {
            return;
        }
        final BodySubscriber rb = s.responseBody;
        rb.received();
        final int n = chunk.remaining();
        if (n > 0) {
            s.responseBytes += n;
            if (s.responseLength >= 0 && s.responseBytes > s.responseLength) {
                abortResponse(s, "the response body is longer than its content-length " + s.responseLength);
                return;
            }
            if (s.out.isEmpty()) {
                s.lastProgressNanos = now();
            }
            s.out.add(chunk);
            schedule(s);
        } else if (!s.outEnded) {
            rb.requestMore();
        }
        flush();
    }

    /** The response body ended (or failed), in the turn. */
    void onResponseEnd(Stream s, Throwable failure) {
        if (s.closed || closed || failed) {
            return;
        }
        if (failure != null) {
            abortResponse(s, "the response body failed: " + failure);
            return;
        }
        if (s.responseLength >= 0 && s.responseBytes != s.responseLength) {
            abortResponse(s, "the response body ended after " + s.responseBytes + " of its content-length "
                    + s.responseLength + " bytes");
            return;
        }
        final CompletionStage<Headers> pending = s.responseTrailerStage;
        final CompletableFuture<Headers> done = pending == null ? null : doneOrNull(pending);
        if (pending != null && done == null) {
            pending.whenComplete((h, t) -> conn.execute(() -> onResponseTrailers(s, h, t)));
            return;
        }
        Headers h = null;
        Throwable t = null;
        if (done != null) {
            try {
                h = done.join();
            } catch (CompletionException | CancellationException e) {
                t = e.getCause() == null ? e : e.getCause();
            }
        }
        onResponseTrailers(s, h == null && t == null ? Headers.empty() : h, t);
    }

    /** The stage's future if it has completed, else null (a stage without toCompletableFuture: null). */
    private static CompletableFuture<Headers> doneOrNull(CompletionStage<Headers> stage) {
        try {
            final CompletableFuture<Headers> f = stage.toCompletableFuture();
            return f.isDone() ? f : null;
        } catch (UnsupportedOperationException e) {
            return null;
        }
    }

    /** The response body's trailers are known (or failed), in the turn: the stream's end is scheduled. */
    private void onResponseTrailers(Stream s, Headers trailers, Throwable failure) {
        if (s.closed || closed || failed) {
            return;
        }
        if (failure != null || trailers == null) {
            abortResponse(s, "the response trailers failed: " + (failure == null ? "null trailers" : failure));
            return;
        }
        if (trailers.size() > 0) {
            s.responseTrailers = trailers;
        }
        s.outEnded = true;
        schedule(s);
        flush();
    }

    /**
     * Writes {@code s}'s trailers as HEADERS with END_STREAM. Pseudo-header, connection-specific
     * and framing fields are left out, as over HTTP/1.1; field names go lower case (RFC 9113 8.2.1).
     */
    private void writeTrailers(Stream s) {
        final Headers h = s.responseTrailers;
        block.clear();
        encoder.beginBlock(block);
        for (int i = 0, n = h.size(); i < n; i++) {
            final String name = h.name(i).toLowerCase(Locale.ROOT);
            if (name.isEmpty() || name.startsWith(":") || connectionSpecific(name) || name.equals("content-length")
                    || name.equals("host") || name.equals("trailer") || !safe(name) || !safe(h.value(i))) {
                continue;
            }
            encoder.encode(name, h.value(i), HpackEncoder.sensitiveByDefault(name), block);
        }
        writeHeaders(s.id, true);
    }

    /** HTTP/2 can say "this body is broken" on its own stream: RST_STREAM, the others go on. */
    private void abortResponse(Stream s, String why) {
        LOG.log(System.Logger.Level.WARNING, why + " (" + s.request + ", HTTP/2 " + s + "); resetting the stream");
        rst(s.id, H2.INTERNAL_ERROR);
        closeStream(s, new IOException(why));
        flush();
    }

    private void schedule(Stream s) {
        if (!s.inReady && !s.closed && s.headersSent) {
            s.inReady = true;
            ready.add(s);
        }
    }

    /**
     * Writes DATA as windows and the write queue allow, one frame per stream in turn; asks
     * response bodies for their next chunk.
     */
    private void flush() {
        if (closed || failed) {
            return;
        }
        int budget = ready.size() * 64 + 64; // a bounded turn: streams left waiting are re-checked next turn
        while (!ready.isEmpty() && budget-- > 0) {
            if (conn.queuedBytes() >= highWatermarkBytes) {
                waitForRoom();
                markStalled();
                return;
            }
            final Stream s = ready.poll();
            s.inReady = false;
            if (s.closed) {
                continue;
            }
            final ByteBuffer chunk = s.out.peek();
            if (chunk == null) {
                if (s.outEnded && !s.localEnded && s.responseTrailers != null) {
                    writeTrailers(s);
                    localEnd(s);
                } else if (s.outEnded && !s.localEnded) {
                    final ByteBuffer out = scratch(16);
                    FrameWriter.header(out, 0, H2.DATA, H2.FLAG_END_STREAM, s.id);
                    write(out.flip());
                    localEnd(s);
                } else {
                    askForMore(s);
                }
                continue;
            }
            final long allowed = Math.min(Math.min(s.sendWindow, sendWindow), Math.min(peerMaxFrameBytes, chunk.remaining()));
            if (allowed <= 0) {
                markStalled(); // WINDOW_UPDATE reschedules it (stream window), or this loop does (connection)
                if (sendWindow <= 0 && s.sendWindow > 0) {
                    s.inReady = true;
                    ready.addFirst(s);
                    return;
                }
                continue;
            }
            final int n = (int) allowed;
            final boolean last = n == chunk.remaining() && s.out.size() == 1 && s.outEnded && s.responseTrailers == null;
            if (conn instanceof TlsConnection) {
                // one write is one TLS record (or more): header and payload together, not a 9-byte record of its own
                final ByteBuffer out = scratch(H2.FRAME_HEADER_BYTES + n);
                FrameWriter.header(out, n, H2.DATA, last ? H2.FLAG_END_STREAM : 0, s.id);
                out.put(chunk.slice(chunk.position(), n));
                write(out.flip());
            } else {
                // plaintext: the queue gathers both writes into one system call; the payload is copied once
                final ByteBuffer out = scratch(16);
                FrameWriter.header(out, n, H2.DATA, last ? H2.FLAG_END_STREAM : 0, s.id);
                write(out.flip());
                write(chunk.slice(chunk.position(), n));
            }
            chunk.position(chunk.position() + n);
            if (!chunk.hasRemaining()) {
                s.out.poll();
            }
            s.sendWindow -= n;
            sendWindow -= n;
            s.lastProgressNanos = now();
            if (last) {
                localEnd(s);
                continue;
            }
            if (s.out.isEmpty()) {
                askForMore(s);
            }
            if (s.hasOutput() && (s.sendWindow > 0 || s.out.isEmpty())) { // trailers need no window
                s.inReady = true;
                ready.add(s);
            } else if (s.hasOutput()) {
                markStalled();
            }
        }
        if (!ready.isEmpty() && sendWindow > 0) {
            waitForRoom();
        }
    }

    private void askForMore(Stream s) {
        final BodySubscriber rb = s.responseBody;
        if (rb != null && !s.outEnded) {
            rb.requestMore();
        }
    }

    private void waitForRoom() {
        if (!recheckScheduled && !conn.isWritingPaused()) {
            recheckScheduled = true;
            conn.execute(() -> {
                recheckScheduled = false;
                flush();
            });
        }
    }

    /** Our END_STREAM is written. */
    private void localEnd(Stream s) {
        s.localEnded = true;
        if (s.remoteEnded) {
            closeStream(s, null);
        } else {
            // answered before the request ended (RFC 9113 8.1): stop the upload without error
            rst(s.id, H2.NO_ERROR);
            closeStream(s, new CancellationException("the response was sent before the request body was read"));
        }
    }

    /** A stream error of ours: RST_STREAM, and the stream (if open) is closed. */
    private void resetStream(int streamId, int errorCode, H2Exception why) {
        LOG.log(System.Logger.Level.DEBUG, () -> "HTTP/2 stream " + streamId + ": " + why.getMessage());
        rst(streamId, errorCode);
        final Stream s = streams.get(streamId);
        if (s != null) {
            closeStream(s, new IOException(why.getMessage()));
        }
    }

    private void rst(int streamId, int errorCode) {
        final ByteBuffer out = scratch(16);
        FrameWriter.rstStream(out, streamId, errorCode);
        write(out.flip());
    }

    private void closeStream(Stream s, Throwable why) {
        if (s.closed) {
            return;
        }
        s.closed = true;
        streams.remove(s.id);
        conn.cancelTimer(s);
        if (s.body != null) {
            s.body.fail(why != null ? why : new CancellationException("the stream closed"));
        }
        if (s.responseBody != null && !s.localEnded) {
            s.responseBody.cancel();
        }
        int unread = s.inboundBytes;
        if (s.buffered != null) {
            unread += (int) s.received;
        }
        s.inbound.clear();
        s.inboundBytes = 0;
        s.out.clear();
        credit(null, unread);
        if (streams.isEmpty()) {
            idleSinceNanos = now();
            if ((goAwaySent || peerGoneAway) && !closed) {
                conn.close();
            }
        }
    }

    // ================================================================ writing

    private static ByteBuffer scratch(int size) {
        ByteBuffer b = SCRATCH.get();
        if (b.capacity() < size) {
            b = ByteBuffer.allocate(Math.max(size, b.capacity() * 2));
            SCRATCH.set(b);
        }
        return b.clear();
    }

    private void write(ByteBuffer frame) {
        if (closed || !conn.write(frame)) {
            writeRefused();
        }
    }

    /**
     * An answer the peer's frame forces on us (SETTINGS or PING ACK), counted until the socket
     * takes it: a peer that floods them and does not read is cut off (CVE-2019-9512, -9515).
     */
    private void writeControlAnswer(ByteBuffer frame) throws H2Exception {
        if (++unackedControl > MAX_UNACKED_CONTROL) {
            throw H2Exception.connection(H2.ENHANCE_YOUR_CALM, "more than " + MAX_UNACKED_CONTROL
                    + " SETTINGS/PING answers the client has not read");
        }
        if (closed || !conn.write(frame, CONTROL_ACK)) {
            writeRefused();
        }
    }

    private void writeRefused() {
        if (closed) {
            return;
        }
        // Writes are kept under the high watermark, so a refusal means the connection is closing.
        failed = true;
        closeAllStreams(new ClosedChannelException());
        conn.abort();
    }

    private void connectionError(H2Exception e) {
        LOG.log(System.Logger.Level.DEBUG, () -> "HTTP/2 connection error, GOAWAY: " + e.getMessage());
        if (failed || closed) {
            return;
        }
        failed = true;
        final ByteBuffer out = scratch(32);
        FrameWriter.goAway(out, lastStreamId, e.errorCode);
        if (!conn.write(out.flip())) {
            LOG.log(System.Logger.Level.DEBUG, "the GOAWAY could not be queued; closing without it");
        }
        closeAllStreams(new IOException("HTTP/2 connection error: " + e.getMessage()));
        // A lingering close: FIN after the GOAWAY, and what the peer still sends is read and dropped for a while,
        // so that our close does not turn into a reset that destroys the GOAWAY before the peer reads it.
        conn.shutdownOutput();
        conn.startTimer(LINGER_TIMER, LINGER, conn::close);
    }

    // ================================================================ deadlines

    private void onPrefaceTimer() {
        if (!settingsReceived && !closed) {
            connectionError(H2Exception.connection(H2.PROTOCOL_ERROR, "no client preface within "
                    + options.headerReadTimeout().toMillis() + " ms"));
        }
    }

    private void onIdleTimer() {
        if (closed || failed) {
            return;
        }
        final long timeout = options.idleTimeout().toNanos();
        if (streams.isEmpty() && !reader.isMidFrame()) {
            final long idle = now() - idleSinceNanos;
            if (idle >= timeout) {
                goAwaySent = true;
                final ByteBuffer out = scratch(32);
                FrameWriter.goAway(out, lastStreamId, H2.NO_ERROR);
                write(out.flip());
                conn.close();
                return;
            }
            conn.startTimer(IDLE_TIMER, Duration.ofNanos(Math.max(timeout - idle, 1_000_000)), this::onIdleTimer);
            return;
        }
        conn.startTimer(IDLE_TIMER, options.idleTimeout(), this::onIdleTimer);
    }

    private void markStalled() {
        if (!stallTimerOn && !closed) {
            stallTimerOn = true;
            conn.startTimer(STALL_TIMER, options.bodyReadTimeout(), this::onStallTimer);
        }
    }

    /** Streams whose output made no progress for bodyReadTimeout (a window never opened) are reset. */
    private void onStallTimer() {
        stallTimerOn = false;
        if (closed || failed) {
            return;
        }
        final long timeout = options.bodyReadTimeout().toNanos();
        final long now = now();
        boolean waiting = false;
        for (Stream s : new ArrayList<>(streams.values())) {
            if (!s.headersSent || s.out.isEmpty()) {
                continue;
            }
            if (now - s.lastProgressNanos >= timeout) {
                LOG.log(System.Logger.Level.DEBUG, () -> "HTTP/2 " + s + ": no window for "
                        + options.bodyReadTimeout().toMillis() + " ms; CANCEL");
                rst(s.id, H2.CANCEL);
                closeStream(s, new IOException("the client did not open its window"));
            } else {
                waiting = true;
            }
        }
        if (waiting) {
            markStalled();
        }
        flush();
    }

    // ================================================================ field blocks

    /** Collects and checks a request's fields (RFC 9113 8.2, 8.3.1) as the decoder yields them. */
    private final class FieldSink implements HeaderSink {
        String method;
        String scheme;
        String authority;
        String path;
        boolean pseudoSeen;
        boolean regularSeen;
        String malformed;
        long contentLength;
        int count;
        Headers.Builder builder;
        StringBuilder cookie;
        boolean hasHost;
        boolean trailers;

        void reset(boolean forTrailers) {
            method = null;
            scheme = null;
            authority = null;
            path = null;
            pseudoSeen = false;
            regularSeen = false;
            malformed = null;
            contentLength = -1;
            count = 0;
            builder = Headers.builder();
            cookie = null;
            hasHost = false;
            trailers = forTrailers;
        }

        @Override
        public void header(String name, String value) throws HpackException {
            if (trailers) { // bounded by the decoder's header-list limit, as a request's head is
                if (name.startsWith(":")) {
                    pseudoSeen = true;
                } else {
                    builder.add(name, value);
                }
                return;
            }
            if (name.startsWith(":")) {
                pseudoSeen = true;
                if (regularSeen) {
                    throw malformed("pseudo-header field " + name + " after a regular field");
                }
                switch (name) {
                    case ":method" -> method = once(method, name, value);
                    case ":scheme" -> scheme = once(scheme, name, value);
                    case ":authority" -> authority = once(authority, name, value);
                    case ":path" -> path = once(path, name, value);
                    default -> throw malformed("pseudo-header field " + name + " in a request");
                }
                return;
            }
            regularSeen = true;
            if (++count > options.maxHeaderCount()) {
                throw new HpackException(HpackException.Kind.HEADER_LIST_TOO_LARGE, "more than "
                        + options.maxHeaderCount() + " header fields");
            }
            switch (name) {
                case "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade" ->
                        throw malformed("connection-specific field " + name);
                case "te" -> {
                    if (!value.equals("trailers")) {
                        throw malformed("te: " + value);
                    }
                }
                case "content-length" -> {
                    final long cl = parseLength(value);
                    if (cl < 0 || (contentLength >= 0 && cl != contentLength)) {
                        throw malformed("content-length: " + value);
                    }
                    contentLength = cl;
                }
                case "host" -> hasHost = true;
                case "cookie" -> {
                    // RFC 9113 8.2.3: crumbs are joined for an HTTP/1.1-style reader
                    if (cookie == null) {
                        cookie = new StringBuilder(value);
                    } else {
                        cookie.append("; ").append(value);
                    }
                    return;
                }
                default -> {
                    // an ordinary field
                }
            }
            builder.add(name, value);
        }

        private String once(String previous, String name, String value) throws HpackException {
            if (previous != null) {
                throw malformed("a second " + name);
            }
            return value;
        }

        private HpackException malformed(String why) {
            return new HpackException(HpackException.Kind.MALFORMED, why);
        }

        /** Null if the request's pseudo-header fields are whole and sound, else why not. */
        String checkRequest() {
            if (method == null) {
                return "no :method";
            }
            if (method.equals("CONNECT")) {
                return authority == null || scheme != null || path != null ? "a malformed CONNECT" : null;
            }
            if (scheme == null || path == null || path.isEmpty()) {
                return "a request without :scheme or :path";
            }
            if (!path.startsWith("/") && !(path.equals("*") && method.equals("OPTIONS"))) {
                return ":path " + path + " is not absolute";
            }
            return null;
        }

        Headers headers() {
            if (cookie != null) {
                builder.add("cookie", cookie.toString());
            }
            if (!hasHost && authority != null) {
                builder.add("host", authority); // what an HTTP/1.1 handler reads the host from
            }
            final Headers h = builder.build();
            builder = null;
            return h;
        }
    }

    private static long parseLength(String value) {
        final int n = value.length();
        if (n == 0 || n > 18) {
            return -1;
        }
        long v = 0;
        for (int i = 0; i < n; i++) {
            final char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    // ================================================================ body streams

    /**
     * A request body as a {@link Flow.Publisher} ({@link BodyPublisher}): demand and cancel wake
     * {@link #onBodyDemand}, which delivers the stream's queued chunks, each one's window given
     * back as it is delivered (WINDOW_UPDATE), or drops them and gives their window back at once
     * when the body was cancelled.
     */
    private BodyPublisher newRequestBody(Stream s) {
        return new BodyPublisher("request body", conn::execute, BodyPublisher.Protocol.of(
                () -> onBodyDemand(s), () -> onBodyDemand(s)), null);
    }

    /** For a body that will not be sent (HEAD, 204, 304): subscribes and cancels at once. */
    private static final class CancellingSubscriber implements Flow.Subscriber<ByteBuffer> {
        @Override
        public void onSubscribe(Flow.Subscription s) {
            s.cancel();
        }

        @Override
        public void onNext(ByteBuffer item) {}

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onComplete() {}
    }
}
