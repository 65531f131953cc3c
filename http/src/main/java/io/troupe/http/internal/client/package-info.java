/**
 * The HTTP/1.1 client's machinery (not exported): a pool of connection stages (issue #12).
 *
 * <p>HttpClient keeps, per origin (scheme, host, port), a pool (io.troupe.http.internal.client.ClientPool)
 * of connections, each handled by an Http1ClientStage inside its connection actor's turn (under
 * Tls.client for https), like the server. The pool's state (idle connections, waiting requests,
 * the count of open ones) sits under one monitor per origin, held for a few field updates only; a
 * connection is handed to a request only by taking it out of the idle set under that monitor, so
 * eviction and hand-out exclude each other. The request then enters the connection with one
 * Connection.execute (one message); a hand-off that races the connection's close is caught by a
 * volatile flag and an AtomicReference (whoever runs second sees the other) and retried elsewhere.
 * A connection counts against the bound from its connect until onClosed, so the bound is on
 * sockets, not on requests.
 *
 * <p>A response's end is told only after its connection is back in the pool: a caller that sends its
 * next request when the previous completes finds the connection idle (the first test against the
 * JDK server opened a second connection before this). Bodies reuse the server's shape: a response
 * body is read from the socket only while its subscriber has demand (one read stashed, reading
 * suspended: Stats.peakBufferedBodyBytes stays at one read in the 64 MiB test); an upload is asked
 * for one chunk when the previous is written and the write queue is below its high watermark.
 * Timeouts run on the connection's timers (the system clock): the request timeout from the call to
 * the head (to the end for bodies read whole), the idle timeout from the release to the pool.
 * Before a connection is assigned, the request timeout runs on the pool's wait timer (a system
 * actor with one keyed timer per waiting request, on the same clock): at the deadline a request
 * still in the queue is taken out and failed; a waiting request whose caller cancels leaves the
 * queue at once. Parsing shared with the server stage (the stash of unread input, chunk framing
 * with trailers, field lines) is io.troupe.http.internal.Http1Codec.
 */
package io.troupe.http.internal.client;
