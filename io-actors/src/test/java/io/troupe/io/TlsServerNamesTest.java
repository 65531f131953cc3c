package io.troupe.io;

import static io.troupe.io.TestHandlers.ANY_LOCAL_PORT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.testkit.TestProbe;
import io.troupe.io.TlsTestStages.ReportingEcho;
import io.troupe.io.TlsTestStages.Settled;
import io.troupe.io.tls.ExternalProcess;
import io.troupe.io.tls.TestCertificates;
import io.troupe.io.tls.TestKeys;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
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
 * Server certificates chosen by the client's SNI name ({@link TlsSettings#withServerNameContext}):
 * {@code openssl s_client -servername} gets the certificate of the name it asked for, the default
 * one for no or an unknown name, or an {@code unrecognized_name} alert when names are strict; our
 * own client verifies the name's certificate.
 */
@Timeout(120)
class TlsServerNamesTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static TestKeys a;
    private static TestKeys b;

    private ActorSystem system;
    private TestProbe<Object> probe;
    private final List<ExternalProcess> processes = new ArrayList<>();

    @BeforeAll
    static void keys() {
        ExternalProcess.requireInstalled("openssl");
        TestCertificates.get();
        a = TestKeys.generate("a.test", "a.test");
        b = TestKeys.generate("b.test", "b.test", "*.wild.test");
    }

    @BeforeEach
    void start() {
        system = ActorSystem.create("tls-sni");
        probe = TestProbe.create(system);
    }

    @AfterEach
    void stop() {
        processes.forEach(ExternalProcess::close);
        system.close();
    }

    /** Default: the localhost certificate; a.test and b.test their own; any one label under wild.test b's. */
    private static TlsSettings settings() {
        return TlsSettings.of(TestCertificates.get().serverContext())
                .withServerNameContext("a.test", a.context())
                .withServerNameContext("b.test", b.context())
                .withServerNameContext("*.wild.test", b.context());
    }

    private int serve(TlsSettings settings) {
        final Tcp.Bound bound = Tcp.serve(system, ANY_LOCAL_PORT, TcpOptions.defaults(),
                Tls.server(settings, () -> new ReportingEcho(probe.ref(), new AtomicInteger()))).toCompletableFuture().join();
        return ((InetSocketAddress) bound.localAddress()).getPort();
    }

    private ExternalProcess sClient(int port, String... options) throws Exception {
        final List<String> command = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port,
                "-brief"));
        command.addAll(List.of(options));
        final ExternalProcess p = ExternalProcess.start(command.toArray(String[]::new));
        processes.add(p);
        return p;
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "a.test, CN = a.test, a.test",
            "b.test, CN = b.test, b.test",
            "A.Test, CN = a.test, A.Test",
            "x.wild.test, CN = b.test, x.wild.test",
            "wild.test, CN = localhost, wild.test",
            "y.x.wild.test, CN = localhost, y.x.wild.test",
            "c.test, CN = localhost, c.test"})
    void sClient_serverName_getsThatNamesCertificate_elseTheDefault(String serverName, String subject, String seen)
            throws Exception {
        // s_client sends SNI `serverName`: the certificate that comes back is the one configured for it (exact names
        // ignoring case, a wildcard for exactly one more label), else the default; the stage sees the name as sent.
        final int port = serve(settings());
        final ExternalProcess client = sClient(port, "-servername", serverName);
        final int at = client.awaitOutput("Peer certificate: ", 0, WAIT);
        client.awaitOutput("\n", at, WAIT);
        final String line = client.output().substring(at, client.output().indexOf('\n', at));
        assertEquals(subject, line.strip());
        assertEquals(seen, probe.expectMessageClass(Settled.class, WAIT).serverName());
        client.stdin().close();
        client.awaitExit(WAIT);
    }

    @Test
    void sClient_noServerName_getsTheDefault() throws Exception {
        // Without SNI the default certificate comes back, and the stage sees no name.
        final int port = serve(settings());
        final ExternalProcess client = sClient(port, "-noservername");
        client.awaitOutput("Peer certificate: CN = localhost\n", 0, WAIT);
        assertEquals(null, probe.expectMessageClass(Settled.class, WAIT).serverName());
        client.stdin().close();
        client.awaitExit(WAIT);
    }

    @Test
    void strict_unknownName_unrecognizedNameAlert_knownAndNoNameServed() throws Exception {
        // With strict names an unknown SNI name fails the handshake with an unrecognized_name alert, and the stage hears
        // only ErrorClosed with the SSLHandshakeException; a configured name, and no name at all, are still served.
        final int port = serve(settings().withStrictServerNames(true));
        final ExternalProcess unknown = sClient(port, "-servername", "c.test");
        unknown.awaitOutput("unrecognized name", 0, WAIT);
        final Tcp.ConnectionClosed closed = probe.expectMessageClass(Tcp.ConnectionClosed.class, WAIT);
        assertInstanceOf(SSLHandshakeException.class, ((Tcp.ErrorClosed) closed).cause());
        unknown.awaitExit(WAIT);

        final ExternalProcess known = sClient(port, "-servername", "x.wild.test");
        known.awaitOutput("Peer certificate: CN = b.test\n", 0, WAIT);
        assertEquals("x.wild.test", probe.expectMessageClass(Settled.class, WAIT).serverName());
        known.stdin().close();
        known.awaitExit(WAIT);
        probe.fishForMessage(WAIT, m -> m instanceof Tcp.ConnectionClosed);

        final ExternalProcess none = sClient(port, "-noservername");
        none.awaitOutput("Peer certificate: CN = localhost\n", 0, WAIT);
        none.stdin().close();
        none.awaitExit(WAIT);
    }

    /** Reports the peer certificate's subject once connected, then closes. */
    record PeerSubject(String subject, String serverName) {}

    @Test
    void ownClient_askingForBTest_verifiesBTestsCertificate() {
        // Our client stage connects to 127.0.0.1 asking for "b.test" and trusting only b.test's certificate, with
        // hostname verification on: the handshake succeeds only if the server chose b.test's certificate.
        final int port = serve(settings());
        final ActorRef<Object> report = probe.ref();
        Tcp.connect(system, new InetSocketAddress("127.0.0.1", port), TcpOptions.defaults(), WAIT,
                Tls.client(TlsSettings.of(TestKeys.trusting(b)), "b.test", new ConnectionStage() {
                    @Override
                    public void onConnected(Connection connection) {
                        final TlsConnection tls = (TlsConnection) connection;
                        report.tell(new PeerSubject(tls.peerCertificates().get(0).getSubjectX500Principal().getName(),
                                tls.serverName()));
                        connection.close();
                    }

                    @Override
                    public void onReceived(Connection connection, ByteBuffer data) {}

                    @Override
                    public void onClosed(Connection connection, Tcp.ConnectionClosed why) {
                        report.tell(why);
                    }
                }));
        assertEquals(new PeerSubject("CN=b.test", "b.test"), probe.fishForMessage(WAIT, m -> m instanceof PeerSubject));
    }

    @Test
    void settings_badServerNames_refusedWithTheFix() {
        // A name with a '*' anywhere but a leading "*." is refused at once, naming the forms that work.
        final TlsSettings s = TlsSettings.of(TestCertificates.get().serverContext());
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> s.withServerNameContext("a.*.test", a.context()));
        assertTrue(e.getMessage().contains("*.example.com"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> s.withServerNameContext("*.", a.context()));
        final javax.net.ssl.SSLContext forA = a.context();
        final TlsSettings withA = s.withServerNameContext("A.TEST", forA);
        assertSame(forA, withA.contextFor("a.test"));
        assertSame(s.context(), withA.contextFor("b.test"));
        assertSame(s.context(), withA.contextFor(null));
    }
}
