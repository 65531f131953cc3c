package io.troupe.http.internal.h2.client;

import io.troupe.actors.ActorSystem;
import io.troupe.http.HttpClientOptions;
import io.troupe.http.Request;
import io.troupe.http.Response;
import io.troupe.http.internal.client.ClientExchange;
import io.troupe.http.internal.client.ClientPool;
import io.troupe.http.internal.client.Origin;
import io.troupe.http.internal.h2.H2ClientConnection;
import io.troupe.http.internal.h2.H2ClientConnection.Exchange;
import io.troupe.io.ConnectionStage;
import io.troupe.io.Tcp;
import io.troupe.io.Tls;
import io.troupe.io.TlsSettings;
import io.troupe.services.OverloadedException;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The HTTP/2 connections of one HTTP client: at most one per origin, each carrying all of that
 * origin's requests as streams (see the package docs). Thread safe: any thread submits;
 * connections report back from their turns.
 */
public final class H2ClientPool {
    /*
     * Threading protocol. Each OriginPool's fields are guarded by its monitor, held for a few
     * field updates only: connecting, handing out and user callbacks happen outside it.
     *
     * Invariants (per origin, under the monitor).
     *  1. At most one connection is connecting or ready: `connecting` or `ready != null`, not both.
     *  2. `waiting` is non-empty only while connecting; its size <= maxWaitingRequestsPerOrigin.
     *  3. http1Only, once set, stays set: every later request goes to the HTTP/1.1 pool.
     *
     * Memory ordering. An exchange is published to a connection through its concurrent inbox and
     * Connection.execute; the pool's own state through the monitor.
     *
     * Shutdown. close(): new requests fail, waiting ones fail, ready connections send GOAWAY and
     * close once their streams end.
     */
    private final ActorSystem system;
    private final HttpClientOptions options;
    private final TlsSettings tls;
    private final ClientPool http1;
    private final boolean priorKnowledge;
    private final ConcurrentHashMap<Origin, OriginPool> pools = new ConcurrentHashMap<>();
    private final AtomicLong connectionsOpened = new AtomicLong();
    private volatile boolean closed;

    /**
     * A pool.
     *
     * @param system the actor system the connections run in
     * @param options the client's options
     * @param tls the TLS settings for https (their ALPN list is replaced by {@code h2, http/1.1})
     * @param http1 where requests go when a server does not speak HTTP/2
     * @param priorKnowledge whether cleartext origins speak h2c directly
     */
    public H2ClientPool(ActorSystem system, HttpClientOptions options, TlsSettings tls, ClientPool http1,
                        boolean priorKnowledge) {
        this.system = system;
        this.options = options;
        this.tls = tls.withApplicationProtocols("h2", "http/1.1");
        this.http1 = http1;
        this.priorKnowledge = priorKnowledge;
    }

    /**
     * Whether requests to {@code origin} are tried over HTTP/2: https ones always, cleartext ones
     * with prior knowledge.
     *
     * @param origin the origin
     * @return true to submit here
     */
    public boolean handles(Origin origin) {
        return origin.https() || priorKnowledge;
    }

    /**
     * Sends a request over the origin's HTTP/2 connection (opening it if needed), or over HTTP/1.1
     * if the origin turned out not to speak HTTP/2. Any thread; never blocks.
     *
     * @param request the request
     * @param origin its origin
     * @param target the origin-form target
     * @param result completed with the response (head)
     * @param deadlineNanos the request deadline on the system clock
     */
    public void submit(Request request, Origin origin, String target, CompletableFuture<Response> result,
                       long deadlineNanos) {
        final Exchange exchange = new Exchange(request, origin.https() ? "https" : "http", origin.authority(), target,
                result, deadlineNanos);
        pools.computeIfAbsent(origin, OriginPool::new).acquire(exchange);
    }

    /**
     * HTTP/2 connections opened since the start.
     *
     * @return the count
     */
    public long connectionsOpened() {
        return connectionsOpened.get();
    }

    /**
     * Whether the origin was found to speak only HTTP/1.1 (ALPN). Any thread.
     *
     * @param origin the origin
     * @return true once its server declined h2
     */
    public boolean isHttp1Only(Origin origin) {
        final OriginPool p = pools.get(origin);
        if (p == null) {
            return false;
        }
        synchronized (p) {
            return p.http1Only;
        }
    }

    /** Refuses new requests, fails the waiting ones, and lets the connections go away. Any thread. */
    public void close() {
        closed = true;
        for (OriginPool p : pools.values()) {
            final List<Exchange> failed;
            final H2ClientConnection c;
            synchronized (p) {
                failed = new ArrayList<>(p.waiting);
                p.waiting.clear();
                c = p.ready;
                p.ready = null;
            }
            for (Exchange e : failed) {
                e.result().completeExceptionally(new IllegalStateException("the HTTP client was closed"));
            }
            if (c != null) {
                c.closeFromOutside();
            }
        }
    }

    /** The connection of one origin. */
    private final class OriginPool implements H2ClientConnection.Owner {
        private final Origin origin;
        // guarded by this
        private H2ClientConnection ready;
        private boolean connecting;
        private boolean http1Only;
        private final ArrayDeque<Exchange> waiting = new ArrayDeque<>();

        OriginPool(Origin origin) {
            this.origin = origin;
        }

        void acquire(Exchange exchange) {
            H2ClientConnection c = null;
            boolean toHttp1 = false;
            boolean connect = false;
            RuntimeException reject = null;
            synchronized (this) {
                if (closed) {
                    reject = new IllegalStateException("the HTTP client is closed");
                } else if (http1Only) {
                    toHttp1 = true;
                } else if (ready != null) {
                    if (ready.outstanding() >= ready.peerMaxConcurrentStreams() + options.maxWaitingRequestsPerOrigin()) {
                        reject = new OverloadedException("the HTTP/2 connection to " + origin + " has "
                                + ready.outstanding() + " requests running or waiting (the bound)");
                    } else {
                        c = ready;
                    }
                } else if (waiting.size() >= options.maxWaitingRequestsPerOrigin()) {
                    reject = new OverloadedException("the HTTP client has " + waiting.size()
                            + " requests waiting for its HTTP/2 connection to " + origin + " (the bound)");
                } else {
                    waiting.add(exchange);
                    if (!connecting) {
                        connecting = true;
                        connect = true;
                    }
                }
            }
            if (reject != null) {
                exchange.result().completeExceptionally(reject);
            } else if (toHttp1) {
                toHttp1(exchange);
            } else if (c != null) {
                c.submit(exchange);
            } else if (connect) {
                connect();
            }
        }

        private void toHttp1(Exchange e) {
            http1.submit(new ClientExchange(e.request(), origin, e.path(), e.result(), e.deadlineNanos()));
        }

        private void connect() {
            final H2ClientConnection c = new H2ClientConnection(this, origin.https(),
                    options.maxResponseHeadBytes(), options.maxBufferedBodyBytes(), options.idleTimeout(),
                    () -> system.clock().nanoTime());
            connectionsOpened.incrementAndGet();
            final ConnectionStage outer = origin.https() ? Tls.client(tls, origin.host(), c) : c;
            try {
                Tcp.connect(system, InetSocketAddress.createUnresolved(origin.host(), origin.port()), options.tcp(),
                        options.connectTimeout(), outer);
            } catch (RuntimeException e) {
                c.onConnectFailed(null, e);
            }
        }

        @Override
        public void onReady(H2ClientConnection connection) {
            final List<Exchange> go;
            synchronized (this) {
                connecting = false;
                if (closed) {
                    go = List.of();
                } else {
                    ready = connection;
                    go = new ArrayList<>(waiting);
                    waiting.clear();
                }
            }
            if (closed) {
                connection.closeFromOutside();
            }
            for (Exchange e : go) {
                connection.submit(e);
            }
        }

        @Override
        public void onRefusedH2(H2ClientConnection connection) {
            final List<Exchange> go;
            synchronized (this) {
                connecting = false;
                http1Only = true;
                go = new ArrayList<>(waiting);
                waiting.clear();
            }
            for (Exchange e : go) {
                toHttp1(e);
            }
        }

        @Override
        public void onUnusable(H2ClientConnection connection, Throwable connectFailure) {
            List<Exchange> failed = List.of();
            boolean connect = false;
            synchronized (this) {
                if (ready == connection) {
                    ready = null;
                }
                if (connectFailure != null && connecting) {
                    connecting = false;
                    failed = new ArrayList<>(waiting);
                    waiting.clear();
                } else if (ready == null && !connecting && !waiting.isEmpty() && !closed) {
                    connecting = true;
                    connect = true;
                }
            }
            for (Exchange e : failed) {
                e.result().completeExceptionally(connectFailure);
            }
            if (connect) {
                connect();
            }
        }

        @Override
        public void retry(Exchange exchange) {
            if (closed || exchange.result().isDone()) {
                exchange.result().completeExceptionally(new IllegalStateException("the HTTP client is closed"));
                return;
            }
            if (++exchange.attempts > 3) {
                exchange.result().completeExceptionally(new java.io.IOException(
                        "the HTTP/2 connection to " + origin + " went away before the request was sent, three times"));
                return;
            }
            acquire(exchange);
        }
    }
}
