package io.troupe.io;

import static io.troupe.io.TestHandlers.ANY_LOCAL_PORT;
import static io.troupe.io.TestHandlers.client;
import static io.troupe.io.TestHandlers.readFully;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.ActorSystem;
import io.troupe.actors.testkit.TestProbe;
import io.troupe.io.TlsTestStages.ReportingEcho;
import io.troupe.io.TlsTestStages.Settled;
import io.troupe.io.tls.TestCertificates;
import io.troupe.timers.ManualClock;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * How TLS connections fail, and what the inner stage is told: a handshake that stalls (timeout,
 * on a ManualClock), a certificate for another host name, an untrusted certificate, no common
 * protocol version, and a peer that ends the TCP stream without close_notify.
 */
@Timeout(120)
class TlsFailureTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private static TlsSettings server() {
        return TlsSettings.of(TestCertificates.get().serverContext());
    }

    private static TlsSettings trustingClient() {
        return TlsSettings.of(TestCertificates.get().clientContext());
    }

    /** The cause and its causes, as one string, for matching a message wherever the JDK put it. */
    private static String chain(Throwable t) {
        final StringBuilder b = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            b.append(c).append(" / ");
        }
        return b.toString();
    }

    private static Throwable errorCause(TestProbe<Object> probe) {
        final Tcp.ConnectionClosed closed = probe.expectMessageClass(Tcp.ConnectionClosed.class, WAIT);
        assertInstanceOf(Tcp.ErrorClosed.class, closed, String.valueOf(closed));
        return ((Tcp.ErrorClosed) closed).cause();
    }

    /** The server's last words: nothing, or TLS alert records (content type 21), then the end of the stream (or a reset). */
    private static void assertAlertsThenEnd(InputStream in) {
        try {
            final byte[] rest = in.readAllBytes();
            assertTrue(rest.length == 0 || rest[0] == 21, "expected only an alert before the end, got " + rest.length
                    + " bytes starting with content type " + (rest.length == 0 ? "-" : rest[0]));
        } catch (IOException reset) {
            // a reset is the other correct ending
        }
    }

    @Test
    void silentOrStalledPeer_handshakeTimesOutOnTheClock_innerToldWhy_socketClosed() throws Exception {
        // On a ManualClock, a peer that sends nothing, and one that stops after the first bytes of a ClientHello, are
        // both closed when the handshake timeout (5 s) passes on the clock, not before; the inner stage (never
        // connected) hears ErrorClosed with a SocketTimeoutException saying "handshake timed out". The same on a server
        // with SNI contexts, whose engine waits for the whole ClientHello.
        final byte[][] openings = {new byte[0], {0x16, 0x03, 0x01, 0x01, 0x00, 0x01, 0x00}}; // nothing; a cut-off ClientHello
        final java.util.List<TlsSettings> servers = java.util.List.of(server(),
                server().withServerNameContext("a.test", TestCertificates.get().serverContext()));
        for (TlsSettings settings : servers) {
            for (byte[] opening : openings) {
                final ManualClock clock = new ManualClock();
                try (ActorSystem system = ActorSystem.builder("tls-timeout").clock(clock).build()) {
                    final TestProbe<Object> probe = TestProbe.create(system);
                    final java.util.function.Supplier<ConnectionStage> tls = Tls.server(
                            settings.withHandshakeTimeout(Duration.ofSeconds(5)),
                            () -> new ReportingEcho(probe.ref(), new AtomicInteger()));
                    final java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
                    final Tcp.Bound bound = Tcp.serve(system, ANY_LOCAL_PORT, TcpOptions.defaults(),
                            () -> new AfterConnected(tls.get(), started::countDown)).toCompletableFuture().join();
                    try (Socket peer = client(bound.localAddress())) {
                        peer.getOutputStream().write(opening);
                        // the TLS stage's onConnected has returned: its timer is set (the manual scheduler takes it at once),
                        // due 5 s after the clock's start, which nothing has moved yet
                        assertTrue(started.await(WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS), "accepted");
                        clock.advance(Duration.ofSeconds(5).minusMillis(1));
                        probe.expectNoMessage(Duration.ofMillis(200)); // not before the timeout (bounded check, not a sync)
                        clock.advance(Duration.ofMillis(1));
                        final Throwable cause = errorCause(probe);
                        assertInstanceOf(SocketTimeoutException.class, cause);
                        assertTrue(cause.getMessage().contains("handshake timed out"), cause.getMessage());
                        assertAlertsThenEnd(peer.getInputStream());
                    }
                }
            }
        }
    }

    /** Delegates every call to a stage, and runs {@code afterConnected} once the stage's onConnected has returned. */
    private static final class AfterConnected implements ConnectionStage {
        private final ConnectionStage stage;
        private final Runnable afterConnected;

        AfterConnected(ConnectionStage stage, Runnable afterConnected) {
            this.stage = stage;
            this.afterConnected = afterConnected;
        }

        @Override
        public void onConnected(Connection connection) {
            stage.onConnected(connection);
            afterConnected.run();
        }

        @Override
        public void onReceived(Connection connection, java.nio.ByteBuffer data) {
            stage.onReceived(connection, data);
        }

        @Override
        public void onPeerClosed(Connection connection) {
            stage.onPeerClosed(connection);
        }

        @Override
        public void onWritingPaused(Connection connection) {
            stage.onWritingPaused(connection);
        }

        @Override
        public void onWritingResumed(Connection connection) {
            stage.onWritingResumed(connection);
        }

        @Override
        public void onClosed(Connection connection, Tcp.ConnectionClosed why) {
            stage.onClosed(connection, why);
        }
    }

    @Test
    void client_certificateForAnotherName_failsHostnameVerification_bothSidesToldTheSslException() throws Exception {
        // Our certificate names localhost and 127.0.0.1: a client that connects for "wrong.example" fails the handshake
        // with an SSLHandshakeException naming the host; the server's inner stage hears the handshake failure too.
        // With verification off the same connection succeeds, and "127.0.0.1" matches the certificate's IP name.
        try (ActorSystem system = ActorSystem.create("tls-hostname")) {
            final TestProbe<Object> serverProbe = TestProbe.create(system);
            final Tcp.Bound bound = Tcp.serve(system, ANY_LOCAL_PORT, TcpOptions.defaults(),
                    Tls.server(server(), () -> new ReportingEcho(serverProbe.ref(), new AtomicInteger())))
                    .toCompletableFuture().join();

            final TestProbe<Object> wrong = TestProbe.create(system);
            Tcp.connect(system, bound.localAddress(), TcpOptions.defaults(), WAIT,
                    Tls.client(trustingClient(), "wrong.example", new ReportingEcho(wrong.ref(), new AtomicInteger())));
            final Throwable cause = errorCause(wrong);
            assertInstanceOf(SSLHandshakeException.class, cause);
            assertTrue(chain(cause).contains("wrong.example"), chain(cause));
            assertInstanceOf(SSLHandshakeException.class, errorCause(serverProbe));

            final TestProbe<Object> unverified = TestProbe.create(system);
            Tcp.connect(system, bound.localAddress(), TcpOptions.defaults(), WAIT, Tls.client(
                    trustingClient().withHostnameVerification(false), "wrong.example",
                    new ReportingEcho(unverified.ref(), new AtomicInteger())));
            assertEquals("wrong.example", unverified.expectMessageClass(Settled.class, WAIT).serverName());
            assertEquals("wrong.example", serverProbe.expectMessageClass(Settled.class, WAIT).serverName());

            final TestProbe<Object> byIp = TestProbe.create(system);
            Tcp.connect(system, bound.localAddress(), TcpOptions.defaults(), WAIT,
                    Tls.client(trustingClient(), "127.0.0.1", new ReportingEcho(byIp.ref(), new AtomicInteger())));
            assertEquals(null, byIp.expectMessageClass(Settled.class, WAIT).serverName()); // no SNI for an IP address
        }
    }

    @Test
    void client_untrustedCertificate_or_noCommonVersion_failsTheHandshake_withTheSslException() throws Exception {
        // A client whose trust store (the JDK's default cacerts) lacks our self-signed certificate, and a TLS 1.2-only
        // client against a TLS 1.3-only server: each side's inner stage hears ErrorClosed(SSLHandshakeException).
        try (ActorSystem system = ActorSystem.create("tls-untrusted")) {
            final TestProbe<Object> serverProbe = TestProbe.create(system);
            final Tcp.Bound bound = Tcp.serve(system, ANY_LOCAL_PORT, TcpOptions.defaults(),
                    Tls.server(server().withProtocols("TLSv1.3"), () -> new ReportingEcho(serverProbe.ref(), new AtomicInteger())))
                    .toCompletableFuture().join();

            final TestProbe<Object> untrusting = TestProbe.create(system);
            Tcp.connect(system, bound.localAddress(), TcpOptions.defaults(), WAIT, Tls.client(
                    TlsSettings.of(SSLContext.getDefault()), "localhost", new ReportingEcho(untrusting.ref(), new AtomicInteger())));
            final Throwable untrusted = errorCause(untrusting);
            assertInstanceOf(SSLHandshakeException.class, untrusted);
            assertTrue(chain(untrusted).contains("certification path"), chain(untrusted));
            assertInstanceOf(SSLHandshakeException.class, errorCause(serverProbe));

            final TestProbe<Object> oldOnly = TestProbe.create(system);
            Tcp.connect(system, bound.localAddress(), TcpOptions.defaults(), WAIT, Tls.client(
                    trustingClient().withProtocols("TLSv1.2"), "localhost", new ReportingEcho(oldOnly.ref(), new AtomicInteger())));
            assertInstanceOf(SSLHandshakeException.class, errorCause(oldOnly));
            assertInstanceOf(SSLHandshakeException.class, errorCause(serverProbe));
        }
    }

    @Test
    void peerEndsTcpWithoutCloseNotify_afterTheHandshake_isReportedAsPossibleTruncation() throws Exception {
        // A JDK SSLSocket layered on a plain socket completes the handshake and an echo, then the plain socket is closed
        // under it (no close_notify): the inner stage does not hear onPeerClosed, it hears ErrorClosed(SSLException).
        try (ActorSystem system = ActorSystem.create("tls-truncation")) {
            final TestProbe<Object> probe = TestProbe.create(system);
            final Tcp.Bound bound = Tcp.serve(system, ANY_LOCAL_PORT, TcpOptions.defaults(),
                    Tls.server(server(), () -> new ReportingEcho(probe.ref(), new AtomicInteger()))).toCompletableFuture().join();
            final int port = ((InetSocketAddress) bound.localAddress()).getPort();
            try (Socket plain = client(bound.localAddress())) {
                final SSLSocket tls = (SSLSocket) TestCertificates.get().clientContext().getSocketFactory()
                        .createSocket(plain, "localhost", port, false);
                tls.startHandshake();
                tls.getOutputStream().write("abc".getBytes(StandardCharsets.UTF_8));
                assertArrayEquals("abc".getBytes(StandardCharsets.UTF_8), readFully(tls.getInputStream(), 3));
                probe.expectMessageClass(Settled.class, WAIT);
            } // closes the plain socket only
            final Throwable cause = errorCause(probe);
            assertInstanceOf(SSLException.class, cause);
            assertTrue(cause.getMessage().contains("without close_notify"), cause.getMessage());
        }
    }
}
