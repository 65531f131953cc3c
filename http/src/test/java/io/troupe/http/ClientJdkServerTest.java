package io.troupe.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.troupe.actors.ActorSystem;
import io.troupe.io.TlsSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Our client against a server nobody here wrote: the JDK's {@code com.sun.net.httpserver}, plain
 * and over TLS with a certificate made at test time. Content is compared byte for byte.
 */
@Timeout(60)
class ClientJdkServerTest {
    private static final long WAIT = 20;

    private ActorSystem system;
    private com.sun.net.httpserver.HttpServer jdk;
    private ExecutorService executor;
    private final ConcurrentHashMap<String, Integer> requestsPerPeer = new ConcurrentHashMap<>();
    private final byte[] big = new byte[300_000];

    @BeforeEach
    void start() {
        system = ActorSystem.create("client-jdk-server-test");
        executor = Executors.newFixedThreadPool(4);
        new SplittableRandom(7).nextBytes(big);
    }

    @AfterEach
    void stop() {
        if (jdk != null) {
            jdk.stop(0);
        }
        executor.shutdownNow();
        system.close();
    }

    /** The JDK server's handlers: / text (fixed length), /big (300 000 bytes, chunked), /echo, /redirect. */
    private void handlers(com.sun.net.httpserver.HttpServer server) {
        server.setExecutor(executor);
        server.createContext("/", ex -> {
            requestsPerPeer.merge(ex.getRemoteAddress().toString(), 1, Integer::sum);
            try (ex) {
                final String path = ex.getRequestURI().getPath();
                final byte[] in;
                try (InputStream body = ex.getRequestBody()) {
                    in = body.readAllBytes();
                }
                switch (path) {
                    case "/big" -> send(ex, 200, big, true);
                    case "/echo" -> send(ex, 200, in, false);
                    case "/redirect" -> {
                        ex.getResponseHeaders().add("Location", "/");
                        send(ex, 302, new byte[0], false);
                    }
                    default -> send(ex, 200, ("hi " + ex.getRequestMethod() + " " + ex.getRequestURI() + " host="
                            + ex.getRequestHeaders().getFirst("Host")).getBytes(StandardCharsets.UTF_8), false);
                }
            }
        });
    }

    private static void send(HttpExchange ex, int status, byte[] body, boolean chunked) throws IOException {
        final boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(status, head ? -1 : chunked ? 0 : body.length == 0 ? -1 : body.length);
        if (!head) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private String plainBase() throws IOException {
        jdk = com.sun.net.httpserver.HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        handlers(jdk);
        jdk.start();
        return "http://127.0.0.1:" + jdk.getAddress().getPort();
    }

    private int httpsPort() throws IOException {
        final HttpsServer s = HttpsServer.create(new InetSocketAddress(0), 0); // all addresses: 127.0.0.2 reaches it too
        s.setHttpsConfigurator(new HttpsConfigurator(TestTls.get().serverContext));
        handlers(s);
        s.start();
        jdk = s;
        return s.getAddress().getPort();
    }

    private static Response join(java.util.concurrent.CompletionStage<Response> stage) throws Exception {
        return stage.toCompletableFuture().get(WAIT, TimeUnit.SECONDS);
    }

    private static byte[] bytes(Response r) throws Exception {
        return r.body().toBytes(1 << 24).toCompletableFuture().get(WAIT, TimeUnit.SECONDS);
    }

    @Test
    void plain_get_post_head_chunkedDownload_keepAliveOnOneConnection() throws Exception {
        // A GET sends path, query and Host; a POST's body comes back whole; a HEAD has no body; a 300 000-byte chunked
        // download is streamed and equals the bytes sent; all five ride one kept-alive connection (the JDK server saw
        // one peer address).
        final String base = plainBase();
        try (HttpClient client = HttpClient.create(system)) {
            final Response get = join(client.get(base + "/a/b?x=1&y=%20"));
            assertEquals(200, get.status());
            assertEquals("hi GET /a/b?x=1&y=%20 host=127.0.0.1:" + jdk.getAddress().getPort(),
                    new String(bytes(get), StandardCharsets.UTF_8));

            final byte[] upload = "some bytes to echo".getBytes(StandardCharsets.UTF_8);
            final Response post = join(client.send("POST", base + "/echo", Headers.of("Content-Type", "text/plain"),
                    Body.of(upload)));
            assertArrayEquals(upload, bytes(post));

            final Response head = join(client.send("HEAD", base + "/big", Headers.empty(), Body.empty()));
            assertEquals(200, head.status());
            assertEquals(0, bytes(head).length);

            final Response download = join(client.get(base + "/big"));
            assertInstanceOf(Body.Stream.class, download.body()); // chunked: streamed
            assertArrayEquals(big, bytes(download));

            final Response again = join(client.get(base + "/"));
            assertEquals("hi GET / host=127.0.0.1:" + jdk.getAddress().getPort(), new String(bytes(again), StandardCharsets.UTF_8));
            assertEquals(List.of(5), List.copyOf(requestsPerPeer.values()), requestsPerPeer.toString());
            assertEquals(1, client.stats().connectionsOpened());
        }
    }

    @Test
    void plain_redirect_notFollowedByDefault_followedWhenAsked() throws Exception {
        // Redirects are off by default: the 302 comes back as it is, with its Location. With following on, the same
        // call ends at the target's answer.
        final String base = plainBase();
        try (HttpClient client = HttpClient.create(system)) {
            final Response r = join(client.get(base + "/redirect"));
            assertEquals(302, r.status());
            assertEquals("/", r.headers().get("Location"));
        }
        try (HttpClient client = HttpClient.create(system, HttpClientOptions.defaults().withFollowRedirects(3))) {
            final Response r = join(client.get(base + "/redirect"));
            assertEquals(200, r.status());
            assertEquals("hi GET / host=127.0.0.1:" + jdk.getAddress().getPort(), new String(bytes(r), StandardCharsets.UTF_8));
        }
    }

    @Test
    void https_trusted_getsTheAnswer_andKeepsTheConnection() throws Exception {
        // Over TLS with the test certificate trusted, https://localhost answers (SNI localhost, the name verified) and
        // three requests share one connection.
        final int port = httpsPort();
        final HttpClientOptions options = HttpClientOptions.defaults().withTls(TlsSettings.of(TestTls.get().clientContext));
        try (HttpClient client = HttpClient.create(system, options)) {
            for (int i = 0; i < 3; i++) {
                final Response r = join(client.get("https://localhost:" + port + "/s?i=" + i));
                assertEquals("hi GET /s?i=" + i + " host=localhost:" + port, new String(bytes(r), StandardCharsets.UTF_8));
            }
            final Response download = join(client.get("https://localhost:" + port + "/big"));
            assertArrayEquals(big, bytes(download));
            assertEquals(List.of(4), List.copyOf(requestsPerPeer.values()), requestsPerPeer.toString());
        }
    }

    @Test
    void https_wrongHostName_failsHostnameVerification_untrusted_failsTheHandshake() throws Exception {
        // The certificate names localhost and 127.0.0.1: the same server reached as 127.0.0.2 fails hostname
        // verification; with the JDK's default trust (which lacks our self-signed certificate) the handshake fails.
        final int port = httpsPort();
        final HttpClientOptions trusting = HttpClientOptions.defaults().withTls(TlsSettings.of(TestTls.get().clientContext));
        try (HttpClient client = HttpClient.create(system, trusting)) {
            assertEquals(200, join(client.get("https://127.0.0.1:" + port + "/")).status());
            final ExecutionException wrongName = assertThrows(ExecutionException.class,
                    () -> join(client.get("https://127.0.0.2:" + port + "/")));
            assertInstanceOf(SSLHandshakeException.class, wrongName.getCause(), wrongName.toString());
            assertTrue(chain(wrongName).contains("127.0.0.2"), chain(wrongName));
        }
        try (HttpClient client = HttpClient.create(system)) {
            final ExecutionException untrusted = assertThrows(ExecutionException.class,
                    () -> join(client.get("https://localhost:" + port + "/")));
            assertInstanceOf(SSLHandshakeException.class, untrusted.getCause(), untrusted.toString());
        }
    }

    private static String chain(Throwable t) {
        final StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c).append(" <- ");
        }
        return sb.toString();
    }
}
