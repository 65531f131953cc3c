package io.troupe.io;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a TCP listener and of its connections, or of one outgoing connection. Immutable
 * and thread safe; each {@code withX} returns a copy.
 *
 * <pre>{@code
 * TcpOptions options = TcpOptions.defaults()
 *         .withMaxConnections(10_000)
 *         .withIdleTimeout(Duration.ofMinutes(5))
 *         .withFraming(Framing.lines(8 * 1024));
 * }</pre>
 */
public final class TcpOptions {
    private static final TcpOptions DEFAULTS = new TcpOptions();

    private boolean noDelay = true;
    private boolean reuseAddress = true;
    private boolean keepAlive;
    private int sendBufferBytes;
    private int receiveBufferBytes;
    private int backlog = 1024;
    private int maxConnections = Integer.MAX_VALUE;
    private Duration idleTimeout = Duration.ZERO;
    private Duration closeTimeout = Duration.ofSeconds(5);
    private int writeQueueMaxBytes = 1 << 20;
    private int writeQueueHighWatermarkBytes = 512 << 10;
    private int writeQueueLowWatermarkBytes = 128 << 10;
    private int readChunkBytes = 64 << 10;
    private int initialReadCredit = -1;
    private boolean answeredReads;
    private boolean halfClose;
    private Framing framing;
    private TlsSettings tls;
    private String tlsServerName;

    private TcpOptions() {}

    private TcpOptions copy() {
        final TcpOptions c = new TcpOptions();
        c.noDelay = noDelay;
        c.reuseAddress = reuseAddress;
        c.keepAlive = keepAlive;
        c.sendBufferBytes = sendBufferBytes;
        c.receiveBufferBytes = receiveBufferBytes;
        c.backlog = backlog;
        c.maxConnections = maxConnections;
        c.idleTimeout = idleTimeout;
        c.closeTimeout = closeTimeout;
        c.writeQueueMaxBytes = writeQueueMaxBytes;
        c.writeQueueHighWatermarkBytes = writeQueueHighWatermarkBytes;
        c.writeQueueLowWatermarkBytes = writeQueueLowWatermarkBytes;
        c.readChunkBytes = readChunkBytes;
        c.initialReadCredit = initialReadCredit;
        c.answeredReads = answeredReads;
        c.halfClose = halfClose;
        c.framing = framing;
        c.tls = tls;
        c.tlsServerName = tlsServerName;
        return c;
    }

    /**
     * The defaults: {@code TCP_NODELAY} on, {@code SO_REUSEADDR} on, keep-alive off, the
     * operating system's buffer sizes, backlog 1024, no connection limit, no idle timeout, a
     * 5 s close timeout, a write queue of 1 MiB with watermarks at 512 KiB and 128 KiB, reads of
     * up to 64 KiB delivered automatically, no framing, and a connection whose peer closed its
     * side closed by itself once its queued writes are flushed (no half-close).
     *
     * @return the default options
     */
    public static TcpOptions defaults() {
        return DEFAULTS;
    }

    /**
     * With half-close on or off. Off (the default, as in Pekko IO and Vert.x): when the peer
     * closes its side, the handler hears {@link Tcp.PeerClosed} and the connection closes by
     * itself once its queued writes are flushed (the handler then hears {@link Tcp.Closed});
     * writes the handler makes after PeerClosed are refused. On: the connection stays open for
     * writing until the handler sends {@link Tcp.Close} (or stops), for protocols whose answer
     * follows the request's end of stream. Connection stages decide in
     * {@link ConnectionStage#onPeerClosed} instead and ignore this setting.
     *
     * @param on {@code true} to keep the connection open for writing after the peer closed
     * @return new options with this setting
     */
    public TcpOptions withHalfClose(boolean on) {
        final TcpOptions c = copy();
        c.halfClose = on;
        return c;
    }

    /**
     * Whether half-close is on: see {@link #withHalfClose}.
     *
     * @return {@code true} if half-close is on
     */
    public boolean halfClose() {
        return halfClose;
    }

    /**
     * With {@code TCP_NODELAY} (Nagle's algorithm off) on or off. Default: on.
     *
     * @param on {@code true} to set {@code TCP_NODELAY}
     * @return new options with this setting
     */
    public TcpOptions withNoDelay(boolean on) {
        final TcpOptions c = copy();
        c.noDelay = on;
        return c;
    }

    /**
     * With {@code SO_REUSEADDR} on or off for the listening socket. Default: on.
     *
     * @param on {@code true} to set {@code SO_REUSEADDR}
     * @return new options with this setting
     */
    public TcpOptions withReuseAddress(boolean on) {
        final TcpOptions c = copy();
        c.reuseAddress = on;
        return c;
    }

    /**
     * With {@code SO_KEEPALIVE} on or off. Default: off.
     *
     * @param on {@code true} to set {@code SO_KEEPALIVE}
     * @return new options with this setting
     */
    public TcpOptions withKeepAlive(boolean on) {
        final TcpOptions c = copy();
        c.keepAlive = on;
        return c;
    }

    /**
     * With these socket buffer sizes ({@code SO_SNDBUF}, {@code SO_RCVBUF}); 0 keeps the
     * operating system's choice. The system may round them.
     *
     * @param sendBufferBytes {@code SO_SNDBUF} in bytes, or 0
     * @param receiveBufferBytes {@code SO_RCVBUF} in bytes, or 0
     * @return new options with this setting
     * @throws IllegalArgumentException if either is negative
     */
    public TcpOptions withBufferSizes(int sendBufferBytes, int receiveBufferBytes) {
        if (sendBufferBytes < 0 || receiveBufferBytes < 0) {
            throw new IllegalArgumentException("buffer sizes must not be negative, were sendBufferBytes="
                    + sendBufferBytes + " receiveBufferBytes=" + receiveBufferBytes + " (0 keeps the OS default)");
        }
        final TcpOptions c = copy();
        c.sendBufferBytes = sendBufferBytes;
        c.receiveBufferBytes = receiveBufferBytes;
        return c;
    }

    /**
     * With this accept backlog (connections the kernel completes before they are accepted).
     *
     * @param backlog the accept backlog; positive
     * @return new options with this setting
     * @throws IllegalArgumentException if {@code backlog} is not positive
     */
    public TcpOptions withBacklog(int backlog) {
        if (backlog <= 0) {
            throw new IllegalArgumentException("backlog must be positive, was " + backlog);
        }
        final TcpOptions c = copy();
        c.backlog = backlog;
        return c;
    }

    /**
     * With at most {@code maxConnections} live connections per listener. At the limit the
     * listener stops accepting: new connections wait in the kernel's backlog (and are refused
     * by the kernel when it is full) until a live connection ends. Default: no limit.
     *
     * @param maxConnections the most live connections per listener; positive
     * @return new options with this setting
     * @throws IllegalArgumentException if {@code maxConnections} is not positive
     */
    public TcpOptions withMaxConnections(int maxConnections) {
        if (maxConnections <= 0) {
            throw new IllegalArgumentException("maxConnections must be positive, was " + maxConnections);
        }
        final TcpOptions c = copy();
        c.maxConnections = maxConnections;
        return c;
    }

    /**
     * Closes a connection that has read and written nothing for {@code idleTimeout}; its
     * handler gets {@link Tcp.ErrorClosed} with a {@link java.net.SocketTimeoutException}.
     * Zero turns it off (the default).
     *
     * @param idleTimeout how long a connection may be idle; zero for no limit
     * @return new options with this setting
     * @throws IllegalArgumentException if {@code idleTimeout} is negative
     */
    public TcpOptions withIdleTimeout(Duration idleTimeout) {
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        if (idleTimeout.isNegative()) {
            throw new IllegalArgumentException("idleTimeout must not be negative, was " + idleTimeout + " (zero turns it off)");
        }
        final TcpOptions c = copy();
        c.idleTimeout = idleTimeout;
        return c;
    }

    /**
     * How long a {@link Tcp.Close} (or a stopped handler) may wait for the write queue to
     * drain before the connection is reset instead. Default: 5 s.
     *
     * @param closeTimeout how long a close may wait for the flush; positive
     * @return new options with this setting
     * @throws IllegalArgumentException if {@code closeTimeout} is not positive
     */
    public TcpOptions withCloseTimeout(Duration closeTimeout) {
        Objects.requireNonNull(closeTimeout, "closeTimeout");
        if (closeTimeout.isNegative() || closeTimeout.isZero()) {
            throw new IllegalArgumentException("closeTimeout must be positive, was " + closeTimeout);
        }
        final TcpOptions c = copy();
        c.closeTimeout = closeTimeout;
        return c;
    }

    /**
     * With a write queue bounded at {@code maxBytes}: a {@link Tcp.Write} that would take the
     * queue past it is refused with {@link Tcp.WriteRejected}, never buffered. When the queue
     * reaches {@code highWatermarkBytes} the handler gets {@link Tcp.WritingPaused}; when it
     * drains to {@code lowWatermarkBytes}, {@link Tcp.WritingResumed}. With
     * {@link #withAnsweredReads answered reads} the connection also stops reading in between,
     * and keeps room in the queue for the answers to the reads it has delivered.
     *
     * @param maxBytes the write queue's bound in bytes
     * @param highWatermarkBytes the queue size at which writing pauses
     * @param lowWatermarkBytes the queue size at which writing resumes
     * @return new options with this setting
     * @throws IllegalArgumentException unless {@code 0 <= lowWatermarkBytes < highWatermarkBytes <= maxBytes}
     */
    public TcpOptions withWriteQueue(int maxBytes, int highWatermarkBytes, int lowWatermarkBytes) {
        if (lowWatermarkBytes < 0 || lowWatermarkBytes >= highWatermarkBytes || highWatermarkBytes > maxBytes) {
            throw new IllegalArgumentException("write queue sizes must satisfy 0 <= lowWatermarkBytes < highWatermarkBytes"
                    + " <= maxBytes, were maxBytes=" + maxBytes + " highWatermarkBytes=" + highWatermarkBytes
                    + " lowWatermarkBytes=" + lowWatermarkBytes);
        }
        final TcpOptions c = copy();
        c.writeQueueMaxBytes = maxBytes;
        c.writeQueueHighWatermarkBytes = highWatermarkBytes;
        c.writeQueueLowWatermarkBytes = lowWatermarkBytes;
        return c;
    }

    /**
     * With reads of at most {@code readChunkBytes} each: the largest {@link Tcp.Received}
     * without framing. Default: 64 KiB.
     *
     * @param readChunkBytes the largest single read, in bytes; positive
     * @return new options with this setting
     * @throws IllegalArgumentException if {@code readChunkBytes} is not positive
     */
    public TcpOptions withReadChunkBytes(int readChunkBytes) {
        if (readChunkBytes <= 0) {
            throw new IllegalArgumentException("readChunkBytes must be positive, was " + readChunkBytes);
        }
        final TcpOptions c = copy();
        c.readChunkBytes = readChunkBytes;
        return c;
    }

    /**
     * Pull mode (Erlang's {@code {active, N}}): the connection delivers at most
     * {@code initialCredit} {@link Tcp.Received} messages, then stops reading from the socket
     * until the handler sends {@link Tcp.ReadCredit}. Without it (the default) reads are
     * delivered as they come and pause only while the handler's mailbox is full. Replaces
     * {@link #withAnsweredReads}: reading stays independent of the write queue.
     *
     * @param initialCredit how many {@link Tcp.Received} may be delivered before the first credit
     * @return new options with this setting
     * @throws IllegalArgumentException if {@code initialCredit} is negative
     */
    public TcpOptions withReadCredit(int initialCredit) {
        return withPullMode(initialCredit, false);
    }

    /**
     * Answered reads: pull mode ({@link #withReadCredit}) for a handler whose writes answer what
     * it reads (echo, a transform, request/response with answers no larger than requests), with
     * the promise that such answers are never refused. The handler writes the answer to each
     * {@link Tcp.Received} (at most as many bytes; with framing, at most one frame as large),
     * then sends {@link Tcp.ReadCredit}{@code (1)}; it need not watch
     * {@link Tcp.WritingPaused}. The connection in turn couples its reading to its write queue:
     * <ul>
     *   <li>every Received it delivers reserves room in the write queue for its answer, until
     *       the credit that follows the answer releases it; a read takes no more than the room
     *       left beside queued and reserved bytes, and a frame whose answer does not fit waits;</li>
     *   <li>it stops reading by itself while writing is paused (from reaching the high
     *       watermark until it drains to the low one), without waiting for any message.</li>
     * </ul>
     * Grant credit back as each Received is handled: credit held back until more reads arrive
     * stalls reading once the reserved bytes fill the write queue. Not for a handler that writes
     * on its own while it reads (an upload that also reads replies): its writes would stop its
     * reading, and a peer that stops reading while it cannot write (a simple blocking echo
     * server) would then wait for it forever; use {@link #withReadCredit} or push mode there.
     * Replaces {@link #withReadCredit}.
     *
     * @param initialCredit how many {@link Tcp.Received} may be delivered before the first credit
     * @return new options with this setting
     * @throws IllegalArgumentException if {@code initialCredit} is negative
     */
    public TcpOptions withAnsweredReads(int initialCredit) {
        return withPullMode(initialCredit, true);
    }

    private TcpOptions withPullMode(int initialCredit, boolean answered) {
        if (initialCredit < 0) {
            throw new IllegalArgumentException("initial read credit must not be negative, was " + initialCredit);
        }
        final TcpOptions c = copy();
        c.initialReadCredit = initialCredit;
        c.answeredReads = answered;
        return c;
    }

    /**
     * With framing: each {@link Tcp.Received} carries one whole frame and each
     * {@link Tcp.Write} is sent as one frame. A frame over the framing's limit closes the
     * connection with {@link Tcp.ErrorClosed} and a {@link FramingException}.
     *
     * @param framing how to cut the byte stream into frames; not null
     * @return new options with this setting
     */
    public TcpOptions withFraming(Framing framing) {
        final TcpOptions c = copy();
        c.framing = Objects.requireNonNull(framing, "framing");
        return c;
    }

    /**
     * With TLS on every connection, for handler actors as for stages: a listener's connections
     * are TLS servers, an outgoing connection a TLS client of the address's host name
     * ({@link java.net.InetSocketAddress#getHostString()}: connect to
     * {@code new InetSocketAddress("example.com", 443)} or an unresolved address, not to a bare
     * IP address, when the certificate names a host). The handler actor then works as on a plain
     * connection, on plaintext:
     * <ul>
     *   <li>{@link Tcp.Connected} comes once the handshake has finished, with
     *       {@link Tcp.Connected#tls()} telling what it settled (protocol, ALPN, SNI, the peer's
     *       certificates); a failed handshake (or a handshake timeout) is told as
     *       {@link Tcp.ErrorClosed} alone, with the {@link javax.net.ssl.SSLHandshakeException}
     *       (or {@link java.net.SocketTimeoutException});</li>
     *   <li>each {@link Tcp.Received} is plaintext (at most one TLS record, or one frame with
     *       {@link #withFraming}, which frames the plaintext); {@link Tcp.PeerClosed} is the peer's
     *       {@code close_notify} (a peer that closes without one ends the connection with
     *       {@link Tcp.ErrorClosed} and an {@link javax.net.ssl.SSLException}: a possible
     *       truncation);</li>
     *   <li>a {@link Tcp.Write} is encrypted at once, taken whole or refused whole
     *       ({@link Tcp.WriteRejected}); {@link Tcp.Close} sends {@code close_notify} first;</li>
     *   <li>back-pressure is the plain connection's: push mode pauses reading while the
     *       handler's mailbox is full, {@link #withReadCredit} counts Received messages of
     *       plaintext, {@link #withAnsweredReads} reserves room for each answer (its plaintext
     *       and a record's overhead), and the write queue's watermarks and bound count the
     *       encrypted bytes of the plaintext written (plaintext plus 22 to 29 bytes per record
     *       of up to 16 KiB).</li>
     * </ul>
     * With {@link Tcp#serve} or a stage's {@link Tcp#connect}, the stage given is wrapped as
     * {@link Tls#server} or {@link Tls#client} would (do not wrap it yourself too), and
     * {@link #withFraming} is refused (frame the plaintext in the stage).
     *
     * @param settings the TLS settings: a server's keys (and SNI contexts, client auth), or a
     *     client's trust; not null
     * @return new options with this setting
     */
    public TcpOptions withTls(TlsSettings settings) {
        final TcpOptions c = copy();
        c.tls = Objects.requireNonNull(settings, "settings");
        return c;
    }

    /**
     * Like {@link #withTls(TlsSettings)}, for outgoing connections whose server name is not the
     * address's host name (a Unix-domain socket, or an IP address while the certificate names a
     * host): {@code serverName} is sent as SNI (unless it is an IP address) and, with hostname
     * verification, must be named by the server's certificate. Listeners ignore it.
     *
     * @param settings the TLS settings; not null
     * @param serverName the server's host name; not null
     * @return new options with this setting
     */
    public TcpOptions withTls(TlsSettings settings, String serverName) {
        final TcpOptions c = withTls(settings);
        c.tlsServerName = Objects.requireNonNull(serverName, "serverName");
        return c;
    }

    /**
     * The TLS settings, or {@code null} for plain TCP.
     *
     * @return the TLS settings, or {@code null}
     */
    public TlsSettings tls() {
        return tls;
    }

    /**
     * The server name an outgoing TLS connection checks, if given with
     * {@link #withTls(TlsSettings, String)}; else {@code null} (the address's host name is used).
     *
     * @return the server name, or {@code null}
     */
    public String tlsServerName() {
        return tlsServerName;
    }

    /**
     * Whether {@code TCP_NODELAY} is on.
     *
     * @return {@code true} if {@code TCP_NODELAY} is on
     */
    public boolean noDelay() {
        return noDelay;
    }

    /**
     * Whether {@code SO_REUSEADDR} is on.
     *
     * @return {@code true} if {@code SO_REUSEADDR} is on
     */
    public boolean reuseAddress() {
        return reuseAddress;
    }

    /**
     * Whether {@code SO_KEEPALIVE} is on.
     *
     * @return {@code true} if {@code SO_KEEPALIVE} is on
     */
    public boolean keepAlive() {
        return keepAlive;
    }

    /**
     * {@code SO_SNDBUF}, or 0 for the OS default.
     *
     * @return the send buffer size in bytes, or 0
     */
    public int sendBufferBytes() {
        return sendBufferBytes;
    }

    /**
     * {@code SO_RCVBUF}, or 0 for the OS default.
     *
     * @return the receive buffer size in bytes, or 0
     */
    public int receiveBufferBytes() {
        return receiveBufferBytes;
    }

    /**
     * The accept backlog.
     *
     * @return the backlog
     */
    public int backlog() {
        return backlog;
    }

    /**
     * The most live connections per listener.
     *
     * @return the connection limit
     */
    public int maxConnections() {
        return maxConnections;
    }

    /**
     * The idle timeout; zero when off.
     *
     * @return the idle timeout
     */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    /**
     * How long a close waits for the write queue to drain.
     *
     * @return the close timeout
     */
    public Duration closeTimeout() {
        return closeTimeout;
    }

    /**
     * The write queue's bound in bytes.
     *
     * @return the bound in bytes
     */
    public int writeQueueMaxBytes() {
        return writeQueueMaxBytes;
    }

    /**
     * The queue size at which the handler gets {@link Tcp.WritingPaused}.
     *
     * @return the high watermark in bytes
     */
    public int writeQueueHighWatermarkBytes() {
        return writeQueueHighWatermarkBytes;
    }

    /**
     * The queue size at which the handler gets {@link Tcp.WritingResumed}.
     *
     * @return the low watermark in bytes
     */
    public int writeQueueLowWatermarkBytes() {
        return writeQueueLowWatermarkBytes;
    }

    /**
     * The largest single read.
     *
     * @return the read size limit in bytes
     */
    public int readChunkBytes() {
        return readChunkBytes;
    }

    /**
     * The initial read credit in pull mode, or -1 when reads are automatic.
     *
     * @return the initial credit, or -1
     */
    public int initialReadCredit() {
        return initialReadCredit;
    }

    /**
     * Whether reads are answered ({@link #withAnsweredReads}): reading is coupled to the write queue.
     *
     * @return {@code true} with answered reads
     */
    public boolean answeredReads() {
        return answeredReads;
    }

    /**
     * The framing, or {@code null} for raw bytes.
     *
     * @return the framing, or {@code null}
     */
    public Framing framing() {
        return framing;
    }
}
