package io.troupe.observe;

import io.troupe.actors.ActorDump;
import io.troupe.actors.ActorSystem;
import io.troupe.http.Body;
import io.troupe.http.Headers;
import io.troupe.http.HttpOptions;
import io.troupe.http.HttpServer;
import io.troupe.http.Request;
import io.troupe.http.Response;
import io.troupe.http.Routes;
import io.troupe.services.Service;
import io.troupe.services.Services;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A live console for an actor system, served over HTTP by Troupe's own {@link HttpServer}: a
 * page that shows the actor tree (path, state, mailbox depth and capacity, the message being
 * handled and for how long, actors stuck in a handler for more than a second highlighted), the
 * system's counters with their rates per second as small live charts, the slowest handler runs
 * and the recent dead letters, refreshed every second.
 *
 * <pre>{@code
 * Console console = Console.serve(system, new InetSocketAddress(InetAddress.getLoopbackAddress(), 9090))
 *         .toCompletableFuture().join();
 * // open http://127.0.0.1:9090/ ; console.close() when done (or let the system's shutdown end it)
 * }</pre>
 *
 * <p>Resources:
 * <ul>
 *   <li>{@code GET /}: the page, one self-contained HTML document (inline CSS and script, no
 *       external resource; its Content-Security-Policy allows nothing else) that polls
 *       {@code /api/dump} every second and listens to {@code /api/events}; it computes the rates
 *       from the difference between two events.
 *   <li>{@code GET /api/dump}: {@link ActorSystem#dump(int)} as JSON,
 *       {@code {"system","max","omitted","actors":[{"path","class","state","mailboxDepth",
 *       "mailboxCapacity","message","handlingMillis","dispatcher","children"}]}}; at most
 *       {@code ?max=N} actors (default 10,000, at most 100,000; the rest counted in
 *       {@code omitted}). A bad {@code max} is 400.
 *   <li>{@code GET /api/counters}: {@link ActorSystem#counterValues()} as JSON,
 *       {@code {"system","monotonicMillis","counters":[{"name","value"}]}} in the counters' order.
 *   <li>{@code GET /api/events}: server-sent events ({@code text/event-stream}), one
 *       {@code tick} event a second whose data is the counters' JSON above plus
 *       {@code "slowest":[{"path","message","millis","running"}]} ({@link ActorSystem#slowestHandlers()}),
 *       {@code "deadLetters":[{"monotonicMillis","reason","message","sender","recipient"}]} (the
 *       last 20 since the console started, oldest first) and {@code "deadLettersTotal"}. A page
 *       that reads slowly skips events (each carries absolute values).
 *   <li>anything else: 404 (405 for another method on these paths).
 * </ul>
 *
 * <p>Read-only: the console has no action (no stop, no message, no restart); it only reads what
 * {@code dump} and {@code counterValues} return. It is not authenticated: it shows the actor
 * tree, actor and message class names and the counters to whoever can reach the address, so bind
 * it to a loopback address ({@code 127.0.0.1}) unless a proxy in front of it controls access.
 * Bound to a loopback address, it answers only requests whose {@code Host} is {@code localhost}
 * or an IP address (others get 403), so that a web page the user visits cannot read it through
 * DNS rebinding (a name of the attacker's that resolves to 127.0.0.1).
 *
 * <p>Threads and isolation. {@link #serve(ActorSystem, SocketAddress)} serves from a small actor
 * system of the console's own ({@code <name>-console}: one worker, which also polls the
 * console's sockets, and a timer thread), never from the observed system's workers, so a system
 * whose every worker is blocked still answers: the dump and the counters are read racily from
 * outside, without running anything on the observed system. {@link #serve(ActorSystem,
 * SocketAddress, ActorSystem)} serves from a system the caller chooses instead (the observed
 * one itself costs no thread, but then a blocked system cannot answer its console).
 *
 * <p>Cost. Besides the host's threads: nothing per message. Each open page costs, every second,
 * one dump (O(actors listed), about 250 bytes of JSON each) and one event (the counters, the
 * slowest handlers, the recent dead letters: about 2 KB). While the console is open, every
 * dead letter of the observed system is also copied into a ring of 20 (on the thread that
 * produced it). {@link #serve} may be called from any thread, a handler included: it returns at
 * once. The handle is thread safe; {@link #close} blocks its caller.
 */
public final class Console implements AutoCloseable {
    /** The default bound of {@code /api/dump}, as {@link ActorSystem#dump()}. */
    static final int DEFAULT_MAX_ACTORS = 10_000;
    /** The most actors {@code /api/dump?max=} may ask for. */
    static final int MAX_MAX_ACTORS = 100_000;

    private static final byte[] PAGE = readPage();
    private static final String CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline';"
            + " connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private final HttpServer server;
    private final ConsoleFeed feed;
    /** The console's own host system (closed with it), or null if the caller chose the host. */
    private final ActorSystem ownHost;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private Console(HttpServer server, ConsoleFeed feed, ActorSystem ownHost) {
        this.server = server;
        this.feed = feed;
        this.ownHost = ownHost;
    }

    /**
     * Serves the console of {@code system} on {@code address} from a small actor system of its
     * own ({@code <name>-console}, one worker and a timer thread), so that the console answers
     * even while every worker of {@code system} is blocked. Any thread; returns at once. The
     * console stops with {@link #close} or when {@code system} terminates.
     *
     * @param system the actor system to show
     * @param address where to listen; prefer a loopback address, the console exposes internals
     *     (port 0 for any free port, read back with {@link #localAddress()})
     * @return completes with the console once it accepts connections, or exceptionally with the
     *     bind's cause (a {@link java.net.BindException} when the port is in use)
     */
    public static CompletionStage<Console> serve(ActorSystem system, SocketAddress address) {
        Objects.requireNonNull(system, "system");
        Objects.requireNonNull(address, "address");
        final ActorSystem host = ActorSystem.builder(system.name() + "-console").parallelism(1).build();
        final CompletionStage<Console> console = serve(system, address, host, host);
        console.whenComplete((c, e) -> {
            if (e != null) {
                host.close(); // the bind failed: nothing else holds the host
            }
        });
        return console;
    }

    /**
     * Serves the console of {@code system} on {@code address} from {@code host}'s workers and I/O
     * driver: {@code system} itself costs no thread, but a system whose every worker is blocked
     * then cannot answer its own console (use {@link #serve(ActorSystem, SocketAddress)}, or read
     * its counters file with {@link TroupeStat}). Any thread; returns at once. The console stops
     * with {@link #close} or when {@code host} shuts down.
     *
     * @param system the actor system to show
     * @param address where to listen (see {@link #serve(ActorSystem, SocketAddress)})
     * @param host the system whose threads serve the console; may be {@code system}
     * @return completes with the console once it accepts connections, or exceptionally with the
     *     bind's cause
     */
    public static CompletionStage<Console> serve(ActorSystem system, SocketAddress address, ActorSystem host) {
        Objects.requireNonNull(system, "system");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(host, "host");
        return serve(system, address, host, null);
    }

    private static CompletionStage<Console> serve(ActorSystem system, SocketAddress address, ActorSystem host, ActorSystem ownHost) {
        final boolean loopback = address instanceof InetSocketAddress a && a.getAddress() != null
                && a.getAddress().isLoopbackAddress();
        final ConsoleFeed feed = ConsoleFeed.start(system, host);
        final CompletionStage<Console> bound = HttpServer.bind(host, address, HttpOptions.defaults(), service(system, feed, loopback))
                .thenApply(server -> new Console(server, feed, ownHost));
        bound.whenComplete((console, e) -> {
            if (e != null) {
                feed.close();
            } else if (ownHost != null) {
                // The observed system's end ends the console: on a thread of its own, as close() blocks.
                system.whenTerminated().whenComplete((report, t) -> {
                    final Thread closer = new Thread(console::close, system.name() + "-console-close");
                    closer.setDaemon(true);
                    closer.start();
                });
            }
        });
        return bound;
    }

    /**
     * The console's service for {@code system}; with {@code loopbackOnly}, requests addressed to
     * another host name are refused (403). Package-private for tests.
     */
    static Service<Request, Response> service(ActorSystem system, ConsoleFeed feed, boolean loopbackOnly) {
        final Routes routes = routes(system, feed);
        if (!loopbackOnly) {
            return routes;
        }
        return request -> isLocalHost(request.headers().get("Host")) ? routes.call(request)
                : CompletableFuture.completedFuture(Response.text(403, "403 Forbidden: this console is bound to a loopback"
                        + " address and answers only requests to localhost or an IP address (not to a host name, which could be"
                        + " DNS rebinding)\n"));
    }

    /**
     * Whether a {@code Host} field names this machine without DNS: {@code localhost}, a name
     * under {@code .localhost}, or an IP literal (IPv4 dotted, IPv6 in brackets), with or without
     * a port. No field (HTTP/1.0) is allowed: every browser sends one.
     */
    static boolean isLocalHost(String hostField) {
        if (hostField == null) {
            return true;
        }
        final String field = hostField.trim().toLowerCase(Locale.ROOT);
        if (field.startsWith("[")) {
            final int close = field.indexOf(']');
            return close > 1 && field.substring(1, close).matches("[0-9a-f:.]+")
                    && (close == field.length() - 1 || field.substring(close + 1).matches(":\\d{1,5}"));
        }
        final int colon = field.indexOf(':');
        final String host = colon < 0 ? field : field.substring(0, colon);
        if (colon >= 0 && !field.substring(colon + 1).matches("\\d{1,5}")) {
            return false;
        }
        return host.equals("localhost") || host.endsWith(".localhost")
                || host.matches("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    }

    /** The console's routes for {@code system}. */
    private static Routes routes(ActorSystem system, ConsoleFeed feed) {
        return Routes.builder()
                .get("/api/events", Services.sync(request -> Response.of(200, Headers.of("Content-Type",
                        "text/event-stream; charset=utf-8", "Cache-Control", "no-store", "X-Content-Type-Options", "nosniff"),
                        Body.stream(feed.newStream(), -1))))
                .get("/", Services.sync(request -> page()))
                .get("/api/dump", Services.sync(request -> dump(system, request)))
                .get("/api/counters", Services.sync(request -> json(200,
                        ConsoleJson.counters(system.name(), System.nanoTime() / 1_000_000, system.counterValues()))))
                .build();
    }

    private static Response page() {
        return Response.of(200, Headers.of("Content-Type", "text/html; charset=utf-8", "Cache-Control", "no-store",
                "X-Content-Type-Options", "nosniff", "Content-Security-Policy", CSP, "Referrer-Policy", "no-referrer"),
                Body.of(PAGE));
    }

    private static Response dump(ActorSystem system, Request request) {
        final int max;
        try {
            max = maxParameter(request.query());
        } catch (IllegalArgumentException e) {
            return Response.text(400, e.getMessage() + "\n");
        }
        final ActorDump dump = system.dump(max);
        return json(200, ConsoleJson.dump(system.name(), max, dump));
    }

    /** The {@code max} query parameter: absent is the default, above the cap is the cap. */
    static int maxParameter(String query) {
        if (query == null || query.isEmpty()) {
            return DEFAULT_MAX_ACTORS;
        }
        int max = DEFAULT_MAX_ACTORS;
        for (String pair : query.split("&")) {
            if (!pair.startsWith("max=")) {
                continue;
            }
            final String value = pair.substring(4);
            if (value.isEmpty() || value.length() > 9 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new IllegalArgumentException("max must be a number of actors from 0 to " + MAX_MAX_ACTORS + ", was '"
                        + (value.length() > 20 ? value.substring(0, 20) + "..." : value) + "'");
            }
            max = Math.min(Integer.parseInt(value), MAX_MAX_ACTORS);
        }
        return max;
    }

    private static Response json(int status, String text) {
        return Response.of(status, Headers.of("Content-Type", "application/json; charset=utf-8", "Cache-Control", "no-store",
                "X-Content-Type-Options", "nosniff"), Body.utf8(text));
    }

    private static byte[] readPage() {
        try (InputStream in = Console.class.getResourceAsStream("console.html")) {
            if (in == null) {
                throw new IllegalStateException("console.html is missing from troupe-observe's jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The address the console listens on (with the real port when port 0 was asked for). Any thread.
     *
     * @return the local address
     */
    public SocketAddress localAddress() {
        return server.localAddress();
    }

    /**
     * The page's URL, {@code http://host:port/}, with the bound address's host (an IPv6 literal in
     * brackets; the wildcard address as is). Any thread.
     *
     * @return the URL
     */
    public String url() {
        final InetSocketAddress a = (InetSocketAddress) server.localAddress();
        final String host = a.getAddress().getHostAddress();
        return "http://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort() + "/";
    }

    /**
     * Stops accepting connections and waits (up to 5 s) for the port to be released, stops the
     * live feed and, if the console has a host system of its own, closes it (which ends the open
     * connections); otherwise connections already open end when idle or with their host.
     * Idempotent. Blocks the caller: not from a handler.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            feed.close();
            server.close();
        } finally {
            if (ownHost != null) {
                ownHost.close();
            }
        }
    }
}
