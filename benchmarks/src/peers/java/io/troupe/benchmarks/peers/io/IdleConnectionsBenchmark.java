package io.troupe.benchmarks.peers.io;

import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * Many idle connections: {@link #ACTIVE_CONNECTIONS} connections do request/response while
 * {@link #idleConnections} more stay open and silent, against each server of
 * {@link PinnedEchoBenchmark} (its own JVM, one core; the client on the other). The figures to
 * compare are {@code p50Micros} and {@code p99Micros} of the active connections at 0 and at
 * 10,000 idle: a server whose cost per readiness event grows with its connection count shows it
 * there. Each idle connection is answered once before the measurement, so the server holds
 * everything it keeps per connection.
 *
 * <p>Why the server has a JVM of its own here too: 10,000 connections are 10,000 file
 * descriptors at each end, 20,000 in one process, above this machine's limit of 20,000 per
 * process; apart, each process needs about 10,000.
 */
@State(Scope.Benchmark)
public class IdleConnectionsBenchmark extends PinnedEchoBenchmark {
    /** The connections that do request/response. */
    public static final int ACTIVE_CONNECTIONS = 16;

    /** Connections open and idle while the active ones are measured. */
    @Param({"0", "10000"})
    public int idleConnections;

    @Override
    protected int requestResponseConnections() {
        return ACTIVE_CONNECTIONS;
    }

    @Override
    protected int idleConnectionCount() {
        return idleConnections;
    }
}
