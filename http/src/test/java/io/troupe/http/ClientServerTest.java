package io.troupe.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.ActorSystem;
import io.troupe.services.OverloadedException;
import io.troupe.services.Service;
import io.troupe.services.Services;
import io.troupe.timers.ManualClock;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Our client against our server: keep-alive reuse and the pool bound counted on the server's side
 * (requests per peer address), idle eviction on a ManualClock, the connect and request timeouts,
 * 64 MiB streamed both ways compared by SHA-256 with the bytes in flight bounded, and the client as
 * a Service under a services layer.
 */
@Timeout(120)
class ClientServerTest {
    private static final long WAIT = 20;
    private static final long MIB = 1 << 20;

    private ActorSystem serverSystem;
    private ActorSystem system;
    private HttpServer server;
    private String base;
    /** Requests per client address (one address is one connection). */
    private final Map<String, Integer> perPeer = new ConcurrentHashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final LinkedBlockingQueue<CompletableFuture<Response>> gates = new LinkedBlockingQueue<>();
    /** Download: bytes the server's body publisher has produced; upload: bytes the server's handler has consumed. */
    private final AtomicLong serverBytes = new AtomicLong();

    @BeforeEach
    void start() {
        serverSystem = ActorSystem.create("client-server-test-server");
        server = HttpServer.bind(serverSystem, new InetSocketAddress("127.0.0.1", 0),
                HttpOptions.defaults().withMaxBodyBytes(1L << 40).withRequestTimeout(Duration.ofHours(1)), routes())
                .toCompletableFuture().join();
        base = "http://127.0.0.1:" + server.port();
    }

    @AfterEach
    void stop() {
        if (system != null) {
            system.close();
        }
        serverSystem.close();
    }

    private Service<Request, Response> routes() {
        final Service<Request, Response> routes = Routes.builder()
                .get("/", Services.sync(r -> Response.text(200, "hello\n")))
                .get("/gate", r -> {
                    final int now = inFlight.incrementAndGet();
                    maxInFlight.accumulateAndGet(now, Math::max);
                    final CompletableFuture<Response> gate = new CompletableFuture<>();
                    gates.add(gate);
                    return gate.whenComplete((x, t) -> inFlight.decrementAndGet());
                })
                .get("/never", r -> new CompletableFuture<>())
                .get("/download/{n}", r -> CompletableFuture.completedFuture(
                        Response.of(200).withBody(countingPattern(Long.parseLong(r.pathParam("n")), serverBytes))))
                .post("/sha", this::countingSha)
                .get("/redirect", Services.sync(r -> Response.of(302).withHeader("Location", "/")))
                .get("/echo/{p}", Services.sync(r -> Response.text(200, r.pathParam("p") + "|" + r.queryParam("q"))))
                .post("/trailers", r -> r.body().toBytes(1 << 20).thenCombine(r.body().trailers(), (b, t) ->
                        Response.of(200).withBody(Body.stream(parts("got ", new String(b, StandardCharsets.UTF_8)), -1)
                                .withTrailers(CompletableFuture.completedStage(
                                        Headers.of("X-Got-Sum", String.valueOf(t.get("X-Sum")), "X-Fields", String.valueOf(t.size())))))))
                .build();
        return request -> {
            perPeer.merge(String.valueOf(request.remoteAddress()), 1, Integer::sum);
            return routes.call(request);
        };
    }

    private HttpClient client(HttpClientOptions options) {
        if (system == null) {
            system = ActorSystem.create("client-server-test-client");
        }
        return HttpClient.create(system, options);
    }

    private static Response join(CompletionStage<Response> stage) throws Exception {
        return stage.toCompletableFuture().get(WAIT, TimeUnit.SECONDS);
    }

    private static String text(Response r) throws Exception {
        return new String(r.body().toBytes(1 << 20).toCompletableFuture().get(WAIT, TimeUnit.SECONDS), StandardCharsets.UTF_8);
    }

    @Test
    void keepAlive_twentySequentialRequests_ridOneConnection() throws Exception {
        // Twenty requests one after the other: the server counts all twenty from one peer address (one connection),
        // and the client opened one connection.
        try (HttpClient client = client(HttpClientOptions.defaults())) {
            for (int i = 0; i < 20; i++) {
                assertEquals("hello\n", text(join(client.get(base + "/"))));
            }
            assertEquals(List.of(20), List.copyOf(perPeer.values()), perPeer.toString());
            assertEquals(1, client.stats().connectionsOpened());
            assertEquals(1, client.stats().idleConnections());
        }
    }

    @Test
    void poolBound_twelveConcurrentRequests_atMostThreeConnections_othersWait() throws Exception {
        // With at most 3 connections per origin, 12 concurrent requests to a handler that holds its answers: the
        // server sees 3 in flight, never more; the client has 3 open and 9 waiting; once released, all 12 are answered
        // over exactly 3 connections.
        try (HttpClient client = client(HttpClientOptions.defaults().withMaxConnectionsPerOrigin(3))) {
            final List<CompletableFuture<Response>> calls = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                calls.add(client.get(base + "/gate").toCompletableFuture());
            }
            final List<CompletableFuture<Response>> held = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                held.add(gates.poll(WAIT, TimeUnit.SECONDS));
            }
            assertEquals(3, inFlight.get());
            assertEquals(new HttpClient.Stats(3, 0, 9, 3, 0), client.stats());
            for (CompletableFuture<Response> g : held) {
                g.complete(Response.text(200, "released\n"));
            }
            for (int i = 3; i < 12; i++) {
                gates.poll(WAIT, TimeUnit.SECONDS).complete(Response.text(200, "released\n"));
            }
            for (CompletableFuture<Response> c : calls) {
                assertEquals("released\n", text(c.get(WAIT, TimeUnit.SECONDS)));
            }
            assertEquals(3, maxInFlight.get());
            assertEquals(3, perPeer.size(), perPeer.toString());
            assertEquals(12, perPeer.values().stream().mapToInt(Integer::intValue).sum());
            assertEquals(3, client.stats().connectionsOpened());
        }
    }

    @Test
    void idleEviction_onTheClock_connectionClosedAfterIdleTimeout_nextRequestOpensAnother() throws Exception {
        // On a ManualClock with a 10 s idle timeout: a pooled connection survives 9.999 s of idleness (the next request
        // reuses it), is closed once 10 s pass after its last use, and the request after that opens a new connection
        // (the server sees a second peer).
        final ManualClock clock = new ManualClock();
        system = ActorSystem.builder("client-idle").clock(clock).build();
        try (HttpClient client = client(HttpClientOptions.defaults().withIdleTimeout(Duration.ofSeconds(10)))) {
            assertEquals("hello\n", text(join(client.get(base + "/"))));
            assertTrue(clock.awaitPendingTimers(1, Duration.ofSeconds(WAIT)), "the idle timer is set");
            clock.advance(Duration.ofMillis(9_999));
            assertEquals("hello\n", text(join(client.get(base + "/"))));
            assertEquals(1, client.stats().connectionsOpened());

            assertTrue(clock.awaitPendingTimers(1, Duration.ofSeconds(WAIT)), "the idle timer is set again");
            clock.advance(Duration.ofMillis(9_999));
            assertEquals(1, client.stats().openConnections());
            clock.advance(Duration.ofMillis(1));
            TestTls.until(() -> client.stats().openConnections() == 0, WAIT * 1000, () -> client.stats().toString());

            assertEquals("hello\n", text(join(client.get(base + "/"))));
            assertEquals(2, client.stats().connectionsOpened());
            assertEquals(2, perPeer.size(), perPeer.toString());
        }
    }

    @Test
    void serverClosesIdleConnection_clientDropsItFromThePool_nextRequestOnANewOne() throws Exception {
        // A server (on its own ManualClock) with a 5 s idle keep-alive timeout closes the pooled connection: the client
        // takes it out of its pool at once (none open, none idle), and the next request is served on a new connection.
        final ManualClock serverClock = new ManualClock();
        try (ActorSystem idleServerSystem = ActorSystem.builder("idle-server").clock(serverClock).build()) {
            final HttpServer idleServer = HttpServer.bind(idleServerSystem, new InetSocketAddress("127.0.0.1", 0),
                    HttpOptions.defaults().withIdleTimeout(Duration.ofSeconds(5)), routes()).toCompletableFuture().join();
            final String idleBase = "http://127.0.0.1:" + idleServer.port();
            try (HttpClient client = client(HttpClientOptions.defaults())) {
                assertEquals("hello\n", text(join(client.get(idleBase + "/"))));
                assertEquals(1, client.stats().idleConnections());
                TestTls.until(() -> {
                    serverClock.advance(Duration.ofSeconds(1));
                    return client.stats().openConnections() == 0;
                }, WAIT * 1000, () -> client.stats().toString());
                assertEquals(0, client.stats().idleConnections());
                assertEquals("hello\n", text(join(client.get(idleBase + "/"))));
                assertEquals(2, client.stats().connectionsOpened());
                assertEquals(2, perPeer.size(), perPeer.toString());
            }
        }
    }

    @Test
    void callerCancels_beforeAStreamedHead_connectionClosedNotLeaked() throws Exception {
        // A caller that cancels its stage before a 64 MiB streamed answer arrives: nobody can read that body, so the
        // client closes the connection instead of holding it (none open afterwards), and the next request works.
        try (HttpClient client = client(HttpClientOptions.defaults())) {
            final CompletableFuture<Response> call = client.get(base + "/gate").toCompletableFuture();
            final CompletableFuture<Response> gate = gates.poll(WAIT, TimeUnit.SECONDS);
            assertTrue(call.cancel(false));
            gate.complete(Response.of(200).withBody(countingPattern(64 * MIB, new AtomicLong())));
            TestTls.until(() -> client.stats().openConnections() == 0, WAIT * 1000, () -> client.stats().toString());
            assertEquals("hello\n", text(join(client.get(base + "/"))));
            assertEquals(2, client.stats().connectionsOpened());
        }
    }

    @Test
    void connectTimeout_blackHoledPort_failsWithSocketTimeout() throws Exception {
        // A listener whose accept queue is full drops further SYNs (Linux): a connect to it never completes. With a
        // 300 ms connect timeout the request fails with a SocketTimeoutException, well before the test's bound.
        try (ServerSocket hole = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            final List<Socket> fillers = new ArrayList<>();
            try {
                while (true) { // fill the accept queue until a connect times out
                    final Socket s = new Socket();
                    fillers.add(s);
                    try {
                        s.connect(hole.getLocalSocketAddress(), 300);
                    } catch (SocketTimeoutException full) {
                        break;
                    }
                    assertTrue(fillers.size() < 50, "the accept queue never filled");
                }
                try (HttpClient client = client(HttpClientOptions.defaults().withConnectTimeout(Duration.ofMillis(300)))) {
                    final long t0 = System.nanoTime();
                    final ExecutionException e = assertThrows(ExecutionException.class,
                            () -> join(client.get("http://127.0.0.1:" + hole.getLocalPort() + "/")));
                    assertInstanceOf(SocketTimeoutException.class, e.getCause(), e.toString());
                    assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10), "failed late");
                    assertEquals(0, client.stats().openConnections());
                }
            } finally {
                for (Socket s : fillers) {
                    s.close();
                }
            }
        }
    }

    @Test
    void requestTimeout_serverNeverAnswers_failsWithTimeout_connectionAborted_poolRecovers() throws Exception {
        // A handler that never answers: with a 300 ms request timeout the call fails with TimeoutException, its
        // connection is closed (an answer may be on its way), and the next request is served on a new connection.
        try (HttpClient client = client(HttpClientOptions.defaults().withRequestTimeout(Duration.ofMillis(300))
                .withMaxConnectionsPerOrigin(1))) {
            final ExecutionException e = assertThrows(ExecutionException.class, () -> join(client.get(base + "/never")));
            assertInstanceOf(TimeoutException.class, e.getCause(), e.toString());
            assertEquals("hello\n", text(join(client.get(base + "/"))));
            assertEquals(2, client.stats().connectionsOpened());
            assertEquals(2, perPeer.size(), perPeer.toString());
        }
    }

    @Test
    void redirects_offByDefault() throws Exception {
        // A 302 reaches the caller as it is unless following is asked for.
        try (HttpClient client = client(HttpClientOptions.defaults())) {
            final Response r = join(client.get(base + "/redirect"));
            assertEquals(302, r.status());
            assertEquals("/", r.headers().get("Location"));
        }
    }

    @Test
    void asAService_underAConcurrencyLimitAndLoadShed_secondCallShed() throws Exception {
        // The client is a Service: under concurrencyLimit(1) + loadShed, a second call while the first is in flight
        // is refused with OverloadedException, and the first is answered through the layers.
        try (HttpClient client = client(HttpClientOptions.defaults())) {
            final Service<Request, Response> layered = Services.<Request, Response>builder()
                    .loadShed().concurrencyLimit(1).build(client);
            final CompletableFuture<Response> first = layered.call(Request.get(base + "/gate")).toCompletableFuture();
            final CompletableFuture<Response> gate = gates.poll(WAIT, TimeUnit.SECONDS);
            final ExecutionException shed = assertThrows(ExecutionException.class,
                    () -> layered.call(Request.get(base + "/")).toCompletableFuture().get(WAIT, TimeUnit.SECONDS));
            assertInstanceOf(OverloadedException.class, shed.getCause(), shed.toString());
            gate.complete(Response.text(200, "through\n"));
            assertEquals("through\n", text(first.get(WAIT, TimeUnit.SECONDS)));
        }
    }

    @Test
    void download64MiB_streamed_shaMatches_bytesHeldByTheClientBounded() throws Exception {
        // A 64 MiB body streamed by the server arrives whole (SHA-256 equal to the pattern's). The reader stops asking
        // after 8 MiB until the server has produced 768 KiB past what was read (the write queue and socket buffers
        // fill); the client meanwhile holds at most about one read of body bytes nobody asked for (<= 256 KiB).
        final long n = 64 * MIB;
        try (HttpClient client = client(HttpClientOptions.defaults())) {
            final Response r = join(client.get(base + "/download/" + n));
            assertEquals(n, r.body().length());
            final AtomicLong consumed = new AtomicLong();
            final CountDownLatch paused = new CountDownLatch(1);
            final CompletableFuture<String> sha = new CompletableFuture<>();
            final AtomicLong unasked = new AtomicLong();
            final Flow.Subscription[] sub = new Flow.Subscription[1];
            final AtomicLong demand = new AtomicLong();
            ((Body.Stream) r.body()).publisher().subscribe(new Flow.Subscriber<>() {
                final MessageDigest digest = TestApp.sha256();

                @Override
                public void onSubscribe(Flow.Subscription s) {
                    sub[0] = s;
                    demand.incrementAndGet();
                    s.request(1);
                }

                @Override
                public void onNext(ByteBuffer item) {
                    if (demand.decrementAndGet() < 0) {
                        unasked.incrementAndGet();
                    }
                    final long total = consumed.addAndGet(item.remaining());
                    digest.update(item);
                    if (total >= 8 * MIB && paused.getCount() == 1) {
                        paused.countDown(); // the test thread asks for more later
                    } else {
                        demand.incrementAndGet();
                        sub[0].request(1);
                    }
                }

                @Override
                public void onError(Throwable t) {
                    sha.completeExceptionally(t);
                }

                @Override
                public void onComplete() {
                    sha.complete(HexFormat.of().formatHex(digest.digest()) + " " + consumed.get());
                }
            });
            assertTrue(paused.await(WAIT, TimeUnit.SECONDS));
            TestTls.until(() -> serverBytes.get() - consumed.get() >= 768 * 1024, WAIT * 1000,
                    () -> "server produced " + serverBytes.get() + ", client read " + consumed.get());
            demand.incrementAndGet();
            sub[0].request(1);
            assertEquals(TestApp.patternSha(n) + " " + n, sha.get(60, TimeUnit.SECONDS));
            assertEquals(0, unasked.get(), "chunks delivered without demand");
            final long peak = client.stats().peakBufferedBodyBytes();
            assertTrue(peak <= 256 * 1024, "the client held " + peak + " bytes of body nobody asked for");
        }
    }

    @Test
    void responseBody_requestZero_onErrorIllegalArgument_connectionAborted_nextRequestOnAnother() throws Exception {
        // Rule 3.9 over the wire: a reader of a streamed response body that asks for 0 hears onSubscribe, then
        // onError(IllegalArgumentException) and nothing more; nobody reads the rest, so the client aborts that
        // connection (none open afterwards), and the next request opens another.
        try (HttpClient client = client(HttpClientOptions.defaults())) {
            final Response r = join(client.get(base + "/download/" + 64 * MIB));
            final List<String> signals = java.util.Collections.synchronizedList(new ArrayList<>());
            final CompletableFuture<Throwable> error = new CompletableFuture<>();
            ((Body.Stream) r.body()).publisher().subscribe(new Flow.Subscriber<>() {
                @Override public void onSubscribe(Flow.Subscription s) {
                    signals.add("subscribe");
                    s.request(0);
                }
                @Override public void onNext(ByteBuffer item) {
                    signals.add("next");
                }
                @Override public void onError(Throwable t) {
                    signals.add("error:" + t.getClass().getSimpleName());
                    error.complete(t);
                }
                @Override public void onComplete() {
                    signals.add("complete");
                }
            });
            assertInstanceOf(IllegalArgumentException.class, error.get(WAIT, TimeUnit.SECONDS));
            TestTls.until(() -> client.stats().openConnections() == 0, WAIT * 1000, () -> client.stats().toString());
            assertEquals("hello\n", text(join(client.get(base + "/"))));
            assertEquals(List.of("subscribe", "error:IllegalArgumentException"), signals);
            assertEquals(2, client.stats().connectionsOpened());
        }
    }

    @Test
    void upload64MiB_streamedChunked_shaMatches_bytesInFlightBounded() throws Exception {
        // A 64 MiB upload of unknown length (chunked) produced on demand: the server's SHA-256 is the pattern's, and
        // the bytes produced but not yet read by the server's handler never exceed 16 MiB (the client's write queue
        // plus socket buffers), so the upload is never buffered whole.
        final long n = 64 * MIB;
        final AtomicLong produced = new AtomicLong();
        final AtomicLong peakGap = new AtomicLong();
        final Flow.Publisher<ByteBuffer> publisher = subscriber -> subscriber.onSubscribe(new Flow.Subscription() {
            private long next;
            private boolean done;

            @Override
            public synchronized void request(long count) {
                for (long c = 0; c < count && !done; c++) {
                    final int len = (int) Math.min(64 * 1024, n - next);
                    final byte[] b = new byte[len];
                    for (int k = 0; k < len; k++) {
                        b[k] = TestApp.patternByte(next + k);
                    }
                    next += len;
                    peakGap.accumulateAndGet(produced.addAndGet(len) - serverBytes.get(), Math::max);
                    subscriber.onNext(ByteBuffer.wrap(b));
                    if (next == n) {
                        done = true;
                        subscriber.onComplete();
                    }
                }
            }

            @Override
            public synchronized void cancel() {
                done = true;
            }
        });
        try (HttpClient client = client(HttpClientOptions.defaults())) {
            final Response r = join(client.send("POST", base + "/sha", Headers.empty(), Body.stream(publisher, -1)));
            assertEquals(200, r.status());
            assertEquals(TestApp.patternSha(n) + " " + n, text(r));
            assertTrue(peakGap.get() <= 16 * MIB, "bytes produced ahead of the server: " + peakGap.get());
        }
    }

    /** The pattern as a stream of 64 KiB chunks made on demand, counting what it produced. */
    private static Body countingPattern(long n, AtomicLong produced) {
        final Flow.Publisher<ByteBuffer> publisher = subscriber -> subscriber.onSubscribe(new Flow.Subscription() {
            private long next;
            private boolean done;

            @Override
            public synchronized void request(long count) {
                for (long c = 0; c < count && !done; c++) {
                    final int len = (int) Math.min(64 * 1024, n - next);
                    final byte[] b = new byte[len];
                    for (int k = 0; k < len; k++) {
                        b[k] = TestApp.patternByte(next + k);
                    }
                    next += len;
                    produced.addAndGet(len);
                    subscriber.onNext(ByteBuffer.wrap(b));
                    if (next == n) {
                        done = true;
                        subscriber.onComplete();
                    }
                }
            }

            @Override
            public synchronized void cancel() {
                done = true;
            }
        });
        return Body.stream(publisher, n);
    }

    /** Hashes the upload chunk by chunk (one asked for at a time), counting the bytes it has read. */
    private CompletionStage<Response> countingSha(Request request) {
        final CompletableFuture<Response> result = new CompletableFuture<>();
        ((Body.Stream) request.body()).publisher().subscribe(new Flow.Subscriber<>() {
            final MessageDigest digest = TestApp.sha256();
            long length;
            Flow.Subscription subscription;

            @Override
            public void onSubscribe(Flow.Subscription s) {
                subscription = s;
                s.request(1);
            }

            @Override
            public void onNext(ByteBuffer item) {
                length += item.remaining();
                serverBytes.addAndGet(item.remaining());
                digest.update(item);
                subscription.request(1);
            }

            @Override
            public void onError(Throwable t) {
                result.completeExceptionally(t);
            }

            @Override
            public void onComplete() {
                result.complete(Response.text(200, HexFormat.of().formatHex(digest.digest()) + " " + length));
            }
        });
        return result;
    }


    /** A publisher of these texts as chunks, one per request(1). */
    static Flow.Publisher<ByteBuffer> parts(String... texts) {
        return subscriber -> subscriber.onSubscribe(new Flow.Subscription() {
            private int next;
            private boolean done;

            @Override
            public synchronized void request(long n) {
                for (long i = 0; i < n && !done; i++) {
                    if (next < texts.length) {
                        subscriber.onNext(ByteBuffer.wrap(texts[next++].getBytes(StandardCharsets.UTF_8)));
                    }
                    if (next == texts.length) {
                        done = true;
                        subscriber.onComplete();
                    }
                }
            }

            @Override
            public synchronized void cancel() {
                done = true;
            }
        });
    }

    @Test
    void trailers_bothWays_clientSendsThem_serverReadsThem_andAnswersWithItsOwn() throws Exception {
        // Our client sends a chunked upload with a trailer field; our server's handler reads it after the body and
        // answers a chunked body with trailers of its own, which the client reads, complete when the body has ended.
        try (HttpClient client = client(HttpClientOptions.defaults())) {
            final Body upload = Body.stream(parts("abc", "def"), -1)
                    .withTrailers(CompletableFuture.supplyAsync(() -> Headers.of("X-Sum", "sum-of-abcdef")));
            final Response r = join(client.send("POST", base + "/trailers", Headers.empty(), upload));
            assertEquals(200, r.status());
            assertEquals("got abcdef", text(r));
            final Headers t = r.body().trailers().toCompletableFuture().getNow(null);
            assertEquals(Headers.of("X-Got-Sum", "sum-of-abcdef", "X-Fields", "1").toString(), String.valueOf(t));
            assertEquals("hello\n", text(join(client.get(base + "/"))));
            assertEquals(1, client.stats().connectionsOpened(), "the connection is kept after trailers both ways");
        }
    }

    @Test
    void requestTimeout_runsWhileWaitingForAPooledConnection_waiterLeavesTheQueue() throws Exception {
        // With one connection per origin, busy with a streamed answer nobody reads, a second request waits for it; on a
        // ManualClock its request timeout runs while it waits: it fails with TimeoutException at its deadline, not
        // before, and the pool's queue is empty afterwards; the busy connection is untouched.
        final ManualClock clock = new ManualClock();
        system = ActorSystem.builder("client-wait").clock(clock).build();
        try (HttpClient client = client(HttpClientOptions.defaults().withMaxConnectionsPerOrigin(1)
                .withRequestTimeout(Duration.ofSeconds(10)))) {
            final CompletableFuture<Response> first = client.get(base + "/gate").toCompletableFuture();
            gates.poll(WAIT, TimeUnit.SECONDS).complete(Response.of(200).withBody(Body.stream(s -> s.onSubscribe(
                    new Flow.Subscription() {
                        @Override public void request(long n) {}
                        @Override public void cancel() {}
                    }), -1)));
            final Response held = first.get(WAIT, TimeUnit.SECONDS); // the head is in: no request timer on it now
            final int timersBefore = clock.pendingTimers();
            final CompletableFuture<Response> waiting = client.get(base + "/").toCompletableFuture();
            assertEquals(1, client.stats().waitingRequests());
            assertTrue(clock.awaitPendingTimers(timersBefore + 1, Duration.ofSeconds(WAIT)), "the wait is timed");
            clock.advance(Duration.ofMillis(9_999));
            assertEquals(1, client.stats().waitingRequests());
            assertTrue(!waiting.isDone(), "not before its deadline");
            clock.advance(Duration.ofMillis(1));
            final ExecutionException e = assertThrows(ExecutionException.class, () -> waiting.get(WAIT, TimeUnit.SECONDS));
            assertInstanceOf(TimeoutException.class, e.getCause(), e.toString());
            assertEquals(new HttpClient.Stats(1, 0, 0, 1, 0), client.stats());
            ((Body.Stream) held.body()).publisher().subscribe(new Flow.Subscriber<ByteBuffer>() {
                @Override public void onSubscribe(Flow.Subscription s) {
                    s.cancel();
                }
                @Override public void onNext(ByteBuffer item) {}
                @Override public void onError(Throwable t) {}
                @Override public void onComplete() {}
            });
            TestTls.until(() -> client.stats().openConnections() == 0, WAIT * 1000, () -> client.stats().toString());
            assertEquals("hello\n", text(join(client.get(base + "/"))));
        }
    }

    @Test
    void waitingRequestCancelledByItsCaller_leavesTheQueueAtOnce() throws Exception {
        // A request waiting for the one busy connection, cancelled by its caller, leaves the pool's queue at once
        // (it would otherwise stay until a connection freed up); the next waiter is still served in turn.
        try (HttpClient client = client(HttpClientOptions.defaults().withMaxConnectionsPerOrigin(1))) {
            final CompletableFuture<Response> first = client.get(base + "/gate").toCompletableFuture();
            final CompletableFuture<Response> gate = gates.poll(WAIT, TimeUnit.SECONDS);
            final CompletableFuture<Response> cancelled = client.get(base + "/").toCompletableFuture();
            final CompletableFuture<Response> served = client.get(base + "/").toCompletableFuture();
            assertEquals(2, client.stats().waitingRequests());
            assertTrue(cancelled.cancel(false));
            assertEquals(1, client.stats().waitingRequests());
            gate.complete(Response.text(200, "released\n"));
            assertEquals("released\n", text(first.get(WAIT, TimeUnit.SECONDS)));
            assertEquals("hello\n", text(served.get(WAIT, TimeUnit.SECONDS)));
            assertEquals(0, client.stats().waitingRequests());
            assertEquals(2, perPeer.values().stream().mapToInt(Integer::intValue).sum(), "the cancelled one was never sent");
        }
    }

    @Test
    void percentEncodedTarget_overTheWire_decodedForTheRoute_badOne400() throws Exception {
        // Over a real socket: the route's parameter and the query parameter arrive decoded as UTF-8; an encoded '/' in
        // the path is answered 400.
        try (HttpClient client = client(HttpClientOptions.defaults())) {
            assertEquals("caf\u00e9 x|a b&c", text(join(client.get(base + "/echo/caf%C3%A9%20x?q=a+b%26c"))));
            assertEquals(400, join(client.get(base + "/echo/a%2Fb")).status());
        }
    }
}
