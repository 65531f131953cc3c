package io.troupe.io;

import static io.troupe.io.TestHandlers.ANY_LOCAL_PORT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.ActorSystem;
import io.troupe.actors.testkit.TestProbe;
import io.troupe.io.TlsTestStages.PeerClosedSeen;
import io.troupe.io.TlsTestStages.ReportingEcho;
import io.troupe.io.TlsTestStages.Settled;
import io.troupe.io.tls.ExternalProcess;
import io.troupe.io.tls.TestCertificates;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Our TLS server stage against {@code openssl s_client}, a client nobody here wrote: TLS 1.2 and
 * 1.3, certificate verification, SNI, ALPN, close_notify, a TLS 1.3 key update, and TLS 1.2
 * renegotiation refused.
 */
@Timeout(120)
class TlsOpenSslTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private ActorSystem system;
    private TestProbe<Object> probe;
    private final AtomicInteger refused = new AtomicInteger();
    private final List<ExternalProcess> processes = new ArrayList<>();

    @BeforeAll
    static void clientInstalled() {
        ExternalProcess.requireInstalled("openssl");
        TestCertificates.get();
    }

    @BeforeEach
    void start() {
        system = ActorSystem.create("tls-openssl");
        probe = TestProbe.create(system);
    }

    @AfterEach
    void stop() {
        processes.forEach(ExternalProcess::close);
        system.close();
    }

    private int serveEcho(TlsSettings settings) {
        final Tcp.Bound bound = Tcp.serve(system, ANY_LOCAL_PORT, TcpOptions.defaults(),
                Tls.server(settings, () -> new ReportingEcho(probe.ref(), refused))).toCompletableFuture().join();
        return ((InetSocketAddress) bound.localAddress()).getPort();
    }

    private static TlsSettings server() {
        return TlsSettings.of(TestCertificates.get().serverContext()).withApplicationProtocols("h2", "http/1.1");
    }

    private ExternalProcess sClient(int port, String... options) throws Exception {
        final List<String> command = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port,
                "-CAfile", TestCertificates.get().certificatePem().toString(), "-verify_return_error"));
        command.addAll(List.of(options));
        final ExternalProcess p = ExternalProcess.start(command.toArray(String[]::new));
        processes.add(p);
        return p;
    }

    @ParameterizedTest
    @CsvSource({"-tls1_2, TLSv1.2", "-tls1_3, TLSv1.3"})
    void sClient_handshakeSniAlpn_echoesLines_thenCloseNotifyEndsIt(String flag, String protocol) throws Exception {
        // s_client verifies our certificate, sends SNI "localhost" and offers ALPN http/1.1: the inner stage reads
        // the version, ALPN and SNI from its TlsConnection; lines are echoed in order; when s_client's stdin ends it
        // sends close_notify, which the inner stage hears as onPeerClosed (close_notify seen), then Closed.
        final int port = serveEcho(server());
        final ExternalProcess client = sClient(port, "-brief", flag, "-servername", "localhost", "-alpn", "http/1.1");
        int at = client.awaitOutput("Protocol version: " + protocol, 0, WAIT);
        at = client.awaitOutput("Verification: OK", 0, WAIT);
        assertEquals(new Settled(protocol, "http/1.1", "localhost"), probe.expectMessageClass(Settled.class, WAIT));
        client.send("first line\n");
        at = client.awaitOutput("first line\n", at, WAIT);
        client.send("second line\n");
        at = client.awaitOutput("second line\n", at, WAIT);
        client.stdin().close();
        assertEquals(new PeerClosedSeen(true, "first line\nsecond line\n".length()),
                probe.expectMessageClass(PeerClosedSeen.class, WAIT));
        assertInstanceOf(Tcp.Closed.class, probe.expectMessageClass(Tcp.ConnectionClosed.class, WAIT));
        client.awaitExit(WAIT);
        assertEquals(0, refused.get());
    }

    @Test
    void sClient_tls13KeyUpdateRequested_isAnswered_echoGoesOn() throws Exception {
        // TLS 1.3 key updates are fine: s_client's "K" sends a KeyUpdate asking for ours; the connection stays up and
        // echoes the next line under the new keys.
        final int port = serveEcho(server());
        final ExternalProcess client = sClient(port, "-brief", "-tls1_3", "-servername", "localhost");
        int at = client.awaitOutput("Verification: OK", 0, WAIT);
        probe.expectMessageClass(Settled.class, WAIT);
        client.send("before\n");
        at = client.awaitOutput("before\n", at, WAIT);
        client.send("K\n");
        at = client.awaitOutput("KEYUPDATE", at, WAIT);
        client.send("after the key update\n");
        at = client.awaitOutput("after the key update\n", at, WAIT);
        client.send("k\n"); // a KeyUpdate of s_client's own keys only (s_client drops the rest of a command's read: wait)
        at = client.awaitOutput("KEYUPDATE", at, WAIT);
        client.send("and after another\n");
        client.awaitOutput("and after another\n", at, WAIT);
        client.stdin().close();
        assertEquals(new PeerClosedSeen(true, "before\nafter the key update\nand after another\n".length()),
                probe.expectMessageClass(PeerClosedSeen.class, WAIT));
        assertInstanceOf(Tcp.Closed.class, probe.expectMessageClass(Tcp.ConnectionClosed.class, WAIT));
    }

    @Test
    void sClient_tls12Renegotiation_refused_connectionClosedWithTheReason() throws Exception {
        // s_client's "R" on TLS 1.2 starts a renegotiation (a ClientHello after the handshake): the server refuses,
        // closes the connection, and the inner stage hears ErrorClosed with an SSLHandshakeException saying so.
        final int port = serveEcho(server());
        final ExternalProcess client = sClient(port, "-tls1_2", "-servername", "localhost");
        int at = client.awaitOutput("Verification: OK", 0, WAIT);
        probe.expectMessageClass(Settled.class, WAIT);
        client.send("before\n");
        at = client.awaitOutput("before\n", at, WAIT);
        client.send("R\n");
        client.awaitOutput("RENEGOTIATING", at, WAIT);
        final Tcp.ErrorClosed closed = probe.expectMessageClass(Tcp.ErrorClosed.class, WAIT);
        assertInstanceOf(SSLHandshakeException.class, closed.cause());
        assertTrue(closed.cause().getMessage().contains("renegotiation refused"), closed.cause().getMessage());
        client.awaitExit(WAIT);
    }

    @Test
    void sClient_noCommonAlpnProtocol_handshakeFails_innerHearsOnlyTheSslException() throws Exception {
        // ALPN with nothing in common fails the handshake (no_application_protocol): the inner stage is never
        // connected; its only call is onClosed with the SSLHandshakeException.
        final int port = serveEcho(server());
        final ExternalProcess client = sClient(port, "-brief", "-tls1_3", "-alpn", "spdy/1");
        final Tcp.ConnectionClosed closed = probe.expectMessageClass(Tcp.ConnectionClosed.class, WAIT);
        assertInstanceOf(Tcp.ErrorClosed.class, closed);
        assertInstanceOf(SSLHandshakeException.class, ((Tcp.ErrorClosed) closed).cause());
        client.awaitOutput("no application protocol", 0, WAIT);
        client.awaitExit(WAIT);
    }
}
