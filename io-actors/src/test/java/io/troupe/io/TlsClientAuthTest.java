package io.troupe.io;

import static io.troupe.io.TestHandlers.ANY_LOCAL_PORT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.testkit.TestProbe;
import io.troupe.io.tls.ExternalProcess;
import io.troupe.io.tls.TestKeys;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Client certificates (mutual TLS, {@link TlsSettings#withClientAuth}) on a server whose
 * connections are handled by actors: {@code openssl s_client} with and without {@code -cert/-key}
 * under NEED and WANT, and our own client presenting a certificate; the handler sees the peer's
 * chain in {@link Tcp.Connected#tls()}, or hears the handshake failure.
 */
@Timeout(120)
class TlsClientAuthTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static TestKeys server;
    private static TestKeys client;
    private static TestKeys stranger;

    private ActorSystem system;
    private TestProbe<Object> probe;
    private final List<ExternalProcess> processes = new ArrayList<>();

    @BeforeAll
    static void keys() {
        ExternalProcess.requireInstalled("openssl");
        server = TestKeys.generate("localhost", "localhost");
        client = TestKeys.generate("client");
        stranger = TestKeys.generate("stranger");
    }

    @BeforeEach
    void start() {
        system = ActorSystem.create("tls-mtls");
        probe = TestProbe.create(system);
    }

    @AfterEach
    void stop() {
        processes.forEach(ExternalProcess::close);
        system.close();
    }

    /** What the handler saw at Connected: the subjects of the peer's chain. */
    record PeerChain(List<String> subjects) {}

    /** Reports the peer's chain, echoes, reports how the connection ended. */
    static final class Session extends Actor<Tcp.Event> {
        private final ActorRef<Object> probe;
        private ActorRef<Tcp.Command> connection;

        Session(ActorRef<Object> probe) {
            this.probe = probe;
        }

        @Override
        protected void receive(Tcp.Event event) {
            if (event instanceof Tcp.Connected c) {
                connection = c.connection();
                probe.tell(new PeerChain(c.tls().peerCertificates().stream()
                        .map(x -> x.getSubjectX500Principal().getName()).toList()));
            } else if (event instanceof Tcp.Received r) {
                connection.tell(Tcp.Write.of(r.data()));
            } else if (event instanceof Tcp.ConnectionClosed closed) {
                probe.tell(closed);
                context().stop(self());
            }
        }
    }

    private int bind(TlsSettings.ClientAuth mode) {
        final TlsSettings tls = TlsSettings.of(server.context(client)).withClientAuth(mode); // trusts the client's certificate
        final Tcp.Bound bound = Tcp.bind(system, ANY_LOCAL_PORT, TcpOptions.defaults().withTls(tls),
                () -> new Session(probe.ref())).toCompletableFuture().join();
        return ((InetSocketAddress) bound.localAddress()).getPort();
    }

    private ExternalProcess sClient(int port, String... options) throws Exception {
        final List<String> command = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port,
                "-servername", "localhost", "-CAfile", server.certificatePem().toString(), "-verify_return_error"));
        command.addAll(List.of(options));
        final ExternalProcess p = ExternalProcess.start(command.toArray(String[]::new));
        processes.add(p);
        return p;
    }

    @ParameterizedTest
    @ValueSource(strings = {"-tls1_2", "-tls1_3"})
    void need_sClientWithoutCertificate_handshakeFails_handlerHearsOnlyTheFailure(String flag) throws Exception {
        // NEED and no client certificate: the server refuses the handshake with an alert; its handler is never
        // Connected, and its only event is ErrorClosed with the SSLHandshakeException.
        final int port = bind(TlsSettings.ClientAuth.NEED);
        final ExternalProcess c = sClient(port, flag);
        c.send("never echoed\n");
        final Object first = probe.expectMessage(WAIT);
        assertInstanceOf(Tcp.ErrorClosed.class, first, "the handler's first event");
        assertInstanceOf(SSLHandshakeException.class, ((Tcp.ErrorClosed) first).cause());
        c.awaitOutput("alert", 0, WAIT);
        c.stdin().close();
        c.awaitExit(WAIT);
    }

    @ParameterizedTest
    @ValueSource(strings = {"-tls1_2", "-tls1_3"})
    void need_sClientWithCertificate_handlerSeesTheChain_echoes(String flag) throws Exception {
        // NEED and s_client presents the trusted client certificate: the handler sees it in Connected.tls() and echoes.
        final int port = bind(TlsSettings.ClientAuth.NEED);
        final ExternalProcess c = sClient(port, flag, "-cert", client.certificatePem().toString(),
                "-key", client.keyPem().toString());
        assertEquals(new PeerChain(List.of("CN=client")), probe.expectMessageClass(PeerChain.class, WAIT));
        final int at = c.awaitOutput("Verify return code: 0 (ok)", 0, WAIT);
        c.send("mutual\n");
        c.awaitOutput("mutual\n", at, WAIT);
        c.stdin().close();
        probe.expectMessageClass(Tcp.ConnectionClosed.class, WAIT);
        c.awaitExit(WAIT);
    }

    @Test
    void need_sClientWithUntrustedCertificate_handshakeFails() throws Exception {
        // NEED and a certificate the server does not trust: refused like none at all.
        final int port = bind(TlsSettings.ClientAuth.NEED);
        final ExternalProcess c = sClient(port, "-cert", stranger.certificatePem().toString(),
                "-key", stranger.keyPem().toString());
        c.send("never echoed\n");
        final Object first = probe.expectMessage(WAIT);
        assertInstanceOf(Tcp.ErrorClosed.class, first, "the handler's first event");
        assertInstanceOf(SSLHandshakeException.class, ((Tcp.ErrorClosed) first).cause());
        c.stdin().close();
        c.awaitExit(WAIT);
    }

    @Test
    void want_sClientWithoutCertificate_connectsWithNoPeerCertificate() throws Exception {
        // WANT and no client certificate: the connection is made, the chain is empty, the echo works.
        final int port = bind(TlsSettings.ClientAuth.WANT);
        final ExternalProcess c = sClient(port);
        assertEquals(new PeerChain(List.of()), probe.expectMessageClass(PeerChain.class, WAIT));
        final int at = c.awaitOutput("Verify return code: 0 (ok)", 0, WAIT);
        c.send("no certificate\n");
        c.awaitOutput("no certificate\n", at, WAIT);
        c.stdin().close();
        c.awaitExit(WAIT);
    }

    /** How our client's connection ended. */
    record ClientClosed(Tcp.ConnectionClosed why) {}

    /** Our client's view of the handshake: the server's chain, as the client stage saw it. */
    record ServerChain(List<String> subjects) {}

    @Test
    void need_ownClientPresentingACertificate_bothSidesSeeTheOthersChain() {
        // Our client stage with a key manager presents the client certificate: the server's handler sees CN=client,
        // the client sees the server's CN=localhost.
        final int port = bind(TlsSettings.ClientAuth.NEED);
        final ActorRef<Object> report = probe.ref();
        Tcp.connect(system, new InetSocketAddress("localhost", port), TcpOptions.defaults(), WAIT,
                Tls.client(TlsSettings.of(client.context(server)), "localhost", new ConnectionStage() {
                    @Override
                    public void onConnected(Connection connection) {
                        report.tell(new ServerChain(((TlsConnection) connection).peerCertificates().stream()
                                .map(x -> x.getSubjectX500Principal().getName()).toList()));
                        connection.write(ByteBuffer.wrap(new byte[] {'x'}));
                    }

                    @Override
                    public void onReceived(Connection connection, ByteBuffer data) {
                        connection.close();
                    }

                    @Override
                    public void onClosed(Connection connection, Tcp.ConnectionClosed why) {
                        report.tell(new ClientClosed(why));
                    }
                }));
        final List<Object> seen = probe.receiveMessages(2, WAIT); // the two sides report in either order
        assertEquals(java.util.Set.of(new PeerChain(List.of("CN=client")), new ServerChain(List.of("CN=localhost"))),
                java.util.Set.copyOf(seen));
    }
}
