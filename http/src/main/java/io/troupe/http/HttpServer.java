package io.troupe.http;

import io.troupe.actors.ActorSystem;
import io.troupe.http.internal.Http1ServerStage;
import io.troupe.io.ConnectionStage;
import io.troupe.io.Tcp;
import io.troupe.services.Service;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * An HTTP/1.1 server: a TCP listener whose connections each run an HTTP parser as a
 * {@link ConnectionStage}, calling a {@link Service} of {@link Request} to {@link Response}.
 *
 * <pre>{@code
 * Service<Request, Response> hello = Services.sync(request -> Response.text(200, "hello\n"));
 * HttpServer server = HttpServer.bind(system, new InetSocketAddress(8080), HttpOptions.defaults(), hello)
 *         .toCompletableFuture().join();
 * }</pre>
 *
 * <p>Cost. Parsing, the service call and the response's write run inside the connection actor's
 * turn: a handler that answers at once ({@code Services.sync}) costs one actor turn per request
 * and no message; one that answers later (an ask, a future) costs one message back into the
 * connection when it completes. Handlers must not block: a blocking one holds a dispatcher worker
 * (ask an actor, or use {@code spawnBlocking}).
 *
 * <p>Threads. The service is called on the connection's thread (a dispatcher worker), one request
 * of a connection at a time (pipelined requests are answered in order); different connections
 * call it concurrently. Its stage may complete on any thread.
 *
 * <p>Shutdown. When the actor system shuts down gracefully, the listener stops accepting, idle
 * connections close at once and those with a request in flight close after answering it (with
 * {@code Connection: close}), within the shutdown phase's deadline
 * ({@link io.troupe.actors.ShutdownPhase#SERVICE_REQUESTS_DONE}).
 *
 * <p>TLS. {@link #stage} makes the per-connection stage, so that a TLS stage can wrap it:
 * {@code Tcp.serve(system, address, tcp, () -> tls.wrap(HttpServer.stage(options, service)))}.
 */
public final class HttpServer implements AutoCloseable {
    private final Tcp.Bound bound;

    private HttpServer(Tcp.Bound bound) {
        this.bound = bound;
    }

    /**
     * Binds a server on {@code address}. Any thread; returns at once.
     *
     * @param system the actor system
     * @param address where to listen (port 0 for any free port)
     * @param options limits and deadlines
     * @param service the handler (a {@link Routes} router, a layered stack, an actor through
     *     {@code Services.ask})
     * @return completes with the server once it is accepting, or exceptionally with the bind's
     *     cause (a {@link java.net.BindException} when the port is in use)
     */
    public static CompletionStage<HttpServer> bind(ActorSystem system, SocketAddress address, HttpOptions options,
                                                   Service<Request, Response> service) {
        Objects.requireNonNull(system, "system");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(service, "service");
        return Tcp.serve(system, address, options.tcp(), () -> stage(options, service)).thenApply(HttpServer::new);
    }

    /**
     * Binds an https server on {@code address}: each connection runs the TLS server stage
     * ({@link io.troupe.io.Tls#server}) around a fresh HTTP/1.1 stage, inside the connection actor's
     * turn. Give the settings ALPN {@code "http/1.1"} ({@code tls.withApplicationProtocols("http/1.1")})
     * so that clients offering {@code h2} first settle on HTTP/1.1; with {@link HttpOptions#withHttp2} on,
     * {@code h2} is put first in ALPN and such clients speak HTTP/2. Any thread; returns at once.
     *
     * @param system the actor system
     * @param address where to listen (port 0 for any free port)
     * @param options limits and deadlines
     * @param tls the server's key, certificate and TLS options
     * @param service the handler
     * @return completes with the server once it is accepting, or exceptionally with the bind's cause
     */
    public static CompletionStage<HttpServer> bind(ActorSystem system, SocketAddress address, HttpOptions options,
                                                   io.troupe.io.TlsSettings tls, Service<Request, Response> service) {
        Objects.requireNonNull(system, "system");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(service, "service");
        final io.troupe.io.TlsSettings settings = options.http2() ? withH2(tls) : tls;
        return Tcp.serve(system, address, options.tcp(), io.troupe.io.Tls.server(settings, () -> stage(options, service)))
                .thenApply(HttpServer::new);
    }

    /** ALPN with {@code h2} first, then what the settings had ({@code http/1.1} if none). */
    private static io.troupe.io.TlsSettings withH2(io.troupe.io.TlsSettings tls) {
        final java.util.List<String> protocols = new java.util.ArrayList<>();
        protocols.add("h2");
        for (String p : tls.applicationProtocols()) {
            if (!p.equals("h2")) {
                protocols.add(p);
            }
        }
        if (protocols.size() == 1) {
            protocols.add("http/1.1");
        }
        return tls.withApplicationProtocols(protocols.toArray(String[]::new));
    }

    /**
     * A fresh server stage for one connection (what {@link #bind} serves): HTTP/1.1, or with
     * {@link HttpOptions#withHttp2} a stage that picks HTTP/2 or HTTP/1.1 per connection; for use
     * under another stage such as TLS. Called on the listener's thread, once per connection.
     *
     * @param options limits and deadlines
     * @param service the handler
     * @return a new stage
     */
    public static ConnectionStage stage(HttpOptions options, Service<Request, Response> service) {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(service, "service");
        if (options.http2()) {
            return new io.troupe.http.internal.h2.ProtocolSelector(options, service); // h2 (ALPN), h2c, or HTTP/1.1
        }
        return new Http1ServerStage(options, service);
    }

    /**
     * The bound address (with the real port when port 0 was asked for).
     *
     * @return the local address
     */
    public SocketAddress localAddress() {
        return bound.localAddress();
    }

    /**
     * The bound port.
     *
     * @return the port
     */
    public int port() {
        return ((InetSocketAddress) bound.localAddress()).getPort();
    }

    /**
     * Stops accepting; connections already open are not affected (they end with the system's
     * shutdown, or when idle). Any thread.
     *
     * @param timeout how long to wait for the listener's answer
     * @return completes once the port is released
     */
    public CompletionStage<Tcp.Unbound> unbind(Duration timeout) {
        return bound.unbind(timeout);
    }

    /** Stops accepting and waits (up to 5 s) for the port to be released. Blocks the caller. */
    @Override
    public void close() {
        unbind(Duration.ofSeconds(5)).toCompletableFuture().join();
    }
}
