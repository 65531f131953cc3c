package io.troupe.benchmarks.io;

import java.net.InetSocketAddress;

/**
 * A running TCP echo server under test: every byte a client sends on a connection comes back
 * on it, in order. Implementations: {@link TroupeEchoServer}, {@link RawNioEchoServer}, and
 * Netty's under the {@code peers} profile.
 */
public interface EchoServer extends AutoCloseable {
    /** The address it listens on (127.0.0.1 and an ephemeral port). */
    InetSocketAddress address();

    /**
     * The CPU time all of the server's threads have used so far, in nanoseconds, or -1 if this
     * server cannot tell (it shares its process with the client). A server in a process of its
     * own reads it from Linux's per-thread scheduler statistics.
     */
    default long cpuNanos() {
        return -1;
    }

    /** Stops accepting, closes every connection and ends the server's threads. */
    @Override
    void close();
}
