package io.troupe.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.ActorSystem;
import io.troupe.io.TlsSettings;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our HTTP/2 server against clients nobody here wrote: curl over TLS (ALPN h2), curl with prior
 * knowledge and with {@code Upgrade: h2c} in cleartext, the JDK's {@code java.net.http.HttpClient}
 * over TLS, and {@code h2load}. Bodies compared byte for byte or by SHA-256; the protocol each
 * request used is checked on the server's side ({@link Request#version()}).
 */
@Timeout(120)
class Http2ClientsTest {
    private static final long WAIT = 30;

    private ActorSystem system;
    private HttpServer tlsServer;
    private HttpServer plainServer;
    private String tlsBase;
    private String plainBase;
    /** Requests per protocol version and peer, as the handler saw them. */
    private final Map<String, Integer> seen = new ConcurrentHashMap<>();

    @BeforeEach
    void start() {
        system = ActorSystem.create("http2-clients-test");
        final io.troupe.services.Service<Request, Response> routes = TestApp.routes();
        final io.troupe.services.Service<Request, Response> counting = request -> {
            seen.merge(request.version(), 1, Integer::sum);
            seen.merge(request.version() + " " + request.remoteAddress(), 1, Integer::sum);
            return routes.call(request);
        };
        final HttpOptions options = HttpOptions.defaults().withHttp2(true).withMaxBodyBytes(1L << 40);
        tlsServer = HttpServer.bind(system, new InetSocketAddress("127.0.0.1", 0), options,
                TlsSettings.of(TestTls.get().serverContext), counting).toCompletableFuture().join();
        plainServer = HttpServer.bind(system, new InetSocketAddress("127.0.0.1", 0), options, counting)
                .toCompletableFuture().join();
        tlsBase = "https://localhost:" + tlsServer.port();
        plainBase = "http://127.0.0.1:" + plainServer.port();
    }

    @AfterEach
    void stop() {
        system.close();
    }

    private List<String> curl(String... args) {
        final List<String> command = new ArrayList<>(List.of("curl", "-sS", "--max-time", "60", "--noproxy", "*",
                "--cacert", TestTls.get().certificatePem.toString(),
                "--resolve", "localhost:" + tlsServer.port() + ":127.0.0.1"));
        command.addAll(List.of(args));
        return command;
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    @Test
    void curl_http2OverTls_alpnH2_threeRequestsOneConnection() throws Exception {
        // curl --http2 over TLS settles on h2 by ALPN and sends three GETs as streams of one connection.
        final String[] r = HttpServerTest.run(curl("--http2", "-v", tlsBase + "/", tlsBase + "/", tlsBase + "/"));
        assertEquals("0", r[0], r[2]);
        assertEquals(TestApp.HELLO.repeat(3), r[1]);
        assertTrue(Pattern.compile("ALPN.*server accepted.*h2").matcher(r[2]).find(), r[2]);
        assertTrue(r[2].contains("< HTTP/2 200"), r[2]);
        assertEquals(3, seen.get("HTTP/2"), seen.toString());
        assertEquals(2, count(r[2], "Re-using existing connection"), r[2]);
    }

    @Test
    void curl_http2OverTls_bigBodiesBothWays_byHash(@TempDir Path dir) throws Exception {
        // A 20 MB streamed download and a 12 MiB upload over h2, each compared by SHA-256 (flow control both ways).
        final long n = 20_000_000;
        final Path down = dir.resolve("down.bin");
        final String[] r = HttpServerTest.run(curl("--http2", "-o", down.toString(), "-w", "%{http_version}",
                tlsBase + "/bytes/" + n + "?chunked"));
        assertEquals("0", r[0], r[2]);
        assertEquals("2", r[1]);
        assertEquals(n, Files.size(down));
        assertEquals(TestApp.patternSha(n), HexFormat.of().formatHex(TestApp.sha256().digest(Files.readAllBytes(down))));

        final byte[] data = new byte[12 << 20];
        new SplittableRandom(16).nextBytes(data);
        final Path up = dir.resolve("up.bin");
        Files.write(up, data);
        final String[] u = HttpServerTest.run(curl("--http2", "--data-binary", "@" + up, tlsBase + "/sha"));
        assertEquals("0", u[0], u[2]);
        assertEquals(HexFormat.of().formatHex(TestApp.sha256().digest(data)) + " " + data.length, u[1]);
        assertEquals(2, seen.get("HTTP/2"), seen.toString());
    }

    @Test
    void curl_priorKnowledge_cleartext_getAndEcho() throws Exception {
        // curl --http2-prior-knowledge opens h2c with the preface: a GET and a POST echoed byte for byte.
        final String[] r = HttpServerTest.run(curl("--http2-prior-knowledge", "-w", " %{http_version}", plainBase + "/"));
        assertEquals("0", r[0], r[2]);
        assertEquals(TestApp.HELLO + " 2", r[1]);
        final String[] e = HttpServerTest.run(curl("--http2-prior-knowledge", "--data-binary", "h2c echo \u00e9",
                plainBase + "/echo"));
        assertEquals("h2c echo \u00e9", e[1]);
        assertEquals(2, seen.get("HTTP/2"), seen.toString());
    }

    @Test
    void curl_upgradeH2c_cleartext_thenStreamsOnTheUpgradedConnection(@TempDir Path dir) throws Exception {
        // curl --http2 on http:// asks Upgrade: h2c; the first answer comes on stream 1 after 101, the next GET
        // (100,000 pattern bytes, compared by SHA-256) on the same, now HTTP/2, connection.
        final Path first = dir.resolve("first");
        final Path second = dir.resolve("second");
        final String[] r = HttpServerTest.run(curl("--http2", "-v", "-o", first.toString(), "-o", second.toString(),
                plainBase + "/", plainBase + "/bytes/100000"));
        assertEquals("0", r[0], r[2]);
        assertTrue(r[2].contains("< HTTP/1.1 101 Switching Protocols"), r[2]);
        assertTrue(r[2].contains("< HTTP/2 200"), r[2]);
        assertEquals(1, count(r[2], "Re-using existing connection"), r[2]);
        assertEquals(TestApp.HELLO, Files.readString(first));
        assertEquals(TestApp.patternSha(100_000), HexFormat.of().formatHex(TestApp.sha256().digest(Files.readAllBytes(second))));
        assertEquals(2, seen.get("HTTP/2"), seen.toString());
    }

    @Test
    void curl_http11_stillServed_byTheSameServer() throws Exception {
        // With HTTP/2 on, an HTTP/1.1 client (TLS and cleartext) is served HTTP/1.1 as before.
        final String[] t = HttpServerTest.run(curl("--http1.1", "-w", " %{http_version}", tlsBase + "/"));
        assertEquals(TestApp.HELLO + " 1.1", t[1], t[2]);
        final String[] p = HttpServerTest.run(curl("--http1.1", "-w", " %{http_version}", plainBase + "/"));
        assertEquals(TestApp.HELLO + " 1.1", p[1], p[2]);
        assertEquals(2, seen.get("HTTP/1.1"), seen.toString());
    }

    @Test
    void jdkHttpClient_http2OverTls_multiplexedAndHashed() throws Exception {
        // The JDK's HttpClient (HTTP_2 over TLS): a GET, then 20 concurrent GETs multiplexed on its connection, an echo, and a 5 MB download
        // and 6 MiB upload compared by SHA-256.
        final java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
                .sslContext(TestTls.get().clientContext).version(java.net.http.HttpClient.Version.HTTP_2).build();
        // one request first: the JDK opens a connection per request until its first h2 connection is up
        assertEquals(TestApp.HELLO, client.send(HttpRequest.newBuilder(URI.create(tlsBase + "/")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
        final List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            all.add(client.sendAsync(HttpRequest.newBuilder(URI.create(tlsBase + "/")).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> f : all) {
            final HttpResponse<String> r = f.get(WAIT, TimeUnit.SECONDS);
            assertEquals(java.net.http.HttpClient.Version.HTTP_2, r.version());
            assertEquals(TestApp.HELLO, r.body());
        }
        final HttpResponse<String> echo = client.send(HttpRequest.newBuilder(URI.create(tlsBase + "/echo"))
                .POST(HttpRequest.BodyPublishers.ofString("over h2")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals("over h2", echo.body());
        final long n = 5_000_000;
        final HttpResponse<InputStream> download = client.send(
                HttpRequest.newBuilder(URI.create(tlsBase + "/bytes/" + n)).build(), HttpResponse.BodyHandlers.ofInputStream());
        final MessageDigest d = TestApp.sha256();
        try (DigestInputStream din = new DigestInputStream(download.body(), d)) {
            din.transferTo(OutputStream.nullOutputStream());
        }
        assertEquals(TestApp.patternSha(n), HexFormat.of().formatHex(d.digest()));
        final byte[] data = new byte[6 << 20];
        new SplittableRandom(2).nextBytes(data);
        final HttpResponse<String> sha = client.send(HttpRequest.newBuilder(URI.create(tlsBase + "/sha"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(data)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(HexFormat.of().formatHex(TestApp.sha256().digest(data)) + " " + data.length, sha.body());
        assertEquals(24, seen.get("HTTP/2"), seen.toString());
        assertEquals(2, seen.size(), "one peer (one connection) besides the per-version count: " + seen);
    }

    private static String[] h2load(String... args) throws Exception {
        final List<String> command = new ArrayList<>(List.of("h2load"));
        command.addAll(List.of(args));
        return HttpServerTest.run(command);
    }

    private static void assertAllSucceeded(String[] r, int n) {
        assertEquals("0", r[0], r[1] + r[2]);
        final Matcher m = Pattern.compile("requests: (\\d+) total, (\\d+) started, (\\d+) done, (\\d+) succeeded, "
                + "(\\d+) failed, (\\d+) errored").matcher(r[1]);
        assertTrue(m.find(), r[1]);
        assertEquals(List.of(n, n, n, n, 0, 0), List.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                Integer.parseInt(m.group(3)), Integer.parseInt(m.group(4)), Integer.parseInt(m.group(5)),
                Integer.parseInt(m.group(6))), r[1]);
        assertTrue(r[1].contains("status codes: " + n + " 2xx, 0 3xx, 0 4xx, 0 5xx"), r[1]);
    }

    @Test
    void h2load_smoke_cleartextAndTls() throws Exception {
        // h2load (nghttp2) over h2c and h2: 4 clients x 10 streams, every request 200; the bytes of the bodies
        // (h2load's "data" traffic) equal the requests times the hello's length.
        final int n = 2000;
        final String[] plain = h2load("-n", String.valueOf(n), "-c", "4", "-m", "10", plainBase + "/");
        assertAllSucceeded(plain, n);
        final Matcher data = Pattern.compile("\\((\\d+)\\) data").matcher(plain[1]);
        assertTrue(data.find(), plain[1]);
        assertEquals((long) n * TestApp.HELLO.length(), Long.parseLong(data.group(1)), "body bytes: " + plain[1]);
        final String[] tls = h2load("-n", String.valueOf(n), "-c", "4", "-m", "10", tlsBase.replace("localhost", "127.0.0.1")
                + "/");
        assertAllSucceeded(tls, n);
        assertTrue(tls[1].contains("Application protocol: h2"), tls[1]);
        assertEquals(2 * n, seen.get("HTTP/2"), seen.toString());
    }
}
