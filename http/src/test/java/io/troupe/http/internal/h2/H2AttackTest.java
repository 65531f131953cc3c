package io.troupe.http.internal.h2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.ActorSystem;
import io.troupe.http.Body;
import io.troupe.http.HttpOptions;
import io.troupe.http.HttpServer;
import io.troupe.http.Request;
import io.troupe.http.Response;
import io.troupe.services.Service;
import io.troupe.services.Services;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Each HTTP/2 attack sent over a real socket to a real server (h2c prior knowledge): the server
 * answers the offender with the right error code, closes it where the attack is the connection's,
 * and stays bounded (handler calls, chunks asked for) while doing so.
 */
@Timeout(90)
class H2AttackTest {
    private ActorSystem system;
    private HttpServer server;
    private final AtomicInteger calls = new AtomicInteger();
    private final AtomicInteger chunksAsked = new AtomicInteger();
    private final CompletableFuture<Void> endlessCancelled = new CompletableFuture<>();

    @BeforeEach
    void start() {
        system = ActorSystem.create("h2-attack-test");
        final Flow.Publisher<ByteBuffer> endless = s -> s.onSubscribe(new Flow.Subscription() {
            @Override
            public void request(long n) {
                chunksAsked.incrementAndGet();
                s.onNext(ByteBuffer.wrap(new byte[64 * 1024]));
            }

            @Override
            public void cancel() {
                endlessCancelled.complete(null);
            }
        });
        final Service<Request, Response> service = r -> {
            calls.incrementAndGet();
            if (r.path().equals("/never")) {
                return new CompletableFuture<>();
            }
            if (r.path().equals("/endless")) {
                return CompletableFuture.completedFuture(Response.of(200).withBody(Body.stream(endless, -1)));
            }
            return CompletableFuture.completedFuture(Response.text(200, "ok"));
        };
        server = HttpServer.bind(system, new InetSocketAddress("127.0.0.1", 0), HttpOptions.defaults().withHttp2(true)
                .withBodyReadTimeout(Duration.ofSeconds(1))
                .withTcp(io.troupe.io.TcpOptions.defaults().withNoDelay(true).withCloseTimeout(Duration.ofSeconds(30))
                        .withBufferSizes(16 * 1024, 0)),
                service).toCompletableFuture().join();
    }

    @AfterEach
    void stop() {
        system.close();
    }

    /** A raw h2c client: frames out, frames in, with a bounded wait. */
    final class RawClient implements AutoCloseable {
        final Socket socket = new Socket();
        final H2Wire wire = new H2Wire();
        final List<H2Wire.Frame> frames = new ArrayList<>();
        final OutputStream out;
        final InputStream in;
        boolean eof;

        RawClient(int receiveBufferBytes, int... settings) throws IOException {
            if (receiveBufferBytes > 0) {
                socket.setReceiveBufferSize(receiveBufferBytes);
            }
            socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 10_000);
            socket.setSoTimeout(30_000);
            out = socket.getOutputStream();
            in = socket.getInputStream();
            send(H2Wire.preface(settings));
        }

        void send(byte[]... parts) throws IOException {
            out.write(H2Wire.concat(parts));
            out.flush();
        }

        /** Reads until a frame matches (returned) or the connection ends (null). */
        H2Wire.Frame until(Predicate<H2Wire.Frame> what) throws IOException {
            final byte[] buf = new byte[64 * 1024];
            while (true) {
                for (H2Wire.Frame f : frames) {
                    if (what.test(f)) {
                        frames.clear();
                        return f;
                    }
                }
                frames.clear();
                final int n;
                try {
                    n = in.read(buf);
                } catch (SocketException e) { // reset after the server's close
                    eof = true;
                    return null;
                }
                if (n < 0) {
                    eof = true;
                    return null;
                }
                frames.addAll(wire.parse(java.util.Arrays.copyOf(buf, n)));
            }
        }

        /** Reads to the end of the connection; true if it ended (EOF or reset) within the socket timeout. */
        boolean ends() throws IOException {
            try {
                return until(f -> false) == null;
            } catch (SocketTimeoutException e) {
                return false;
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private static Predicate<H2Wire.Frame> goAway() {
        return f -> f.type().equals("GOAWAY");
    }

    @Test
    void rapidReset_goAwayEnhanceYourCalm_handlerCallsBounded() throws Exception {
        // CVE-2023-44487 over a socket: HEADERS + RST_STREAM in a loop; GOAWAY ENHANCE_YOUR_CALM, then the close;
        // the handler ran at most the cap + 1 times.
        try (RawClient c = new RawClient(0)) {
            final List<byte[]> burst = new ArrayList<>();
            for (int i = 0, stream = 1; i < 1000; i++, stream += 2) {
                burst.add(c.wire.headers(stream, true, ":method", "GET", ":scheme", "http", ":path", "/never",
                        ":authority", "x"));
                burst.add(H2Wire.rst(stream, H2.CANCEL));
            }
            try {
                c.send(burst.toArray(byte[][]::new));
            } catch (SocketException e) {
                // the server may have closed before all was sent
            }
            final H2Wire.Frame g = c.until(goAway());
            assertEquals("ENHANCE_YOUR_CALM", H2.errorName(g.code()));
            assertTrue(c.ends(), "closed after GOAWAY");
        }
        assertTrue(calls.get() <= H2ServerStage.MAX_RESETS_PER_WINDOW + 1, "handler calls: " + calls.get());
    }

    @Test
    void continuationFlood_goAwayEnhanceYourCalm() throws Exception {
        // CVE-2024-27316 over a socket: a HEADERS followed by CONTINUATIONs without end.
        try (RawClient c = new RawClient(0)) {
            c.until(f -> f.type().equals("SETTINGS") && (f.flags() & H2.FLAG_ACK) != 0);
            c.send(FrameWriter.frame(H2.HEADERS, 0, 1, c.wire.block(":method", "GET")));
            final byte[] cont = FrameWriter.frame(H2.CONTINUATION, 0, 1, new byte[16_000]);
            try {
                for (int i = 0; i < 1000 && c.in.available() == 0; i++) { // until the server says something
                    c.send(cont);
                }
            } catch (SocketException e) {
                // closed by the server: expected
            }
            final H2Wire.Frame g = c.until(goAway());
            assertEquals("ENHANCE_YOUR_CALM", H2.errorName(g.code()));
            assertTrue(c.ends());
        }
        assertEquals(0, calls.get());
    }

    @Test
    void hpackBomb_431_connectionServesTheNext() throws Exception {
        // An HPACK bomb (one 4 KB table entry referenced 3000 times) is refused with 431 on its stream; the
        // connection and its HPACK state go on.
        try (RawClient c = new RawClient(0)) {
            final HpackOutput bomb = new HpackOutput();
            final HpackEncoder enc = new HpackEncoder(4096);
            enc.beginBlock(bomb);
            enc.encode(":method", "GET", false, bomb);
            enc.encode(":scheme", "http", false, bomb);
            enc.encode(":path", "/", false, bomb);
            bomb.append(0x40);
            bomb.append(6);
            bomb.append("x-bomb".getBytes(), 0, 6);
            bomb.append(0x7f);
            bomb.append((3873 & 0x7f) | 0x80);
            bomb.append(3873 >> 7);
            bomb.append("b".repeat(4000).getBytes(), 0, 4000);
            for (int i = 0; i < 3000; i++) {
                bomb.append(0x80 | 62);
            }
            c.send(FrameWriter.frame(H2.HEADERS, H2.FLAG_END_HEADERS | H2.FLAG_END_STREAM, 1, bomb.toByteArray()));
            final H2Wire.Frame h = c.until(f -> f.type().equals("HEADERS"));
            assertEquals("431", h.field(":status"));
            c.send(c.wire.headers(3, true, ":method", "GET", ":scheme", "http", ":path", "/", ":authority", "x"));
            final H2Wire.Frame ok = c.until(f -> f.type().equals("DATA") && f.stream() == 3);
            assertEquals("ok", ok.text());
        }
        assertEquals(1, calls.get(), "the bomb never reached the handler");
    }

    @Test
    void pingFlood_clientNeverReads_goAwayEnhanceYourCalm() throws Exception {
        // CVE-2019-9512: 20,000 PINGs sent without reading the ACKs (4 KB receive buffer, the server's send buffer
        // 16 KiB); once the unread answers pass the cap the server ends the connection with GOAWAY ENHANCE_YOUR_CALM,
        // found when the client reads; the ACKs before it are fewer than the PINGs sent.
        try (RawClient c = new RawClient(4096)) {
            final byte[] burst = H2Wire.concat(Collections.nCopies(1000, H2Wire.ping(42)).toArray(byte[][]::new));
            final AtomicLong sent = new AtomicLong();
            final Thread flooder = new Thread(() -> {
                try {
                    for (int i = 0; i < 20; i++) { // 20,000 PINGs, 340 KB; the server's 16 KiB send buffer fills after ~2,000
                        c.send(burst);
                        sent.addAndGet(1000);
                    }
                } catch (IOException e) {
                    // the server closed: the attack is over
                }
            });
            flooder.start();
            flooder.join(60_000);
            assertTrue(!flooder.isAlive(), "the flood was sent (" + sent.get() + " PINGs); now the client reads");
            final int[] acks = {0};
            final H2Wire.Frame g = c.until(f -> {
                if (f.type().equals("PING")) {
                    acks[0]++;
                }
                return f.type().equals("GOAWAY");
            });
            assertEquals("ENHANCE_YOUR_CALM", H2.errorName(g.code()));
            assertTrue(acks[0] < sent.get(), acks[0] + " answers of " + sent.get());
        }
    }

    @Test
    void settingsFlood_clientNeverReads_goAwayEnhanceYourCalm() throws Exception {
        // CVE-2019-9515: the same with SETTINGS frames, each of which the server must acknowledge.
        try (RawClient c = new RawClient(4096)) {
            final byte[] burst = H2Wire.concat(Collections.nCopies(1000,
                    H2Wire.settings(H2.SETTINGS_MAX_FRAME_SIZE, 16384)).toArray(byte[][]::new));
            final Thread flooder = new Thread(() -> {
                try {
                    for (int i = 0; i < 20; i++) {
                        c.send(burst);
                    }
                } catch (IOException e) {
                    // closed by the server
                }
            });
            flooder.start();
            flooder.join(60_000);
            assertTrue(!flooder.isAlive(), "the flood was sent; now the client reads");
            final H2Wire.Frame g = c.until(goAway());
            assertEquals("ENHANCE_YOUR_CALM", H2.errorName(g.code()));
        }
    }

    @Test
    void windowNeverOpened_oneChunkHeld_cancelAtTheDeadline() throws Exception {
        // A client with a zero window asks for an endless body: the server writes the head only, asks the handler
        // for one chunk (64 KB), and after the 1 s body deadline resets the stream with CANCEL and cancels the body.
        try (RawClient c = new RawClient(0, H2.SETTINGS_INITIAL_WINDOW_SIZE, 0)) {
            c.send(c.wire.headers(1, true, ":method", "GET", ":scheme", "http", ":path", "/endless", ":authority", "x"));
            final H2Wire.Frame head = c.until(f -> f.type().equals("HEADERS"));
            assertEquals("200", head.field(":status"));
            final H2Wire.Frame rst = c.until(f -> f.type().equals("RST_STREAM") || f.type().equals("DATA"));
            assertEquals("RST_STREAM 1 CANCEL", rst.toString());
            endlessCancelled.get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(chunksAsked.get() <= 2, "chunks asked: " + chunksAsked.get());
            c.send(c.wire.headers(3, true, ":method", "GET", ":scheme", "http", ":path", "/", ":authority", "x"),
                    H2Wire.windowUpdate(3, 100));
            assertEquals("ok", c.until(f -> f.type().equals("DATA") && f.stream() == 3).text(), "the connection goes on");
        }
    }

    @Test
    void shutdown_goAwayNoError_inFlightStreamAnswered() throws Exception {
        // The server's drain (the actor system closing): GOAWAY(NO_ERROR) naming the last stream, the stream in
        // flight still answered, then the close.
        final CompletableFuture<Response> slow = new CompletableFuture<>();
        system.close();
        system = ActorSystem.create("h2-attack-test-drain");
        final HttpServer s = HttpServer.bind(system, new InetSocketAddress("127.0.0.1", 0),
                HttpOptions.defaults().withHttp2(true), r -> slow).toCompletableFuture().join();
        server = s;
        try (RawClient c = new RawClient(0)) {
            c.send(c.wire.headers(1, true, ":method", "GET", ":scheme", "http", ":path", "/", ":authority", "x"));
            c.until(f -> f.type().equals("SETTINGS") && (f.flags() & H2.FLAG_ACK) != 0);
            final ActorSystem closing = system;
            final Thread closer = new Thread(() -> closing.shutdown().toCompletableFuture().join());
            closer.start();
            final H2Wire.Frame g = c.until(goAway());
            assertEquals("GOAWAY 1 NO_ERROR", g.toString());
            slow.complete(Response.text(200, "drained"));
            assertEquals("drained", c.until(f -> f.type().equals("DATA") && f.stream() == 1).text());
            assertTrue(c.ends());
            closer.join(30_000);
        }
    }
}
