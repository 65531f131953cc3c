package io.troupe.http.internal.client;

import io.troupe.http.Body;
import io.troupe.http.Headers;
import io.troupe.http.Response;
import io.troupe.http.internal.BodyPublisher;
import io.troupe.http.internal.BodySubscriber;
import io.troupe.http.internal.Http1Codec;
import io.troupe.http.internal.HttpError;
import io.troupe.io.Connection;
import io.troupe.io.ConnectionStage;
import io.troupe.io.Tcp;
import io.troupe.io.TlsConnection;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One HTTP/1.1 client connection, as a {@link ConnectionStage} (under a TLS stage for https):
 * writes one request at a time, parses its response, streams both bodies with credit, and goes
 * back to its {@link ClientPool} when the exchange is over and the connection may be kept. NOT
 * thread safe: confined to its connection actor's turn, except {@link #dispatch} and
 * {@link #closeFromOutside}, and the body streams' demand, which re-enter with
 * {@link Connection#execute}.
 */
public final class Http1ClientStage implements ConnectionStage {
    /*
     * Threading protocol. Every field is confined to the connection's turn except `handoff`
     * (an exchange given by the pool from another thread) and `dead` (volatile). dispatch()
     * sets handoff, then reads dead; onClosed sets dead, then takes handoff: whichever runs
     * second sees the other, so a handed-off exchange is either begun in a turn or retried on
     * another connection, never lost (execute() drops its action once the connection is closed).
     *
     * States of the connection (derived from fields):
     *   CONNECTING (conn == null) -> ACTIVE (ex != null)            // onConnected with the first exchange
     *   ACTIVE -> IDLE (ex == null, in the pool's idle set)          // response read, keep-alive
     *   IDLE   -> ACTIVE                                             // dispatch() from the pool
     *   ACTIVE -> ACTIVE                                             // released() handed a waiting exchange
     *   any    -> CLOSING (closing) -> CLOSED (closed)               // no keep-alive, idle timeout, timeout, error
     *
     * Input states (inState): HEAD -> BODY_FIXED | CHUNKED | BODY_EOF | DONE; each body state
     *   -> DONE. The chunk framing's own states (size line, data, CRLF, trailers) are the
     *   codec's (Http1Codec, shared with the server stage).
     *
     * Invariants.
     *  1. At most one exchange runs (ex); the next request is written only after the response
     *     to the previous one was read in full (no pipelining).
     *  2. While the codec's stash holds bytes reading is suspended, so the stash holds at most
     *     what one socket read (one TLS read turn) brought past the point where the body's
     *     subscriber had no demand; it holds no buffer when empty.
     *  3. An upload chunk is asked for only when `out` is empty and the write queue is below its
     *     high watermark: an upload holds one chunk plus the write queue. A full queue, or one at
     *     the high watermark, is a paused one (io-actors pauses writing in the turn whose write
     *     reaches the watermark, and tells onWritingResumed after every pause): pump() then just
     *     stops, and onWritingResumed pumps again.
     *
     * Memory ordering: see ClientPool; the body stream's demand is BodyPublisher's (an
     * AtomicLong), its wake-up an execute().
     *
     * Shutdown. The actor system closes the connection: onClosed fails what is in flight.
     */

    /** Reading a response head. */
    private static final int HEAD = 0;
    /** Reading a Content-Length body. */
    private static final int BODY_FIXED = 1;
    /** Reading a chunked body (framing, data, trailer section: see Http1Codec). */
    private static final int CHUNKED = 2;
    /** Reading a body that ends where the connection does. */
    private static final int BODY_EOF = 3;
    /** The response is read in full. */
    private static final int DONE = 4;

    private static final Object REQUEST_TIMER = "http-client-request";
    private static final Object IDLE_TIMER = "http-client-idle";
    private static final byte[] NO_BYTES = new byte[0];

    private final ClientPool owner;
    private final ClientPool.OriginPool pool;
    private final int highWatermarkBytes;
    private final AtomicReference<ClientExchange> handoff = new AtomicReference<>();
    private volatile boolean dead;

    private ClientExchange first;
    private Connection conn;
    private boolean closing;
    private boolean closed;
    private boolean peerClosed;
    private int served;

    // ---- the exchange in flight
    private ClientExchange ex;
    private boolean sentAnything;
    private boolean gotAnything;
    private boolean requestClose;
    private boolean keepAlive;
    private int inState = HEAD;
    private byte[] head;
    private int headLen;
    private long bodyRemaining;
    private byte[] bodyBuf;
    private int bodyLen;
    private int status;
    private Headers responseHeaders;
    private BodyPublisher bodyStream;
    /** The exchange whose response {@link #bodyStream} is. */
    private ClientExchange bodyStreamExchange;
    /** The latest response body stream, whose subscribe onClosed may have to finish. */
    private BodyPublisher lastBodyStream;
    /** The stash of input bytes the body's subscriber has not asked for yet, and the chunk framing. */
    private final Http1Codec codec = new Http1Codec();
    private boolean readingSuspended;
    /** Tells the exchange's end (completes a whole body, or ends a stream); run by finishExchange. */
    private Runnable onFinished;

    // ---- output
    private final ArrayDeque<ByteBuffer> out = new ArrayDeque<>(0);
    private BodySubscriber upload;
    /** The exchange whose request body {@link #upload} reads. */
    private ClientExchange uploadExchange;
    /** The streamed request body's trailers (sent after the last chunk of a chunked upload). */
    private CompletionStage<Headers> uploadTrailers;
    /** The upload's publisher completed; its trailers are awaited (no more chunks are asked for). */
    private boolean uploadCompleted;
    private boolean uploadDone;
    private boolean chunkedUpload;
    private long uploadLength;
    private long uploadBytes;

    Http1ClientStage(ClientPool owner, ClientPool.OriginPool pool, ClientExchange first) {
        this.owner = owner;
        this.pool = pool;
        this.first = first;
        this.highWatermarkBytes = owner.options().tcp().writeQueueHighWatermarkBytes();
    }

    private long now() {
        return conn.system().clock().nanoTime();
    }

    // ================================================================ hand-offs from other threads

    /** Any thread: runs {@code exchange} on this (idle, just taken from the pool) connection. */
    void dispatch(ClientExchange exchange) {
        handoff.set(exchange);
        if (dead) {
            final ClientExchange back = handoff.getAndSet(null);
            if (back != null && !owner.retry(back)) {
                back.result.completeExceptionally(new IOException("the pooled connection closed"));
            }
            return;
        }
        conn.execute(this::takeHandoff);
    }

    /** Any thread: closes this idle connection (the client is closing). */
    void closeFromOutside() {
        conn.execute(() -> {
            if (ex == null && !closing) {
                closing = true;
                conn.close();
            }
        });
    }

    private void takeHandoff() {
        final ClientExchange e = handoff.getAndSet(null);
        if (e == null) {
            return;
        }
        if (closing || closed) {
            notSent(e, new IOException("the pooled connection was closing"));
            return;
        }
        begin(e);
    }

    private void notSent(ClientExchange e, Throwable cause) {
        if (!owner.retry(e)) {
            e.result.completeExceptionally(cause);
        }
    }

    // ================================================================ stage calls

    @Override
    public void onConnected(Connection connection) {
        conn = connection;
        if (connection instanceof TlsConnection tls && tls.applicationProtocol() != null
                && !"http/1.1".equals(tls.applicationProtocol())) {
            final ClientExchange f = first;
            first = null;
            f.result.completeExceptionally(new IOException("the server chose ALPN protocol " + tls.applicationProtocol()
                    + "; this client speaks http/1.1 only"));
            closing = true;
            connection.close();
            return;
        }
        final ClientExchange f = first;
        first = null;
        begin(f);
    }

    @Override
    public void onConnectFailed(SocketAddress address, Throwable cause) {
        closed = true;
        dead = true;
        final ClientExchange f = first;
        first = null;
        pool.stageClosed(this);
        if (f != null) {
            f.result.completeExceptionally(cause);
        }
    }

    @Override
    public void onReceived(Connection connection, ByteBuffer data) {
        if (closed || closing) {
            return;
        }
        if (ex == null) {
            // Bytes nobody asked for (a 408 before an idle close, or garbage): the connection is not usable.
            closeIdle();
            return;
        }
        gotAnything = true;
        if (codec.hasStash()) {
            codec.stash(data);
            owner.recordBuffered(codec.stashedBytes());
            return; // reading is suspended; the stash is drained as demand comes
        }
        process(data);
        afterInput(data);
    }

    @Override
    public void onPeerClosed(Connection connection) {
        peerClosed = true;
        if (ex == null) {
            closeIdle();
            return;
        }
        checkPeerClosed();
    }

    @Override
    public void onWritingResumed(Connection connection) {
        pump();
    }

    @Override
    public void onClosed(Connection connection, Tcp.ConnectionClosed why) {
        closed = true;
        dead = true;
        final Throwable cause = why instanceof Tcp.ErrorClosed err ? err.cause()
                : new IOException("the connection closed (" + why + ")");
        if (upload != null) {
            upload.cancel();
        }
        final ClientExchange f = first;
        first = null;
        final ClientExchange e = ex;
        ex = null;
        final ClientExchange h = handoff.getAndSet(null);
        pool.stageClosed(this);
        if (f != null) {
            f.result.completeExceptionally(cause); // the TLS handshake failed
        }
        if (e != null) {
            failExchange(e, cause instanceof IOException ? cause
                    : new IOException("the connection closed before the response was read: " + cause, cause), true);
        }
        if (h != null) {
            notSent(h, cause);
        }
        if (lastBodyStream != null) {
            lastBodyStream.runPendingStart();
        }
    }

    // ================================================================ the request

    private void begin(ClientExchange e) {
        conn.cancelTimer(IDLE_TIMER);
        if (e.result.isDone()) { // cancelled by the caller while waiting
            next();
            return;
        }
        final long remaining = e.deadlineNanos - now();
        if (remaining <= 0) {
            e.result.completeExceptionally(new TimeoutException("no connection to " + e.origin + " was free within the "
                    + owner.options().requestTimeout().toMillis() + " ms request timeout"));
            next();
            return;
        }
        ex = e;
        sentAnything = false;
        gotAnything = false;
        inState = HEAD;
        headLen = 0;
        bodyBuf = null;
        bodyLen = 0;
        bodyStream = null;
        upload = null;
        out.clear();
        conn.startTimer(REQUEST_TIMER, Duration.ofNanos(remaining), () -> onRequestTimer(e));
        if (readingSuspended) {
            readingSuspended = false;
            conn.resumeReading();
        }
        writeRequest(e);
    }

    private void writeRequest(ClientExchange e) {
        final Headers h = e.request.headers();
        final Body body = e.request.body();
        final StringBuilder sb = new StringBuilder(128);
        sb.append(e.request.method()).append(' ').append(e.target).append(" HTTP/1.1\r\n");
        if (!h.contains("Host")) {
            sb.append("Host: ").append(e.origin.authority()).append("\r\n");
        }
        requestClose = false;
        for (int i = 0; i < h.size(); i++) {
            final String name = h.name(i);
            if (name.equalsIgnoreCase("Content-Length") || name.equalsIgnoreCase("Transfer-Encoding")) {
                continue;
            }
            if (name.equalsIgnoreCase("Connection") && h.value(i).toLowerCase(Locale.ROOT).contains("close")) {
                requestClose = true;
            }
            sb.append(name).append(": ").append(h.value(i)).append("\r\n");
        }
        final long length = body.length();
        chunkedUpload = length < 0;
        uploadLength = length;
        uploadBytes = 0;
        if (chunkedUpload) {
            sb.append("Transfer-Encoding: chunked\r\n");
        } else if (length > 0 || !(e.request.method().equals("GET") || e.request.method().equals("HEAD"))) {
            sb.append("Content-Length: ").append(length).append("\r\n");
        }
        sb.append("\r\n");
        out.add(ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.ISO_8859_1)));
        if (body instanceof Body.Bytes bytes) {
            if (bytes.length() > 0) {
                out.add(ByteBuffer.wrap(bytes.array()));
            }
            uploadDone = true;
            pump();
        } else {
            uploadDone = false;
            upload = new BodySubscriber(conn::execute, BodySubscriber.Sink.of(
                    this::pump, chunk -> onUploadChunk(e, chunk), t -> onUploadEnd(e, t)));
            uploadExchange = e;
            uploadTrailers = body.trailers();
            uploadCompleted = false;
            pump();
            ((Body.Stream) body).publisher().subscribe(upload);
        }
    }

    /** Writes what `out` holds as the write queue has room; then asks the upload for its next chunk. */
    private void pump() {
        if (closed || closing) {
            return;
        }
        while (!out.isEmpty()) {
            final ByteBuffer b = out.peek();
            final int room = conn.writeRoomBytes();
            if (room <= 0) {
                return; // the queue is full, so writing is paused: onWritingResumed pumps again
            }
            if (b.remaining() <= room) {
                if (!conn.write(b)) {
                    return; // a write that fits is refused only when the connection is closing
                }
                out.poll();
                sentAnything = true;
            } else {
                if (!conn.write(b.slice(b.position(), room))) {
                    return;
                }
                sentAnything = true;
                b.position(b.position() + room);
                return; // the queue is full now, so writing is paused: onWritingResumed pumps again
            }
        }
        final BodySubscriber u = upload;
        if (u != null && !uploadDone && !uploadCompleted && ex == uploadExchange && conn.queuedBytes() < highWatermarkBytes) {
            u.requestMore();
        } // else at the high watermark writing is paused: onWritingResumed asks for more
    }

    void onUploadChunk(ClientExchange e, ByteBuffer chunk) {
        if (e != ex || closed || closing) {
            return;
        }
        upload.received();
        final int n = chunk.remaining();
        if (n == 0) {
            pump();
            return;
        }
        uploadBytes += n;
        if (!chunkedUpload && uploadBytes > uploadLength) {
            abortExchange(new IOException("the request body is longer than its length " + uploadLength));
            return;
        }
        if (chunkedUpload) {
            out.add(Http1Codec.chunkSizeLine(n));
            out.add(chunk);
            out.add(Http1Codec.chunkEnd());
        } else {
            out.add(chunk);
        }
        pump();
    }

    void onUploadEnd(ClientExchange e, Throwable failure) {
        if (e != ex || closed || closing || uploadDone || uploadCompleted) {
            return;
        }
        if (failure != null) {
            abortExchange(new IOException("the request body failed: " + failure, failure));
            return;
        }
        if (!chunkedUpload && uploadBytes != uploadLength) {
            abortExchange(new IOException("the request body ended after " + uploadBytes + " of its " + uploadLength + " bytes"));
            return;
        }
        if (chunkedUpload) {
            uploadCompleted = true;
            final CompletionStage<Headers> trailers = uploadTrailers;
            if (trailers instanceof CompletableFuture<Headers> cf) {
                final CompletableFuture<Headers> f = cf.getClass() == CompletableFuture.class ? cf : cf.toCompletableFuture();
                if (f.isDone()) {
                    Headers h = null;
                    Throwable t = null;
                    try {
                        h = f.getNow(null);
                    } catch (CompletionException | CancellationException x) {
                        t = x;
                    }
                    onUploadTrailers(e, h, t);
                    return;
                }
            }
            trailers.whenComplete((h, t) -> conn.execute(() -> onUploadTrailers(e, h, t)));
            return;
        }
        uploadDone = true;
        pump();
    }

    /** The request body's trailers are known (or failed), in the turn: the last chunk carries them. */
    private void onUploadTrailers(ClientExchange e, Headers trailers, Throwable failure) {
        if (e != ex || closed || closing || uploadDone) {
            return;
        }
        if (failure != null || trailers == null) {
            abortExchange(new IOException("the request trailers failed: " + failure, failure));
            return;
        }
        try {
            out.add(Http1Codec.lastChunk(trailers));
        } catch (IllegalArgumentException x) {
            abortExchange(new IOException("the request trailers cannot be sent: " + x.getMessage(), x));
            return;
        }
        uploadDone = true;
        pump();
    }

    // ================================================================ the response

    /** After input was processed: keep what could not be used, finish a complete exchange. */
    private void afterInput(ByteBuffer in) {
        if (inState == DONE) {
            if (in.hasRemaining()) {
                codec.clearStash();
                keepAlive = false; // bytes after the response: the connection is out of step
            }
            finishExchange();
            return;
        }
        if (in.hasRemaining() && ex != null && !closing) {
            codec.stash(in);
            owner.recordBuffered(codec.stashedBytes());
            if (!readingSuspended) {
                readingSuspended = true;
                conn.suspendReading();
            }
        }
        checkPeerClosed();
    }

    /** In the turn: the body's subscriber asked for more (or cancelled). */
    void onDemand(ClientExchange e) {
        if (e != ex || closed || closing) {
            return;
        }
        if (bodyStream != null && bodyStream.cancelled()) {
            // Nobody reads the rest: the connection cannot be reused.
            ex = null;
            conn.cancelTimer(REQUEST_TIMER);
            closing = true;
            conn.abort();
            return;
        }
        if (codec.hasStash()) {
            final ByteBuffer s = codec.stashed();
            process(s);
            codec.unstash(s);
            if (inState == DONE) {
                afterInput(s);
                return;
            }
            if (codec.hasStash()) {
                return;
            }
        }
        if (readingSuspended && !codec.hasStash()) {
            readingSuspended = false;
            conn.resumeReading();
        }
        checkPeerClosed();
    }

    private void checkPeerClosed() {
        if (!peerClosed || ex == null || codec.hasStash() || closing || closed) {
            return;
        }
        if (inState == BODY_EOF) {
            bodyDone();
            finishExchange();
        } else {
            final ClientExchange e = ex;
            ex = null;
            closing = true;
            conn.close();
            failExchange(e, new IOException(inState == HEAD ? "the server closed the connection before answering"
                    : "the server closed the connection in the middle of the response body"), true);
        }
    }

    /** Parses what it can of {@code in}; stops at the end of the response or when the body has no demand. */
    private void process(ByteBuffer in) {
        while (in.hasRemaining() && ex != null && inState != DONE) {
            switch (inState) {
                case HEAD -> {
                    if (!readHead(in)) {
                        return;
                    }
                }
                case BODY_FIXED -> {
                    final int n = (int) Math.min(bodyRemaining, in.remaining());
                    if (!deliver(in, n)) {
                        return;
                    }
                    bodyRemaining -= n;
                    if (bodyRemaining == 0) {
                        bodyDone();
                    }
                }
                case BODY_EOF -> {
                    if (!deliver(in, in.remaining())) {
                        return;
                    }
                }
                case CHUNKED -> {
                    final int framing;
                    try {
                        framing = codec.readChunked(in);
                    } catch (HttpError e) {
                        protocolError(e.getMessage());
                        return;
                    }
                    if (framing == Http1Codec.END) {
                        bodyDone();
                    } else if (framing == Http1Codec.DATA) {
                        final int n = (int) Math.min(codec.chunkDataLeft(), in.remaining());
                        if (!deliver(in, n)) {
                            return;
                        }
                        codec.chunkDataTaken(n);
                    }
                }
                default -> throw new IllegalStateException("input state " + inState);
            }
        }
    }

    /** Hands {@code n} body bytes on; false (nothing taken) if the subscriber has no demand now. */
    private boolean deliver(ByteBuffer in, int n) {
        if (n == 0) {
            return true;
        }
        if (bodyBuf != null) {
            in.get(bodyBuf, bodyLen, n);
            bodyLen += n;
            return true;
        }
        if (bodyStream == null) { // no body expected (HEAD, 204, 304): skip
            in.position(in.position() + n);
            return true;
        }
        return bodyStream.deliverCopy(in, n);
    }

    /** Collects the head's bytes; parses it once the blank line is in. False if more bytes are needed. */
    private boolean readHead(ByteBuffer in) {
        final int max = owner.options().maxResponseHeadBytes();
        if (head == null) {
            head = new byte[Math.min(max, 1024)];
        }
        while (in.hasRemaining()) {
            final byte b = in.get();
            if (headLen == head.length) {
                if (headLen >= max) {
                    protocolError("a response head longer than " + max + " bytes");
                    return false;
                }
                head = Arrays.copyOf(head, Math.min(max, headLen * 2));
            }
            head[headLen++] = b;
            if (b == '\n' && (headLen >= 2 && head[headLen - 2] == '\n'
                    || headLen >= 4 && head[headLen - 2] == '\r' && head[headLen - 3] == '\n')) {
                final int len = headLen;
                headLen = 0;
                try {
                    return parseHead(len);
                } catch (IOException e) {
                    protocolError(e.getMessage());
                    return false;
                }
            }
        }
        return false;
    }

    private boolean parseHead(int len) throws IOException {
        final byte[] b = head;
        if (head.length > 4096) {
            head = null; // keep an idle connection small
        }
        int lineEnd = lineEnd(b, 0, len);
        final String statusLine = new String(b, 0, lineEnd > 0 && b[lineEnd - 1] == '\r' ? lineEnd - 1 : lineEnd,
                StandardCharsets.ISO_8859_1);
        if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12 || statusLine.charAt(8) != ' ') {
            throw new IOException("not an HTTP/1.x status line: " + abbreviate(statusLine));
        }
        final boolean http11 = statusLine.charAt(7) == '1';
        final int code;
        try {
            code = Integer.parseInt(statusLine.substring(9, 12));
        } catch (NumberFormatException e) {
            throw new IOException("a bad status code: " + abbreviate(statusLine));
        }
        if (code < 100 || statusLine.length() > 12 && statusLine.charAt(12) != ' ') {
            throw new IOException("a bad status code: " + abbreviate(statusLine));
        }
        final Headers.Builder hb = Headers.builder();
        for (int i = lineEnd + 1; i < len; i = lineEnd + 1) {
            lineEnd = lineEnd(b, i, len);
            final int contentEnd = lineEnd > i && b[lineEnd - 1] == '\r' ? lineEnd - 1 : lineEnd;
            if (contentEnd == i) {
                break; // the blank line
            }
            try {
                Http1Codec.parseField(b, i, contentEnd, hb);
            } catch (HttpError e) {
                throw new IOException("a bad header line (" + e.getMessage() + "): "
                        + abbreviate(new String(b, i, contentEnd - i, StandardCharsets.ISO_8859_1)));
            }
        }
        final Headers headers = hb.build();
        if (code < 200) {
            if (code == 101) {
                throw new IOException("the server switched protocols (101), which this client does not do");
            }
            return true; // 100 Continue, 103 Early Hints: the final response follows
        }
        status = code;
        responseHeaders = headers;
        final String connection = headers.get("Connection");
        final String c = connection == null ? "" : connection.toLowerCase(Locale.ROOT);
        keepAlive = !requestClose && (http11 ? !c.contains("close") : c.contains("keep-alive"));
        final boolean noBody = ex.request.method().equals("HEAD") || code == 204 || code == 304;
        final String te = headers.get("Transfer-Encoding");
        final String cl = headers.get("Content-Length");
        long length;
        if (noBody) {
            length = 0;
        } else if (te != null) {
            if (te.toLowerCase(Locale.ROOT).strip().endsWith("chunked")) {
                length = -1;
                codec.startChunked(Long.MAX_VALUE, owner.options().maxResponseHeadBytes(), Integer.MAX_VALUE);
            } else {
                length = -2; // to the connection's end
                keepAlive = false;
            }
            if (cl != null) {
                keepAlive = false; // RFC 9112 6.3: both is a smuggling risk; do not reuse
            }
        } else if (cl != null) {
            length = parseLength(cl);
        } else {
            length = -2;
            keepAlive = false;
        }
        if (length == 0) {
            bodyBuf = NO_BYTES;
            bodyDone();
            return true;
        }
        if (length > 0 && length <= owner.options().maxBufferedBodyBytes()) {
            bodyBuf = new byte[(int) length];
            bodyLen = 0;
            bodyRemaining = length;
            inState = BODY_FIXED;
            return true;
        }
        bodyStream = newBodyStream(ex);
        bodyStreamExchange = ex;
        lastBodyStream = bodyStream;
        if (length > 0) {
            bodyRemaining = length;
            inState = BODY_FIXED;
        } else if (length == -1) {
            inState = CHUNKED;
        } else {
            inState = BODY_EOF;
        }
        conn.cancelTimer(REQUEST_TIMER); // the head is in: the body's reader sets the pace now
        final Body body = Body.stream(bodyStream, length > 0 ? length : -1)
                .withTrailers(bodyStream.trailers());
        if (!ex.result.complete(Response.of(code, headers, body))) {
            // The caller gave up (cancelled the stage): nobody will read this body, so the connection cannot be kept.
            ex = null;
            closing = true;
            conn.abort();
            return false;
        }
        return true;
    }

    /** The index of the LF that ends the line starting at {@code i}; the head ends with one. */
    private static int lineEnd(byte[] b, int i, int len) {
        for (int k = i; k < len; k++) {
            if (b[k] == '\n') {
                return k;
            }
        }
        return len - 1;
    }

    private static long parseLength(String value) throws IOException {
        long result = -1;
        for (String part : value.split(",")) {
            final String p = part.strip();
            final long v;
            try {
                v = Long.parseLong(p);
            } catch (NumberFormatException e) {
                throw new IOException("a bad Content-Length: " + abbreviate(value));
            }
            if (v < 0 || result >= 0 && v != result) {
                throw new IOException("a bad Content-Length: " + abbreviate(value));
            }
            result = v;
        }
        return result;
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }

    /** The response's body is read in full. */
    private void bodyDone() {
        final Headers trailers = inState == CHUNKED ? codec.trailers() : Headers.empty();
        inState = DONE;
        conn.cancelTimer(REQUEST_TIMER);
        // Told after the connection is back in the pool (finishExchange), so that a caller who sends its next
        // request on hearing this one's end finds the connection idle instead of opening another.
        if (bodyBuf != null) {
            final byte[] b = bodyBuf;
            final ClientExchange e = ex;
            final Response r = Response.of(status, responseHeaders, Body.of(b));
            bodyBuf = null;
            onFinished = () -> e.result.complete(r);
        } else if (bodyStream != null) {
            final BodyPublisher stream = bodyStream;
            onFinished = () -> stream.complete(trailers);
        }
    }

    /** The exchange is over (response read): reuse the connection or close it. */
    private void finishExchange() {
        final boolean reusable = keepAlive && uploadDone && !peerClosed && !closing;
        if (!uploadDone && upload != null) {
            upload.cancel(); // the server answered before reading the whole body
        }
        ex = null;
        inState = HEAD;
        bodyStream = null;
        upload = null;
        served++;
        final Runnable finished = onFinished;
        onFinished = null;
        if (!reusable) {
            closing = true;
            conn.close();
        } else {
            next();
        }
        if (finished != null) {
            finished.run();
        }
    }

    /** Back to the pool: the next waiting exchange, or idle. */
    private void next() {
        if (readingSuspended) {
            readingSuspended = false;
            conn.resumeReading();
        }
        final ClientExchange w = pool.released(this);
        if (w != null) {
            begin(w);
        } else if (owner.isClosed()) {
            closing = true;
            conn.close();
        } else {
            conn.startTimer(IDLE_TIMER, owner.options().idleTimeout(), this::onIdleTimer);
        }
    }

    private void onIdleTimer() {
        if (ex == null && !closing && !closed && pool.evictIdle(this)) {
            closing = true;
            conn.close();
        }
    }

    private void closeIdle() {
        pool.evictIdle(this);
        if (!closing && !closed) {
            closing = true;
            conn.close();
        }
    }

    private void onRequestTimer(ClientExchange e) {
        if (e != ex || closed || closing) {
            return;
        }
        ex = null;
        closing = true;
        conn.abort();
        failExchange(e, new TimeoutException("no response from " + e.origin + " within the "
                + owner.options().requestTimeout().toMillis() + " ms request timeout (" + e + ")"), false);
    }

    private void protocolError(String what) {
        abortExchange(new IOException("bad response from the server: " + what));
    }

    private void abortExchange(Throwable cause) {
        final ClientExchange e = ex;
        ex = null;
        closing = true;
        conn.abort();
        if (e != null) {
            failExchange(e, cause, false);
        }
    }

    /**
     * Fails {@code e}, or sends it again when that is safe: nothing of it was written, or it is
     * replayable and this connection had served others and died before any answer (the stale
     * keep-alive race).
     */
    private void failExchange(ClientExchange e, Throwable cause, boolean mayRetry) {
        if (upload != null) {
            upload.cancel();
        }
        if (bodyStream != null && bodyStreamExchange == e) {
            bodyStream.fail(cause);
        }
        if (mayRetry && !e.result.isDone() && (!sentAnything || served > 0 && !gotAnything && e.replayable())
                && owner.retry(e)) {
            return;
        }
        e.result.completeExceptionally(cause);
    }

    Connection connection() {
        return conn;
    }

    // ================================================================ body streams

    /**
     * A response body as a {@link Flow.Publisher} ({@link BodyPublisher}): demand and cancel wake
     * {@link #onDemand}, which runs the stash and resumes reading, or aborts the connection once
     * the body is cancelled (nobody reads the rest). A subscribe that comes after the close runs
     * on the subscriber's thread (the volatile {@code dead}) or in onClosed.
     */
    private BodyPublisher newBodyStream(ClientExchange e) {
        return new BodyPublisher("response body", conn::execute, BodyPublisher.Protocol.of(
                () -> onDemand(e), () -> onDemand(e)), () -> dead);
    }
}
