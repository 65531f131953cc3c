package io.troupe.http;

import io.troupe.io.TcpOptions;
import io.troupe.io.TlsSettings;
import java.time.Duration;
import java.util.Objects;

/**
 * How an {@link HttpClient} connects, pools and waits. Immutable: each {@code withX} returns new
 * options; safe to share between threads.
 *
 * <pre>{@code
 * HttpClientOptions options = HttpClientOptions.defaults()
 *         .withMaxConnectionsPerOrigin(16)
 *         .withRequestTimeout(Duration.ofSeconds(5))
 *         .withTls(TlsSettings.of(myTrust));
 * }</pre>
 */
public final class HttpClientOptions {
    private static final HttpClientOptions DEFAULTS = new HttpClientOptions(Duration.ofSeconds(10), Duration.ofSeconds(30),
            8, 1024, Duration.ofSeconds(60), 64 * 1024, 64 * 1024, 0, null, TcpOptions.defaults(), Http2.OFF);

    private final Duration connectTimeout;
    private final Duration requestTimeout;
    private final int maxConnectionsPerOrigin;
    private final int maxWaitingRequestsPerOrigin;
    private final Duration idleTimeout;
    private final int maxResponseHeadBytes;
    private final int maxBufferedBodyBytes;
    private final int maxRedirects;
    private final TlsSettings tls;
    private final TcpOptions tcp;
    private final Http2 http2;

    /** Whether and how a client speaks HTTP/2 (issue #16). */
    public enum Http2 {
        /** HTTP/1.1 only (the default). */
        OFF,
        /**
         * https origins offer {@code h2} and {@code http/1.1} by ALPN and use HTTP/2 when the server
         * picks it: all requests to an origin then share one connection, as streams within the
         * server's concurrent-stream limit. An origin whose server picks HTTP/1.1 is remembered and
         * served by the HTTP/1.1 pool. http origins use HTTP/1.1.
         */
        ALPN,
        /** As {@link #ALPN}, and http origins speak HTTP/2 in cleartext with prior knowledge (h2c). */
        PRIOR_KNOWLEDGE
    }

    private HttpClientOptions(Duration connectTimeout, Duration requestTimeout, int maxConnectionsPerOrigin,
                              int maxWaitingRequestsPerOrigin, Duration idleTimeout, int maxResponseHeadBytes,
                              int maxBufferedBodyBytes, int maxRedirects, TlsSettings tls, TcpOptions tcp,
                              Http2 http2) {
        this.connectTimeout = connectTimeout;
        this.requestTimeout = requestTimeout;
        this.maxConnectionsPerOrigin = maxConnectionsPerOrigin;
        this.maxWaitingRequestsPerOrigin = maxWaitingRequestsPerOrigin;
        this.idleTimeout = idleTimeout;
        this.maxResponseHeadBytes = maxResponseHeadBytes;
        this.maxBufferedBodyBytes = maxBufferedBodyBytes;
        this.maxRedirects = maxRedirects;
        this.tls = tls;
        this.tcp = tcp;
        this.http2 = http2;
    }

    /**
     * The defaults: a 10 s connect timeout, a 30 s request timeout, at most 8 connections and
     * 1024 waiting requests per origin, idle connections closed after 60 s, response heads of at
     * most 64 KiB, response bodies of at most 64 KiB with a {@code Content-Length} read whole
     * (larger or unknown ones streamed), redirects not followed, the JDK's default trust for
     * https (with hostname verification), and {@link TcpOptions#defaults()}.
     *
     * @return the default options
     */
    public static HttpClientOptions defaults() {
        return DEFAULTS;
    }

    private static Duration positive(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, was " + d);
        }
        return d;
    }

    private static int atLeast(int n, int min, String what) {
        if (n < min) {
            throw new IllegalArgumentException(what + " must be at least " + min + ", was " + n);
        }
        return n;
    }

    /**
     * With this connect timeout: how long a new connection (name resolution and TCP connect) may
     * take; a request that needed it fails with the connect's cause (a
     * {@link java.net.SocketTimeoutException} when it passed). The TLS handshake has its own,
     * {@link TlsSettings#handshakeTimeout()}.
     *
     * @param timeout positive
     * @return new options
     */
    public HttpClientOptions withConnectTimeout(Duration timeout) {
        return new HttpClientOptions(positive(timeout, "connect timeout"), requestTimeout, maxConnectionsPerOrigin,
                maxWaitingRequestsPerOrigin, idleTimeout, maxResponseHeadBytes, maxBufferedBodyBytes, maxRedirects, tls, tcp, http2);
    }

    /**
     * With this request timeout: from the call until the response head has arrived (and, for a
     * body read whole, until its end), on the actor system's clock. A request that outlives it
     * fails with {@link java.util.concurrent.TimeoutException}, and its connection is aborted
     * (an answer may still be on its way). A streamed body is not covered once the head is in:
     * its reader sets its own pace. Time spent waiting for a pooled connection counts: a request
     * still waiting at its deadline fails then with a {@link java.util.concurrent.TimeoutException}
     * and leaves the pool's queue.
     *
     * @param timeout positive
     * @return new options
     */
    public HttpClientOptions withRequestTimeout(Duration timeout) {
        return new HttpClientOptions(connectTimeout, positive(timeout, "request timeout"), maxConnectionsPerOrigin,
                maxWaitingRequestsPerOrigin, idleTimeout, maxResponseHeadBytes, maxBufferedBodyBytes, maxRedirects, tls, tcp, http2);
    }

    /**
     * With this pool bound: at most {@code max} connections open (or opening) per origin
     * (scheme, host, port); further requests wait for one to be free.
     *
     * @param max at least 1
     * @return new options
     */
    public HttpClientOptions withMaxConnectionsPerOrigin(int max) {
        return new HttpClientOptions(connectTimeout, requestTimeout, atLeast(max, 1, "max connections per origin"),
                maxWaitingRequestsPerOrigin, idleTimeout, maxResponseHeadBytes, maxBufferedBodyBytes, maxRedirects, tls, tcp, http2);
    }

    /**
     * With this bound on requests waiting for a connection per origin: one more fails at once
     * with {@link io.troupe.services.OverloadedException}.
     *
     * @param max at least 0
     * @return new options
     */
    public HttpClientOptions withMaxWaitingRequestsPerOrigin(int max) {
        return new HttpClientOptions(connectTimeout, requestTimeout, maxConnectionsPerOrigin,
                atLeast(max, 0, "max waiting requests per origin"), idleTimeout, maxResponseHeadBytes, maxBufferedBodyBytes,
                maxRedirects, tls, tcp, http2);
    }

    /**
     * With this idle timeout: a pooled connection unused for this long is closed (on the actor
     * system's clock).
     *
     * @param timeout positive
     * @return new options
     */
    public HttpClientOptions withIdleTimeout(Duration timeout) {
        return new HttpClientOptions(connectTimeout, requestTimeout, maxConnectionsPerOrigin, maxWaitingRequestsPerOrigin,
                positive(timeout, "idle timeout"), maxResponseHeadBytes, maxBufferedBodyBytes, maxRedirects, tls, tcp, http2);
    }

    /**
     * With this limit on a response's status line and header fields; a larger head fails the
     * request with {@link java.io.IOException} and closes the connection.
     *
     * @param bytes at least 256
     * @return new options
     */
    public HttpClientOptions withMaxResponseHeadBytes(int bytes) {
        return new HttpClientOptions(connectTimeout, requestTimeout, maxConnectionsPerOrigin, maxWaitingRequestsPerOrigin,
                idleTimeout, atLeast(bytes, 256, "max response head bytes"), maxBufferedBodyBytes, maxRedirects, tls, tcp, http2);
    }

    /**
     * With this threshold: a response body with a {@code Content-Length} of at most this many
     * bytes is read whole before the response is handed over ({@link Body.Bytes}); any other is a
     * {@link Body.Stream} read from the socket as its subscriber asks.
     *
     * @param bytes at least 0 (0 streams every body that has one)
     * @return new options
     */
    public HttpClientOptions withMaxBufferedBodyBytes(int bytes) {
        return new HttpClientOptions(connectTimeout, requestTimeout, maxConnectionsPerOrigin, maxWaitingRequestsPerOrigin,
                idleTimeout, maxResponseHeadBytes, atLeast(bytes, 0, "max buffered body bytes"), maxRedirects, tls, tcp, http2);
    }

    /**
     * With redirects followed, at most {@code max} per call (0, the default, hands 3xx responses
     * to the caller as they are). Followed: 301, 302 and 303 (as a GET without body, except
     * that 301 and 302 keep a GET or HEAD), 307 and 308 (same method and body, when the body is
     * {@link Body.Bytes}; a streamed body cannot be sent twice, and its 3xx is returned). A
     * redirect to another origin drops {@code Authorization} and {@code Cookie}.
     *
     * @param max at least 0
     * @return new options
     */
    public HttpClientOptions withFollowRedirects(int max) {
        return new HttpClientOptions(connectTimeout, requestTimeout, maxConnectionsPerOrigin, maxWaitingRequestsPerOrigin,
                idleTimeout, maxResponseHeadBytes, maxBufferedBodyBytes, atLeast(max, 0, "max redirects"), tls, tcp, http2);
    }

    /**
     * With these TLS settings for https origins (trust, versions, handshake timeout, hostname
     * verification). ALPN is {@code http/1.1}, or {@code h2, http/1.1} with {@link #withHttp2}, whatever
     * the settings offer.
     *
     * @param settings the client's TLS settings
     * @return new options
     */
    public HttpClientOptions withTls(TlsSettings settings) {
        return new HttpClientOptions(connectTimeout, requestTimeout, maxConnectionsPerOrigin, maxWaitingRequestsPerOrigin,
                idleTimeout, maxResponseHeadBytes, maxBufferedBodyBytes, maxRedirects,
                Objects.requireNonNull(settings, "settings"), tcp, http2);
    }

    /**
     * With these socket options (buffer sizes, write queue and its watermarks, read size).
     *
     * @param tcpOptions the options of each connection
     * @return new options
     */
    public HttpClientOptions withTcp(TcpOptions tcpOptions) {
        return new HttpClientOptions(connectTimeout, requestTimeout, maxConnectionsPerOrigin, maxWaitingRequestsPerOrigin,
                idleTimeout, maxResponseHeadBytes, maxBufferedBodyBytes, maxRedirects, tls,
                Objects.requireNonNull(tcpOptions, "tcpOptions"), http2);
    }

    /**
     * The connect timeout.
     *
     * @return the timeout
     */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /**
     * The request timeout.
     *
     * @return the timeout
     */
    public Duration requestTimeout() {
        return requestTimeout;
    }

    /**
     * The most connections per origin.
     *
     * @return the bound
     */
    public int maxConnectionsPerOrigin() {
        return maxConnectionsPerOrigin;
    }

    /**
     * The most requests waiting for a connection per origin.
     *
     * @return the bound
     */
    public int maxWaitingRequestsPerOrigin() {
        return maxWaitingRequestsPerOrigin;
    }

    /**
     * The idle timeout of pooled connections.
     *
     * @return the timeout
     */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    /**
     * The limit on a response head.
     *
     * @return bytes
     */
    public int maxResponseHeadBytes() {
        return maxResponseHeadBytes;
    }

    /**
     * The largest body read whole.
     *
     * @return bytes
     */
    public int maxBufferedBodyBytes() {
        return maxBufferedBodyBytes;
    }

    /**
     * The most redirects followed per call (0: none).
     *
     * @return the count
     */
    public int maxRedirects() {
        return maxRedirects;
    }

    /**
     * The TLS settings for https, or null for the JDK's default trust.
     *
     * @return the settings, or {@code null}
     */
    public TlsSettings tls() {
        return tls;
    }

    /**
     * The socket options.
     *
     * @return the TCP options
     */
    public TcpOptions tcp() {
        return tcp;
    }

    /**
     * With HTTP/2 as {@code mode} says ({@link Http2#OFF} by default). Under HTTP/2 a response body
     * with a Content-Length up to {@link #maxBufferedBodyBytes()} is read whole, any other is
     * streamed with flow control: at most 256 KiB unread per stream.
     *
     * @param mode OFF, ALPN or PRIOR_KNOWLEDGE
     * @return new options
     */
    public HttpClientOptions withHttp2(Http2 mode) {
        return new HttpClientOptions(connectTimeout, requestTimeout, maxConnectionsPerOrigin, maxWaitingRequestsPerOrigin,
                idleTimeout, maxResponseHeadBytes, maxBufferedBodyBytes, maxRedirects, tls, tcp,
                Objects.requireNonNull(mode, "mode"));
    }

    /**
     * Whether and how HTTP/2 is spoken.
     *
     * @return the mode
     */
    public Http2 http2() {
        return http2;
    }

    @Override
    public String toString() {
        return "HttpClientOptions[connectTimeout=" + connectTimeout + ", requestTimeout=" + requestTimeout
                + ", maxConnectionsPerOrigin=" + maxConnectionsPerOrigin + ", idleTimeout=" + idleTimeout
                + ", maxRedirects=" + maxRedirects + "]";
    }
}
