package io.troupe.http.internal.h2;

import io.troupe.http.Body;
import io.troupe.http.Headers;
import io.troupe.http.Request;
import io.troupe.http.Response;
import io.troupe.io.Connection;
import io.troupe.io.ConnectionStage;
import io.troupe.io.Tcp;
import io.troupe.io.TlsConnection;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * The client side of one HTTP/2 connection (RFC 9113): many requests multiplexed as streams,
 * within the server's SETTINGS_MAX_CONCURRENT_STREAMS; the rest wait here, in order. A stage:
 * every method but {@link #submit} and the response bodies' subscription runs in the connection's
 * turn. Used by {@code io.troupe.http.internal.h2.client.H2ClientPool}, which keeps one per origin;
 * it sits in this package for the frame layer's package-private classes.
 *
 * <p>Flow control: request bodies go out as the server's connection and stream windows allow
 * (and while the write queue is below its high watermark). Response bodies: one with a
 * Content-Length up to {@code maxBufferedBodyBytes} is read whole (its window reopens as it is
 * stored, bounded by that length); any other is streamed, and its stream's window reopens only as
 * its subscriber takes the chunks, so a slow reader holds at most {@link #STREAM_WINDOW} bytes and
 * slows only its own stream (the connection window is reopened as DATA arrives).
 */
public final class H2ClientConnection implements ConnectionStage, FrameReader.Listener {
    /*
     * Threading protocol. Stage calls and actions run through Connection.execute are confined to
     * the connection's turn and own all fields but three hand-offs: `inbox` (any thread adds an
     * exchange, then asks the turn to drain it), `closedFlag` (volatile, set in onClosed before
     * the inbox is drained there for the last time: a submit that races the close sees the flag
     * and drains the inbox itself, and ConcurrentLinkedQueue.poll gives each exchange to one
     * drainer), and a streamed body (ResponseBody: its queue, demand and subscriber are
     * concurrent; its drain loop runs on whichever thread signals, one at a time through `wip`).
     *
     * Lifecycle: CONNECTING -> READY (onConnected, h2 chosen) -> GOING_AWAY (GOAWAY received or
     * sent, idle timeout, stream ids exhausted) -> CLOSED (onClosed); CONNECTING -> CLOSED
     * (connect failed, or ALPN chose another protocol: the owner sends the work elsewhere).
     *
     * Invariants. No stream opens before the server's first SETTINGS (it comes first on its side,
     * so this costs at most half a round trip once); active streams <= its MAX_CONCURRENT_STREAMS;
     * connSendWindow and every stream's sendWindow are never overdrawn; a stream's unread
     * response data <= STREAM_WINDOW.
     *
     * Shutdown. onClosed fails the exchanges that may have reached the server, hands back to
     * the owner those that did not (never sent, or above a GOAWAY's last stream id).
     */

    /** What the connection tells its pool. Called in the connection's turn. */
    public interface Owner {
        /**
         * The connection speaks HTTP/2 and takes exchanges.
         *
         * @param connection this
         */
        void onReady(H2ClientConnection connection);

        /**
         * ALPN chose another protocol than h2: the connection closes; send the work over HTTP/1.1.
         *
         * @param connection this
         */
        void onRefusedH2(H2ClientConnection connection);

        /**
         * The connection takes no more exchanges (going away, closed, or never connected). Once.
         *
         * @param connection this
         * @param connectFailure why it never connected, or null
         */
        void onUnusable(H2ClientConnection connection, Throwable connectFailure);

        /**
         * An exchange that never reached the server: send it on another connection.
         *
         * @param exchange the exchange
         */
        void retry(Exchange exchange);
    }

    /** A request and the future of its response head. Handed over once; then the turn's. */
    public static final class Exchange {
        final Request request;
        final String scheme;
        final String authority;
        final String path;
        final CompletableFuture<Response> result;
        final long deadlineNanos;
        /** Attempts so far (connections that closed or went away before sending it). */
        public int attempts;

        /**
         * An exchange.
         *
         * @param request the request
         * @param scheme {@code http} or {@code https}
         * @param authority the {@code :authority} (host and port)
         * @param path the origin-form target
         * @param result completed with the response (head)
         * @param deadlineNanos when it times out, on the clock given to the connection
         */
        public Exchange(Request request, String scheme, String authority, String path,
                        CompletableFuture<Response> result, long deadlineNanos) {
            this.request = request;
            this.scheme = scheme;
            this.authority = authority;
            this.path = path;
            this.result = result;
            this.deadlineNanos = deadlineNanos;
        }

        /**
         * The request.
         *
         * @return the request
         */
        public Request request() {
            return request;
        }

        /**
         * The origin-form target.
         *
         * @return the path and query
         */
        public String path() {
            return path;
        }

        /**
         * The future of the response head.
         *
         * @return the future
         */
        public CompletableFuture<Response> result() {
            return result;
        }

        /**
         * The deadline.
         *
         * @return clock nanos
         */
        public long deadlineNanos() {
            return deadlineNanos;
        }
    }

    /** The receive window we give each stream: the most unread response bytes held per stream. */
    static final int STREAM_WINDOW = 256 * 1024;
    /** The receive window of the connection. */
    static final int CONNECTION_WINDOW = 16 * 1024 * 1024;
    /** The frame size we accept (the protocol's default). */
    private static final int MAX_FRAME_BYTES = H2.DEFAULT_MAX_FRAME_SIZE;
    private static final Object IDLE_TIMER = new Object();

    private final Owner owner;
    private final boolean tlsExpected;
    private final int maxHeaderListBytes;
    private final int maxBufferedBodyBytes;
    private final Duration idleTimeout;
    private final LongSupplier nanoClock;

    private final ConcurrentLinkedQueue<Exchange> inbox = new ConcurrentLinkedQueue<>();
    /** Exchanges submitted and not finished: the pool's bound. */
    private final AtomicInteger outstanding = new AtomicInteger();
    private volatile boolean closedFlag;
    private volatile int peerMaxConcurrentStreams = 100;

    private volatile Connection conn;
    private FrameReader reader;
    private final HpackEncoder encoder = new HpackEncoder(H2.DEFAULT_HEADER_TABLE_SIZE);
    private final HpackDecoder decoder;
    private final HpackOutput block = new HpackOutput();
    private ByteBuffer scratch = ByteBuffer.allocate(1024);
    private final Map<Integer, Stream> streams = new HashMap<>();
    private final ArrayDeque<Exchange> queued = new ArrayDeque<>();
    private int nextStreamId = 1;
    private int peerInitialWindow = H2.DEFAULT_WINDOW;
    private int peerMaxFrameBytes = H2.DEFAULT_MAX_FRAME_SIZE;
    private long connSendWindow = H2.DEFAULT_WINDOW;
    private long connRecvWindow = CONNECTION_WINDOW;
    private int connRecvUnacked;
    private boolean ready;
    /** The server's first SETTINGS has come: no stream opens before, so its limits hold from the start. */
    private boolean peerSettingsSeen;
    private boolean goingAway;
    private int goAwayLastStreamId = Integer.MAX_VALUE;
    /** The error code of a GOAWAY received, for the failures it causes. */
    private int goAwayErrorCode = -1;
    private boolean unusableTold;

    /**
     * A connection stage; the pool connects it (under TLS for https).
     *
     * @param owner its pool
     * @param tlsExpected true for https: ALPN must have chosen h2
     * @param maxHeaderListBytes the largest response header list accepted
     * @param maxBufferedBodyBytes a response body with a Content-Length up to this is read whole
     * @param idleTimeout how long the connection stays open with no exchange
     * @param nanoClock the clock of the exchanges' deadlines
     */
    public H2ClientConnection(Owner owner, boolean tlsExpected, int maxHeaderListBytes, int maxBufferedBodyBytes,
                              Duration idleTimeout, LongSupplier nanoClock) {
        this.owner = owner;
        this.tlsExpected = tlsExpected;
        this.maxHeaderListBytes = maxHeaderListBytes;
        this.maxBufferedBodyBytes = maxBufferedBodyBytes;
        this.idleTimeout = idleTimeout;
        this.nanoClock = nanoClock;
        this.decoder = new HpackDecoder(H2.DEFAULT_HEADER_TABLE_SIZE, maxHeaderListBytes);
    }

    // ---------------------------------------------------------------- any thread

    /**
     * Sends {@code exchange} on this connection, or hands it back to the owner if the connection
     * has closed meanwhile. Any thread.
     *
     * @param exchange the exchange
     */
    public void submit(Exchange exchange) {
        outstanding.incrementAndGet();
        inbox.add(exchange);
        final Connection c = conn;
        if (closedFlag || c == null) {
            drainInboxAfterClose();
        } else {
            c.execute(this::drainInbox);
            if (closedFlag) {
                drainInboxAfterClose();
            }
        }
    }

    /**
     * Exchanges submitted and not yet finished (running, or waiting for a stream). Any thread.
     *
     * @return the count
     */
    public int outstanding() {
        return outstanding.get();
    }

    /**
     * The server's SETTINGS_MAX_CONCURRENT_STREAMS (100 until it says). Any thread.
     *
     * @return the limit
     */
    public int peerMaxConcurrentStreams() {
        return peerMaxConcurrentStreams;
    }

    /** Closes the connection from outside (the client closes). Any thread. */
    public void closeFromOutside() {
        final Connection c = conn;
        if (c != null) {
            c.execute(() -> goAway(H2.NO_ERROR));
        }
    }

    private void drainInboxAfterClose() {
        Exchange e;
        while ((e = inbox.poll()) != null) {
            outstanding.decrementAndGet();
            owner.retry(e);
        }
    }

    // ---------------------------------------------------------------- the turn

    @Override
    public void onConnected(Connection connection) {
        conn = connection;
        if (tlsExpected && !(connection instanceof TlsConnection tls && "h2".equals(tls.applicationProtocol()))) {
            goingAway = true;
            unusableTold = true;
            owner.onRefusedH2(this);
            connection.close();
            return;
        }
        reader = new FrameReader(this, false, MAX_FRAME_BYTES, Math.max(maxHeaderListBytes, MAX_FRAME_BYTES));
        final ByteBuffer out = room(H2.PREFACE.length + 2 * H2.FRAME_HEADER_BYTES + 18 + 4);
        out.put(H2.PREFACE);
        FrameWriter.settings(out, false, H2.SETTINGS_ENABLE_PUSH, 0, H2.SETTINGS_INITIAL_WINDOW_SIZE, STREAM_WINDOW,
                H2.SETTINGS_MAX_HEADER_LIST_SIZE, maxHeaderListBytes);
        FrameWriter.windowUpdate(out, 0, CONNECTION_WINDOW - H2.DEFAULT_WINDOW);
        send(out);
        ready = true;
        owner.onReady(this);
        drainInbox();
    }

    @Override
    public void onConnectFailed(SocketAddress address, Throwable cause) {
        closedFlag = true;
        if (!unusableTold) {
            unusableTold = true;
            owner.onUnusable(this, cause);
        }
        drainInboxAfterClose();
    }

    private void drainInbox() {
        if (!ready) {
            return;
        }
        Exchange e;
        while ((e = inbox.poll()) != null) {
            if (goingAway) {
                outstanding.decrementAndGet();
                owner.retry(e);
            } else {
                queued.add(e);
            }
        }
        startQueued();
    }

    private void startQueued() {
        while (peerSettingsSeen && !goingAway && !queued.isEmpty() && streams.size() < peerMaxConcurrentStreams) {
            if (nextStreamId < 0) { // stream ids exhausted: a new connection takes the rest
                goAway(H2.NO_ERROR);
                return;
            }
            start(queued.poll());
        }
        armIdleTimer();
    }

    private void armIdleTimer() {
        if (streams.isEmpty() && queued.isEmpty() && !goingAway && conn != null) {
            conn.startTimer(IDLE_TIMER, idleTimeout, () -> {
                if (streams.isEmpty() && queued.isEmpty()) {
                    goAway(H2.NO_ERROR);
                }
            });
        } else if (conn != null) {
            conn.cancelTimer(IDLE_TIMER);
        }
    }

    /** Connection-specific fields that HTTP/2 forbids (RFC 9113 8.2.2), and those we write ourselves. */
    private static boolean skipped(String lowerName, String value) {
        switch (lowerName) {
            case "connection":
            case "keep-alive":
            case "proxy-connection":
            case "transfer-encoding":
            case "upgrade":
            case "host":
            case "content-length":
                return true;
            case "te":
                return !value.trim().equalsIgnoreCase("trailers");
            default:
                return false;
        }
    }

    private void start(Exchange e) {
        if (e.result.isDone()) { // timed out or cancelled while waiting
            outstanding.decrementAndGet();
            return;
        }
        final int id = nextStreamId;
        nextStreamId += 2;
        final Stream s = new Stream(id, e);
        streams.put(id, s);
        final Request request = e.request;
        final Headers headers = request.headers();
        String authority = e.authority;
        final String host = headers.get("Host");
        if (host != null) {
            authority = host;
        }
        block.clear();
        encoder.beginBlock(block);
        encoder.encode(":method", request.method(), false, block);
        encoder.encode(":scheme", e.scheme, false, block);
        encoder.encode(":authority", authority, false, block);
        encoder.encode(":path", e.path, false, block);
        for (int i = 0; i < headers.size(); i++) {
            final String name = headers.name(i).toLowerCase(java.util.Locale.ROOT);
            final String value = headers.value(i);
            if (!skipped(name, value)) {
                encoder.encode(name, value, HpackEncoder.sensitiveByDefault(name), block);
            }
        }
        final Body body = request.body();
        final long length = body.length();
        if (length > 0 || (length == 0 && !(request.method().equals("GET") || request.method().equals("HEAD")))) {
            encoder.encode("content-length", Long.toString(length), false, block);
        }
        final boolean endStream = length == 0;
        final ByteBuffer out = room(FrameWriter.headersBytes(block.length(), peerMaxFrameBytes));
        FrameWriter.headers(out, id, block, endStream, peerMaxFrameBytes);
        send(out);
        s.sendWindow = peerInitialWindow;
        final long left = e.deadlineNanos - nanoClock.getAsLong();
        conn.startTimer(s, Duration.ofNanos(Math.max(1, left)), () -> onTimeout(s));
        if (endStream) {
            s.localClosed = true;
        } else if (body instanceof Body.Bytes bytes) {
            s.upload = ByteBuffer.wrap(bytes.array());
            s.uploadDone = true;
            flush(s);
        } else {
            ((Body.Stream) body).publisher().subscribe(new Upload(s));
        }
    }

    /** Sends what the windows allow of a stream's request body. */
    private void flush(Stream s) {
        while (s.upload != null && !s.localClosed && !conn.isWritingPaused()) {
            final int remaining = s.upload.remaining();
            if (remaining == 0) {
                s.upload = null;
                if (s.uploadDone) {
                    final ByteBuffer out = room(H2.FRAME_HEADER_BYTES);
                    FrameWriter.data(out, s.id, ByteBuffer.allocate(0), true);
                    send(out);
                    s.localClosed = true;
                } else if (s.uploadSubscription != null) {
                    s.uploadSubscription.request(1);
                }
                return;
            }
            final int n = (int) Math.min(Math.min(remaining, peerMaxFrameBytes), Math.min(connSendWindow, s.sendWindow));
            if (n <= 0) {
                return;
            }
            final boolean last = s.uploadDone && n == remaining;
            final ByteBuffer out = room(H2.FRAME_HEADER_BYTES + n);
            FrameWriter.data(out, s.id, s.upload.slice(s.upload.position(), n), last);
            send(out);
            s.upload.position(s.upload.position() + n);
            connSendWindow -= n;
            s.sendWindow -= n;
            if (last) {
                s.upload = null;
                s.localClosed = true;
            }
        }
    }

    private void flushAll() {
        for (Stream s : new ArrayList<>(streams.values())) {
            if (s.upload != null) {
                flush(s);
            }
        }
    }

    @Override
    public void onWritingResumed(Connection connection) {
        flushAll();
    }

    @Override
    public void onReceived(Connection connection, ByteBuffer data) {
        if (reader == null) {
            return;
        }
        while (data.hasRemaining()) {
            try {
                reader.feed(data);
            } catch (H2Exception e) {
                if (e.isConnectionError()) {
                    connectionError(e.errorCode, e);
                    return;
                }
                streamError(e.streamId, e.errorCode, e);
            }
        }
    }

    // ---------------------------------------------------------------- frames

    @Override
    public void onHeaders(int streamId, ByteBuffer fieldBlock, boolean endStream, boolean selfDependent)
            throws H2Exception {
        final Stream s = streams.get(streamId);
        final ResponseHead head = new ResponseHead();
        try {
            decoder.decode(fieldBlock, head);
        } catch (HpackException e) {
            if (e.isConnectionError()) {
                throw H2Exception.connection(H2.COMPRESSION_ERROR, e.getMessage());
            }
            throw H2Exception.stream(streamId, H2.PROTOCOL_ERROR, e.getMessage());
        }
        if (s == null) {
            if ((streamId & 1) == 0 || streamId >= nextStreamId) {
                throw H2Exception.connection(H2.PROTOCOL_ERROR, "HEADERS on stream " + streamId + " never opened");
            }
            return; // a stream we reset or gave up: frames in flight are ignored (RFC 9113 5.4.2), once decoded
        }
        if (selfDependent) {
            throw H2Exception.stream(streamId, H2.PROTOCOL_ERROR, "a stream depending on itself");
        }
        if (s.status != 0) { // trailers
            if (!endStream || head.status != 0) {
                throw H2Exception.stream(streamId, H2.PROTOCOL_ERROR, "a second header block without END_STREAM");
            }
            endOfBody(s);
            return;
        }
        if (head.status == 0) {
            throw H2Exception.stream(streamId, H2.PROTOCOL_ERROR, "a response without :status");
        }
        if (head.status < 200) { // informational (100, 103): the final response follows
            if (endStream) {
                throw H2Exception.stream(streamId, H2.PROTOCOL_ERROR, "an informational response ending the stream");
            }
            return;
        }
        s.status = head.status;
        final Headers headers = head.fields.build();
        s.headers = headers;
        final String cl = headers.get("content-length");
        long contentLength = -1;
        if (cl != null) {
            try {
                contentLength = Long.parseLong(cl.trim());
            } catch (NumberFormatException e) {
                throw H2Exception.stream(streamId, H2.PROTOCOL_ERROR, "a bad content-length");
            }
        }
        s.contentLength = s.exchange.request.method().equals("HEAD") ? 0 : contentLength;
        if (endStream) {
            s.buffer = new byte[0];
            endOfBody(s);
        } else if (s.contentLength >= 0 && s.contentLength <= maxBufferedBodyBytes) {
            s.buffer = new byte[(int) s.contentLength];
        } else {
            s.body = new ResponseBody(s);
            conn.cancelTimer(s);
            s.exchange.result.complete(Response.of(s.status, headers, Body.stream(s.body, contentLength)));
        }
    }

    @Override
    public void onData(int streamId, ByteBuffer data, int flowControlledBytes, boolean endStream) throws H2Exception {
        connRecvWindow -= flowControlledBytes;
        if (connRecvWindow < 0) {
            throw H2Exception.connection(H2.FLOW_CONTROL_ERROR, "DATA beyond the connection window");
        }
        connRecvUnacked += flowControlledBytes;
        if (connRecvUnacked >= CONNECTION_WINDOW / 2) {
            windowUpdate(0, connRecvUnacked);
            connRecvWindow += connRecvUnacked;
            connRecvUnacked = 0;
        }
        final Stream s = streams.get(streamId);
        if (s == null) {
            if ((streamId & 1) == 0 || streamId >= nextStreamId) {
                throw H2Exception.connection(H2.PROTOCOL_ERROR, "DATA on stream " + streamId + " never opened");
            }
            return; // a stream we reset or gave up: counted against the connection window above, then dropped
        }
        if (s.status == 0) {
            throw H2Exception.stream(streamId, H2.PROTOCOL_ERROR, "DATA before the response head");
        }
        s.recvWindow -= flowControlledBytes;
        if (s.recvWindow < 0) {
            throw H2Exception.stream(streamId, H2.FLOW_CONTROL_ERROR, "DATA beyond the stream window");
        }
        final int n = data.remaining();
        s.received += n;
        if (s.contentLength >= 0 && s.received > s.contentLength) {
            throw H2Exception.stream(streamId, H2.PROTOCOL_ERROR, "more DATA than the content-length");
        }
        consumed(s, flowControlledBytes - n); // padding
        if (s.body == null) {
            data.get(s.buffer, (int) (s.received - n), n);
            consumed(s, n);
        } else if (n > 0) {
            final ByteBuffer chunk = ByteBuffer.allocate(n);
            chunk.put(data).flip();
            s.body.offer(chunk);
            consumed(s, (int) s.body.takeDelivered());
        }
        if (endStream) {
            if (s.contentLength >= 0 && s.received != s.contentLength) {
                throw H2Exception.stream(streamId, H2.PROTOCOL_ERROR, "less DATA than the content-length");
            }
            endOfBody(s);
        }
    }

    /** Bytes of a stream's window the reader has taken: reopened in halves. */
    private void consumed(Stream s, int n) {
        if (n <= 0 || s.remoteClosed) {
            return;
        }
        s.recvUnacked += n;
        if (s.recvUnacked >= STREAM_WINDOW / 2) {
            windowUpdate(s.id, s.recvUnacked);
            s.recvWindow += s.recvUnacked;
            s.recvUnacked = 0;
        }
    }

    private void endOfBody(Stream s) {
        s.remoteClosed = true;
        if (s.body == null) {
            conn.cancelTimer(s);
            s.exchange.result.complete(Response.of(s.status, s.headers, Body.of(s.buffer)));
        } else {
            s.body.end(null);
        }
        if (!s.localClosed) { // the server answered before the whole request body: stop sending it
            rst(s.id, H2.NO_ERROR);
        }
        finish(s);
    }

    private void finish(Stream s) {
        if (streams.remove(s.id) == null) {
            return;
        }
        conn.cancelTimer(s);
        s.localClosed = true;
        s.upload = null;
        if (s.uploadSubscription != null && !s.uploadDone) {
            s.uploadSubscription.cancel();
        }
        outstanding.decrementAndGet();
        if (goingAway && streams.isEmpty()) {
            conn.close();
            return;
        }
        startQueued();
    }

    @Override
    public void onRstStream(int streamId, int errorCode) {
        final Stream s = streams.get(streamId);
        if (s == null) {
            return;
        }
        if (errorCode == H2.REFUSED_STREAM && s.status == 0) { // not processed (RFC 9113 8.7): again elsewhere
            streams.remove(s.id);
            conn.cancelTimer(s);
            outstanding.decrementAndGet();
            owner.retry(s.exchange);
            startQueued();
            return;
        }
        fail(s, new IOException("the server reset the stream: " + H2.errorName(errorCode)));
        finish(s);
    }

    @Override
    public void onSettings(boolean ack, int[] ids, long[] values, int count) throws H2Exception {
        if (ack) {
            return;
        }
        peerSettingsSeen = true;
        for (int i = 0; i < count; i++) {
            final long v = values[i];
            switch (ids[i]) {
                case H2.SETTINGS_HEADER_TABLE_SIZE -> encoder.setMaxTableSize((int) Math.min(v, Integer.MAX_VALUE));
                case H2.SETTINGS_MAX_CONCURRENT_STREAMS -> peerMaxConcurrentStreams = (int) Math.min(v, Integer.MAX_VALUE);
                case H2.SETTINGS_INITIAL_WINDOW_SIZE -> {
                    final int delta = (int) v - peerInitialWindow;
                    peerInitialWindow = (int) v;
                    for (Stream s : streams.values()) {
                        s.sendWindow += delta;
                        if (s.sendWindow > H2.MAX_WINDOW) {
                            throw H2Exception.connection(H2.FLOW_CONTROL_ERROR, "a stream window above 2^31 - 1");
                        }
                    }
                }
                case H2.SETTINGS_MAX_FRAME_SIZE -> peerMaxFrameBytes = (int) v;
                default -> { } // ENABLE_PUSH, MAX_HEADER_LIST_SIZE (advisory), unknown: ignored
            }
        }
        final ByteBuffer out = room(H2.FRAME_HEADER_BYTES);
        FrameWriter.settings(out, true);
        send(out);
        flushAll();
        startQueued();
    }

    @Override
    public void onPing(boolean ack, long payload) {
        if (!ack) {
            final ByteBuffer out = room(H2.FRAME_HEADER_BYTES + 8);
            FrameWriter.ping(out, true, payload);
            send(out);
        }
    }

    @Override
    public void onGoAway(int lastStreamId, int errorCode) {
        goAwayLastStreamId = Math.min(goAwayLastStreamId, lastStreamId);
        goAwayErrorCode = errorCode;
        enterGoingAway();
        // streams above the last one were not processed: they go elsewhere (RFC 9113 6.8)
        for (Stream s : new ArrayList<>(streams.values())) {
            if (s.id > goAwayLastStreamId) {
                streams.remove(s.id);
                conn.cancelTimer(s);
                outstanding.decrementAndGet();
                owner.retry(s.exchange);
            }
        }
        if (streams.isEmpty()) {
            conn.close();
        }
    }

    @Override
    public void onWindowUpdate(int streamId, int increment) throws H2Exception {
        if (streamId == 0) {
            connSendWindow += increment;
            if (connSendWindow > H2.MAX_WINDOW) {
                throw H2Exception.connection(H2.FLOW_CONTROL_ERROR, "the connection window above 2^31 - 1");
            }
            flushAll();
            return;
        }
        final Stream s = streams.get(streamId);
        if (s != null) {
            s.sendWindow += increment;
            if (s.sendWindow > H2.MAX_WINDOW) {
                throw H2Exception.stream(streamId, H2.FLOW_CONTROL_ERROR, "a stream window above 2^31 - 1");
            }
            flush(s);
        }
    }

    // ---------------------------------------------------------------- errors and the end

    private void enterGoingAway() {
        if (!goingAway) {
            goingAway = true;
            conn.cancelTimer(IDLE_TIMER);
            Exchange e;
            while ((e = queued.poll()) != null) {
                outstanding.decrementAndGet();
                owner.retry(e);
            }
        }
        if (!unusableTold) {
            unusableTold = true;
            owner.onUnusable(this, null);
        }
        drainInbox();
    }

    /** We go away: GOAWAY with {@code errorCode}; streams in flight finish (on NO_ERROR). */
    private void goAway(int errorCode) {
        if (conn == null || !conn.isOpen()) {
            return;
        }
        final ByteBuffer out = room(H2.FRAME_HEADER_BYTES + 8);
        FrameWriter.goAway(out, 0, errorCode);
        send(out);
        enterGoingAway();
        if (streams.isEmpty() || errorCode != H2.NO_ERROR) {
            conn.close();
        }
    }

    private void connectionError(int errorCode, Exception cause) {
        goAway(errorCode);
        final IOException failure = new IOException("HTTP/2 connection error: " + cause.getMessage());
        for (Stream s : new ArrayList<>(streams.values())) {
            fail(s, failure);
            finish(s);
        }
        conn.close();
    }

    private void streamError(int streamId, int errorCode, Exception cause) {
        rst(streamId, errorCode);
        final Stream s = streams.get(streamId);
        if (s != null) {
            fail(s, new IOException("HTTP/2 stream error: " + cause.getMessage()));
            finish(s);
        }
    }

    private void onTimeout(Stream s) {
        if (!streams.containsKey(s.id)) {
            return;
        }
        rst(s.id, H2.CANCEL);
        fail(s, new TimeoutException("no response within the request timeout"));
        finish(s);
    }

    private void fail(Stream s, Throwable cause) {
        if (!s.exchange.result.completeExceptionally(cause) && s.body != null) {
            s.body.end(cause);
        }
    }

    private void rst(int streamId, int errorCode) {
        final ByteBuffer out = room(H2.FRAME_HEADER_BYTES + 4);
        FrameWriter.rstStream(out, streamId, errorCode);
        send(out);
    }

    private void windowUpdate(int streamId, int increment) {
        final ByteBuffer out = room(H2.FRAME_HEADER_BYTES + 4);
        FrameWriter.windowUpdate(out, streamId, increment);
        send(out);
    }

    @Override
    public void onPeerClosed(Connection connection) {
        connection.close();
    }

    @Override
    public void onShuttingDown(Connection connection) {
        goAway(H2.NO_ERROR);
    }

    @Override
    public void onClosed(Connection connection, Tcp.ConnectionClosed why) {
        closedFlag = true;
        goingAway = true;
        if (!unusableTold) {
            unusableTold = true;
            // closed before HTTP/2 was ready: a failed TLS handshake is a connect failure
            final Throwable cause = why instanceof Tcp.ErrorClosed error ? error.cause() : null;
            owner.onUnusable(this, ready ? null
                    : cause != null ? cause : new IOException("the connection closed before HTTP/2 started"));
        }
        final IOException failure = new IOException("the HTTP/2 connection closed: " + why
                + (goAwayErrorCode > 0 ? " after the server's GOAWAY " + H2.errorName(goAwayErrorCode) : ""));
        for (Stream s : new ArrayList<>(streams.values())) {
            streams.remove(s.id);
            outstanding.decrementAndGet();
            if (s.status == 0 && s.id > goAwayLastStreamId) {
                owner.retry(s.exchange);
            } else {
                fail(s, failure);
            }
        }
        Exchange e;
        while ((e = queued.poll()) != null) {
            outstanding.decrementAndGet();
            owner.retry(e);
        }
        drainInboxAfterClose();
    }

    /** The scratch buffer, cleared, with room for {@code bytes}. */
    private ByteBuffer room(int bytes) {
        if (scratch.capacity() < bytes) {
            scratch = ByteBuffer.allocate(Math.max(bytes, scratch.capacity() * 2));
        }
        return scratch.clear();
    }

    /** Writes what {@code out} holds (the connection copies it). */
    private void send(ByteBuffer out) {
        out.flip();
        conn.write(out);
    }

    // ---------------------------------------------------------------- streams

    /** The state of one stream, in the turn (but for its body's hand-off). */
    private static final class Stream {
        final int id;
        final Exchange exchange;
        long sendWindow;
        int recvWindow = STREAM_WINDOW;
        int recvUnacked;
        /** The request body's current chunk, or null. */
        ByteBuffer upload;
        /** All of the request body has been handed to {@link #upload}. */
        boolean uploadDone;
        Flow.Subscription uploadSubscription;
        /** END_STREAM sent. */
        boolean localClosed;
        /** END_STREAM received. */
        boolean remoteClosed;
        int status;
        Headers headers;
        long contentLength = -1;
        long received;
        /** A body read whole, or null when streamed. */
        byte[] buffer;
        ResponseBody body;

        Stream(int id, Exchange exchange) {
            this.id = id;
            this.exchange = exchange;
        }
    }

    /** Collects a response head: {@code :status} first, then the fields. */
    private static final class ResponseHead implements HeaderSink {
        int status;
        boolean fieldSeen;
        final Headers.Builder fields = Headers.builder();

        @Override
        public void header(String name, String value) throws HpackException {
            if (name.charAt(0) == ':') {
                if (!name.equals(":status") || fieldSeen || status != 0) {
                    throw new HpackException(HpackException.Kind.MALFORMED, "pseudo-header field " + name
                            + " in a response");
                }
                if (value.length() != 3) {
                    throw new HpackException(HpackException.Kind.MALFORMED, "a bad :status " + value);
                }
                try {
                    status = Integer.parseInt(value);
                } catch (NumberFormatException e) {
                    throw new HpackException(HpackException.Kind.MALFORMED, "a bad :status " + value);
                }
                if (status < 100) {
                    throw new HpackException(HpackException.Kind.MALFORMED, "a bad :status " + value);
                }
                return;
            }
            fieldSeen = true;
            fields.add(name, value);
        }
    }

    /** A request body read from its publisher one chunk at a time, as the windows let it out. */
    private final class Upload implements Flow.Subscriber<ByteBuffer> {
        private final Stream s;

        Upload(Stream s) {
            this.s = s;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            conn.execute(() -> {
                s.uploadSubscription = subscription;
                if (s.localClosed) {
                    subscription.cancel();
                } else {
                    subscription.request(1);
                }
            });
        }

        @Override
        public void onNext(ByteBuffer item) {
            conn.execute(() -> {
                if (!s.localClosed) {
                    s.upload = item;
                    flush(s);
                }
            });
        }

        @Override
        public void onError(Throwable throwable) {
            conn.execute(() -> {
                if (streams.containsKey(s.id)) {
                    rst(s.id, H2.CANCEL);
                    fail(s, throwable);
                    finish(s);
                }
            });
        }

        @Override
        public void onComplete() {
            conn.execute(() -> {
                s.uploadDone = true;
                if (s.upload == null && !s.localClosed && streams.containsKey(s.id)) {
                    s.upload = ByteBuffer.allocate(0);
                    flush(s);
                }
            });
        }
    }

    /**
     * A streamed response body: chunks queue here as DATA arrives (at most the stream window)
     * and go to the subscriber as it asks; what it took reopens the window (in the turn).
     */
    private final class ResponseBody implements Flow.Publisher<ByteBuffer>, Flow.Subscription {
        private final Stream s;
        private final ConcurrentLinkedQueue<ByteBuffer> chunks = new ConcurrentLinkedQueue<>();
        private final AtomicReference<Flow.Subscriber<? super ByteBuffer>> subscriber = new AtomicReference<>();
        private final AtomicLong demand = new AtomicLong();
        private final AtomicInteger wip = new AtomicInteger();
        /** Bytes handed to the subscriber and not yet given back to the window. */
        private final AtomicLong delivered = new AtomicLong();
        private final AtomicBoolean terminated = new AtomicBoolean();
        private volatile boolean ended;
        private volatile Throwable error;
        private volatile boolean cancelled;

        ResponseBody(Stream s) {
            this.s = s;
        }

        @Override
        public void subscribe(Flow.Subscriber<? super ByteBuffer> sub) {
            if (!subscriber.compareAndSet(null, sub)) {
                sub.onSubscribe(new Flow.Subscription() {
                    @Override public void request(long n) {}
                    @Override public void cancel() {}
                });
                sub.onError(new IllegalStateException("a response body can be read once"));
                return;
            }
            sub.onSubscribe(this);
            drain();
        }

        @Override
        public void request(long n) {
            if (n <= 0) {
                cancel();
                return;
            }
            demand.accumulateAndGet(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
            drain();
            if (!closedFlag) {
                conn.execute(() -> consumed(s, (int) takeDelivered()));
            }
        }

        @Override
        public void cancel() {
            cancelled = true;
            chunks.clear();
            if (!closedFlag) {
                conn.execute(() -> {
                    if (streams.containsKey(s.id)) {
                        rst(s.id, H2.CANCEL);
                        finish(s);
                    }
                });
            }
        }

        /** In the turn: a chunk arrived. */
        void offer(ByteBuffer chunk) {
            if (!cancelled) {
                chunks.add(chunk);
                drain();
            }
        }

        /** In the turn: the body ended (null) or failed. */
        void end(Throwable cause) {
            error = cause;
            ended = true;
            drain();
        }

        long takeDelivered() {
            return delivered.getAndSet(0);
        }

        private void drain() {
            if (wip.getAndIncrement() != 0) {
                return;
            }
            do {
                final Flow.Subscriber<? super ByteBuffer> sub = subscriber.get();
                if (sub != null && !cancelled) {
                    while (demand.get() > 0) {
                        final ByteBuffer chunk = chunks.poll();
                        if (chunk == null) {
                            break;
                        }
                        demand.decrementAndGet();
                        delivered.addAndGet(chunk.remaining());
                        sub.onNext(chunk);
                    }
                    if (ended && chunks.isEmpty() && terminated.compareAndSet(false, true)) {
                        if (error == null) {
                            sub.onComplete();
                        } else {
                            sub.onError(error);
                        }
                    }
                }
            } while (wip.decrementAndGet() != 0);
        }
    }
}
