package io.troupe.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.troupe.actors.ActorSystem;
import io.troupe.io.TlsSettings;
import io.troupe.services.Service;
import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Troupe's HTTP client with HTTP/2 on, against Troupe's HTTP/2 server: over TLS with ALPN h2 and
 * in cleartext with prior knowledge, many requests multiplexed on one connection (all in flight
 * at once), uploads and downloads larger than every window compared by hash, and the fall back
 * to HTTP/1.1 when the server's ALPN says so. The protocol each request used is checked on the
 * server's side ({@link Request#version()}).
 */
@Timeout(120)
class HttpClientH2Test {
    private ActorSystem system;
    private final Map<String, Integer> seen = new ConcurrentHashMap<>();
    private final Set<String> peers = ConcurrentHashMap.newKeySet();
    /** Requests to /wait/{n} hold their answer until {@link #expected} of them have arrived. */
    private final java.util.concurrent.atomic.AtomicInteger arrived = new java.util.concurrent.atomic.AtomicInteger();
    private volatile int expected;
    private final CompletableFuture<Integer> allArrived = new CompletableFuture<>();

    @BeforeEach
    void start() {
        system = ActorSystem.create("http-client-h2-test");
    }

    @AfterEach
    void stop() {
        system.close();
    }

    private HttpServer server(boolean http2, boolean tls) {
        final Service<Request, Response> routes = TestApp.routes();
        final Service<Request, Response> counting = request -> {
            seen.merge(request.version(), 1, Integer::sum);
            peers.add(String.valueOf(request.remoteAddress()));
            if (request.path().startsWith("/wait/")) {
                if (arrived.incrementAndGet() == expected) {
                    allArrived.complete(expected);
                }
                return allArrived.thenApply(count -> Response.text(200, request.path() + " after " + count));
            }
            return routes.call(request);
        };
        final HttpOptions options = HttpOptions.defaults().withHttp2(http2).withMaxBodyBytes(1L << 30);
        return (tls ? HttpServer.bind(system, new InetSocketAddress("127.0.0.1", 0), options,
                TlsSettings.of(TestTls.get().serverContext), counting)
                : HttpServer.bind(system, new InetSocketAddress("127.0.0.1", 0), options, counting))
                .toCompletableFuture().join();
    }

    private HttpClient client(HttpClientOptions.Http2 mode) {
        return HttpClient.create(system, HttpClientOptions.defaults().withHttp2(mode)
                .withTls(TlsSettings.of(TestTls.get().clientContext)));
    }

    private static String text(Response r) throws Exception {
        return new String(r.body().toBytes(64 << 20).toCompletableFuture().get(60, TimeUnit.SECONDS),
                java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void alpnH2_fortyRequestsInFlightAtOnceThenFiveMore_oneConnection() throws Exception {
        final HttpServer server = server(true, true);
        final int n = 40;
        expected = n;
        try (HttpClient client = client(HttpClientOptions.Http2.ALPN)) {
            final List<CompletableFuture<Response>> all = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                all.add(client.get("https://localhost:" + server.port() + "/wait/" + i).toCompletableFuture());
            }
            // each answer waits for all forty to have arrived: only multiplexing gets them there
            for (int i = 0; i < n; i++) {
                final Response r = all.get(i).get(60, TimeUnit.SECONDS);
                assertEquals(200, r.status());
                assertEquals("/wait/" + i + " after " + n, text(r).trim());
            }
            // and later requests reuse that connection
            for (int i = 0; i < 5; i++) {
                assertEquals(TestApp.HELLO, text(client.get("https://localhost:" + server.port() + "/")
                        .toCompletableFuture().get(60, TimeUnit.SECONDS)));
            }
        }
        assertEquals(Map.of("HTTP/2", n + 5), seen);
        assertEquals(1, peers.size(), "one connection: " + peers);
    }

    @Test
    void priorKnowledge_uploadsBytesAndStreamedAndDownload_largerThanTheWindows_sameBytes() throws Exception {
        final HttpServer server = server(true, false);
        try (HttpClient client = client(HttpClientOptions.Http2.PRIOR_KNOWLEDGE)) {
            final String base = "http://127.0.0.1:" + server.port();
            final byte[] upload = new byte[5 * 1024 * 1024 + 7];
            new java.util.Random(16).nextBytes(upload);
            final Response sha = client.send("POST", base + "/sha", Headers.empty(), Body.of(upload))
                    .toCompletableFuture().get(60, TimeUnit.SECONDS);
            final String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(upload));
            assertEquals(expected + " " + upload.length, text(sha).trim());

            // a streamed upload of unknown length, three chunks of 1 MiB asked for one at a time
            final byte[] chunk = new byte[1 << 20];
            new java.util.Random(17).nextBytes(chunk);
            final java.util.concurrent.Flow.Publisher<java.nio.ByteBuffer> chunks = subscriber ->
                    subscriber.onSubscribe(new java.util.concurrent.Flow.Subscription() {
                        private int sent;
                        private boolean done;

                        @Override
                        public synchronized void request(long n) {
                            for (long i = 0; i < n && !done; i++) {
                                if (sent == 3) {
                                    done = true;
                                    subscriber.onComplete();
                                } else {
                                    sent++;
                                    subscriber.onNext(java.nio.ByteBuffer.wrap(chunk));
                                }
                            }
                        }

                        @Override
                        public synchronized void cancel() {
                            done = true;
                        }
                    });
            final Response streamed = client.send("POST", base + "/sha", Headers.empty(), Body.stream(chunks, -1))
                    .toCompletableFuture().get(60, TimeUnit.SECONDS);
            final MessageDigest three = MessageDigest.getInstance("SHA-256");
            for (int i = 0; i < 3; i++) {
                three.update(chunk);
            }
            assertEquals(HexFormat.of().formatHex(three.digest()) + " " + 3 * chunk.length, text(streamed).trim());

            final long size = 3 * 1024 * 1024 + 11;
            final Response down = client.get(base + "/bytes/" + size).toCompletableFuture().get(60, TimeUnit.SECONDS);
            final byte[] got = down.body().toBytes(64 << 20).toCompletableFuture().get(60, TimeUnit.SECONDS);
            assertEquals(size, got.length);
            assertEquals(TestApp.patternSha(size),
                    HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(got)));
        }
        assertEquals(Map.of("HTTP/2", 3), seen);
    }

    @Test
    void alpnHttp11Server_fallsBackToHttp11() throws Exception {
        final HttpServer server = server(false, true);
        try (HttpClient client = client(HttpClientOptions.Http2.ALPN)) {
            for (int i = 0; i < 3; i++) {
                final Response r = client.get("https://localhost:" + server.port() + "/").toCompletableFuture()
                        .get(60, TimeUnit.SECONDS);
                assertEquals(TestApp.HELLO, text(r));
            }
        }
        assertEquals(Map.of("HTTP/1.1", 3), seen);
    }
}
