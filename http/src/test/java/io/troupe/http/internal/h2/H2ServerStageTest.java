package io.troupe.http.internal.h2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.ActorSystem;
import io.troupe.http.Body;
import io.troupe.http.HttpOptions;
import io.troupe.http.Request;
import io.troupe.http.Response;
import io.troupe.services.Service;
import io.troupe.services.Services;
import io.troupe.timers.ManualClock;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The HTTP/2 server stage driven frame by frame through a fake connection on the test's thread,
 * with a manual clock: the handshake, requests and responses, stream states and limits, flow
 * control both ways tied to the handler's reading, RST_STREAM, PING, GOAWAY drain, deadlines, and
 * each protection with the attack sent.
 */
@Timeout(60)
class H2ServerStageTest {
    private static ManualClock clock;
    private static ActorSystem system;

    @BeforeAll
    static void start() {
        clock = new ManualClock();
        system = ActorSystem.builder("h2-stage-test").clock(clock).build();
    }

    @AfterAll
    static void stop() {
        system.close();
    }

    static final HttpOptions OPTIONS = HttpOptions.defaults().withHttp2(true);

    static final Service<Request, Response> HELLO = Services.sync(r -> Response.text(200, "hello " + r.method() + " "
            + r.target() + " " + r.version() + " host=" + r.headers().get("Host")));

    /** A client: the fake connection, the wire codec, and every frame the server wrote so far. */
    static final class Client {
        final H2FakeConnection conn;
        final H2Wire wire = new H2Wire();
        final List<H2Wire.Frame> frames = new ArrayList<>();

        Client(HttpOptions options, Service<Request, Response> service, int... settings) {
            conn = new H2FakeConnection(system, new H2ServerStage(options, service));
            conn.read(H2Wire.preface(settings));
            frames();
        }

        /** The frames written since the last call, as text, the date field left out. */
        List<String> frames() {
            final List<H2Wire.Frame> f = wire.parse(conn.take());
            frames.addAll(f);
            return f.stream().map(x -> x.toString().replaceAll(", date: [A-Z][a-z]{2}, [^,\\]]*", "")).collect(Collectors.toList());
        }

        List<H2Wire.Frame> raw() {
            final List<H2Wire.Frame> f = wire.parse(conn.take());
            frames.addAll(f);
            return f;
        }

        void send(byte[]... frames) {
            conn.read(H2Wire.concat(frames));
        }
    }

    private static String body(List<H2Wire.Frame> frames, int stream) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (H2Wire.Frame f : frames) {
            if (f.type().equals("DATA") && f.stream() == stream) {
                out.writeBytes(f.data());
            }
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void handshake_settingsWindowThenAck() {
        // The server opens with its SETTINGS and a connection WINDOW_UPDATE, then acknowledges the client's SETTINGS.
        final H2FakeConnection conn = new H2FakeConnection(system, new H2ServerStage(OPTIONS, HELLO));
        final H2Wire wire = new H2Wire();
        assertEquals("[SETTINGS [3=100, 4=65536, 6=" + (16 * 1024 + 32 * 100) + ", 2=0], WINDOW_UPDATE 0 "
                + (100 * 65536 - 65535) + "]", wire.parse(conn.take()).toString());
        conn.read(H2Wire.preface(H2.SETTINGS_INITIAL_WINDOW_SIZE, 1000));
        assertEquals("[SETTINGS flags=1]", wire.parse(conn.take()).toString());
        assertFalse(conn.timers.containsKey(H2ServerStage.PREFACE_TIMER), "the preface deadline is off");
    }

    @Test
    void get_answersHeadersThenData() {
        // A GET becomes a Request (method, path, HTTP/2, Host from :authority) and its Response HEADERS then DATA END.
        final Client c = new Client(OPTIONS, HELLO);
        c.send(c.wire.get(1, "/a?b=c"));
        final String text = "hello GET /a?b=c HTTP/2 host=localhost";
        assertEquals(List.of("HEADERS 1 [:status: 200, content-type: text/plain; charset=utf-8, content-length: "
                + text.length() + "]", "DATA 1 END " + text.length()), c.frames());
        assertEquals(text, body(c.frames, 1));
    }

    @Test
    void streams_answeredInCompletionOrder_notRequestOrder() {
        // Streams are independent: a later request answered first is written first.
        final Map<String, CompletableFuture<Response>> pending = new HashMap<>();
        final Client c = new Client(OPTIONS, r -> {
            final CompletableFuture<Response> f = new CompletableFuture<>();
            pending.put(r.path(), f);
            return f;
        });
        c.send(c.wire.get(1, "/one"), c.wire.get(3, "/two"), c.wire.get(5, "/three"));
        assertEquals(List.of(), c.frames());
        pending.get("/three").complete(Response.text(200, "3"));
        pending.get("/one").complete(Response.text(200, "1"));
        pending.get("/two").complete(Response.text(200, "2"));
        c.conn.runTasks();
        final List<String> order = new ArrayList<>();
        for (H2Wire.Frame f : c.raw()) {
            if (f.type().equals("DATA")) {
                order.add(f.stream() + ":" + f.text());
            }
        }
        assertEquals(List.of("5:3", "1:1", "3:2"), order);
    }

    @Test
    void malformedRequests_streamErrorProtocolError_connectionGoesOn() {
        // Each malformed request is reset with PROTOCOL_ERROR on its own stream; the next request is served.
        final Client c = new Client(OPTIONS, HELLO);
        c.send(c.wire.headers(1, true, ":method", "GET", ":scheme", "https", ":authority", "x"));              // no :path
        c.send(c.wire.headers(3, true, ":method", "GET", ":scheme", "https", ":path", "/", "connection", "close"));
        c.send(c.wire.headers(5, true, ":method", "GET", "x-a", "b", ":scheme", "https", ":path", "/")); // pseudo after regular
        c.send(c.wire.headers(7, true, ":method", "GET", ":scheme", "https", ":path", "/", ":status", "200"));
        c.send(c.wire.headers(9, false, ":method", "POST", ":scheme", "https", ":path", "/", "content-length", "5"),
                H2Wire.data(9, true, "abc".getBytes()));                                                    // 3 != 5
        c.send(c.wire.headers(11, true, ":method", "GET", ":scheme", "https", ":path", "/", "te", "gzip"));
        c.send(c.wire.headers(13, true, ":method", "GET", ":method", "GET", ":scheme", "https", ":path", "/"));
        c.send(c.wire.get(15, "/ok"));
        final List<String> frames = c.frames();
        assertEquals(List.of("RST_STREAM 1 PROTOCOL_ERROR", "RST_STREAM 3 PROTOCOL_ERROR", "RST_STREAM 5 PROTOCOL_ERROR",
                "RST_STREAM 7 PROTOCOL_ERROR", "RST_STREAM 9 PROTOCOL_ERROR", "RST_STREAM 11 PROTOCOL_ERROR",
                "RST_STREAM 13 PROTOCOL_ERROR"), frames.subList(0, 7));
        assertTrue(frames.get(7).startsWith("HEADERS 15 [:status: 200"), frames.toString());
        assertFalse(c.conn.ended());
    }

    @Test
    void percentEncodedTargets_badOnes400_goodOnesDecoded() {
        // As over HTTP/1.1: an encoded '/', a bad escape or malformed UTF-8 is 400 without calling the handler;
        // a good escape reaches it decoded.
        final List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        final Client c = new Client(OPTIONS, Services.sync(r -> {
            seen.add(r.path());
            return Response.text(200, "ok");
        }));
        c.send(c.wire.get(1, "/a%2Fb"));
        c.send(c.wire.get(3, "/%zz"));
        c.send(c.wire.get(5, "/%C3%28"));
        c.send(c.wire.get(7, "/caf%C3%A9"));
        final List<String> heads = c.frames().stream().filter(f -> f.startsWith("HEADERS")).toList();
        assertEquals(4, heads.size(), heads.toString());
        assertTrue(heads.get(0).startsWith("HEADERS 1 [:status: 400"), heads.toString());
        assertTrue(heads.get(1).startsWith("HEADERS 3 [:status: 400"), heads.toString());
        assertTrue(heads.get(2).startsWith("HEADERS 5 [:status: 400"), heads.toString());
        assertTrue(heads.get(3).startsWith("HEADERS 7 [:status: 200"), heads.toString());
        assertEquals(List.of("/caf\u00e9"), seen);
        assertFalse(c.conn.ended());
    }

    @Test
    void connectionErrors_goAwayWithCode() {
        // Frame-level violations end the connection with GOAWAY and the RFC's code, naming the last stream processed.
        final Client c = new Client(OPTIONS, HELLO);
        c.send(c.wire.get(1, "/"));
        c.frames();
        c.send(c.wire.get(2, "/")); // even: a client cannot open it
        assertEquals(List.of("GOAWAY 1 PROTOCOL_ERROR"), c.frames());
        assertTrue(c.conn.ended());

        final Client d = new Client(OPTIONS, HELLO);
        d.send(H2Wire.data(9, false, new byte[1])); // DATA on an idle stream
        assertEquals(List.of("GOAWAY 0 PROTOCOL_ERROR"), d.frames());

        final Client e = new Client(OPTIONS, HELLO);
        e.send(H2Wire.windowUpdate(0, Integer.MAX_VALUE)); // 65535 + 2^31-1 overflows
        assertEquals(List.of("GOAWAY 0 FLOW_CONTROL_ERROR"), e.frames());
    }

    @Test
    void concurrentStreamLimit_refusesAboveIt() {
        // Streams above SETTINGS_MAX_CONCURRENT_STREAMS are refused (REFUSED_STREAM); a closed one frees a place.
        final List<CompletableFuture<Response>> pending = new ArrayList<>();
        final Client c = new Client(OPTIONS.withHttp2MaxConcurrentStreams(2), r -> {
            final CompletableFuture<Response> f = new CompletableFuture<>();
            pending.add(f);
            return f;
        });
        c.send(c.wire.get(1, "/"), c.wire.get(3, "/"), c.wire.get(5, "/"));
        assertEquals(List.of("RST_STREAM 5 REFUSED_STREAM"), c.frames());
        assertEquals(2, pending.size());
        pending.get(0).complete(Response.text(200, "x"));
        c.conn.runTasks();
        c.frames();
        c.send(c.wire.get(7, "/"));
        assertEquals(3, pending.size(), "stream 7 was taken once stream 1 closed");
    }

    /** A handler that reads its body by hand: the test decides when to ask for the next chunk. */
    static final class ManualReader implements Flow.Subscriber<ByteBuffer> {
        Flow.Subscription subscription;
        final ByteArrayOutputStream got = new ByteArrayOutputStream();
        boolean completed;
        Throwable failed;

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
        }

        @Override
        public void onNext(ByteBuffer item) {
            final byte[] b = new byte[item.remaining()];
            item.get(b);
            got.writeBytes(b);
        }

        @Override
        public void onError(Throwable t) {
            failed = t;
        }

        @Override
        public void onComplete() {
            completed = true;
        }
    }

    @Test
    void requestBody_windowOpensOnlyAsTheHandlerReads() {
        // The client may send one stream window ahead; WINDOW_UPDATE comes only for bytes the handler took.
        final ManualReader reader = new ManualReader();
        final CompletableFuture<Response> answer = new CompletableFuture<>();
        final Client c = new Client(OPTIONS, r -> {
            ((Body.Stream) r.body()).publisher().subscribe(reader);
            return answer;
        });
        c.send(c.wire.headers(1, false, ":method", "POST", ":scheme", "https", ":path", "/up"));
        c.frames();
        final byte[] chunk = new byte[16 * 1024];
        for (int i = 0; i < 4; i++) {
            c.send(H2Wire.data(1, false, chunk));
        }
        assertEquals(List.of(), c.frames(), "64 KiB arrived; nothing read, so no window given back");
        c.send(H2Wire.data(1, false, new byte[1])); // one byte past the window
        assertEquals(List.of("RST_STREAM 1 FLOW_CONTROL_ERROR"), c.frames());
        assertTrue(reader.failed != null, "the reader hears the stream's end");

        final ManualReader reader2 = new ManualReader();
        final Client d = new Client(OPTIONS, r -> {
            ((Body.Stream) r.body()).publisher().subscribe(reader2);
            return answer;
        });
        d.send(d.wire.headers(1, false, ":method", "POST", ":scheme", "https", ":path", "/up"));
        for (int i = 0; i < 4; i++) {
            d.send(H2Wire.data(1, false, chunk));
        }
        d.frames();
        reader2.subscription.request(1);
        d.conn.runTasks();
        assertEquals(List.of(), d.frames(), "16 KiB taken: under half a window, nothing owed yet");
        reader2.subscription.request(1);
        d.conn.runTasks();
        assertEquals(List.of("WINDOW_UPDATE 1 32768"), d.frames(), "32 KiB taken: the stream's window reopens by that");
        reader2.subscription.request(10);
        d.send(H2Wire.data(1, true, "end".getBytes()));
        assertEquals(4 * 16 * 1024 + 3, reader2.got.size());
        assertTrue(reader2.completed);
    }

    @Test
    void sendSide_slowStreamWaitsAlone() {
        // With a 10-byte initial window, a stream whose window is not opened stops at 10 bytes; another stream
        // whose window is opened completes.
        final String big = "x".repeat(100);
        final Client c = new Client(OPTIONS, Services.sync(r -> Response.text(200, big)),
                H2.SETTINGS_INITIAL_WINDOW_SIZE, 10);
        c.send(c.wire.get(1, "/slow"), c.wire.get(3, "/fast"));
        assertEquals(List.of("DATA 1 10", "DATA 3 10"),
                c.frames().stream().filter(f -> f.startsWith("DATA")).collect(Collectors.toList()));
        c.send(H2Wire.windowUpdate(3, 90));
        assertEquals(List.of("DATA 3 END 90"), c.frames());
        assertEquals(big, body(c.frames, 3));
        assertEquals(10, body(c.frames, 1).length(), "the slow stream still waits for its window");
        c.send(H2Wire.windowUpdate(1, 1000));
        assertEquals(List.of("DATA 1 END 90"), c.frames());
    }

    @Test
    void sendSide_connectionWindowShared() {
        // The connection window bounds all streams together; WINDOW_UPDATE on stream 0 lets them go on.
        final String big = "y".repeat(70_000);
        final Client c = new Client(OPTIONS, Services.sync(r -> Response.text(200, big)),
                H2.SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20);
        c.send(c.wire.get(1, "/"));
        c.frames();
        assertEquals(65_535, body(c.frames, 1).length(), "the connection's first window");
        c.send(H2Wire.windowUpdate(0, 10_000));
        c.frames();
        assertEquals(big, body(c.frames, 1));
        assertTrue(c.frames.get(c.frames.size() - 1).endStream());
    }

    @Test
    void sendSide_stopsAtTheWriteQueueWatermark_resumesWhenDrained() {
        // With windows wide open, DATA still stops at the write queue's high watermark (the socket is not taking
        // bytes) and goes on when it drains: a peer that does not read holds the queue's bound, not the body.
        final byte[] big = new byte[1 << 20];
        final HttpOptions options = OPTIONS.withTcp(io.troupe.io.TcpOptions.defaults().withWriteQueue(64 * 1024,
                32 * 1024, 16 * 1024));
        final Client c = new Client(options, Services.sync(r -> Response.of(200).withBody(Body.of(big))),
                H2.SETTINGS_INITIAL_WINDOW_SIZE, Integer.MAX_VALUE);
        c.conn.highWatermark = 32 * 1024;
        c.send(H2Wire.windowUpdate(0, Integer.MAX_VALUE - 65_535));
        c.conn.drain();
        c.send(c.wire.get(1, "/big"));
        c.frames();
        final int first = body(c.frames, 1).length();
        assertTrue(first >= 16 * 1024 && first <= 32 * 1024 + 16 * 1024, "written before the watermark: " + first);
        c.conn.drain();
        c.frames();
        final int second = body(c.frames, 1).length();
        assertTrue(second > first && second <= first + 32 * 1024 + 16 * 1024, "one more queue's worth: " + second);
        for (int i = 0; i < 100 && !c.frames.get(c.frames.size() - 1).endStream(); i++) {
            c.conn.drain();
            c.frames();
        }
        assertEquals(big.length, body(c.frames, 1).length());
    }

    @Test
    void responseStream_oneChunkAtATime_pulledAsWindowAllows() {
        // A streamed response body is asked for one chunk at a time, and not while its stream has output waiting.
        final AtomicInteger asked = new AtomicInteger();
        final Flow.Publisher<ByteBuffer> endless = s -> s.onSubscribe(new Flow.Subscription() {
            @Override
            public void request(long n) {
                for (long i = 0; i < n; i++) {
                    asked.incrementAndGet();
                    s.onNext(ByteBuffer.wrap(new byte[1000]));
                }
            }

            @Override
            public void cancel() {}
        });
        final Client c = new Client(OPTIONS, Services.sync(r -> Response.of(200).withBody(Body.stream(endless, -1))),
                H2.SETTINGS_INITIAL_WINDOW_SIZE, 0);
        c.send(c.wire.get(1, "/endless"));
        assertEquals(List.of("HEADERS 1 [:status: 200]"), c.frames());
        assertEquals(1, asked.get(), "one chunk waits for the window; no more is asked");
        c.send(H2Wire.windowUpdate(1, 2500));
        assertEquals(List.of("DATA 1 1000", "DATA 1 1000", "DATA 1 500"), c.frames());
        assertEquals(3, asked.get());
    }

    @Test
    void rstFromClient_cancelsTheStreamOnly() {
        // A client RST_STREAM ends that stream's body and response; other streams are served.
        final ManualReader reader = new ManualReader();
        final Client c = new Client(OPTIONS, r -> {
            if (r.path().equals("/up")) {
                ((Body.Stream) r.body()).publisher().subscribe(reader);
                return new CompletableFuture<>();
            }
            return CompletableFuture.completedFuture(Response.text(200, "ok"));
        });
        c.send(c.wire.headers(1, false, ":method", "POST", ":scheme", "https", ":path", "/up"));
        c.send(H2Wire.rst(1, H2.CANCEL), c.wire.get(3, "/"));
        assertTrue(reader.failed != null, "the body's reader hears the reset");
        assertEquals("ok", body(c.raw(), 3));
        c.send(H2Wire.data(1, false, new byte[10])); // in flight after the reset: ignored
        assertEquals(List.of(), c.frames());
    }

    @Test
    void ping_answeredWithSamePayload() {
        // PING is answered with PING ACK carrying the same 8 bytes.
        final Client c = new Client(OPTIONS, HELLO);
        c.send(H2Wire.ping(0x1122334455667788L));
        assertEquals(List.of("PING ACK " + 0x1122334455667788L), c.frames());
    }

    @Test
    void shutdown_goAwayThenDrainThenClose() {
        // On the server's drain: GOAWAY(NO_ERROR, last stream); the stream in flight is answered; new ones are
        // refused; the connection closes after the last stream ends.
        final CompletableFuture<Response> answer = new CompletableFuture<>();
        final Client c = new Client(OPTIONS, r -> answer);
        c.send(c.wire.get(1, "/"));
        c.conn.stage.onShuttingDown(c.conn);
        assertEquals(List.of("GOAWAY 1 NO_ERROR"), c.frames());
        c.send(c.wire.get(3, "/"));
        assertEquals(List.of("RST_STREAM 3 REFUSED_STREAM"), c.frames());
        assertFalse(c.conn.ended(), "stream 1 is still in flight");
        answer.complete(Response.text(200, "bye"));
        c.conn.runTasks();
        assertEquals("bye", body(c.raw(), 1));
        assertTrue(c.conn.ended());
    }

    @Test
    void idleTimeout_goAwayAndClose() {
        // A connection with no stream for the idle timeout says GOAWAY(NO_ERROR) and closes; one with a stream does not.
        final CompletableFuture<Response> answer = new CompletableFuture<>();
        final Client c = new Client(OPTIONS.withIdleTimeout(Duration.ofSeconds(5)), r -> answer);
        c.send(c.wire.get(1, "/"));
        clock.advance(Duration.ofSeconds(6));
        assertTrue(c.conn.fire(H2ServerStage.IDLE_TIMER));
        assertFalse(c.conn.ended(), "a stream is open");
        answer.complete(Response.text(200, "x"));
        c.conn.runTasks();
        c.frames();
        clock.advance(Duration.ofSeconds(6));
        assertTrue(c.conn.fire(H2ServerStage.IDLE_TIMER));
        assertEquals(List.of("GOAWAY 1 NO_ERROR"), c.frames());
        assertTrue(c.conn.ended());
    }

    @Test
    void requestTimeout_503OnItsStream() {
        // A handler that does not answer within the request timeout: 503 on its stream; its late answer is dropped.
        final CompletableFuture<Response> answer = new CompletableFuture<>();
        final Client c = new Client(OPTIONS, r -> answer);
        c.send(c.wire.get(1, "/"));
        final Object key = c.conn.timers.keySet().stream().filter(k -> k instanceof H2ServerStage.Stream).findFirst()
                .orElseThrow();
        c.conn.fire(key);
        assertTrue(c.frames().get(0).startsWith("HEADERS 1 [:status: 503"));
        answer.complete(Response.text(200, "late"));
        c.conn.runTasks();
        assertEquals(List.of(), c.frames());
    }

    @Test
    void bufferedBody_handlerGetsBytes_postEcho() {
        // A small body with content-length reaches the handler whole (Body.Bytes), as over HTTP/1.1.
        final Client c = new Client(OPTIONS, r -> CompletableFuture.completedFuture(
                Response.text(200, r.body().getClass().getSimpleName() + ":" + ((Body.Bytes) r.body()).utf8())));
        c.send(c.wire.headers(1, false, ":method", "POST", ":scheme", "https", ":path", "/", "content-length", "6"),
                H2Wire.data(1, false, "abc".getBytes()), H2Wire.data(1, true, "def".getBytes()));
        assertEquals("Bytes:abcdef", body(c.raw(), 1));
    }

    // ================================================================ protections

    @Test
    void rapidReset_goAwayEnhanceYourCalm() {
        // CVE-2023-44487: streams opened and reset in a loop; past the cap the connection ends with ENHANCE_YOUR_CALM,
        // and the handler was called at most once per stream before that.
        final AtomicInteger calls = new AtomicInteger();
        final Client c = new Client(OPTIONS, r -> {
            calls.incrementAndGet();
            return new CompletableFuture<>();
        });
        int stream = 1;
        for (int i = 0; i < 1000 && !c.conn.ended(); i++, stream += 2) {
            c.send(c.wire.get(stream, "/"), H2Wire.rst(stream, H2.CANCEL));
        }
        final List<String> frames = c.frames();
        assertEquals("GOAWAY " + (2 * H2ServerStage.MAX_RESETS_PER_WINDOW + 1) + " ENHANCE_YOUR_CALM",
                frames.get(frames.size() - 1));
        assertTrue(c.conn.outputShut, "GOAWAY, then FIN");
        assertFalse(c.conn.closeRequested, "lingering: input is still read and dropped");
        c.send(c.wire.get(stream, "/"));
        assertEquals(List.of(), c.frames(), "nothing more is answered");
        assertTrue(c.conn.fire(H2ServerStage.LINGER_TIMER));
        assertTrue(c.conn.closeRequested, "closed at the end of the linger");
        assertEquals(H2ServerStage.MAX_RESETS_PER_WINDOW + 1, calls.get());
    }

    @Test
    void rapidReset_slowResets_allowed() {
        // Resets spread over windows (a browser cancelling now and then) are not an attack.
        final Client c = new Client(OPTIONS, r -> new CompletableFuture<>());
        int stream = 1;
        for (int i = 0; i < 3 * H2ServerStage.MAX_RESETS_PER_WINDOW; i++, stream += 2) {
            c.send(c.wire.get(stream, "/"), H2Wire.rst(stream, H2.CANCEL));
            if (i % 100 == 99) {
                clock.advance(H2ServerStage.RESET_WINDOW.plusSeconds(1));
            }
        }
        assertFalse(c.conn.ended());
    }

    @Test
    void continuationFlood_goAwayEnhanceYourCalm_bounded() {
        // CVE-2024-27316: a HEADERS never ended by CONTINUATIONs is cut at the header list bound.
        final Client c = new Client(OPTIONS, HELLO);
        c.send(FrameWriter.frame(H2.HEADERS, 0, 1, c.wire.block(":method", "GET")));
        final byte[] cont = FrameWriter.frame(H2.CONTINUATION, 0, 1, new byte[16_000]);
        int sent = 0;
        while (!c.conn.ended() && sent < 1000) {
            c.send(cont);
            sent++;
        }
        assertEquals(List.of("GOAWAY 0 ENHANCE_YOUR_CALM"), c.frames());
        assertTrue(sent <= 2, "cut after " + sent + " frames of 16 KB (the bound is the ~19 KB header list)");
    }

    @Test
    void hpackBomb_431OnTheStream_connectionGoesOn() {
        // An HPACK bomb: one 4 KB field put in the dynamic table, then referenced by 1-byte indexes 50 times (200 KB);
        // the decoded list passes the limit: 431 on that stream, and the HPACK state stays in step for the next.
        final Client c = new Client(OPTIONS, HELLO);
        final HpackOutput bomb = new HpackOutput();
        final HpackEncoder enc = new HpackEncoder(4096);
        enc.beginBlock(bomb);
        enc.encode(":method", "GET", false, bomb);
        enc.encode(":scheme", "https", false, bomb);
        enc.encode(":path", "/", false, bomb);
        // literal with incremental indexing, new name: "x-bomb" = 4000 bytes
        bomb.append(0x40);
        bomb.append(6);
        bomb.append("x-bomb".getBytes(), 0, 6);
        bomb.append(0x7f); // length 4000 = 127 + 3873: 0x7f, then 3873 as varint
        bomb.append((3873 & 0x7f) | 0x80);
        bomb.append(3873 >> 7);
        bomb.append("b".repeat(4000).getBytes(), 0, 4000);
        for (int i = 0; i < 50; i++) { // 50 fields (under the count limit), 200 KB decoded
            bomb.append(0x80 | 62); // indexed: the newest dynamic entry
        }
        c.send(FrameWriter.frame(H2.HEADERS, H2.FLAG_END_HEADERS | H2.FLAG_END_STREAM, 1, bomb.toByteArray()));
        final List<String> frames = c.frames();
        assertTrue(frames.get(0).startsWith("HEADERS 1 [:status: 431"), frames.toString());
        c.send(c.wire.get(3, "/after"));
        assertEquals("hello GET /after HTTP/2 host=localhost", body(c.raw(), 3));
        assertFalse(c.conn.ended());
    }

    @Test
    void pingFlood_unreadAnswers_goAwayEnhanceYourCalm() {
        // CVE-2019-9512: PINGs whose ACKs the client never reads; past the cap of unread answers, ENHANCE_YOUR_CALM.
        final Client c = new Client(OPTIONS, HELLO);
        c.conn.drain();
        final byte[] ping = H2Wire.ping(7);
        final byte[] burst = H2Wire.concat(java.util.Collections.nCopies(1000, ping).toArray(byte[][]::new));
        int bursts = 0;
        while (!c.conn.ended() && bursts < 100) {
            c.send(burst);
            bursts++;
        }
        assertEquals(H2ServerStage.MAX_UNACKED_CONTROL / 1000 + 1, bursts);
        final List<String> frames = c.frames();
        assertEquals("GOAWAY 0 ENHANCE_YOUR_CALM", frames.get(frames.size() - 1));
    }

    @Test
    void pingsAndSettings_readByTheClient_noLimit() {
        // The same number of PINGs and SETTINGS from a client that reads its answers is served without end.
        final Client c = new Client(OPTIONS, HELLO);
        final byte[] burst = H2Wire.concat(java.util.Collections.nCopies(500, H2Wire.concat(H2Wire.ping(1),
                H2Wire.settings(H2.SETTINGS_HEADER_TABLE_SIZE, 4096))).toArray(byte[][]::new));
        for (int i = 0; i < 50; i++) {
            c.send(burst);
            c.conn.drain();
        }
        assertFalse(c.conn.ended());
    }

    @Test
    void settingsFlood_unreadAnswers_goAwayEnhanceYourCalm() {
        // CVE-2019-9515: SETTINGS whose ACKs are never read are capped like PINGs.
        final Client c = new Client(OPTIONS, HELLO);
        c.conn.drain();
        final byte[] burst = H2Wire.concat(java.util.Collections.nCopies(1000,
                H2Wire.settings(H2.SETTINGS_MAX_FRAME_SIZE, 16384)).toArray(byte[][]::new));
        for (int i = 0; i < 100 && !c.conn.ended(); i++) {
            c.send(burst);
        }
        final List<String> frames = c.frames();
        assertEquals("GOAWAY 0 ENHANCE_YOUR_CALM", frames.get(frames.size() - 1));
    }

    @Test
    void windowNeverOpened_boundedThenCancelAtDeadline() {
        // A client that never opens its window: the server holds one chunk, and at the body deadline resets the
        // stream with CANCEL and cancels the handler's publisher.
        final AtomicInteger asked = new AtomicInteger();
        final boolean[] cancelled = {false};
        final Flow.Publisher<ByteBuffer> endless = s -> s.onSubscribe(new Flow.Subscription() {
            @Override
            public void request(long n) {
                asked.incrementAndGet();
                s.onNext(ByteBuffer.wrap(new byte[100_000]));
            }

            @Override
            public void cancel() {
                cancelled[0] = true;
            }
        });
        final Client c = new Client(OPTIONS, Services.sync(r -> Response.of(200).withBody(Body.stream(endless, -1))),
                H2.SETTINGS_INITIAL_WINDOW_SIZE, 0);
        c.send(c.wire.get(1, "/"));
        c.frames();
        assertEquals(1, asked.get());
        assertTrue(c.conn.timers.containsKey(H2ServerStage.STALL_TIMER));
        clock.advance(OPTIONS.bodyReadTimeout().plusSeconds(1));
        c.conn.fire(H2ServerStage.STALL_TIMER);
        assertEquals(List.of("RST_STREAM 1 CANCEL"), c.frames());
        assertTrue(cancelled[0]);
        assertEquals(1, asked.get());
    }

    // ================================================================ selection

    @Test
    void selector_priorKnowledge_andHttp1Fallback() {
        // In cleartext the preface picks HTTP/2 (even split across reads); anything else is HTTP/1.1.
        final H2FakeConnection h2 = new H2FakeConnection(system, new ProtocolSelector(OPTIONS, HELLO));
        final byte[] preface = H2Wire.preface();
        h2.read(java.util.Arrays.copyOfRange(preface, 0, 5));
        assertEquals(0, h2.take().length, "undecided: nothing written");
        final H2Wire wire = new H2Wire();
        h2.read(H2Wire.concat(java.util.Arrays.copyOfRange(preface, 5, preface.length), wire.get(1, "/pk")));
        final List<H2Wire.Frame> frames = wire.parse(h2.take());
        assertEquals("hello GET /pk HTTP/2 host=localhost", body(frames, 1));

        final H2FakeConnection h1 = new H2FakeConnection(system, new ProtocolSelector(OPTIONS, HELLO));
        h1.read("PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n".getBytes());
        final String out = new String(h1.take(), StandardCharsets.ISO_8859_1);
        assertTrue(out.startsWith("HTTP/1.1 200 OK\r\n"), out);
        assertTrue(out.endsWith("hello PUT / HTTP/1.1 host=a"), out);
    }

    @Test
    void selector_upgradeH2c_101ThenStream1() {
        // HTTP/1.1 Upgrade: h2c: 101, the server's SETTINGS, then the request answered on stream 1 over HTTP/2.
        final H2FakeConnection conn = new H2FakeConnection(system, new ProtocolSelector(OPTIONS, HELLO));
        final String settings = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                ByteBuffer.allocate(6).putShort((short) H2.SETTINGS_INITIAL_WINDOW_SIZE).putInt(5).array());
        conn.read(("GET /up HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                + "HTTP2-Settings: " + settings + "\r\n\r\n").getBytes());
        final byte[] out = conn.take();
        final String head = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n";
        assertEquals(head, new String(out, 0, head.length(), StandardCharsets.ISO_8859_1));
        final H2Wire wire = new H2Wire();
        final List<H2Wire.Frame> frames = wire.parse(java.util.Arrays.copyOfRange(out, head.length(), out.length));
        assertEquals("SETTINGS", frames.get(0).type());
        assertEquals("200", frames.get(2).field(":status"));
        assertEquals("hello", body(frames, 1), "the client's window of 5 (from HTTP2-Settings) applies");
        conn.read(H2Wire.concat(H2Wire.preface(), H2Wire.windowUpdate(1, 100)));
        final List<H2Wire.Frame> rest = wire.parse(conn.take());
        assertEquals(" GET /up HTTP/2 host=h", body(rest, 1));
        assertNull(rest.stream().filter(f -> f.type().equals("GOAWAY")).findFirst().orElse(null));
    }

    @Test
    void selector_plainHttp1WithoutH2c_notUpgraded() {
        // An Upgrade to something else is not ours: the request is served over HTTP/1.1.
        final H2FakeConnection conn = new H2FakeConnection(system, new ProtocolSelector(OPTIONS, HELLO));
        conn.read("GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n".getBytes());
        final String out = new String(conn.take(), StandardCharsets.ISO_8859_1);
        assertTrue(out.startsWith("HTTP/1.1 200 OK"), out);
        assertArrayEquals(new byte[0], conn.take());
    }
    /** A publisher of these chunks, one per request(1), onComplete right after the last; on the requesting thread. */
    private static Flow.Publisher<ByteBuffer> chunks(String... parts) {
        return sub -> sub.onSubscribe(new Flow.Subscription() {
            int next;
            boolean done;

            @Override
            public void request(long n) {
                for (long i = 0; i < n && !done; i++) {
                    if (next < parts.length) {
                        sub.onNext(ByteBuffer.wrap(parts[next++].getBytes(StandardCharsets.ISO_8859_1)));
                    }
                    if (next == parts.length) { // the end right behind the last chunk
                        done = true;
                        sub.onComplete();
                    }
                }
            }

            @Override
            public void cancel() {
                done = true;
            }
        });
    }

    @Test
    void requestTrailers_reachBodyTrailers() {
        // A HEADERS frame with END_STREAM after DATA becomes the request body's trailers(), complete before its end.
        final Client c = new Client(OPTIONS, r -> r.body().toBytes(1024).thenCombine(r.body().trailers(),
                (bytes, t) -> Response.text(200, new String(bytes, StandardCharsets.ISO_8859_1) + "|" + t.size()
                        + "|" + t.get("x-checksum") + "|" + t.get("x-count"))));
        c.send(c.wire.headers(1, false, ":method", "POST", ":scheme", "https", ":authority", "localhost", ":path", "/up"),
                H2Wire.data(1, false, "abc".getBytes(StandardCharsets.ISO_8859_1)),
                c.wire.headers(1, true, "x-checksum", "sha-256=xyz", "x-count", "3"));
        c.conn.runTasks();
        c.frames();
        assertEquals("abc|2|sha-256=xyz|3", body(c.frames, 1));
    }

    @Test
    void responseTrailers_dataWithoutEndThenHeadersWithEnd() {
        // A streamed body with trailers ends with HEADERS carrying them and END_STREAM; no DATA frame carries END_STREAM.
        final Client c = new Client(OPTIONS, Services.sync(r -> Response.of(200).withBody(
                Body.stream(chunks("ab", "cd"), -1).withTrailers(CompletableFuture.completedStage(
                        io.troupe.http.Headers.builder().add("X-Digest", "d1").add("content-length", "9").build())))));
        c.send(c.wire.get(1, "/t"));
        c.conn.runTasks();
        final List<String> frames = c.frames();
        assertEquals(List.of("DATA 1 2", "DATA 1 2", "HEADERS 1 END [x-digest: d1]"), frames.subList(1, frames.size()),
                frames.toString());
        assertTrue(frames.get(0).startsWith("HEADERS 1 [:status: 200"), frames.toString());
        assertEquals("abcd", body(c.frames, 1));
    }

    @Test
    void responseTrailers_lastChunkHeldByWindow_stillEndsWithHeaders() {
        // When the body ends while its last bytes wait for window, the last DATA still has no END_STREAM: the trailers do.
        final Client c = new Client(OPTIONS, Services.sync(r -> Response.of(200).withBody(
                Body.stream(chunks("abcd"), -1).withTrailers(CompletableFuture.completedStage(
                        io.troupe.http.Headers.builder().add("x-digest", "d2").build())))),
                H2.SETTINGS_INITIAL_WINDOW_SIZE, 3);
        c.send(c.wire.get(1, "/t"));
        c.conn.runTasks();
        final List<String> first = c.frames();
        assertEquals(List.of("DATA 1 3"), first.subList(1, first.size()), first.toString());
        c.send(H2Wire.windowUpdate(1, 10));
        c.conn.runTasks();
        assertEquals(List.of("DATA 1 1", "HEADERS 1 END [x-digest: d2]"), c.frames());
        assertEquals("abcd", body(c.frames, 1));
    }

    @Test
    void requestTrailers_withPseudoHeader_streamError() {
        // A pseudo-header field in a request's trailers is a stream error (RFC 9113 8.1); the connection goes on.
        final Client c = new Client(OPTIONS, HELLO);
        c.send(c.wire.headers(1, false, ":method", "POST", ":scheme", "https", ":authority", "localhost", ":path", "/up"),
                H2Wire.data(1, false, "abc".getBytes(StandardCharsets.ISO_8859_1)),
                c.wire.headers(1, true, "x-a", "b", ":path", "/x"));
        c.conn.runTasks();
        final List<String> frames = c.frames();
        assertTrue(frames.contains("RST_STREAM 1 PROTOCOL_ERROR"), frames.toString());
        c.send(c.wire.get(3, "/ok"));
        assertTrue(c.frames().get(0).startsWith("HEADERS 3 [:status: 200"));
        assertFalse(c.conn.ended());
    }
    @Test
    void configuredLimits_advertisedInTheServersSettings() {
        // http2MaxFrameSize and http2HeaderTableSize go out in the server's one SETTINGS frame, each only if not the default.
        final H2Wire wire = new H2Wire();
        final String base = "SETTINGS [3=100, 4=65536, 6=" + (16 * 1024 + 32 * 100) + ", 2=0";
        final H2FakeConnection both = new H2FakeConnection(system, new H2ServerStage(
                OPTIONS.withHttp2MaxFrameSize(32_768).withHttp2HeaderTableSize(1_024), HELLO));
        assertEquals(base + ", 5=32768, 1=1024]", wire.parse(both.take()).get(0).toString());
        final H2FakeConnection table = new H2FakeConnection(system, new H2ServerStage(
                OPTIONS.withHttp2HeaderTableSize(8_192), HELLO));
        assertEquals(base + ", 1=8192]", wire.parse(table.take()).get(0).toString());
        final H2FakeConnection frame = new H2FakeConnection(system, new H2ServerStage(
                OPTIONS.withHttp2MaxFrameSize(16_777_215), HELLO));
        assertEquals(base + ", 5=16777215]", wire.parse(frame.take()).get(0).toString());
    }

    @Test
    void configuredMaxFrameSize_enforced_oneByteMoreIsFrameSizeError() {
        // A DATA frame of exactly the configured size is read; one byte more is GOAWAY FRAME_SIZE_ERROR.
        final Client c = new Client(OPTIONS.withHttp2MaxFrameSize(32_768), r -> new CompletableFuture<>()); // stays open
        c.send(c.wire.headers(1, false, ":method", "POST", ":scheme", "https", ":authority", "localhost", ":path", "/"),
                H2Wire.data(1, false, new byte[32_768]));
        c.conn.runTasks();
        assertEquals(List.of(), c.frames());
        c.send(H2Wire.data(1, false, new byte[32_769]));
        assertEquals(List.of("GOAWAY 1 FRAME_SIZE_ERROR"), c.frames());
        assertTrue(c.conn.ended());
    }

    @Test
    void smallerHeaderTable_bindsOnceTheClientAcknowledges() {
        // With a header table of 0, blocks are read as before the client's SETTINGS ACK; after it, a block that does
        // not open with the size update RFC 7541 4.2 requires is a COMPRESSION_ERROR.
        final Client c = new Client(OPTIONS.withHttp2HeaderTableSize(0), HELLO);
        c.send(c.wire.get(1, "/before"));
        assertTrue(c.frames().get(0).startsWith("HEADERS 1 [:status: 200"));
        c.send(H2Wire.settingsAck(), c.wire.get(3, "/after"));
        assertEquals(List.of("GOAWAY 3 COMPRESSION_ERROR"), c.frames()); // the failing block's stream counts as processed
        assertTrue(c.conn.ended());
    }

    @Test
    void http2Limits_outOfRange_refusedNamingTheParameter() {
        // Sizes outside RFC 9113's range (frame) or 0..1 MiB (table) fail fast with the parameter's name; the edges pass.
        for (int bad : new int[] {-1, 0, 16_383, 16_777_216, Integer.MAX_VALUE}) {
            final IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
                    IllegalArgumentException.class, () -> OPTIONS.withHttp2MaxFrameSize(bad));
            assertTrue(e.getMessage().contains("http2MaxFrameSize") && e.getMessage().contains(Integer.toString(bad)),
                    e.getMessage());
        }
        for (int bad : new int[] {-1, (1 << 20) + 1, Integer.MIN_VALUE}) {
            final IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
                    IllegalArgumentException.class, () -> OPTIONS.withHttp2HeaderTableSize(bad));
            assertTrue(e.getMessage().contains("http2HeaderTableSize") && e.getMessage().contains(Integer.toString(bad)),
                    e.getMessage());
        }
        assertEquals(16_384, OPTIONS.withHttp2MaxFrameSize(16_384).http2MaxFrameSize());
        assertEquals(16_777_215, OPTIONS.withHttp2MaxFrameSize(16_777_215).http2MaxFrameSize());
        assertEquals(0, OPTIONS.withHttp2HeaderTableSize(0).http2HeaderTableSize());
        assertEquals(1 << 20, OPTIONS.withHttp2HeaderTableSize(1 << 20).http2HeaderTableSize());
        assertEquals(16_384, OPTIONS.http2MaxFrameSize());
        assertEquals(4_096, OPTIONS.http2HeaderTableSize());
    }
}
