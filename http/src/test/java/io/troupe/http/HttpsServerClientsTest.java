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
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our https server ({@link HttpServer#bind(ActorSystem, java.net.SocketAddress, HttpOptions, TlsSettings,
 * io.troupe.services.Service)}: the TLS stage around the HTTP/1.1 stage) with a certificate made at
 * test time, against curl {@code --cacert}, the JDK's {@code java.net.http.HttpClient} and our
 * own client. Content compared by SHA-256; connections counted on the server's side.
 */
@Timeout(120)
class HttpsServerClientsTest {
    private static final long WAIT = 30;

    private ActorSystem system;
    private HttpServer server;
    private int port;
    private String base;
    private final Map<String, Integer> perPeer = new ConcurrentHashMap<>();

    @BeforeEach
    void start() {
        system = ActorSystem.create("https-server-test");
        final TlsSettings tls = TlsSettings.of(TestTls.get().serverContext).withApplicationProtocols("http/1.1");
        final io.troupe.services.Service<Request, Response> routes = TestApp.routes();
        server = HttpServer.bind(system, new InetSocketAddress("127.0.0.1", 0),
                HttpOptions.defaults().withMaxBodyBytes(1L << 40), tls, request -> {
                    perPeer.merge(String.valueOf(request.remoteAddress()), 1, Integer::sum);
                    return routes.call(request);
                }).toCompletableFuture().join();
        port = server.port();
        base = "https://localhost:" + port;
    }

    @AfterEach
    void stop() {
        system.close();
    }

    private List<String> curl(String... args) {
        final List<String> command = new java.util.ArrayList<>(List.of("curl", "-sS", "--max-time", "20", "--noproxy", "*",
                "--cacert", TestTls.get().certificatePem.toString(), "--resolve", "localhost:" + port + ":127.0.0.1"));
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
    void curl_cacert_threeRequestsOnOneTlsConnection_alpnHttp11() throws Exception {
        // curl trusting only our certificate (and checking the name localhost) gets the hello three times over one
        // connection, with ALPN settled on http/1.1; the server counted three requests from one peer.
        final String[] r = HttpServerTest.run(curl("-v", base + "/", base + "/", base + "/"));
        assertEquals("0", r[0], r[2]);
        assertEquals(TestApp.HELLO.repeat(3), r[1]);
        assertEquals(2, count(r[2], "Re-using existing connection"), r[2]);
        assertTrue(Pattern.compile("ALPN.*accepted.*http/1\\.1").matcher(r[2]).find(), r[2]);
        assertEquals(List.of(3), List.copyOf(perPeer.values()), perPeer.toString());
    }

    @Test
    void curl_cacert_chunkedUpload_hashMatches(@TempDir Path dir) throws Exception {
        // A 3 MiB chunked upload over TLS is read whole by the server: its SHA-256 is the file's.
        final byte[] data = new byte[3 << 20];
        new SplittableRandom(21).nextBytes(data);
        final Path file = dir.resolve("upload.bin");
        Files.write(file, data);
        final String[] r = HttpServerTest.run(curl("-H", "Transfer-Encoding: chunked", "--data-binary", "@" + file,
                base + "/sha"));
        assertEquals("0", r[0], r[2]);
        assertEquals(HexFormat.of().formatHex(TestApp.sha256().digest(data)) + " " + data.length, r[1]);
    }

    @Test
    void jdkHttpClient_overTls_getPostAndDownload() throws Exception {
        // The JDK's HttpClient with a trust store of our certificate only: a GET, a POST echoed, a 5 MB chunked
        // download compared by SHA-256.
        final java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
                .sslContext(TestTls.get().clientContext).version(java.net.http.HttpClient.Version.HTTP_1_1).build();
        final HttpResponse<String> hello = client.send(HttpRequest.newBuilder(URI.create(base + "/")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, hello.statusCode());
        assertEquals(TestApp.HELLO, hello.body());
        final HttpResponse<String> echo = client.send(HttpRequest.newBuilder(URI.create(base + "/echo"))
                .POST(HttpRequest.BodyPublishers.ofString("over tls")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals("over tls", echo.body());
        final long n = 5_000_000;
        final HttpResponse<InputStream> download = client.send(
                HttpRequest.newBuilder(URI.create(base + "/bytes/" + n + "?chunked")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        final MessageDigest d = TestApp.sha256();
        try (DigestInputStream din = new DigestInputStream(download.body(), d)) {
            din.transferTo(OutputStream.nullOutputStream());
        }
        assertEquals(TestApp.patternSha(n), HexFormat.of().formatHex(d.digest()));
    }

    @Test
    void ourClient_overTls_keepAlive_and8MiBBothWays() throws Exception {
        // Our client over https to our server: five GETs on one connection (counted by the server), then 8 MiB up
        // (chunked stream) and 8 MiB down (streamed), both compared by SHA-256, still on that one connection.
        final long n = 8L << 20;
        try (HttpClient client = HttpClient.create(system,
                HttpClientOptions.defaults().withTls(TlsSettings.of(TestTls.get().clientContext)))) {
            for (int i = 0; i < 5; i++) {
                final Response r = client.get(base + "/").toCompletableFuture().get(WAIT, TimeUnit.SECONDS);
                assertEquals(TestApp.HELLO, new String(r.body().toBytes(1024).toCompletableFuture().get(WAIT, TimeUnit.SECONDS)));
            }
            final Body upload = TestApp.pattern(n, true);
            final Response sha = client.send("POST", base + "/sha", Headers.empty(), upload)
                    .toCompletableFuture().get(WAIT, TimeUnit.SECONDS);
            assertEquals(TestApp.patternSha(n) + " " + n,
                    new String(sha.body().toBytes(1024).toCompletableFuture().get(WAIT, TimeUnit.SECONDS)));
            final Response download = client.get(base + "/bytes/" + n).toCompletableFuture().get(WAIT, TimeUnit.SECONDS);
            assertEquals(TestApp.patternSha(n), sha(download.body()).get(WAIT, TimeUnit.SECONDS));
            assertEquals(List.of(7), List.copyOf(perPeer.values()), perPeer.toString());
            assertEquals(1, client.stats().connectionsOpened());
        }
    }

    /** Hashes a streamed body chunk by chunk. */
    static CompletableFuture<String> sha(Body body) {
        final CompletableFuture<String> result = new CompletableFuture<>();
        ((Body.Stream) body).publisher().subscribe(new Flow.Subscriber<>() {
            final MessageDigest digest = TestApp.sha256();
            Flow.Subscription s;

            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                s = subscription;
                s.request(1);
            }

            @Override
            public void onNext(ByteBuffer item) {
                digest.update(item);
                s.request(1);
            }

            @Override
            public void onError(Throwable t) {
                result.completeExceptionally(t);
            }

            @Override
            public void onComplete() {
                result.complete(HexFormat.of().formatHex(digest.digest()));
            }
        });
        return result;
    }
}
