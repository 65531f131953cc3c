/**
 * The HTTP/2 client's machinery (not exported; issue #16): one multiplexed connection per origin.
 *
 * <p>{@code H2ClientPool} keeps, per origin, at most one HTTP/2 connection
 * ({@code io.troupe.http.internal.h2.H2ClientConnection}, a connection stage beside the frame
 * layer whose package-private classes it uses) and the requests waiting while it connects. Every
 * request to that origin becomes a stream on it; the connection itself holds the requests above
 * the server's SETTINGS_MAX_CONCURRENT_STREAMS until a stream ends. For https the TLS handshake
 * offers ALPN {@code h2, http/1.1}: if the server picks HTTP/1.1 (or nothing), that connection is
 * closed, the origin is remembered as HTTP/1.1-only, and its requests go to the HTTP/1.1 pool
 * (io.troupe.http.internal.client.ClientPool), which opens its own connections: one extra
 * handshake per such origin, in exchange for leaving the HTTP/1.1 stage untouched. Cleartext
 * origins speak h2c with prior knowledge when the options ask for it.
 *
 * <p>A connection that goes away (GOAWAY, idle timeout, exhausted stream ids, closed) stops taking
 * requests at once; the requests it never sent (queued, refused with REFUSED_STREAM, or above the
 * GOAWAY's last stream id) are sent again on a new connection, at most three times.
 */
package io.troupe.http.internal.h2.client;
