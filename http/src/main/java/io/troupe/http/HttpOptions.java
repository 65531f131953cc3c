package io.troupe.http;

import io.troupe.io.TcpOptions;
import java.time.Duration;
import java.util.Objects;

/**
 * An HTTP server's limits and deadlines. Immutable and thread safe; each {@code withX} returns a
 * copy. Every limit has a default, and a request past one is answered with its status and the
 * connection closed:
 *
 * <table>
 *   <caption>Limits</caption>
 *   <tr><th>limit</th><th>default</th><th>answer</th></tr>
 *   <tr><td>request line (method, target, version)</td><td>8 KiB</td><td>414</td></tr>
 *   <tr><td>header fields, bytes (and, apart, a chunked body's trailer fields)</td><td>16 KiB</td><td>431</td></tr>
 *   <tr><td>header fields, count (and trailer fields)</td><td>100</td><td>431</td></tr>
 *   <tr><td>target: malformed percent escape or UTF-8, encoded {@code /} or NUL in the path</td><td>-</td><td>400</td></tr>
 *   <tr><td>body</td><td>16 MiB</td><td>413</td></tr>
 *   <tr><td>header read (from a request's first byte to its blank line)</td><td>10 s</td><td>408</td></tr>
 *   <tr><td>body read (no body byte while the handler wants one)</td><td>30 s</td><td>408, or close</td></tr>
 *   <tr><td>request (from the request's end to its response)</td><td>30 s</td><td>503</td></tr>
 *   <tr><td>idle keep-alive (between requests)</td><td>60 s</td><td>close</td></tr>
 * </table>
 */
public final class HttpOptions {
    private int maxRequestLineBytes = 8 * 1024;
    private int maxHeaderBytes = 16 * 1024;
    private int maxHeaderCount = 100;
    private long maxBodyBytes = 16L << 20;
    private int maxBufferedBodyBytes = 64 * 1024;
    private Duration headerReadTimeout = Duration.ofSeconds(10);
    private Duration bodyReadTimeout = Duration.ofSeconds(30);
    private Duration requestTimeout = Duration.ofSeconds(30);
    private Duration idleTimeout = Duration.ofSeconds(60);
    private TcpOptions tcp = TcpOptions.defaults().withNoDelay(true);
    private boolean http2;
    private int http2MaxConcurrentStreams = 100;
    private int http2StreamWindowBytes = 64 * 1024;
    private int http2MaxFrameSize = 16_384;
    private int http2HeaderTableSize = 4_096;

    private HttpOptions() {}

    private HttpOptions copy() {
        final HttpOptions c = new HttpOptions();
        c.maxRequestLineBytes = maxRequestLineBytes;
        c.maxHeaderBytes = maxHeaderBytes;
        c.maxHeaderCount = maxHeaderCount;
        c.maxBodyBytes = maxBodyBytes;
        c.maxBufferedBodyBytes = maxBufferedBodyBytes;
        c.headerReadTimeout = headerReadTimeout;
        c.bodyReadTimeout = bodyReadTimeout;
        c.requestTimeout = requestTimeout;
        c.idleTimeout = idleTimeout;
        c.tcp = tcp;
        c.http2 = http2;
        c.http2MaxConcurrentStreams = http2MaxConcurrentStreams;
        c.http2StreamWindowBytes = http2StreamWindowBytes;
        c.http2MaxFrameSize = http2MaxFrameSize;
        c.http2HeaderTableSize = http2HeaderTableSize;
        return c;
    }

    /**
     * The defaults in the table above, over {@link TcpOptions#defaults()} with TCP_NODELAY on.
     *
     * @return the default options
     */
    public static HttpOptions defaults() {
        return new HttpOptions();
    }

    private static int positive(int v, String name) {
        if (v <= 0) {
            throw new IllegalArgumentException(name + " must be positive, was " + v);
        }
        return v;
    }

    private static Duration positive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + d);
        }
        return d;
    }

    /**
     * The longest request line (method, target and version, line end excluded); longer is 414.
     *
     * @param bytes the limit; positive
     * @return new options
     */
    public HttpOptions withMaxRequestLineBytes(int bytes) {
        final HttpOptions c = copy();
        c.maxRequestLineBytes = positive(bytes, "maxRequestLineBytes");
        return c;
    }

    /**
     * The most bytes of header fields (after the request line, line ends included); more is 431.
     * A chunked body's trailer section has the same limit of its own.
     *
     * @param bytes the limit; positive
     * @return new options
     */
    public HttpOptions withMaxHeaderBytes(int bytes) {
        final HttpOptions c = copy();
        c.maxHeaderBytes = positive(bytes, "maxHeaderBytes");
        return c;
    }

    /**
     * The most header fields; more is 431. A chunked body's trailer fields have the same limit
     * of their own.
     *
     * @param count the limit; positive
     * @return new options
     */
    public HttpOptions withMaxHeaderCount(int count) {
        final HttpOptions c = copy();
        c.maxHeaderCount = positive(count, "maxHeaderCount");
        return c;
    }

    /**
     * The longest request body; a longer {@code Content-Length} is 413 at once, a longer chunked
     * body 413 (or a close, if the response has begun) when the limit is passed.
     *
     * @param bytes the limit; at least 0
     * @return new options
     */
    public HttpOptions withMaxBodyBytes(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("maxBodyBytes must be at least 0, was " + bytes);
        }
        final HttpOptions c = copy();
        c.maxBodyBytes = bytes;
        return c;
    }

    /**
     * Bodies with a {@code Content-Length} up to this size are read whole before the handler is
     * called (it gets {@link Body.Bytes}); longer or chunked bodies are streamed
     * ({@link Body.Stream}). Default 64 KiB.
     *
     * @param bytes the limit; at least 0
     * @return new options
     */
    public HttpOptions withMaxBufferedBodyBytes(int bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("maxBufferedBodyBytes must be at least 0, was " + bytes);
        }
        final HttpOptions c = copy();
        c.maxBufferedBodyBytes = bytes;
        return c;
    }

    /**
     * How long a request's head may take, from its first byte to its blank line (slowloris);
     * then 408 and close.
     *
     * @param timeout positive
     * @return new options
     */
    public HttpOptions withHeaderReadTimeout(Duration timeout) {
        final HttpOptions c = copy();
        c.headerReadTimeout = positive(timeout, "headerReadTimeout");
        return c;
    }

    /**
     * How long the body may go without a byte while it is wanted; then 408 (or a close if the
     * response has begun).
     *
     * @param timeout positive
     * @return new options
     */
    public HttpOptions withBodyReadTimeout(Duration timeout) {
        final HttpOptions c = copy();
        c.bodyReadTimeout = positive(timeout, "bodyReadTimeout");
        return c;
    }

    /**
     * How long a handler may take to answer (to produce its {@link Response}, not to stream its
     * body), counted from the end of the request: the call, or for a streamed request body its
     * last byte (reading an upload is bounded by {@link #withBodyReadTimeout} instead); then 503
     * and close, and its late answer is dropped.
     *
     * @param timeout positive
     * @return new options
     */
    public HttpOptions withRequestTimeout(Duration timeout) {
        final HttpOptions c = copy();
        c.requestTimeout = positive(timeout, "requestTimeout");
        return c;
    }

    /**
     * How long a keep-alive connection may wait for its next request; then it is closed.
     *
     * @param timeout positive
     * @return new options
     */
    public HttpOptions withIdleTimeout(Duration timeout) {
        final HttpOptions c = copy();
        c.idleTimeout = positive(timeout, "idleTimeout");
        return c;
    }

    /**
     * The socket options of the listener and its connections (write queue, buffers, limits).
     * Their framing, read credit and answered reads must not be set (the server is a stage).
     *
     * @param tcpOptions the TCP options
     * @return new options
     */
    public HttpOptions withTcp(TcpOptions tcpOptions) {
        Objects.requireNonNull(tcpOptions, "tcpOptions");
        if (tcpOptions.framing() != null) {
            throw new IllegalArgumentException("an HTTP server's TcpOptions must have no framing");
        }
        final HttpOptions c = copy();
        c.tcp = tcpOptions;
        return c;
    }

    /**
     * Serves HTTP/2 as well as HTTP/1.1 (off by default): over TLS, {@code h2} is offered first
     * in ALPN; in cleartext, a connection that opens with the HTTP/2 client preface (prior
     * knowledge) or an HTTP/1.1 request with {@code Upgrade: h2c} speaks HTTP/2 (h2c). Handlers
     * see the same {@link Request}s ({@link Request#version()} {@code "HTTP/2"}). The limits
     * above apply per stream (the header limits as {@code SETTINGS_MAX_HEADER_LIST_SIZE}, bytes
     * plus 32 per field, answered 431; the deadlines except the idle one, which is the
     * connection's); {@link #withHttp2MaxConcurrentStreams} (100), {@link #withHttp2StreamWindowBytes}
     * (64 KiB), {@link #withHttp2MaxFrameSize} (16 KiB) and {@link #withHttp2HeaderTableSize}
     * (4 KiB) are HTTP/2's own.
     *
     * @param enabled true to serve HTTP/2
     * @return new options
     */
    public HttpOptions withHttp2(boolean enabled) {
        final HttpOptions c = copy();
        c.http2 = enabled;
        return c;
    }

    /**
     * The most streams a client may have open at once on one HTTP/2 connection
     * ({@code SETTINGS_MAX_CONCURRENT_STREAMS}, default 100); more are refused with
     * {@code REFUSED_STREAM}.
     *
     * @param streams the limit; positive
     * @return new options
     */
    public HttpOptions withHttp2MaxConcurrentStreams(int streams) {
        final HttpOptions c = copy();
        c.http2MaxConcurrentStreams = positive(streams, "http2MaxConcurrentStreams");
        return c;
    }

    /**
     * The HTTP/2 receive window of each stream ({@code SETTINGS_INITIAL_WINDOW_SIZE}, default
     * 64 KiB): how much of a request body the client may send ahead of the handler reading it.
     * The connection's window is this times the concurrent streams, so a connection buffers at
     * most that much of unread bodies.
     *
     * @param bytes the window; at least 65,535 (the protocol's default, which a client may use
     *     before our settings arrive) and at most 2^31-1
     * @return new options
     */
    public HttpOptions withHttp2StreamWindowBytes(int bytes) {
        if (bytes < 65_535) {
            throw new IllegalArgumentException("http2StreamWindowBytes must be at least 65535, was " + bytes);
        }
        final HttpOptions c = copy();
        c.http2StreamWindowBytes = bytes;
        return c;
    }

    /**
     * The largest HTTP/2 frame payload a client may send, in bytes
     * ({@code SETTINGS_MAX_FRAME_SIZE}, default 16,384, the protocol's default); a larger frame
     * is a connection error ({@code FRAME_SIZE_ERROR}). Cost: a connection holds at most one
     * frame's payload while it reads a frame split across reads, so a larger size lets each
     * connection hold more; fewer, larger DATA frames cost less per byte. Any thread (the
     * options are immutable); it applies to connections accepted afterwards with these options.
     *
     * @param bytes the size; from 16,384 to 16,777,215 (RFC 9113 6.5.2)
     * @return new options
     * @throws IllegalArgumentException if {@code bytes} is out of that range
     */
    public HttpOptions withHttp2MaxFrameSize(int bytes) {
        if (bytes < 16_384 || bytes > 16_777_215) {
            throw new IllegalArgumentException("http2MaxFrameSize must be from 16384 to 16777215, was " + bytes);
        }
        final HttpOptions c = copy();
        c.http2MaxFrameSize = bytes;
        return c;
    }

    /**
     * The size in bytes (as RFC 7541 counts them: name, value and 32 per entry) of the HPACK
     * dynamic table the server's decoder keeps for each HTTP/2 connection
     * ({@code SETTINGS_HEADER_TABLE_SIZE}, default 4,096, the protocol's default). A value below
     * the default takes effect once the client acknowledges the server's SETTINGS. Cost: up to
     * this many bytes of decoded fields held per connection; a larger table lets a client
     * compress repeated fields better, 0 turns the dynamic table off. Any thread (the options
     * are immutable); it applies to connections accepted afterwards with these options.
     *
     * @param bytes the size; from 0 to 1,048,576 (a bound on per-connection memory)
     * @return new options
     * @throws IllegalArgumentException if {@code bytes} is out of that range
     */
    public HttpOptions withHttp2HeaderTableSize(int bytes) {
        if (bytes < 0 || bytes > 1 << 20) {
            throw new IllegalArgumentException("http2HeaderTableSize must be from 0 to 1048576, was " + bytes);
        }
        final HttpOptions c = copy();
        c.http2HeaderTableSize = bytes;
        return c;
    }

    /** @return the HTTP/2 SETTINGS_MAX_FRAME_SIZE this server advertises and enforces, in bytes */
    public int http2MaxFrameSize() {
        return http2MaxFrameSize;
    }

    /** @return the HTTP/2 SETTINGS_HEADER_TABLE_SIZE (HPACK dynamic table) this server allows, in bytes */
    public int http2HeaderTableSize() {
        return http2HeaderTableSize;
    }

    /** @return whether HTTP/2 is served */
    public boolean http2() {
        return http2;
    }

    /** @return the HTTP/2 concurrent stream limit */
    public int http2MaxConcurrentStreams() {
        return http2MaxConcurrentStreams;
    }

    /** @return the HTTP/2 stream receive window in bytes */
    public int http2StreamWindowBytes() {
        return http2StreamWindowBytes;
    }

    /** @return the request line limit in bytes */
    public int maxRequestLineBytes() {
        return maxRequestLineBytes;
    }

    /** @return the header bytes limit */
    public int maxHeaderBytes() {
        return maxHeaderBytes;
    }

    /** @return the header count limit */
    public int maxHeaderCount() {
        return maxHeaderCount;
    }

    /** @return the body limit in bytes */
    public long maxBodyBytes() {
        return maxBodyBytes;
    }

    /** @return the largest body read whole before the handler is called */
    public int maxBufferedBodyBytes() {
        return maxBufferedBodyBytes;
    }

    /** @return the header read deadline */
    public Duration headerReadTimeout() {
        return headerReadTimeout;
    }

    /** @return the body read deadline */
    public Duration bodyReadTimeout() {
        return bodyReadTimeout;
    }

    /** @return the request deadline */
    public Duration requestTimeout() {
        return requestTimeout;
    }

    /** @return the idle keep-alive deadline */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    /** @return the TCP options */
    public TcpOptions tcp() {
        return tcp;
    }
}
