package io.troupe.remote;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;

/**
 * How a {@link RemoteNode} binds, whom it trusts and how it watches its peers. Immutable: every
 * {@code with*} method returns a copy. Any thread.
 *
 * <p>Start from {@link #udp(String, int)} (Aeron UDP, the default for nodes on different hosts;
 * loopback by default) or {@link #ipc(int)} (Aeron IPC through one shared media driver, for nodes
 * in processes of one host, or in one JVM), then set at least the shared secret:
 *
 * <pre>{@code
 * RemoteSettings settings = RemoteSettings.udp("127.0.0.1", 25520).withSecret("s3cret")
 *         .withCodecs(Codecs.builder().registerRecord(1, Ping.class).build());
 * }</pre>
 */
public final class RemoteSettings {
    /** The transport a node's frames travel on. */
    public enum Transport {
        /** Aeron UDP unicast: {@code aeron:udp?endpoint=host:port}. */
        UDP,
        /** Aeron IPC through a media driver shared by the nodes: the port is the Aeron stream id. */
        IPC
    }

    final Transport transport;
    final String host;
    final int port;
    final byte[] secret;
    final Codecs codecs;
    final int maxMessageSize;
    final Duration heartbeatInterval;
    final double phiThreshold;
    final Duration acceptableHeartbeatPause;
    final Path aeronDirectory;
    final int pendingPerNode;
    final Duration handshakeTimeout;
    final Duration deepIdleAfter;
    final Duration deepIdlePark;

    private RemoteSettings(Transport transport, String host, int port, byte[] secret, Codecs codecs, int maxMessageSize,
            Duration heartbeatInterval, double phiThreshold, Duration acceptableHeartbeatPause, Path aeronDirectory,
            int pendingPerNode, Duration handshakeTimeout, Duration deepIdleAfter, Duration deepIdlePark) {
        this.transport = transport;
        this.host = host;
        this.port = port;
        this.secret = secret;
        this.codecs = codecs;
        this.maxMessageSize = maxMessageSize;
        this.heartbeatInterval = heartbeatInterval;
        this.phiThreshold = phiThreshold;
        this.acceptableHeartbeatPause = acceptableHeartbeatPause;
        this.aeronDirectory = aeronDirectory;
        this.pendingPerNode = pendingPerNode;
        this.handshakeTimeout = handshakeTimeout;
        this.deepIdleAfter = deepIdleAfter;
        this.deepIdlePark = deepIdlePark;
    }

    /**
     * A node on Aeron UDP, listening on {@code host:port}.
     *
     * @param host the address to bind and to be known by: {@code 127.0.0.1} keeps the node on
     *     loopback (the safe default); another host's nodes need a routable address
     * @param port the UDP port, 1..65535, or 0 for one the system picks (the node's
     *     {@link RemoteNode#address()} tells which)
     * @return settings with the defaults otherwise
     */
    public static RemoteSettings udp(String host, int port) {
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("host must not be blank");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, was " + port);
        }
        return defaults(Transport.UDP, host, port);
    }

    /**
     * A node on Aeron UDP on loopback ({@code 127.0.0.1}).
     *
     * @param port the UDP port, or 0 for one the system picks
     * @return settings with the defaults otherwise
     */
    public static RemoteSettings udp(int port) {
        return udp("127.0.0.1", port);
    }

    /**
     * A node on Aeron IPC: its address is {@code troupe://system@ipc:streamId}. All nodes that talk
     * over IPC must use the same media driver: set {@link #withAeronDirectory}.
     *
     * @param streamId this node's Aeron stream id, 1..65535, unique among the driver's nodes
     * @return settings with the defaults otherwise
     */
    public static RemoteSettings ipc(int streamId) {
        if (streamId < 1 || streamId > 65535) {
            throw new IllegalArgumentException("stream id must be 1..65535, was " + streamId);
        }
        return defaults(Transport.IPC, "ipc", streamId);
    }

    private static RemoteSettings defaults(Transport transport, String host, int port) {
        return new RemoteSettings(transport, host, port, null, null, 1 << 20, Duration.ofSeconds(1), 10.0,
                Duration.ofSeconds(3), null, 1024, Duration.ofSeconds(10), Duration.ofMillis(200), Duration.ofMillis(4));
    }

    /**
     * The shared secret: nodes talk only to nodes that prove they know the same one (an HMAC over
     * nonces; the secret never travels). Required.
     *
     * @param secret at least 8 characters
     * @return a copy with the secret
     */
    public RemoteSettings withSecret(String secret) {
        Objects.requireNonNull(secret, "secret");
        if (secret.length() < 8) {
            throw new IllegalArgumentException("the secret must have at least 8 characters");
        }
        return new RemoteSettings(transport, host, port, secret.getBytes(StandardCharsets.UTF_8), codecs, maxMessageSize,
                heartbeatInterval, phiThreshold, acceptableHeartbeatPause, aeronDirectory, pendingPerNode, handshakeTimeout, deepIdleAfter, deepIdlePark);
    }

    /**
     * The codecs of the messages this node sends and accepts; only these classes are ever decoded.
     * Default: the built-ins of {@link Codecs#builder()} (strings, primitives, byte arrays).
     *
     * @param codecs the registry; both nodes of a pair must register the same ids
     * @return a copy with the codecs
     */
    public RemoteSettings withCodecs(Codecs codecs) {
        return new RemoteSettings(transport, host, port, secret, Objects.requireNonNull(codecs, "codecs"), maxMessageSize,
                heartbeatInterval, phiThreshold, acceptableHeartbeatPause, aeronDirectory, pendingPerNode, handshakeTimeout, deepIdleAfter, deepIdlePark);
    }

    /**
     * The largest encoded message this node sends or accepts (default 1 MiB). A larger message is
     * not sent (a dead letter, or a failed {@code send}), and a larger frame received is refused.
     *
     * @param bytes 64 .. 16 MiB
     * @return a copy with the limit
     */
    public RemoteSettings withMaxMessageSize(int bytes) {
        if (bytes < 64 || bytes > (16 << 20)) {
            throw new IllegalArgumentException("max message size must be 64 bytes .. 16 MiB, was " + bytes);
        }
        return new RemoteSettings(transport, host, port, secret, codecs, bytes,
                heartbeatInterval, phiThreshold, acceptableHeartbeatPause, aeronDirectory, pendingPerNode, handshakeTimeout, deepIdleAfter, deepIdlePark);
    }

    /**
     * The failure detector: a heartbeat every {@code interval} to each connected node, and a node
     * is declared down when the phi-accrual suspicion of its heartbeats passes {@code threshold},
     * after at least {@code acceptablePause} of silence beyond the usual interval. Defaults: 1 s,
     * 10, 3 s (down after about 4-5 s of silence).
     *
     * @param interval the heartbeat interval, 10 ms .. 1 min
     * @param threshold the phi threshold, &gt; 0 (8-12 is usual)
     * @param acceptablePause silence tolerated beyond the interval (GC pauses, hiccups)
     * @return a copy with these settings
     */
    public RemoteSettings withFailureDetector(Duration interval, double threshold, Duration acceptablePause) {
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(acceptablePause, "acceptablePause");
        if (interval.toMillis() < 10 || interval.toMinutes() > 1) {
            throw new IllegalArgumentException("heartbeat interval must be 10 ms .. 1 min, was " + interval);
        }
        if (!(threshold > 0) || Double.isInfinite(threshold)) {
            throw new IllegalArgumentException("phi threshold must be positive, was " + threshold);
        }
        if (acceptablePause.isNegative()) {
            throw new IllegalArgumentException("acceptable pause must not be negative");
        }
        return new RemoteSettings(transport, host, port, secret, codecs, maxMessageSize,
                interval, threshold, acceptablePause, aeronDirectory, pendingPerNode, handshakeTimeout, deepIdleAfter, deepIdlePark);
    }

    /**
     * Use an Aeron media driver that runs already (an external driver, or one shared by several
     * nodes) in {@code directory}, instead of starting an embedded one.
     *
     * @param directory the driver's Aeron directory
     * @return a copy that connects to that driver
     */
    public RemoteSettings withAeronDirectory(Path directory) {
        return new RemoteSettings(transport, host, port, secret, codecs, maxMessageSize, heartbeatInterval, phiThreshold,
                acceptableHeartbeatPause, Objects.requireNonNull(directory, "directory"), pendingPerNode, handshakeTimeout, deepIdleAfter, deepIdlePark);
    }

    /**
     * How many messages may wait for one node (during the handshake, or while Aeron
     * back-pressures a {@code send}); beyond, {@code tell} makes a dead letter and {@code send}
     * fails. Default 1,024.
     *
     * @param messages 1 .. 1,048,576
     * @return a copy with the bound
     */
    public RemoteSettings withPendingPerNode(int messages) {
        if (messages < 1 || messages > (1 << 20)) {
            throw new IllegalArgumentException("pending per node must be 1 .. 1048576, was " + messages);
        }
        return new RemoteSettings(transport, host, port, secret, codecs, maxMessageSize, heartbeatInterval, phiThreshold,
                acceptableHeartbeatPause, aeronDirectory, messages, handshakeTimeout, deepIdleAfter, deepIdlePark);
    }

    /**
     * How long a node may take to answer the handshake before what waits for it becomes dead
     * letters (default 10 s). The handshake is retried meanwhile.
     *
     * @param timeout positive
     * @return a copy with the timeout
     */
    public RemoteSettings withHandshakeTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("handshake timeout must be positive");
        }
        return new RemoteSettings(transport, host, port, secret, codecs, maxMessageSize, heartbeatInterval, phiThreshold,
                acceptableHeartbeatPause, aeronDirectory, pendingPerNode, timeout, deepIdleAfter, deepIdlePark);
    }

    /**
     * How the node's thread (which also runs the embedded driver) waits when there is nothing to
     * do. While work is recent it backs off (yield, then park 1 us doubling to 1 ms); after
     * {@code deepAfter} without a message or frame moving it parks {@code deepPark} at a time
     * (heartbeats and the embedded driver's own periodic work do not count, and the driver's
     * conductor checks its timers every 100 ms instead of every 1 ms). Default 200 ms and 4 ms.
     * Measured on a quiet 2-core host with two associated idle nodes ({@code RemoteIdleCpu}):
     * about 1% of one core per node thread. The price: the first message after a silence may wait up to {@code deepPark} at
     * each node on its way (the sender's, to send it; the receiver's, to receive it).
     * {@link #withResponsiveIdle()} never deepens.
     *
     * @param deepAfter idleness before the parks deepen, at least 1 ms
     * @param deepPark the deep park, 1 ms .. 100 ms
     * @return a copy with this idle behaviour
     */
    public RemoteSettings withDeepIdle(Duration deepAfter, Duration deepPark) {
        Objects.requireNonNull(deepAfter, "deepAfter");
        Objects.requireNonNull(deepPark, "deepPark");
        if (deepAfter.toMillis() < 1) {
            throw new IllegalArgumentException("deepAfter must be at least 1 ms, was " + deepAfter);
        }
        if (deepPark.toMillis() < 1 || deepPark.toMillis() > 100) {
            throw new IllegalArgumentException("deepPark must be 1 ms .. 100 ms, was " + deepPark);
        }
        return new RemoteSettings(transport, host, port, secret, codecs, maxMessageSize, heartbeatInterval, phiThreshold,
                acceptableHeartbeatPause, aeronDirectory, pendingPerNode, handshakeTimeout, deepAfter, deepPark);
    }

    /**
     * Never deepen the idle parks (at most 1 ms) and keep Aeron's 1 ms driver timer: the lowest
     * latency after a silence, for far more idle CPU (measured: about 29% of one core per node
     * on a quiet 2-core host, against about 1% with the default).
     *
     * @return a copy that never parks deeper than 1 ms
     */
    public RemoteSettings withResponsiveIdle() {
        return new RemoteSettings(transport, host, port, secret, codecs, maxMessageSize, heartbeatInterval, phiThreshold,
                acceptableHeartbeatPause, aeronDirectory, pendingPerNode, handshakeTimeout, null, null);
    }

    /** @return the transport */
    public Transport transport() {
        return transport;
    }

    /** @return the host this node binds and is known by ({@code ipc} for IPC) */
    public String host() {
        return host;
    }

    /** @return the port (UDP) or stream id (IPC); 0 means picked at start */
    public int port() {
        return port;
    }

    /** @return the maximum encoded message size in bytes */
    public int maxMessageSize() {
        return maxMessageSize;
    }

    byte[] secret() {
        return secret == null ? null : Arrays.copyOf(secret, secret.length);
    }

    @Override
    public String toString() {
        return "RemoteSettings[" + transport + " " + host + ":" + port + ", max " + maxMessageSize + " B, heartbeat "
                + heartbeatInterval + ", phi " + phiThreshold + ", pause " + acceptableHeartbeatPause
                + (aeronDirectory == null ? ", embedded driver" : ", driver at " + aeronDirectory) + "]";
    }
}
