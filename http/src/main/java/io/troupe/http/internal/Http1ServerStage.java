package io.troupe.http.internal;

import io.troupe.http.Body;
import io.troupe.http.Headers;
import io.troupe.http.HttpOptions;
import io.troupe.http.Request;
import io.troupe.http.Response;
import io.troupe.io.Connection;
import io.troupe.io.ConnectionStage;
import io.troupe.io.Tcp;
import io.troupe.services.Service;
import io.troupe.services.Services;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * One HTTP/1.1 server connection, as a {@link ConnectionStage}: parses requests out of the reads
 * lent to it, calls the service, writes the responses in order. NOT thread safe: confined to its
 * connection actor's turn, except where said (the body streams' demand and the service's answers,
 * which come back in through {@link Connection#execute}).
 */
public final class Http1ServerStage implements ConnectionStage {
    /*
     * Threading protocol. Every field is confined to the connection actor's turn (stage calls,
     * execute actions, timer actions). Other threads touch only: a request body's demand and
     * cancel flag (BodyPublisher: atomics, and an execute() to wake the stage), and a
     * response body publisher's signals and a service's answer, which are all re-entered with
     * execute(). An Exchange is compared by identity on re-entry: an answer for an exchange that
     * is no longer current (deadline passed, connection closed) is dropped.
     *
     * Input. Reads are parsed in place (the lent buffer). What cannot be used now is copied into
     * the stash (`codec`, Http1Codec): a head split across reads (reading goes on), or bytes
     * behind something that must wait (a pipelined request behind a response in flight, or body
     * bytes nobody asked for yet): then reading is suspended, so the stash holds at most one
     * read past a partial head. When the stash has bytes, a new read is appended to it and
     * parsing runs on it. The stash is released whenever it is empty, so an idle connection
     * holds no buffer.
     *
     * Input states (inputState):
     *   HEAD       -> BODY_FIXED | CHUNKED      // head parsed, with a body
     *   HEAD       -> BODY_DONE                 // head parsed, no body
     *   BODY_FIXED -> BODY_DONE                 // Content-Length bytes read
     *   CHUNKED    -> BODY_DONE                 // the last chunk and the trailer section read (the
     *                                           // chunk framing's own states are the codec's)
     *   BODY_DONE  -> HEAD                      // the response is fully handed to the connection
     *   any        -> DISCARD                   // an error answer or Connection: close; input is ignored
     *
     * Output. Responses are written in request order, one at a time: the next head is parsed only
     * when the current response has been handed to the connection in full (pipelining is
     * answered in order by construction). Bytes go through `outQueue`, written as the write
     * queue has room (never refused); a streamed body asks its publisher for the next chunk only
     * when `outQueue` is empty and the write queue is below its high watermark, so a download
     * holds at most one chunk plus the write queue. Waiting for room rests on the connection's
     * contract (io-actors, Connection.isWritingPaused): a write that brings the queue to its high
     * watermark pauses writing in that same turn, and every pause is followed by
     * onWritingResumed. So a full queue, or one at the high watermark, is a paused one, and the
     * stage simply stops until onWritingResumed pumps again (no re-check of its own).
     *
     * Targets are checked when a head is parsed (PercentCoding): what a handler could not decode,
     * or would route differently (an encoded '/' or NUL in the path), is 400 before any call.
     *
     * Trailers. A chunked request's trailer section is parsed by the codec within the header
     * limits; bodyDone hands it to the body stream, which completes its trailers stage before
     * its subscriber's onComplete. A chunked response whose publisher has completed waits for its
     * trailers stage (responseCompleted: no more chunks asked for), then queues the last chunk with
     * them and ends as before; a trailers stage that never completes holds the connection, as a
     * publisher that never completes does.
     *
     * Invariants.
     *  1. exchange == null  =>  inputState is HEAD or DISCARD.
     *  2. The stash never grows in DISCARD (input is dropped), and holds no buffer when empty.
     *  3. A response head is written at most once per exchange, after the 100 Continue if any.
     *
     * Deadlines run on the connection's timers (the system clock: a ManualClock in tests):
     * header read from a head's first byte, body read as the longest gap between body bytes
     * while they are wanted, request from the request's end (the service call, or the last byte
     * of a streamed body, whichever is later) to its answer, idle from the end of a response. Idle and body read re-arm themselves lazily: a request costs no timer
     * operation for them.
     *
     * Memory ordering. The turn-confined fields need none (the connection actor's turns are
     * ordered by its mailbox). What other threads hand in travels by execute(), a mailbox
     * hand-off (happens-before). The request body's demand and cancel flag are BodyPublisher's
     * (see its overview); the response body's subscription is BodySubscriber's (volatile: a
     * publisher may call onSubscribe on any thread).
     *
     * Shutdown. onShuttingDown: an idle connection closes at once; one with a request in flight
     * answers it with Connection: close, then closes. The system's shutdown phase deadline closes
     * what is still open after that.
     */

    private static final System.Logger LOG = System.getLogger(Http1ServerStage.class.getName());

    /** Reading a request head (or waiting for one). */
    private static final int HEAD = 0;
    /** Reading a Content-Length body. */
    private static final int BODY_FIXED = 1;
    /** Reading a chunked body (chunk framing, data, trailer section). */
    private static final int CHUNKED = 2;
    /** The request is read; its response is not finished yet. */
    private static final int BODY_DONE = 3;
    /** Input is ignored: the connection is closing. */
    private static final int DISCARD = 4;

    private static final Object HEADER_TIMER = "http-header-read";
    private static final Object BODY_TIMER = "http-body-read";
    private static final Object REQUEST_TIMER = "http-request";
    private static final Object IDLE_TIMER = "http-idle";

    private static final int INLINE_BODY_BYTES = 8 * 1024;
    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] CRLF = {'\r', '\n'};
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private final HttpOptions options;
    private final Service<Request, Response> service;
    private final int writeQueueMaxBytes;
    private final int highWatermarkBytes;

    private Connection conn;
    private int inputState = HEAD;

    // ---- input
    /** The stash of input bytes kept between reads, and the chunked body's framing. */
    private final Http1Codec codec = new Http1Codec();
    /** Bytes of the current partial head already scanned (all complete lines), from its start. */
    private int headScanned;
    /** Where the request line ends in the partial head (-1: not seen yet). */
    private int requestLineEnd = -1;
    private boolean headTimerOn;
    private boolean inProcess;
    private long bodyRemaining;
    private long bodyReceived;
    private long lastBodyNanos;
    private boolean bodyTimerOn;

    // ---- the exchange in flight
    private Exchange exchange;
    private boolean draining;
    private boolean peerClosed;
    private boolean closed;
    private long idleSinceNanos;

    /** HTTP/2's h2c upgrade (set by its protocol selector), or null; see {@link #upgradeHook}. */
    private java.util.function.Predicate<Request> upgradeHook;

    // ---- output
    private final ArrayDeque<ByteBuffer> outQueue = new ArrayDeque<>(0);

    /**
     * A stage for one connection.
     *
     * @param options the server's options
     * @param service the handler
     */
    public Http1ServerStage(HttpOptions options, Service<Request, Response> service) {
        this.options = options;
        this.service = service;
        this.writeQueueMaxBytes = options.tcp().writeQueueMaxBytes();
        this.highWatermarkBytes = options.tcp().writeQueueHighWatermarkBytes();
    }

    /**
     * Offers each HTTP/1.1 request without a body that carries an {@code Upgrade} field to
     * {@code hook} (in the turn, before the service sees it); if the hook takes the connection
     * over (it has written its 101 and replaced this stage), it returns true and this stage goes
     * quiet. Set once, before the first read.
     *
     * @param hook the upgrade, or null for none
     */
    public void upgradeHook(java.util.function.Predicate<Request> hook) {
        this.upgradeHook = hook;
    }

    /** One request and its response. */
    private static final class Exchange {
        Request request;
        boolean http11;
        boolean keepAlive;
        boolean isHead;
        boolean expectContinue;
        boolean continueSent;
        /** A Content-Length body read whole before the call. */
        byte[] bufferedBody;
        int bufferedLength;
        /** A streamed request body, or null. */
        BodyPublisher bodyStream;
        boolean called;
        boolean answered;
        boolean headWritten;
        /** A streamed response body. */
        BodySubscriber responseBody;
        /** The response body is read and dropped (HEAD, 204, 304): no chunk is written. */
        boolean responseSkip;
        /** The response body is over (its last bytes, if any, are in the output queue). */
        boolean responseEnded;
        /** The response body's publisher has completed (the chunked response waits for its trailers). */
        boolean responseCompleted;
        /** The response's length if it has a Content-Length (-1: chunked or close-delimited). */
        long responseLength = -1;
        boolean chunkedResponse;
        long responseBytes;
        /** The streamed response body's trailers (sent if it goes chunked). */
        CompletionStage<Headers> responseTrailers;
    }

    /** Per-thread scratch arrays: the head being parsed and the response head being encoded. */
    private static final class Scratch {
        byte[] head = new byte[4096];
        byte[] out = new byte[4096];
    }

    private long now() {
        return conn.system().clock().nanoTime();
    }

    // ================================================================ stage calls

    @Override
    public void onConnected(Connection connection) {
        this.conn = connection;
        idleSinceNanos = now();
        conn.startTimer(IDLE_TIMER, options.idleTimeout(), this::onIdleTimer);
    }

    @Override
    public void onReceived(Connection connection, ByteBuffer data) {
        if (conn == null) {
            onConnected(connection); // a wrapping stage (TLS) may not forward onConnected
        }
        if (inputState == DISCARD) {
            return;
        }
        if (codec.hasStash()) {
            codec.stash(data);
            runPending();
            return;
        }
        final boolean blocked = process(data);
        if (data.hasRemaining() && inputState != DISCARD) {
            codec.stash(data);
        }
        afterInput(blocked);
    }

    @Override
    public void onPeerClosed(Connection connection) {
        peerClosed = true;
        if (exchange == null) {
            conn.close();
            return;
        }
        final BodyPublisher body = exchange.bodyStream;
        if (inputState != BODY_DONE && inputState != DISCARD) {
            // the client went away mid-request: what the handler reads ends in an error
            inputState = DISCARD;
            codec.clearStash();
            if (body != null) {
                body.fail(new ClosedChannelException());
            }
            if (!exchange.called) {
                conn.close();
                return;
            }
            if (!exchange.answered) {
                startRequestTimer(exchange); // the request has ended, if badly: the answer has its deadline
            }
        }
        exchange.keepAlive = false; // answer what is in flight, then close
    }

    @Override
    public void onShuttingDown(Connection connection) {
        draining = true;
        if (exchange == null) {
            conn.close();
        }
    }

    @Override
    public void onWritingResumed(Connection connection) {
        pumpOutput();
    }

    @Override
    public void onClosed(Connection connection, Tcp.ConnectionClosed why) {
        closed = true;
        inputState = DISCARD;
        codec.clearStash();
        outQueue.clear();
        final Exchange ex = exchange;
        exchange = null;
        if (ex != null) {
            if (ex.bodyStream != null) {
                ex.bodyStream.fail(new ClosedChannelException());
            }
            if (ex.responseBody != null) {
                ex.responseBody.cancel();
            }
        }
    }

    // ================================================================ input

    private void afterInput(boolean blocked) {
        if (closed || inputState == DISCARD) {
            return;
        }
        if (blocked) {
            conn.suspendReading();
        } else {
            conn.resumeReading();
        }
    }

    /** Parses what the stash holds; used after an append and when the stage may move on again. */
    private void runPending() {
        if (!codec.hasStash()) {
            afterInput(false);
            return;
        }
        final ByteBuffer in = codec.stashed();
        final boolean blocked = process(in);
        codec.unstash(in); // no effect if process dropped the stash (DISCARD)
        afterInput(blocked);
    }

    /**
     * Parses requests out of {@code in} from its position; returns true if it stopped because it
     * must wait (a response in flight, or no demand for body bytes), with {@code in}'s position
     * at the first byte not used; false if it used everything it could and wants more.
     */
    private boolean process(ByteBuffer in) {
        inProcess = true;
        try {
            while (true) {
                switch (inputState) {
                    case HEAD: // no exchange in flight (invariant 1): BODY_DONE holds the next head back
                        if (!in.hasRemaining()) {
                            return false;
                        }
                        if (!readHead(in)) {
                            return false;
                        }
                        break;
                    case BODY_FIXED:
                    case CHUNKED:
                        if (!in.hasRemaining()) {
                            return false;
                        }
                        if (!readBody(in)) {
                            return true;
                        }
                        break;
                    case BODY_DONE:
                        return in.hasRemaining();
                    default: // DISCARD
                        in.position(in.limit());
                        return false;
                }
            }
        } finally {
            inProcess = false;
        }
    }

    /**
     * Reads a head from {@code in}; false if it is not complete (position left at its start, the
     * caller keeps the bytes). Answers and closes on a limit or a syntax error.
     */
    private boolean readHead(ByteBuffer in) {
        final int start = in.position();
        final int limit = in.limit();
        if (headScanned == 0) {
            // RFC 9112 2.2: ignore empty lines before a request line.
            int s = start;
            while (s < limit && (in.get(s) == '\r' || in.get(s) == '\n')) {
                s++;
            }
            in.position(s);
            if (s == limit) {
                return false;
            }
        }
        final int headStart = in.position();
        int lineStart = headStart + headScanned;
        int end = -1;
        for (int i = lineStart; i < limit; i++) {
            if (in.get(i) != '\n') {
                continue;
            }
            if (requestLineEnd < 0) {
                requestLineEnd = i - headStart;
                if (requestLineEnd > options.maxRequestLineBytes() + 1) {
                    failHead(414, "the request line is longer than " + options.maxRequestLineBytes() + " bytes");
                    return false;
                }
            } else if (i == lineStart || (i == lineStart + 1 && in.get(lineStart) == '\r')) {
                end = i + 1;
                break;
            }
            lineStart = i + 1;
        }
        if (end < 0) {
            headScanned = lineStart - headStart;
            if (requestLineEnd < 0 && limit - headStart > options.maxRequestLineBytes() + 1) {
                failHead(414, "the request line is longer than " + options.maxRequestLineBytes() + " bytes");
            } else if (requestLineEnd >= 0 && limit - headStart - requestLineEnd > options.maxHeaderBytes() + 2) {
                failHead(431, "the header fields are longer than " + options.maxHeaderBytes() + " bytes");
            } else if (!headTimerOn) {
                headTimerOn = true;
                conn.startTimer(HEADER_TIMER, options.headerReadTimeout(), this::onHeaderTimer);
            }
            return false;
        }
        if (end - headStart - requestLineEnd > options.maxHeaderBytes() + 2) {
            failHead(431, "the header fields are longer than " + options.maxHeaderBytes() + " bytes");
            return false;
        }
        headScanned = 0;
        requestLineEnd = -1;
        if (headTimerOn) {
            headTimerOn = false;
            conn.cancelTimer(HEADER_TIMER);
        }
        final int len = end - headStart;
        final Scratch scratch = SCRATCH.get();
        if (scratch.head.length < len) {
            scratch.head = new byte[Math.max(len, scratch.head.length * 2)];
        }
        in.get(headStart, scratch.head, 0, len);
        in.position(end);
        try {
            final HeadParser.Head head = HeadParser.parse(scratch.head, 0, len, options.maxHeaderCount());
            begin(head);
        } catch (HttpError e) {
            failHead(e.status, e.getMessage());
            return false;
        }
        return true;
    }

    /** A head is parsed: check what it asks for and start the exchange. */
    private void begin(HeadParser.Head head) throws HttpError {
        final Headers h = head.headers();
        long contentLength = -1;
        String transferEncoding = null;
        boolean close = false;
        boolean keepAliveAsked = false;
        String expect = null;
        boolean host = false;
        for (int i = 0, n = h.size(); i < n; i++) {
            final String name = h.name(i);
            final String value = h.value(i);
            if (name.equalsIgnoreCase("content-length")) {
                final long cl = parseContentLength(value);
                if (contentLength >= 0 && cl != contentLength) {
                    throw new HttpError(400, "differing Content-Length fields");
                }
                contentLength = cl;
            } else if (name.equalsIgnoreCase("transfer-encoding")) {
                transferEncoding = transferEncoding == null ? value : transferEncoding + "," + value;
            } else if (name.equalsIgnoreCase("connection")) {
                for (String token : value.split(",")) {
                    final String t = token.trim();
                    if (t.equalsIgnoreCase("close")) {
                        close = true;
                    } else if (t.equalsIgnoreCase("keep-alive")) {
                        keepAliveAsked = true;
                    }
                }
            } else if (name.equalsIgnoreCase("expect")) {
                expect = value;
            } else if (name.equalsIgnoreCase("host")) {
                host = true;
            }
        }
        if (transferEncoding != null && contentLength >= 0) {
            throw new HttpError(400, "both Content-Length and Transfer-Encoding (request smuggling)");
        }
        if (transferEncoding != null && !transferEncoding.trim().equalsIgnoreCase("chunked")) {
            throw new HttpError(501, "Transfer-Encoding '" + transferEncoding + "' is not supported (only chunked)");
        }
        if (head.http11() && !host) {
            throw new HttpError(400, "an HTTP/1.1 request must have a Host field");
        }
        if (expect != null && !expect.trim().equalsIgnoreCase("100-continue")) {
            throw new HttpError(417, "Expect '" + expect + "' is not supported");
        }
        if (contentLength > options.maxBodyBytes()) {
            throw new HttpError(413, "Content-Length " + contentLength + " is over the limit of "
                    + options.maxBodyBytes() + " bytes");
        }
        final Request request = Request.of(head.method(), head.target(), head.http11() ? "HTTP/1.1" : "HTTP/1.0", h,
                Body.empty(), conn.remoteAddress());
        PercentCoding.checkedPath(request.rawPath()); // 400 for what a handler could not decode, or would misroute
        PercentCoding.checkQuery(request.query());
        if (upgradeHook != null && head.http11() && transferEncoding == null && contentLength <= 0 && !draining
                && h.contains("upgrade") && upgradeHook.test(request)) {
            inputState = DISCARD; // the connection speaks another protocol now, through another stage
            codec.clearStash();
            conn.cancelTimer(IDLE_TIMER);
            return;
        }
        final Exchange ex = new Exchange();
        ex.http11 = head.http11();
        ex.keepAlive = !close && (head.http11() || keepAliveAsked) && !draining;
        ex.isHead = head.method().equals("HEAD");
        ex.expectContinue = expect != null && head.http11();
        exchange = ex;
        bodyReceived = 0;
        final Body body;
        if (transferEncoding != null) {
            ex.bodyStream = newBodyStream(ex);
            body = Body.stream(ex.bodyStream, -1).withTrailers(ex.bodyStream.trailers());
            inputState = CHUNKED;
            codec.startChunked(options.maxBodyBytes(), options.maxHeaderBytes(), options.maxHeaderCount());
        } else if (contentLength > 0) {
            bodyRemaining = contentLength;
            inputState = BODY_FIXED;
            if (contentLength <= options.maxBufferedBodyBytes()) {
                ex.bufferedBody = new byte[(int) contentLength];
                body = null;
                sendContinue(ex);
            } else {
                ex.bodyStream = newBodyStream(ex);
                body = Body.stream(ex.bodyStream, contentLength).withTrailers(ex.bodyStream.trailers());
            }
        } else {
            body = Body.empty();
            inputState = BODY_DONE;
        }
        if (inputState != BODY_DONE) {
            lastBodyNanos = now();
            if (!bodyTimerOn) {
                bodyTimerOn = true;
                conn.startTimer(BODY_TIMER, options.bodyReadTimeout(), this::onBodyTimer);
            }
        }
        if (body != null) {
            ex.request = body == Body.empty() ? request : request.withBody(body);
            call(ex);
        } else {
            ex.request = request; // its body is read whole first (bodyDone)
        }
    }

    private static long parseContentLength(String value) throws HttpError {
        final int n = value.length();
        if (n == 0 || n > 18) {
            throw new HttpError(400, "invalid Content-Length '" + value + "'");
        }
        long v = 0;
        for (int i = 0; i < n; i++) {
            final char c = value.charAt(i);
            if (c < '0' || c > '9') {
                throw new HttpError(400, "invalid Content-Length '" + value + "'");
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /**
     * Reads body bytes (and chunk framing); false if it must wait for demand. Errors answer and
     * close (the state becomes DISCARD, and true is returned so the loop ends there).
     */
    private boolean readBody(ByteBuffer in) {
        final Exchange ex = exchange;
        lastBodyNanos = now();
        while (in.hasRemaining()) {
            if (inputState == BODY_FIXED) {
                final int n = (int) Math.min(in.remaining(), bodyRemaining);
                final int used = deliver(ex, in, n);
                bodyRemaining -= used;
                bodyReceived += used;
                if (used < n) {
                    return false;
                }
                if (bodyRemaining == 0) {
                    bodyDone(ex, Headers.empty());
                    return true;
                }
                continue;
            }
            if (inputState != CHUNKED) {
                return true;
            }
            final int framing;
            try {
                framing = codec.readChunked(in);
            } catch (HttpError e) {
                failBody(e.status, e.getMessage());
                return true;
            }
            if (framing == Http1Codec.END) {
                bodyDone(ex, codec.trailers());
                return true;
            }
            if (framing == Http1Codec.DATA) {
                final int n = (int) Math.min(in.remaining(), codec.chunkDataLeft());
                final int used = deliver(ex, in, n);
                codec.chunkDataTaken(used);
                bodyReceived += used;
                if (used < n) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Hands {@code n} body bytes to their reader; returns how many it took (fewer: no demand). */
    private int deliver(Exchange ex, ByteBuffer in, int n) {
        if (ex.bufferedBody != null) {
            in.get(ex.bufferedBody, ex.bufferedLength, n);
            ex.bufferedLength += n;
            return n;
        }
        return ex.bodyStream.deliverCopy(in, n) ? n : 0;
    }

    /** The request body has been read to its end; {@code trailers} are its trailer fields (chunked), or empty. */
    private void bodyDone(Exchange ex, Headers trailers) {
        inputState = BODY_DONE;
        if (bodyTimerOn) {
            bodyTimerOn = false;
            conn.cancelTimer(BODY_TIMER);
        }
        if (ex.bufferedBody != null) {
            ex.request = ex.request.withBody(Body.of(ex.bufferedBody));
            ex.bufferedBody = null;
            call(ex);
        } else if (ex.bodyStream != null) {
            ex.bodyStream.complete(trailers);
            if (ex.called && !ex.answered && exchange == ex) {
                startRequestTimer(ex);
            }
        }
    }

    private void startRequestTimer(Exchange ex) {
        conn.startTimer(REQUEST_TIMER, options.requestTimeout(), () -> onRequestTimer(ex));
    }

    /** A streamed body's reader asked for bytes (or cancelled): move on inside the turn. */
    void onDemand(Exchange ex) {
        if (ex != exchange || closed) {
            return;
        }
        sendContinue(ex);
        if (codec.hasStash()) {
            runPending();
        } else {
            afterInput(false);
        }
    }

    private void sendContinue(Exchange ex) {
        if (ex.expectContinue && !ex.continueSent && !ex.headWritten && !closed) {
            ex.continueSent = true;
            conn.write(ByteBuffer.wrap(CONTINUE));
        }
    }

    // ================================================================ errors before the handler answers

    /** A head that cannot be served: answer {@code status} and close. */
    private void failHead(int status, String detail) {
        headScanned = 0;
        requestLineEnd = -1;
        inputState = DISCARD;
        codec.clearStash();
        writeErrorAndClose(status, detail, false);
    }

    /** A body that cannot be read on: its reader hears an error, the client hears {@code status}. */
    private void failBody(int status, String detail) {
        final Exchange ex = exchange;
        inputState = DISCARD;
        codec.clearStash();
        if (ex != null && ex.bodyStream != null) {
            ex.bodyStream.fail(new java.io.IOException("request body: " + detail));
        }
        if (ex != null && ex.headWritten) {
            conn.close();
            return;
        }
        if (ex != null) {
            ex.answered = true;
        }
        writeErrorAndClose(status, detail, ex != null && ex.isHead);
    }

    private void writeErrorAndClose(int status, String detail, boolean isHead) {
        if (closed) {
            return;
        }
        final Response r = Response.text(status, status + " " + Reasons.of(status) + ": " + detail + "\n");
        final Scratch s = SCRATCH.get();
        final byte[] body = ((Body.Bytes) r.body()).array();
        int len = encodeHead(s, r, false, body.length, false, true);
        if (!isHead) {
            len = put(s, len, body, 0, body.length);
        }
        conn.write(ByteBuffer.wrap(s.out, 0, len));
        conn.close();
    }

    // ================================================================ calling the service

    private void call(Exchange ex) {
        ex.called = true;
        final CompletionStage<Response> stage = Services.call(service, ex.request);
        if (stage instanceof CompletableFuture<Response> cf) {
            // a minimal stage (CompletableFuture.completedStage) refuses isDone; its copy does not
            final CompletableFuture<Response> f = cf.getClass() == CompletableFuture.class ? cf : cf.toCompletableFuture();
            if (f.isDone()) {
                answered(ex, f);
                return;
            }
        }
        if (inputState == BODY_DONE) {
            startRequestTimer(ex);
        } // else when the streamed body has been read (bodyDone): reading it is the body deadline's
        stage.whenComplete((response, failure) -> conn.execute(() -> onAnswer(ex, response, failure)));
    }

    private void answered(Exchange ex, CompletableFuture<Response> f) {
        Response response = null;
        Throwable failure = null;
        try {
            response = f.getNow(null);
        } catch (CompletionException | java.util.concurrent.CancellationException e) {
            failure = e;
        }
        onAnswer(ex, response, failure);
    }

    private void onAnswer(Exchange ex, Response response, Throwable failure) {
        if (ex != exchange || ex.answered || closed) {
            return; // late: the deadline answered, or the connection is gone
        }
        ex.answered = true;
        conn.cancelTimer(REQUEST_TIMER);
        if (failure != null || response == null) {
            response = failureResponse(ex, failure);
        }
        startResponse(ex, response);
    }

    private static Response failureResponse(Exchange ex, Throwable failure) {
        final Throwable t = ServiceFailure.unwrap(failure);
        final int status = ServiceFailure.status(t);
        if (status == 500) {
            LOG.log(System.Logger.Level.WARNING, "the handler failed on " + ex.request + "; answering 500",
                    t == null ? new NullPointerException("the handler answered null") : t);
        }
        return Response.text(status, status + " " + Reasons.of(status) + "\n");
    }

    private void onRequestTimer(Exchange ex) {
        if (ex != exchange || ex.answered || closed) {
            return;
        }
        ex.answered = true;
        ex.keepAlive = false;
        startResponse(ex, Response.text(503, "503 Service Unavailable: no answer within "
                + options.requestTimeout().toMillis() + " ms\n"));
    }

    // ================================================================ writing the response

    private void startResponse(Exchange ex, Response response) {
        // The connection is kept only if the request has been read to its end.
        if (inputState != BODY_DONE || draining || peerClosed) {
            ex.keepAlive = false;
        }
        final int status = response.status();
        final boolean noBody = status == 204 || status == 304 || status < 200;
        final Body body = response.body();
        final Scratch s = SCRATCH.get();
        if (!headerSafe(response)) {
            LOG.log(System.Logger.Level.WARNING, "the handler's response to " + ex.request
                    + " has a CR or LF in a header field; answering 500");
            startResponse(ex, Response.text(500, "500 Internal Server Error\n"));
            return;
        }
        ex.headWritten = true;
        if (body instanceof Body.Bytes bytes) {
            final byte[] b = bytes.array();
            int len = encodeHead(s, response, ex.keepAlive, noBody ? -1 : b.length, false, ex.http11);
            final boolean writeBody = !noBody && !ex.isHead && b.length > 0;
            final boolean inline = writeBody && b.length <= INLINE_BODY_BYTES;
            if (inline) {
                len = put(s, len, b, 0, b.length);
            }
            if (outQueue.isEmpty() && len <= writeQueueMaxBytes - conn.queuedBytes()) {
                conn.write(ByteBuffer.wrap(s.out, 0, len)); // the common case: one copy, into the turn's output
            } else {
                outQueue.add(ByteBuffer.wrap(Arrays.copyOf(s.out, len)));
            }
            if (writeBody && !inline) {
                outQueue.add(ByteBuffer.wrap(b));
            }
            pumpOutput();
            return;
        }
        final Body.Stream stream = (Body.Stream) body;
        final long length = stream.length();
        final boolean chunked = length < 0 && ex.http11 && !noBody;
        if (length < 0 && !chunked) {
            ex.keepAlive = false; // HTTP/1.0: the body ends where the connection does
        }
        ex.responseLength = length;
        ex.chunkedResponse = chunked;
        ex.responseTrailers = stream.trailers();
        final int len = encodeHead(s, response, ex.keepAlive, noBody ? -1 : length, chunked, ex.http11);
        outQueue.add(ByteBuffer.wrap(Arrays.copyOf(s.out, len)));
        final BodySubscriber subscriber = new BodySubscriber(conn::execute, BodySubscriber.Sink.of(
                () -> onResponseSubscribed(ex), chunk -> onResponseChunk(ex, chunk), t -> onResponseEnd(ex, t)));
        ex.responseBody = subscriber;
        if (ex.isHead || noBody) {
            ex.responseSkip = true;
        }
        stream.publisher().subscribe(subscriber);
        pumpOutput();
    }

    /** Writes what the output queue holds as the write queue has room; then moves the response on. */
    private void pumpOutput() {
        if (closed) {
            return;
        }
        while (!outQueue.isEmpty()) {
            final ByteBuffer b = outQueue.peek();
            final int room = writeQueueMaxBytes - conn.queuedBytes();
            if (room <= 0) {
                return; // the queue is full, so writing is paused: onWritingResumed pumps again
            }
            if (b.remaining() <= room) {
                if (!conn.write(b)) {
                    return;
                }
                outQueue.poll();
            } else {
                final ByteBuffer slice = b.slice(b.position(), room);
                if (!conn.write(slice)) {
                    return;
                }
                b.position(b.position() + room);
                return; // the queue is full now, so writing is paused: onWritingResumed pumps again
            }
        }
        final Exchange ex = exchange;
        if (ex == null || !ex.headWritten) {
            return;
        }
        final BodySubscriber rb = ex.responseBody;
        if (rb == null) {
            finishResponse(ex);
        } else if (ex.responseEnded) {
            finishResponse(ex);
        } else if (conn.queuedBytes() < highWatermarkBytes) {
            if (!ex.responseCompleted && !ex.responseSkip) {
                rb.requestMore();
            }
        } // else the queue is at its high watermark, so writing is paused: onWritingResumed asks for more
    }

    /** The response body's publisher has subscribed us, in the turn. */
    private void onResponseSubscribed(Exchange ex) {
        if (ex.responseSkip) {
            ex.responseBody.cancel();
            onResponseEnd(ex, null);
        } else {
            pumpOutput();
        }
    }

    /** A chunk of the response body, in the turn. */
    void onResponseChunk(Exchange ex, ByteBuffer chunk) {
        if (ex != exchange || closed) {
            return;
        }
        ex.responseBody.received();
        final int n = chunk.remaining();
        if (ex.responseSkip || n == 0) {
            pumpOutput();
            return;
        }
        ex.responseBytes += n;
        if (ex.responseLength >= 0 && ex.responseBytes > ex.responseLength) {
            abortResponse(ex, "the response body is longer than its Content-Length " + ex.responseLength);
            return;
        }
        if (ex.chunkedResponse) {
            outQueue.add(Http1Codec.chunkSizeLine(n));
            outQueue.add(chunk);
            outQueue.add(Http1Codec.chunkEnd());
        } else {
            outQueue.add(chunk);
        }
        pumpOutput();
    }

    /** The response body ended (or failed), in the turn. */
    void onResponseEnd(Exchange ex, Throwable failure) {
        if (ex != exchange || closed) {
            return;
        }
        if (failure != null) {
            abortResponse(ex, "the response body failed: " + failure);
            return;
        }
        if (!ex.responseSkip && ex.responseLength >= 0 && ex.responseBytes != ex.responseLength) {
            abortResponse(ex, "the response body ended after " + ex.responseBytes + " of its Content-Length "
                    + ex.responseLength + " bytes");
            return;
        }
        if (ex.chunkedResponse && !ex.responseSkip) {
            ex.responseCompleted = true; // no more chunks asked for while the trailers come
            final CompletableFuture<Headers> trailers = doneOrNull(ex.responseTrailers);
            if (trailers == null) {
                ex.responseTrailers.whenComplete((h, t) -> conn.execute(() -> onResponseTrailers(ex, h, t)));
                return;
            }
            Headers h = null;
            Throwable t = null;
            try {
                h = trailers.getNow(null);
            } catch (CompletionException | java.util.concurrent.CancellationException e) {
                t = e;
            }
            onResponseTrailers(ex, h, t);
            return;
        }
        ex.responseEnded = true;
        pumpOutput();
    }

    /** The response body's trailers are known (or failed), in the turn: the last chunk carries them. */
    private void onResponseTrailers(Exchange ex, Headers trailers, Throwable failure) {
        if (ex != exchange || closed) {
            return;
        }
        if (failure != null || trailers == null) {
            abortResponse(ex, "the response trailers failed: " + (failure == null ? "null trailers" : failure));
            return;
        }
        final ByteBuffer last;
        try {
            last = Http1Codec.lastChunk(trailers);
        } catch (IllegalArgumentException e) {
            abortResponse(ex, "the response trailers cannot be sent: " + e.getMessage());
            return;
        }
        outQueue.add(last);
        ex.responseEnded = true;
        pumpOutput();
    }

    /** The stage's future if it has completed (a minimal stage's copy), else null: no hop for trailers known at once. */
    private static CompletableFuture<Headers> doneOrNull(CompletionStage<Headers> stage) {
        if (stage instanceof CompletableFuture<Headers> cf) {
            final CompletableFuture<Headers> f = cf.getClass() == CompletableFuture.class ? cf : cf.toCompletableFuture();
            return f.isDone() ? f : null;
        }
        return null;
    }

    private void abortResponse(Exchange ex, String why) {
        LOG.log(System.Logger.Level.WARNING, why + " (" + ex.request + "); closing the connection");
        if (ex.responseBody != null) {
            ex.responseBody.cancel();
        }
        outQueue.clear();
        inputState = DISCARD;
        // HTTP/1.1 has no way to say "this body is broken" but to end the connection early.
        conn.abort();
    }

    /** The response is handed to the connection in full: the next request, or close. */
    private void finishResponse(Exchange ex) {
        exchange = null;
        if (ex.bodyStream != null && inputState != BODY_DONE) {
            // the response is done but the body was not read to its end: the connection closes
            ex.bodyStream.fail(new java.util.concurrent.CancellationException(
                    "the response was sent before the request body was read"));
        }
        if (!ex.keepAlive || draining || peerClosed) {
            inputState = DISCARD;
            codec.clearStash();
            conn.close();
            return;
        }
        inputState = HEAD;
        idleSinceNanos = now();
        if (!inProcess) {
            runPending(); // pipelined requests read while this one was answered
        }
    }

    // ================================================================ deadlines

    private void onHeaderTimer() {
        if (!headTimerOn || closed) {
            return;
        }
        headTimerOn = false;
        if (inputState == HEAD && exchange == null && codec.hasStash()) {
            failHead(408, "the request head did not arrive within " + options.headerReadTimeout().toMillis() + " ms");
        }
    }

    private void onBodyTimer() {
        if (!bodyTimerOn || closed) {
            return;
        }
        final Exchange ex = exchange;
        if (ex == null || inputState == BODY_DONE || inputState == HEAD || inputState == DISCARD) {
            bodyTimerOn = false;
            return;
        }
        final long timeout = options.bodyReadTimeout().toNanos();
        final long quiet = now() - lastBodyNanos;
        final boolean waitingForReader = codec.hasStash(); // bytes are here; the handler has not asked
        if (!waitingForReader && quiet >= timeout) {
            bodyTimerOn = false;
            failBody(408, "the request body stalled for " + options.bodyReadTimeout().toMillis() + " ms");
            return;
        }
        final long next = waitingForReader ? timeout : timeout - quiet;
        conn.startTimer(BODY_TIMER, Duration.ofNanos(Math.max(next, 1_000_000)), this::onBodyTimer);
    }

    private void onIdleTimer() {
        if (closed) {
            return;
        }
        final long timeout = options.idleTimeout().toNanos();
        if (exchange == null && !codec.hasStash() && inputState == HEAD) {
            final long idle = now() - idleSinceNanos;
            if (idle >= timeout) {
                inputState = DISCARD;
                conn.close();
                return;
            }
            conn.startTimer(IDLE_TIMER, Duration.ofNanos(Math.max(timeout - idle, 1_000_000)), this::onIdleTimer);
            return;
        }
        conn.startTimer(IDLE_TIMER, options.idleTimeout(), this::onIdleTimer); // busy: look again later
    }

    // ================================================================ encoding

    /**
     * Encodes a response head into {@code s.out}; returns its length. {@code length} -1 means no
     * Content-Length field.
     */
    private static int encodeHead(Scratch s, Response r, boolean keepAlive, long length, boolean chunked,
                                  boolean http11) {
        int p = 0;
        p = putAscii(s, p, "HTTP/1.1 ");
        p = putAscii(s, p, Integer.toString(r.status()));
        p = putAscii(s, p, " ");
        p = putAscii(s, p, Reasons.of(r.status()));
        p = put(s, p, CRLF, 0, 2);
        final byte[] date = DateCache.line(System.currentTimeMillis());
        p = put(s, p, date, 0, date.length);
        final Headers h = r.headers();
        for (int i = 0, n = h.size(); i < n; i++) {
            final String name = h.name(i);
            if (name.equalsIgnoreCase("content-length") || name.equalsIgnoreCase("transfer-encoding")
                    || name.equalsIgnoreCase("connection") || name.equalsIgnoreCase("date")) {
                continue;
            }
            final String value = h.value(i);
            p = putAscii(s, p, name);
            p = putAscii(s, p, ": ");
            p = putAscii(s, p, value);
            p = put(s, p, CRLF, 0, 2);
        }
        if (chunked) {
            p = putAscii(s, p, "Transfer-Encoding: chunked\r\n");
        } else if (length >= 0) {
            p = putAscii(s, p, "Content-Length: ");
            p = putAscii(s, p, Long.toString(length));
            p = put(s, p, CRLF, 0, 2);
        }
        if (!keepAlive) {
            p = putAscii(s, p, "Connection: close\r\n");
        } else if (!http11) {
            p = putAscii(s, p, "Connection: keep-alive\r\n");
        }
        return put(s, p, CRLF, 0, 2);
    }

    /** No CR or LF in any header field name or value (a handler must not split the response). */
    private static boolean headerSafe(Response r) {
        final Headers h = r.headers();
        for (int i = 0, n = h.size(); i < n; i++) {
            if (!safe(h.name(i)) || !safe(h.value(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean safe(String v) {
        for (int i = 0, n = v.length(); i < n; i++) {
            final char c = v.charAt(i);
            if (c == '\r' || c == '\n') {
                return false;
            }
        }
        return true;
    }

    private static int putAscii(Scratch s, int p, String text) {
        final int n = text.length();
        ensure(s, p + n);
        text.getBytes(0, n, s.out, p); // ISO-8859-1 by construction: header text is Latin-1
        return p + n;
    }

    private static int put(Scratch s, int p, byte[] b, int off, int n) {
        ensure(s, p + n);
        System.arraycopy(b, off, s.out, p, n);
        return p + n;
    }

    private static void ensure(Scratch s, int size) {
        if (size > s.out.length) {
            s.out = Arrays.copyOf(s.out, Math.max(size, s.out.length * 2));
        }
    }

    // ================================================================ body streams

    /**
     * A request body as a {@link Flow.Publisher} ({@link BodyPublisher}): demand and cancel wake
     * {@link #onDemand}, which runs the stash (bytes of a cancelled body are read and dropped)
     * and resumes reading.
     */
    private BodyPublisher newBodyStream(Exchange ex) {
        return new BodyPublisher("request body", conn::execute, BodyPublisher.Protocol.of(
                () -> onDemand(ex), () -> onDemand(ex)), null);
    }
}
