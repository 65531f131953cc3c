package io.troupe.http.internal.h2;

import io.troupe.http.HttpOptions;
import io.troupe.http.Request;
import io.troupe.http.Response;
import io.troupe.http.internal.Http1ServerStage;
import io.troupe.io.Connection;
import io.troupe.io.ConnectionStage;
import io.troupe.io.Tcp;
import io.troupe.io.TlsConnection;
import io.troupe.services.Service;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Objects;

/**
 * The server stage of a connection that may speak HTTP/1.1 or HTTP/2: it picks the protocol,
 * then hands every call to that protocol's stage. NOT thread safe: confined to its connection
 * actor's turn, like every stage.
 *
 * <ul>
 *   <li>Under TLS: ALPN decides ({@code h2}, or HTTP/1.1 for {@code http/1.1} or no ALPN; with no
 *       ALPN the client preface is still recognised).</li>
 *   <li>In cleartext: the first bytes decide. The 24-byte HTTP/2 client preface (prior knowledge,
 *       {@code curl --http2-prior-knowledge}) selects HTTP/2; anything else is HTTP/1.1, whose
 *       stage may then upgrade a request with {@code Upgrade: h2c} (RFC 7540 3.2): 101, and the
 *       request becomes stream 1.</li>
 * </ul>
 *
 * <p>Cost: nothing per request; the choice is made once per connection. Bytes are copied only when
 * a read ends inside a partial preface match (a request beginning {@code "PR"}).
 */
public final class ProtocolSelector implements ConnectionStage {
    /*
     * Threading protocol: stage calls only, in the connection's turn; no state is shared.
     *
     * Lifecycle: UNDECIDED -> HTTP1 | HTTP2 (first bytes, or ALPN at onConnected);
     * HTTP1 -> HTTP2 (an h2c upgrade, from inside the HTTP/1.1 stage's call).
     * While undecided the selector holds at most the 23 preface bytes matched so far and its own
     * timer (the idle timeout, then the header read timeout once a byte is in) closes a
     * connection that never says enough.
     *
     * Shutdown: the chosen stage's; an undecided connection closes at once.
     */
    private static final Object SNIFF_TIMER = new Object();
    private static final byte[] SWITCHING = ("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
            + "Upgrade: h2c\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);

    private final HttpOptions options;
    private final Service<Request, Response> service;
    private ConnectionStage delegate;
    private Connection conn;
    /** Preface bytes matched so far while undecided. */
    private int matched;
    private boolean closed;

    /**
     * A selector for one connection. Called once per connection, on its thread.
     *
     * @param options the server's options (HTTP/2 limits included)
     * @param service the handler, for either protocol
     */
    public ProtocolSelector(HttpOptions options, Service<Request, Response> service) {
        this.options = Objects.requireNonNull(options, "options");
        this.service = Objects.requireNonNull(service, "service");
    }

    @Override
    public void onConnected(Connection connection) {
        conn = connection;
        if (connection instanceof TlsConnection tls && tls.applicationProtocol() != null) {
            choose("h2".equals(tls.applicationProtocol()) ? new H2ServerStage(options, service)
                    : new Http1ServerStage(options, service));
            return;
        }
        conn.startTimer(SNIFF_TIMER, options.idleTimeout(), this::onSniffTimer);
    }

    private void choose(ConnectionStage stage) {
        delegate = stage;
        if (conn != null) {
            conn.cancelTimer(SNIFF_TIMER);
            stage.onConnected(conn);
        }
    }

    @Override
    public void onReceived(Connection connection, ByteBuffer data) {
        if (delegate != null) {
            delegate.onReceived(connection, data);
            return;
        }
        if (conn == null) {
            onConnected(connection);
            if (delegate != null) {
                delegate.onReceived(connection, data);
                return;
            }
        }
        final int start = matched;
        int p = data.position();
        while (p < data.limit() && matched < H2.PREFACE.length && data.get(p) == H2.PREFACE[matched]) {
            p++;
            matched++;
        }
        if (matched == H2.PREFACE.length) {
            choose(new H2ServerStage(options, service));
            delegate.onReceived(connection, withPrefix(start, data));
        } else if (p < data.limit()) { // a byte that is not the preface's: HTTP/1.1
            choose(http1());
            delegate.onReceived(connection, withPrefix(start, data));
        } else {
            data.position(data.limit()); // all of it matched, and is remembered as `matched`
            conn.startTimer(SNIFF_TIMER, options.headerReadTimeout(), this::onSniffTimer);
        }
    }

    /** {@code data} with the preface bytes matched in earlier reads put back in front. */
    private static ByteBuffer withPrefix(int prefixBytes, ByteBuffer data) {
        if (prefixBytes == 0) {
            return data;
        }
        final ByteBuffer b = ByteBuffer.allocate(prefixBytes + data.remaining());
        b.put(H2.PREFACE, 0, prefixBytes).put(data).flip();
        return b;
    }

    private Http1ServerStage http1() {
        final Http1ServerStage h1 = new Http1ServerStage(options, service);
        if (!(conn instanceof TlsConnection)) {
            h1.upgradeHook(this::upgrade); // h2c is for cleartext only (RFC 7540 3.2)
        }
        return h1;
    }

    /**
     * Called by the HTTP/1.1 stage for a request without a body that asks for an upgrade: takes
     * the connection over if it asks for h2c with one HTTP2-Settings field. In the turn.
     */
    private boolean upgrade(Request request) {
        if (!tokenListHas(request.headers().get("upgrade"), "h2c")
                || !tokenListHas(request.headers().get("connection"), "http2-settings")
                || request.headers().all("HTTP2-Settings").size() != 1) {
            return false;
        }
        final byte[] settings;
        try {
            settings = Base64.getUrlDecoder().decode(request.headers().get("HTTP2-Settings").trim());
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (settings.length % 6 != 0) {
            return false;
        }
        conn.write(ByteBuffer.wrap(SWITCHING));
        final Request h2Request = Request.of(request.method(), request.target(), "HTTP/2",
                request.headers().without("upgrade").without("connection").without("http2-settings"),
                request.body(), request.remoteAddress());
        final H2ServerStage h2 = new H2ServerStage(options, service, h2Request, settings);
        delegate = h2;
        h2.onConnected(conn);
        return true;
    }

    private static boolean tokenListHas(String list, String token) {
        if (list == null) {
            return false;
        }
        for (String t : list.split(",")) {
            if (t.trim().equalsIgnoreCase(token)) {
                return true;
            }
        }
        return false;
    }

    private void onSniffTimer() {
        if (delegate == null && !closed) {
            conn.close(); // said nothing (or only part of a preface) in time
        }
    }

    @Override
    public void onConnectFailed(SocketAddress address, Throwable cause) {
        if (delegate != null) {
            delegate.onConnectFailed(address, cause);
        }
    }

    @Override
    public void onPeerClosed(Connection connection) {
        if (delegate != null) {
            delegate.onPeerClosed(connection);
        } else {
            connection.close();
        }
    }

    @Override
    public void onShuttingDown(Connection connection) {
        if (delegate != null) {
            delegate.onShuttingDown(connection);
        } else {
            connection.close();
        }
    }

    @Override
    public void onWritingPaused(Connection connection) {
        if (delegate != null) {
            delegate.onWritingPaused(connection);
        }
    }

    @Override
    public void onWritingResumed(Connection connection) {
        if (delegate != null) {
            delegate.onWritingResumed(connection);
        }
    }

    @Override
    public void onAck(Connection connection, Object token) {
        if (delegate != null) {
            delegate.onAck(connection, token);
        }
    }

    @Override
    public void onClosed(Connection connection, Tcp.ConnectionClosed why) {
        closed = true;
        if (delegate != null) {
            delegate.onClosed(connection, why);
        }
    }
}
