package io.troupe.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.troupe.actors.ActorSystem;
import io.troupe.io.Connection;
import io.troupe.io.ConnectionStage;
import io.troupe.io.Tcp;
import io.troupe.services.Service;
import io.troupe.services.Services;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server on real sockets with real clients nobody here wrote (curl, wrk, the JDK's
 * HttpClient) and with hostile raw sockets. Content is compared by SHA-256, not by counts.
 */
@Timeout(120)
class HttpServerTest {
    private ActorSystem system;
    private HttpServer server;
    private String base;

    @BeforeEach
    void start() {
        system = ActorSystem.create("http-server-test");
        server = bind(HttpOptions.defaults().withMaxBodyBytes(1L << 40), TestApp.routes());
        base = "http://127.0.0.1:" + server.port();
    }

    @AfterEach
    void stop() {
        system.close();
    }

    private HttpServer bind(HttpOptions options, Service<Request, Response> service) {
        return HttpServer.bind(system, new InetSocketAddress("127.0.0.1", 0), options, service).toCompletableFuture().join();
    }

    /** Runs a command, returns {exit code, stdout, stderr}; fails loudly if the program is missing. */
    static String[] run(List<String> command) throws Exception {
        final Process p;
        try {
            p = new ProcessBuilder(command).start();
        } catch (IOException e) {
            fail(command.get(0) + " is missing: install it (apt-get install " + command.get(0) + ")", e);
            throw e;
        }
        final CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> {
            try {
                return p.getErrorStream().readAllBytes();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        final byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "command did not end: " + command);
        return new String[] {String.valueOf(p.exitValue()), new String(out, StandardCharsets.UTF_8),
            new String(err.join(), StandardCharsets.UTF_8)};
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    @Test
    void curl_percentEncodedTarget_decodedForTheHandler_encodedSlash400() throws Exception {
        // curl sends the target as given (--path-as-is): the route's parameter and the query parameter reach the
        // handler decoded as UTF-8 ('+' a space in the query); an encoded '/' in the path is answered 400.
        final HttpServer s = bind(HttpOptions.defaults(), Routes.builder().get("/files/{name}",
                Services.sync(r -> Response.text(200, r.pathParam("name") + "|" + r.queryParam("q")))).build());
        final String b = "http://127.0.0.1:" + s.port();
        String[] r = run(List.of("curl", "-s", "--path-as-is", b + "/files/caf%C3%A9%20menu.txt?q=%E2%82%AC+5"));
        assertEquals("0", r[0], r[2]);
        assertEquals("caf\u00e9 menu.txt|\u20ac 5", r[1]);
        r = run(List.of("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--path-as-is", b + "/files/a%2Fb"));
        assertEquals("0", r[0], r[2]);
        assertEquals("400", r[1]);
    }

    @Test
    void curl_readsTheTrailersOfAChunkedResponse(@TempDir Path dir) throws Exception {
        // curl reads a chunked response with trailer fields: the body is whole and the trailers reach its header dump,
        // after the body's head fields.
        final HttpServer s = bind(HttpOptions.defaults(), Services.sync(r -> Response.of(200).withBody(
                Body.stream(ClientServerTest.parts("abc", "def"), -1).withTrailers(
                        CompletableFuture.completedStage(Headers.of("X-Sum", "abcdef-sum"))))));
        final Path dump = dir.resolve("headers.txt");
        final String[] r = run(List.of("curl", "-s", "-D", dump.toString(), "http://127.0.0.1:" + s.port() + "/"));
        assertEquals("0", r[0], r[2]);
        assertEquals("abcdef", r[1]);
        final String headers = Files.readString(dump);
        assertTrue(headers.indexOf("X-Sum: abcdef-sum") > headers.indexOf("Transfer-Encoding: chunked"), headers);
    }

    @Test
    void curl_keepAlive_threeRequestsOnOneConnection() throws Exception {
        // curl with three URLs uses one connection for all three, and each answer is the hello.
        final String[] r = run(List.of("curl", "-sv", base + "/", base + "/", base + "/"));
        assertEquals("0", r[0], r[2]);
        assertEquals(TestApp.HELLO.repeat(3), r[1]);
        assertEquals(1, count(r[2], "Connected to"), r[2]);
        assertEquals(2, count(r[2], "Re-using existing connection"), r[2]);
    }

    @Test
    void curl_handlerThrows_500ThenTheSameConnectionServesTheNext() throws Exception {
        // A handler that throws answers 500; the request was read whole, so curl's next request reuses the connection.
        final String[] r = run(List.of("curl", "-sv", base + "/boom", base + "/"));
        assertEquals("0", r[0], r[2]);
        assertEquals("500 Internal Server Error\n" + TestApp.HELLO, r[1]);
        assertTrue(r[2].contains("< HTTP/1.1 500 Internal Server Error"), r[2]);
        assertEquals(1, count(r[2], "Connected to"), r[2]);
    }

    @Test
    void curl_headAndHttp10() throws Exception {
        // curl -I (HEAD) gets the length and no body; curl -0 (HTTP/1.0) gets Connection: close.
        String[] r = run(List.of("curl", "-sI", base + "/"));
        assertTrue(r[1].startsWith("HTTP/1.1 200 OK\r\n") && r[1].contains("Content-Length: " + TestApp.HELLO.length() + "\r\n")
                && r[1].endsWith("\r\n\r\n"), r[1]);
        r = run(List.of("curl", "-s0v", base + "/"));
        assertEquals(TestApp.HELLO, r[1]);
        assertTrue(r[2].contains("< Connection: close"), r[2]);
    }

    @Test
    void curl_chunkedUpload_hashMatches(@TempDir Path dir) throws Exception {
        // A 3 MiB file uploaded chunked by curl is read in full: the server's SHA-256 is the file's.
        final byte[] data = new byte[3 << 20];
        new SplittableRandom(12).nextBytes(data);
        final Path file = dir.resolve("upload.bin");
        Files.write(file, data);
        final String[] r = run(List.of("curl", "-sS", "-H", "Transfer-Encoding: chunked", "--data-binary", "@" + file,
                base + "/sha"));
        assertEquals("0", r[0], r[2]);
        assertEquals(HexFormat.of().formatHex(TestApp.sha256().digest(data)) + " " + data.length, r[1]);
    }

    @Test
    void curl_expectContinue_continueThenAnswer(@TempDir Path dir) throws Exception {
        // curl asking Expect: 100-continue gets 100 Continue, sends the body, and gets its hash back.
        final byte[] data = new byte[200_000];
        new SplittableRandom(13).nextBytes(data);
        final Path file = dir.resolve("upload.bin");
        Files.write(file, data);
        final String[] r = run(List.of("curl", "-sv", "-H", "Expect: 100-continue", "--data-binary", "@" + file,
                base + "/sha"));
        assertEquals("0", r[0], r[2]);
        assertTrue(r[2].contains("< HTTP/1.1 100 Continue"), r[2]);
        assertEquals(HexFormat.of().formatHex(TestApp.sha256().digest(data)) + " " + data.length, r[1]);
    }

    @Test
    void jdkHttpClient_getPostAndDownload() throws Exception {
        // The JDK's HttpClient: a GET, a POST echoed back, and a 5 MB chunked download compared by hash.
        final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        final HttpResponse<String> hello = client.send(HttpRequest.newBuilder(URI.create(base + "/")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, hello.statusCode());
        assertEquals(TestApp.HELLO, hello.body());
        assertTrue(hello.headers().firstValue("date").isPresent());
        final HttpResponse<String> echo = client.send(HttpRequest.newBuilder(URI.create(base + "/echo"))
                .POST(HttpRequest.BodyPublishers.ofString("ping pong")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals("ping pong", echo.body());
        final long n = 5_000_000;
        final HttpResponse<InputStream> download = client.send(
                HttpRequest.newBuilder(URI.create(base + "/bytes/" + n + "?chunked")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(TestApp.patternSha(n), sha(download.body()));
        final HttpResponse<String> missing = client.send(HttpRequest.newBuilder(URI.create(base + "/nope")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(404, missing.statusCode());
        final HttpResponse<String> wrongMethod = client.send(HttpRequest.newBuilder(URI.create(base + "/sha")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(405, wrongMethod.statusCode());
        assertEquals("POST, PUT", wrongMethod.headers().firstValue("allow").orElse(""));
    }

    private static String sha(InputStream in) throws IOException {
        final MessageDigest d = TestApp.sha256();
        try (DigestInputStream din = new DigestInputStream(in, d)) {
            din.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(d.digest());
    }

    @Test
    void streaming64MiB_uploadAndDownload_hashesMatch() throws Exception {
        // 64 MiB up (chunked, streamed by the client) and down (streamed by the server): the bytes are the same.
        final long n = 64L << 20;
        final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        final HttpResponse<String> up = client.send(HttpRequest.newBuilder(URI.create(base + "/sha"))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new PatternStream(n))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(TestApp.patternSha(n) + " " + n, up.body());
        final HttpResponse<InputStream> down = client.send(HttpRequest.newBuilder(URI.create(base + "/bytes/" + n)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(String.valueOf(n), down.headers().firstValue("content-length").orElse(""));
        assertEquals(TestApp.patternSha(n), sha(down.body()));
    }

    /** The download pattern as an InputStream, generated as read. */
    static final class PatternStream extends InputStream {
        private final long n;
        private long i;

        PatternStream(long n) {
            this.n = n;
        }

        @Override
        public int read() {
            return i < n ? TestApp.patternByte(i++) & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (i >= n) {
                return -1;
            }
            final int k = (int) Math.min(len, n - i);
            for (int j = 0; j < k; j++) {
                b[off + j] = TestApp.patternByte(i + j);
            }
            i += k;
            return k;
        }
    }

    @Test
    void wrk_smokeLoad_allAnswers2xx() throws Exception {
        // wrk, 16 connections for 2 s: many requests, no socket errors, no non-2xx answers.
        final String[] r = run(List.of("wrk", "-t1", "-c16", "-d2s", base + "/"));
        assertEquals("0", r[0], r[2]);
        final Matcher m = Pattern.compile("(\\d+) requests in").matcher(r[1]);
        assertTrue(m.find(), r[1]);
        assertTrue(Long.parseLong(m.group(1)) > 100, r[1]); // a smoke load: the count depends on the machine
        assertFalse(r[1].contains("Non-2xx"), r[1]);
        assertFalse(r[1].contains("Socket errors"), r[1]);
    }

    private static String readAll(Socket s) throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        s.getInputStream().transferTo(out);
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void rawSocket_oneBytePerPacket_answered() throws Exception {
        // Two pipelined requests written one byte per packet (TCP_NODELAY, flush each) are both answered, in order.
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setTcpNoDelay(true);
            s.setSoTimeout(20_000);
            final byte[] req = ("GET / HTTP/1.1\r\nHost: x\r\n\r\nPOST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                    + "Connection: close\r\n\r\nabcd").getBytes(StandardCharsets.ISO_8859_1);
            final OutputStream out = s.getOutputStream();
            for (byte b : req) {
                out.write(b);
                out.flush();
            }
            final String answer = readAll(s);
            assertTrue(answer.matches("(?s)HTTP/1.1 200 OK\r\n.*\r\n\r\n" + Pattern.quote(TestApp.HELLO)
                    + "HTTP/1.1 200 OK\r\n.*Connection: close\r\n\r\nabcd"), answer);
        }
    }

    @Test
    void slowloris_cutAtTheHeaderDeadline() throws Exception {
        // A client that sends a head slowly gets 408 and a close at the header deadline; the server stays up.
        final HttpServer slow = bind(HttpOptions.defaults().withHeaderReadTimeout(Duration.ofMillis(300)), TestApp.routes());
        try (Socket s = new Socket("127.0.0.1", slow.port())) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: a".getBytes(StandardCharsets.ISO_8859_1));
            final String answer = readAll(s); // ends when the server closes
            assertTrue(answer.startsWith("HTTP/1.1 408 Request Timeout\r\n"), answer);
            assertTrue(answer.contains("Connection: close\r\n"), answer);
        }
        final String[] r = run(List.of("curl", "-s", "http://127.0.0.1:" + slow.port() + "/"));
        assertEquals(TestApp.HELLO, r[1]);
    }

    @Test
    void handlerNeverAnswers_503AtTheRequestDeadline() throws Exception {
        // A handler that never completes its answer: the client gets 503 at the request deadline, then a close.
        final HttpServer stuck = bind(HttpOptions.defaults().withRequestTimeout(Duration.ofMillis(200)),
                r -> new CompletableFuture<>());
        try (Socket s = new Socket("127.0.0.1", stuck.port())) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            final String answer = readAll(s);
            assertTrue(answer.startsWith("HTTP/1.1 503 Service Unavailable\r\n"), answer);
        }
    }

    @Test
    void clientClosesMidBody_handlerSeesAnError_serverServesOthers() throws Exception {
        // A client that closes in the middle of a streamed body: the handler's read fails; other clients are served.
        final CompletableFuture<Throwable> seen = new CompletableFuture<>();
        final HttpServer s2 = bind(HttpOptions.defaults().withMaxBufferedBodyBytes(0), r -> r.body().toBytes(1 << 20)
                .handle((b, t) -> {
                    seen.complete(t);
                    return Response.of(200);
                }));
        try (Socket s = new Socket("127.0.0.1", s2.port())) {
            s.getOutputStream().write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nonly a few bytes"
                    .getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
        }
        final Throwable t = seen.get(20, TimeUnit.SECONDS);
        assertTrue(t instanceof java.nio.channels.ClosedChannelException || t instanceof IOException, String.valueOf(t));
        final String[] r = run(List.of("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                "http://127.0.0.1:" + s2.port() + "/"));
        assertEquals("200", r[1]);
    }

    @Test
    void gracefulDrain_inFlightAnsweredWithClose_newConnectionsRefused() throws Exception {
        // On shutdown the listener stops accepting, the request in flight is answered (Connection: close), then closed.
        final CompletableFuture<Response> answer = new CompletableFuture<>();
        final CountDownLatch called = new CountDownLatch(1);
        final CountDownLatch told = new CountDownLatch(1);
        final Service<Request, Response> service = r -> {
            called.countDown();
            return answer;
        };
        final Tcp.Bound bound = Tcp.serve(system, new InetSocketAddress("127.0.0.1", 0), HttpOptions.defaults().tcp(),
                () -> new TellShuttingDown(HttpServer.stage(HttpOptions.defaults(), service), told))
                .toCompletableFuture().join();
        final int port = ((InetSocketAddress) bound.localAddress()).getPort();
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            assertTrue(called.await(20, TimeUnit.SECONDS));
            final var shutdown = system.shutdown();
            assertTrue(told.await(20, TimeUnit.SECONDS));
            try (Socket late = new Socket("127.0.0.1", port)) {
                fail("a connection was accepted during the drain");
            } catch (ConnectException expected) {
                // the listener is unbound
            }
            answer.complete(Response.text(200, "last one"));
            final String got = readAll(s);
            assertTrue(got.startsWith("HTTP/1.1 200 OK\r\n") && got.contains("Connection: close\r\n")
                    && got.endsWith("last one"), got);
            shutdown.toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    /** Passes every call on, and counts down when told the system is shutting down. */
    static final class TellShuttingDown implements ConnectionStage {
        private final ConnectionStage inner;
        private final CountDownLatch told;

        TellShuttingDown(ConnectionStage inner, CountDownLatch told) {
            this.inner = inner;
            this.told = told;
        }

        @Override
        public void onReceived(Connection connection, ByteBuffer data) {
            inner.onReceived(connection, data);
        }

        @Override
        public void onConnected(Connection connection) {
            inner.onConnected(connection);
        }

        @Override
        public void onPeerClosed(Connection connection) {
            inner.onPeerClosed(connection);
        }

        @Override
        public void onShuttingDown(Connection connection) {
            inner.onShuttingDown(connection);
            told.countDown();
        }

        @Override
        public void onWritingPaused(Connection connection) {
            inner.onWritingPaused(connection);
        }

        @Override
        public void onWritingResumed(Connection connection) {
            inner.onWritingResumed(connection);
        }

        @Override
        public void onAck(Connection connection, Object token) {
            inner.onAck(connection, token);
        }

        @Override
        public void onClosed(Connection connection, Tcp.ConnectionClosed why) {
            inner.onClosed(connection, why);
        }
    }

    @Test
    void manyClientsAtOnce_everyAnswerIsItsOwn() throws Exception {
        // 32 threads of the JDK client, each echoing its own numbered bodies: every answer is that request's body.
        final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        final List<CompletableFuture<Void>> all = new ArrayList<>();
        for (int t = 0; t < 32; t++) {
            final int id = t;
            all.add(CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 20; i++) {
                    final String body = "client " + id + " request " + i;
                    try {
                        final HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + "/echo"))
                                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                        assertEquals(body, r.body());
                    } catch (IOException | InterruptedException e) {
                        throw new RuntimeException(e);
                    }
                }
            }));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    }
    /** Hashes a body it gets as messages, one chunk at a time (credit), and completes with "sha length". */
    static final class Hasher extends io.troupe.actors.Actor<BodyMessage> {
        private final CompletableFuture<String> result;
        private final MessageDigest digest = TestApp.sha256();
        private long length;

        Hasher(CompletableFuture<String> result) {
            this.result = result;
        }

        @Override
        protected void receive(BodyMessage message) {
            if (message instanceof BodyMessage.Chunk c) {
                length += c.data().remaining();
                digest.update(c.data());
                c.next();
            } else if (message instanceof BodyMessage.End) {
                result.complete(HexFormat.of().formatHex(digest.digest()) + " " + length);
                context().stop(self());
            } else if (message instanceof BodyMessage.Failed f) {
                result.completeExceptionally(f.cause());
                context().stop(self());
            }
        }
    }

    @Test
    void actorReadsAnUpload_asMessagesWithCredit_hashMatches() throws Exception {
        // An upload handed to an actor as messages (one chunk outstanding) arrives whole: the actor's hash is the data's.
        final HttpServer s2 = bind(HttpOptions.defaults().withMaxBodyBytes(1L << 30), r -> {
            final CompletableFuture<String> result = new CompletableFuture<>();
            BodyMessage.sendTo(r.body(), system.spawnAnonymous(() -> new Hasher(result)), m -> m);
            return result.thenApply(text -> Response.text(200, text));
        });
        final long n = 8L << 20;
        final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        final HttpResponse<String> up = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s2.port() + "/"))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new PatternStream(n))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(TestApp.patternSha(n) + " " + n, up.body());
        final HttpResponse<String> small = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s2.port() + "/"))
                .POST(HttpRequest.BodyPublishers.ofString("abc")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(HexFormat.of().formatHex(TestApp.sha256().digest("abc".getBytes(StandardCharsets.UTF_8))) + " 3",
                small.body());
    }
}
