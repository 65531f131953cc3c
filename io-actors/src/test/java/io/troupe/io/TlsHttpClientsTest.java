package io.troupe.io;

import static io.troupe.io.TestHandlers.ANY_LOCAL_PORT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.testkit.TestProbe;
import io.troupe.io.tls.ExternalProcess;
import io.troupe.io.tls.TestCertificates;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import javax.net.ssl.HttpsURLConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Our TLS server stage against HTTPS clients nobody here wrote: curl (with {@code --cacert}),
 * the JDK's {@link HttpsURLConnection} and {@link HttpClient}, all verifying the certificate and
 * the host name "localhost". The inner stage is a tiny HTTP-ish answerer (not an HTTP server):
 * it waits for the end of the request head and answers one fixed response naming the TLS
 * version, ALPN protocol and SNI name it saw, then closes.
 */
@Timeout(120)
class TlsHttpClientsTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private ActorSystem system;
    private TestProbe<Object> probe;
    private int port;

    /** Answers the first request head with a fixed response that tells what the handshake settled; then closes. */
    static final class HelloOverTls implements ConnectionStage {
        private final ActorRef<Object> probe;
        private final StringBuilder head = new StringBuilder();
        private boolean answered;

        HelloOverTls(ActorRef<Object> probe) {
            this.probe = probe;
        }

        @Override
        public void onReceived(Connection connection, ByteBuffer data) {
            head.append(StandardCharsets.ISO_8859_1.decode(data));
            if (!answered && head.indexOf("\r\n\r\n") >= 0) {
                answered = true;
                final TlsConnection tls = (TlsConnection) connection;
                final String body = "hello over " + tls.session().getProtocol() + " alpn=" + tls.applicationProtocol()
                        + " sni=" + tls.serverName() + "\n";
                final String response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
                        + body.length() + "\r\nConnection: close\r\n\r\n" + body;
                connection.write(ByteBuffer.wrap(response.getBytes(StandardCharsets.ISO_8859_1)));
                connection.close(); // close_notify, then FIN
            }
        }

        @Override
        public void onClosed(Connection connection, Tcp.ConnectionClosed why) {
            probe.tell(why);
        }
    }

    @BeforeAll
    static void certificates() {
        TestCertificates.get();
    }

    @BeforeEach
    void start() {
        system = ActorSystem.create("tls-https");
        probe = TestProbe.create(system);
        final TlsSettings settings = TlsSettings.of(TestCertificates.get().serverContext()).withApplicationProtocols("http/1.1");
        final Tcp.Bound bound = Tcp.serve(system, ANY_LOCAL_PORT, TcpOptions.defaults(),
                Tls.server(settings, () -> new HelloOverTls(probe.ref()))).toCompletableFuture().join();
        port = ((InetSocketAddress) bound.localAddress()).getPort();
    }

    @AfterEach
    void stop() {
        system.close();
    }

    @ParameterizedTest
    @CsvSource({"--tlsv1.2 --tls-max 1.2, TLSv1.2", "--tlsv1.3, TLSv1.3"})
    void curl_verifiesOurCertificate_getsTheAnswer_alpnAndSniSeen(String versionFlags, String protocol) throws Exception {
        // curl --cacert trusts only our certificate and checks the name "localhost"; it offers ALPN h2 and http/1.1
        // (we accept http/1.1) and sends SNI localhost: the body names both, and curl exits 0.
        ExternalProcess.requireInstalled("curl");
        final java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("curl", "-sS", "--max-time", "20",
                "--noproxy", "*", "--cacert", TestCertificates.get().certificatePem().toString(),
                "--resolve", "localhost:" + port + ":127.0.0.1"));
        command.addAll(java.util.List.of(versionFlags.split(" ")));
        command.add("https://localhost:" + port + "/hello");
        final String out = ExternalProcess.runOrFail(WAIT, command.toArray(String[]::new));
        assertEquals("hello over " + protocol + " alpn=http/1.1 sni=localhost\n", out);
        assertInstanceOf(Tcp.Closed.class, probe.expectMessageClass(Tcp.ConnectionClosed.class, WAIT));
    }

    @Test
    void httpsUrlConnection_verifiesCertificateAndHostname_getsTheAnswer() throws Exception {
        // The JDK's HttpsURLConnection with a trust store of only our certificate (and its default hostname check).
        final HttpsURLConnection c = (HttpsURLConnection) new URL("https://localhost:" + port + "/hello").openConnection();
        c.setSSLSocketFactory(TestCertificates.get().clientContext().getSocketFactory());
        c.setConnectTimeout((int) WAIT.toMillis());
        c.setReadTimeout((int) WAIT.toMillis());
        try (InputStream in = c.getInputStream()) {
            assertEquals(200, c.getResponseCode());
            final String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            // no ALPN from HttpsURLConnection, and the JDK sends no SNI for a name without a dot ("localhost")
            assertEquals("hello over TLSv1.3 alpn=null sni=null\n", body);
        } finally {
            c.disconnect();
        }
        assertInstanceOf(Tcp.Closed.class, probe.expectMessageClass(Tcp.ConnectionClosed.class, WAIT));
    }

    @Test
    void jdkHttpClient_http11OverTls_verifies_getsTheAnswer_withSni() throws Exception {
        // The JDK's HttpClient (HTTP/1.1) verifies the certificate and the host name and sends SNI (set explicitly); for
        // HTTP/1.1 it offers no ALPN.
        final HttpClient client = HttpClient.newBuilder().sslContext(TestCertificates.get().clientContext())
                .version(HttpClient.Version.HTTP_1_1).connectTimeout(WAIT).build();
        final HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/hello"))
                .timeout(WAIT).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertEquals("hello over TLSv1.3 alpn=null sni=localhost\n", response.body());
        assertInstanceOf(Tcp.Closed.class, probe.expectMessageClass(Tcp.ConnectionClosed.class, WAIT));
    }
}
