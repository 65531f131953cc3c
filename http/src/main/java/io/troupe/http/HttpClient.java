package io.troupe.http;

import io.troupe.actors.ActorSystem;
import io.troupe.http.internal.client.ClientExchange;
import io.troupe.http.internal.client.ClientPool;
import io.troupe.http.internal.client.Origin;
import io.troupe.http.internal.h2.client.H2ClientPool;
import io.troupe.io.TlsSettings;
import io.troupe.services.Service;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import javax.net.ssl.SSLContext;

/**
 * Troupe's HTTP/1.1 client (not to be confused with the JDK's {@code java.net.http.HttpClient}):
 * a pool of keep-alive connections per origin on socket actors, with each connection's protocol
 * running as a {@link io.troupe.io.ConnectionStage} (under the TLS stage for https). It is a
 * {@link Service} of {@link Request} to {@link Response}, so the services layers (timeout,
 * retry, concurrency limit, balance) wrap it as they wrap any service.
 *
 * <pre>{@code
 * HttpClient client = HttpClient.create(system, HttpClientOptions.defaults());
 * Response r = client.get("http://127.0.0.1:8080/kv/a").toCompletableFuture().join();
 * byte[] body = r.body().toBytes(1 << 20).toCompletableFuture().join();
 * }</pre>
 *
 * <p>Requests. A request's target must be an absolute {@code http} or {@code https} URI
 * ({@code Request.of("GET", "https://example.com/x?y=1", ...)}); the client sends its path and
 * query, and a {@code Host} header unless the request has one. The request's
 * {@code Content-Length} and {@code Transfer-Encoding} fields are the client's: a
 * {@link Body.Bytes} body is sent with its length, a {@link Body.Stream} with its length if
 * known, else chunked; a chunked body sends the trailer fields of {@link Body.Stream#withTrailers}
 * after its last chunk (HTTP/1.1 only: the HTTP/2 client drops trailers). Only the version
 * HTTP/1.1 is spoken (the request's version is ignored), unless
 * {@link HttpClientOptions#withHttp2} turns HTTP/2 on: then requests to an origin that speaks it
 * are streams on one connection per origin (ALPN {@code h2} for https, prior knowledge for
 * http), and the pool bounds below apply to HTTP/1.1 only.
 *
 * <p>Responses. The returned stage completes when the response head has arrived. A body with a
 * {@code Content-Length} up to {@link HttpClientOptions#maxBufferedBodyBytes()} is read whole
 * first ({@link Body.Bytes}); any other is a {@link Body.Stream} read from the socket only as its
 * subscriber asks ({@link Flow.Subscription#request}), so a download of any size takes the memory
 * of one read; a chunked response's trailer fields are {@link Body#trailers()}, complete when
 * its body has been read. <b>Read or cancel a streamed body</b>: its connection goes back to the pool when
 * the body has been read to its end, and is closed when it is cancelled. Redirects are not
 * followed unless {@link HttpClientOptions#withFollowRedirects} says so.
 *
 * <p>Pool. At most {@link HttpClientOptions#maxConnectionsPerOrigin()} connections per origin;
 * a request takes the most recently used idle one, or opens one, or waits (up to
 * {@link HttpClientOptions#maxWaitingRequestsPerOrigin()}, then fails with
 * {@link io.troupe.services.OverloadedException}). A connection is kept after an exchange
 * unless either side said {@code Connection: close}, the body ended with the connection, or the
 * request body was not sent in full; idle ones close after
 * {@link HttpClientOptions#idleTimeout()}. A request that fails before any of it was written, or
 * an idempotent one with a {@link Body.Bytes} body whose reused connection closed before any
 * answer (the server's keep-alive timeout racing the request), is sent again on another
 * connection, at most three times.
 *
 * <p>Failures. The stage fails with the connect's cause (refused, or a
 * {@link java.net.SocketTimeoutException} after {@link HttpClientOptions#connectTimeout()}),
 * the TLS handshake's ({@link javax.net.ssl.SSLHandshakeException}: untrusted certificate, a
 * host name the certificate does not name), a {@link java.util.concurrent.TimeoutException}
 * after {@link HttpClientOptions#requestTimeout()} (which also runs while the request waits for
 * a pooled connection), or an {@link java.io.IOException} for a
 * connection that closed early or a malformed response. An HTTP error status is a response,
 * not a failure.
 *
 * <p>Threads. Any thread may call; calls never block. Stages complete on the connection's
 * dispatcher thread, inside its turn: dependent actions must be short and must not block (use
 * the {@code *Async} variants, or {@code pipeToSelf} from an actor). Body chunks come on that
 * thread too.
 *
 * <p>Cost. A request on a pooled connection costs one message into the connection actor (the
 * hand-off), then the write and the parse inside its turns; no thread is blocked while waiting.
 */
public final class HttpClient implements Service<Request, Response>, AutoCloseable {
    /*
     * Threading protocol. A thin, immutable front: call() parses the URI on the caller's thread
     * and hands an exchange to the pool (ClientPool), which owns all shared state; redirects chain
     * on the response stages. Invariants, memory ordering and shutdown: see ClientPool and
     * Http1ClientStage.
     */
    private final ActorSystem system;
    private final HttpClientOptions options;
    private final ClientPool pool;
    /** The HTTP/2 connections, or null when HTTP/2 is off. */
    private final H2ClientPool h2;

    private HttpClient(ActorSystem system, HttpClientOptions options, TlsSettings tls) {
        this.system = system;
        this.options = options;
        this.pool = new ClientPool(system, options, tls);
        this.h2 = options.http2() == HttpClientOptions.Http2.OFF ? null
                : new H2ClientPool(system, options, tls, pool, options.http2() == HttpClientOptions.Http2.PRIOR_KNOWLEDGE);
    }

    /**
     * A client whose connections run in {@code system}. Opens nothing until the first request.
     * Any thread.
     *
     * @param system the actor system
     * @param options pool bounds, timeouts, TLS
     * @return the client
     */
    public static HttpClient create(ActorSystem system, HttpClientOptions options) {
        Objects.requireNonNull(system, "system");
        Objects.requireNonNull(options, "options");
        TlsSettings tls = options.tls();
        if (tls == null) {
            try {
                tls = TlsSettings.of(SSLContext.getDefault());
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("the JDK has no default SSLContext", e);
            }
        }
        return new HttpClient(system, options, tls.withApplicationProtocols("http/1.1"));
    }

    /**
     * A client with {@link HttpClientOptions#defaults()}.
     *
     * @param system the actor system
     * @return the client
     */
    public static HttpClient create(ActorSystem system) {
        return create(system, HttpClientOptions.defaults());
    }

    /**
     * Sends {@code request} (whose target is an absolute http or https URI) and completes with the
     * response once its head has arrived (see the class comment for bodies, pooling, failures).
     * Any thread; never blocks.
     *
     * @param request the request
     * @return completes with the response, or fails
     */
    @Override
    public CompletionStage<Response> call(Request request) {
        Objects.requireNonNull(request, "request");
        final URI uri;
        final Origin origin;
        try {
            uri = new URI(request.target());
            origin = Origin.of(uri.getScheme(), uri.getHost(), uri.getPort());
            checkFields(request.headers());
        } catch (URISyntaxException | IllegalArgumentException e) {
            return CompletableFuture.failedStage(e instanceof IllegalArgumentException ? e
                    : new IllegalArgumentException("not a URI: " + request.target(), e));
        }
        final CompletionStage<Response> first = send(request, uri, origin);
        if (options.maxRedirects() == 0) {
            return first;
        }
        return first.thenCompose(r -> followRedirect(request, uri, origin, r, options.maxRedirects()));
    }

    private CompletionStage<Response> send(Request request, URI uri, Origin origin) {
        final String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        final String target = uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
        final CompletableFuture<Response> result = new CompletableFuture<>();
        final long deadline = system.clock().nanoTime() + options.requestTimeout().toNanos();
        if (h2 != null && h2.handles(origin)) {
            h2.submit(request, origin, target, result, deadline);
        } else {
            pool.submit(new ClientExchange(request, origin, target, result, deadline));
        }
        return result;
    }

    private CompletionStage<Response> followRedirect(Request request, URI uri, Origin origin, Response response,
                                                     int redirectsLeft) {
        final int s = response.status();
        final String location = response.headers().get("Location");
        if (redirectsLeft == 0 || location == null || !(s == 301 || s == 302 || s == 303 || s == 307 || s == 308)) {
            return CompletableFuture.completedStage(response);
        }
        final boolean keepMethod = s == 307 || s == 308
                || (s != 303 && (request.method().equals("GET") || request.method().equals("HEAD")));
        if (keepMethod && !(request.body() instanceof Body.Bytes)) {
            return CompletableFuture.completedStage(response); // a streamed body cannot be sent twice
        }
        final URI next;
        final Origin nextOrigin;
        try {
            next = uri.resolve(new URI(location));
            nextOrigin = Origin.of(next.getScheme(), next.getHost(), next.getPort());
        } catch (URISyntaxException | IllegalArgumentException e) {
            return CompletableFuture.completedStage(response); // not a redirect we can follow: the caller sees it
        }
        discard(response.body());
        Headers headers = request.headers().without("Host");
        if (!nextOrigin.equals(origin)) {
            headers = headers.without("Authorization").without("Cookie");
        }
        final Request again = keepMethod
                ? Request.of(request.method(), next.toString(), "HTTP/1.1", headers, request.body(), null)
                : Request.of(request.method().equals("HEAD") ? "HEAD" : "GET", next.toString(), "HTTP/1.1",
                        headers.without("Content-Type"), Body.empty(), null);
        return send(again, next, nextOrigin)
                .thenCompose(r -> followRedirect(again, next, nextOrigin, r, redirectsLeft - 1));
    }

    /** Reads a body to its end and drops it, so that its connection goes back to the pool. */
    private static void discard(Body body) {
        if (body instanceof Body.Stream stream) {
            stream.publisher().subscribe(new Flow.Subscriber<>() {
                @Override public void onSubscribe(Flow.Subscription s) {
                    s.request(Long.MAX_VALUE);
                }
                @Override public void onNext(ByteBuffer item) {}
                @Override public void onError(Throwable t) {}
                @Override public void onComplete() {}
            });
        }
    }

    private static void checkFields(Headers headers) {
        for (int i = 0; i < headers.size(); i++) {
            final String n = headers.name(i);
            final String v = headers.value(i);
            if (n.isEmpty() || n.indexOf('\r') >= 0 || n.indexOf('\n') >= 0 || n.indexOf(':') >= 0
                    || v.indexOf('\r') >= 0 || v.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("a header field with an empty name, a colon, CR or LF: " + n);
            }
        }
    }

    /**
     * A GET of {@code uri} with no headers. Any thread.
     *
     * @param uri an absolute http or https URI
     * @return completes with the response
     */
    public CompletionStage<Response> get(String uri) {
        return call(Request.of("GET", uri, "HTTP/1.1", Headers.empty(), Body.empty(), null));
    }

    /**
     * A request of {@code method} to {@code uri}. Any thread.
     *
     * @param method the method, such as {@code POST}
     * @param uri an absolute http or https URI
     * @param headers the header fields
     * @param body the body ({@link Body#empty()} for none)
     * @return completes with the response
     */
    public CompletionStage<Response> send(String method, String uri, Headers headers, Body body) {
        return call(Request.of(method, uri, "HTTP/1.1", headers, body, null));
    }

    /**
     * A snapshot of the pool, all origins together. Any thread; takes each origin's lock briefly.
     *
     * @return the counts
     */
    public Stats stats() {
        return new Stats(pool.openConnections(), pool.idleConnections(), pool.waitingRequests(), pool.connectionsOpened(),
                pool.peakBufferedBodyBytes());
    }

    /**
     * The options.
     *
     * @return the options
     */
    public HttpClientOptions options() {
        return options;
    }

    /**
     * Refuses new requests, fails those waiting for a connection and closes idle connections;
     * exchanges in flight finish, then their connections close. Any thread; does not wait.
     */
    @Override
    public void close() {
        pool.close();
        if (h2 != null) {
            h2.close();
        }
    }

    /**
     * Counts of a client's pool.
     *
     * @param openConnections connections open or opening now
     * @param idleConnections of those, the idle ones in the pool
     * @param waitingRequests requests waiting for a connection now
     * @param connectionsOpened connections opened since the client was made
     * @param peakBufferedBodyBytes the most response body bytes one connection has held that its
     *     body's subscriber had not asked for yet (a bounded download keeps this at about one read)
     */
    public record Stats(int openConnections, int idleConnections, int waitingRequests, long connectionsOpened,
                        long peakBufferedBodyBytes) {}
}
