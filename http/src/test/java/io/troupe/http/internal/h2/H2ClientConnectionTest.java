package io.troupe.http.internal.h2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.ActorSystem;
import io.troupe.http.Body;
import io.troupe.http.Headers;
import io.troupe.http.HttpClient;
import io.troupe.http.HttpClientOptions;
import io.troupe.http.Response;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The HTTP/2 client against a server played by the test, frame by frame, over a real socket
 * (h2c with prior knowledge): the server's stream limit holds from the first stream, the peer's
 * flow-control windows bound a request body, requests above a GOAWAY's last stream id go again on
 * a new connection, and a response body nobody reads holds the stream window closed.
 */
@Timeout(60)
class H2ClientConnectionTest {
    private ActorSystem system;
    private ServerSocket listener;
    private HttpClient client;

    @BeforeEach
    void start() throws IOException {
        system = ActorSystem.create("h2-client-test");
        listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        listener.setSoTimeout(30_000);
        client = HttpClient.create(system, HttpClientOptions.defaults()
                .withHttp2(HttpClientOptions.Http2.PRIOR_KNOWLEDGE));
    }

    @AfterEach
    void stop() throws IOException {
        client.close();
        listener.close();
        system.close();
    }

    private String base() {
        return "http://127.0.0.1:" + listener.getLocalPort();
    }

    /** One frame as the test server read it. */
    record Frame(int type, int flags, int stream, byte[] payload) {
        boolean is(int t) {
            return type == t;
        }

        int intAt(int offset) {
            return ByteBuffer.wrap(payload).getInt(offset);
        }
    }

    /** The server's side of one connection, played by the test thread. */
    static final class Peer implements AutoCloseable {
        final Socket socket;
        final DataInputStream in;
        final OutputStream out;
        final HpackDecoder decoder = new HpackDecoder(4096, 1 << 20);
        final HpackEncoder encoder = new HpackEncoder(4096);

        Peer(ServerSocket listener, int... settings) throws IOException {
            socket = listener.accept();
            socket.setSoTimeout(30_000);
            in = new DataInputStream(socket.getInputStream());
            out = socket.getOutputStream();
            final byte[] preface = new byte[H2.PREFACE.length];
            in.readFully(preface);
            assertArrayEquals(H2.PREFACE, preface);
            final ByteBuffer b = ByteBuffer.allocate(9 + settings.length * 3);
            FrameWriter.settings(b, false, settings);
            write(b);
        }

        void write(ByteBuffer b) throws IOException {
            out.write(b.array(), 0, b.position());
            out.flush();
        }

        /** The next frame; SETTINGS from the client are acknowledged and skipped, as are its WINDOW_UPDATEs on stream 0. */
        Frame next() throws IOException {
            while (true) {
                final int length = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
                final int type = in.readUnsignedByte();
                final int flags = in.readUnsignedByte();
                final int stream = in.readInt() & 0x7fffffff;
                final byte[] payload = new byte[length];
                in.readFully(payload);
                if (type == H2.SETTINGS) {
                    if ((flags & H2.FLAG_ACK) == 0) {
                        final ByteBuffer b = ByteBuffer.allocate(9);
                        FrameWriter.settings(b, true);
                        write(b);
                    }
                    continue;
                }
                if (type == H2.WINDOW_UPDATE && stream == 0) {
                    continue;
                }
                return new Frame(type, flags, stream, payload);
            }
        }

        /** The fields of a HEADERS frame (END_HEADERS set: this client's blocks fit one frame). */
        List<String> fields(Frame f) throws HpackException {
            assertTrue(f.is(H2.HEADERS), "HEADERS expected, got type " + f.type());
            final List<String> fields = new ArrayList<>();
            decoder.decode(ByteBuffer.wrap(f.payload()), (n, v) -> fields.add(n + ": " + v));
            return fields;
        }

        /** Sends PING and returns the frames the client sent before its ACK. */
        List<Frame> fence() throws IOException {
            final ByteBuffer b = ByteBuffer.allocate(17);
            FrameWriter.ping(b, false, 42);
            write(b);
            final List<Frame> before = new ArrayList<>();
            while (true) {
                final Frame f = next();
                if (f.is(H2.PING) && (f.flags() & H2.FLAG_ACK) != 0) {
                    return before;
                }
                before.add(f);
            }
        }

        /** Answers a stream: 200 with {@code text} as body. */
        void answer(int stream, String text) throws IOException {
            final HpackOutput block = new HpackOutput();
            encoder.beginBlock(block);
            encoder.encode(":status", "200", false, block);
            encoder.encode("content-length", Integer.toString(text.length()), false, block);
            final byte[] body = text.getBytes(StandardCharsets.ISO_8859_1);
            final ByteBuffer b = ByteBuffer.allocate(64 + block.length() + body.length);
            FrameWriter.headers(b, stream, block, false, 16_384);
            FrameWriter.data(b, stream, ByteBuffer.wrap(body), true);
            write(b);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private static String path(List<String> fields) {
        return fields.stream().filter(f -> f.startsWith(":path: ")).findFirst().orElseThrow().substring(7);
    }

    private static String text(CompletableFuture<Response> f) throws Exception {
        final Response r = f.get(30, TimeUnit.SECONDS);
        assertEquals(200, r.status());
        return new String(r.body().toBytes(1 << 20).toCompletableFuture().get(30, TimeUnit.SECONDS),
                StandardCharsets.ISO_8859_1);
    }

    @Test
    void peerStreamLimit_twoAtATime_fromTheFirstStreamAndInOrder() throws Exception {
        final List<CompletableFuture<Response>> results = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            results.add(client.get(base() + "/" + i).toCompletableFuture());
        }
        final List<String> opened = new ArrayList<>();
        try (Peer peer = new Peer(listener, H2.SETTINGS_MAX_CONCURRENT_STREAMS, 2)) {
            final List<Integer> open = new ArrayList<>();
            while (opened.size() < 5) {
                final Frame f = peer.next();
                assertTrue(f.is(H2.HEADERS), "type " + f.type());
                assertTrue((f.flags() & H2.FLAG_END_STREAM) != 0, "a GET ends its stream with its HEADERS");
                opened.add(path(peer.fields(f)));
                open.add(f.stream());
                assertTrue(open.size() <= 2, "streams open at once: " + open);
                if (open.size() == 2 || opened.size() == 5) {
                    // nothing more comes while two are open
                    assertEquals(List.of(), peer.fence());
                    final int s = open.remove(0);
                    peer.answer(s, "stream " + s);
                }
            }
            while (!open.isEmpty()) {
                final int s = open.remove(0);
                peer.answer(s, "stream " + s);
            }
            for (int i = 0; i < 5; i++) {
                assertEquals("stream " + (2 * i + 1), text(results.get(i)));
            }
        }
        assertEquals(List.of("/0", "/1", "/2", "/3", "/4"), opened);
    }

    @Test
    void requestBody_peerWindowOfTenBytes_sentOnlyAsTheWindowOpens() throws Exception {
        final byte[] body = new byte[100];
        Arrays.fill(body, (byte) 'x');
        final CompletableFuture<Response> result = client.send("POST", base() + "/up", Headers.empty(),
                Body.of(body)).toCompletableFuture();
        try (Peer peer = new Peer(listener, H2.SETTINGS_INITIAL_WINDOW_SIZE, 10)) {
            final Frame headers = peer.next();
            assertTrue(peer.fields(headers).contains("content-length: 100"), peer.fields(headers).toString());
            final Frame first = peer.next();
            assertTrue(first.is(H2.DATA));
            assertEquals(10, first.payload().length);
            assertEquals(List.of(), peer.fence(), "no DATA beyond the stream window");
            final ByteBuffer b = ByteBuffer.allocate(13);
            FrameWriter.windowUpdate(b, headers.stream(), 90);
            peer.write(b);
            int received = 10;
            Frame f;
            do {
                f = peer.next();
                assertTrue(f.is(H2.DATA), "type " + f.type());
                received += f.payload().length;
            } while ((f.flags() & H2.FLAG_END_STREAM) == 0);
            assertEquals(100, received);
            peer.answer(headers.stream(), "got 100");
            assertEquals("got 100", text(result));
        }
    }

    @Test
    void goAway_streamAboveTheLastId_sentAgainOnANewConnection() throws Exception {
        final CompletableFuture<Response> first = client.get(base() + "/a").toCompletableFuture();
        final CompletableFuture<Response> second = client.get(base() + "/b").toCompletableFuture();
        try (Peer peer = new Peer(listener)) {
            final Frame a = peer.next();
            final Frame b = peer.next();
            assertEquals(List.of("/a", "/b"), List.of(path(peer.fields(a)), path(peer.fields(b))));
            final ByteBuffer goAway = ByteBuffer.allocate(17);
            FrameWriter.goAway(goAway, a.stream(), H2.NO_ERROR);
            peer.write(goAway);
            peer.answer(a.stream(), "a on the first");
            assertEquals("a on the first", text(first));
            try (Peer again = new Peer(listener)) {
                final Frame retried = again.next();
                assertEquals("/b", path(again.fields(retried)));
                assertEquals(1, retried.stream());
                again.answer(retried.stream(), "b on the second");
                assertEquals("b on the second", text(second));
            }
        }
    }

    @Test
    void responseBodyNotRead_windowStaysClosed_thenReopensAsItIsRead() throws Exception {
        final CompletableFuture<Response> result = client.get(base() + "/big").toCompletableFuture();
        try (Peer peer = new Peer(listener)) {
            final Frame headers = peer.next();
            final int s = headers.stream();
            final HpackOutput block = new HpackOutput();
            peer.encoder.beginBlock(block);
            peer.encoder.encode(":status", "200", false, block);
            final ByteBuffer head = ByteBuffer.allocate(64 + block.length());
            FrameWriter.headers(head, s, block, false, 16_384);
            peer.write(head);
            // the whole stream window, unread by anyone
            final int window = H2ClientConnection.STREAM_WINDOW;
            for (int sent = 0; sent < window; sent += 16_384) {
                final ByteBuffer data = ByteBuffer.allocate(9 + 16_384);
                FrameWriter.data(data, s, ByteBuffer.wrap(new byte[16_384]), false);
                peer.write(data);
            }
            final Response response = result.get(30, TimeUnit.SECONDS);
            assertEquals(List.of(), peer.fence(), "no WINDOW_UPDATE for the stream while nothing is read");
            // now read it: the window reopens
            final CompletableFuture<byte[]> all = response.body().toBytes(1 << 20).toCompletableFuture();
            Frame f;
            do {
                f = peer.next();
            } while (!(f.is(H2.WINDOW_UPDATE) && f.stream() == s));
            assertTrue(f.intAt(0) >= window / 2, "increment " + f.intAt(0));
            final ByteBuffer end = ByteBuffer.allocate(9);
            FrameWriter.data(end, s, ByteBuffer.allocate(0), true);
            peer.write(end);
            assertEquals(window, all.get(30, TimeUnit.SECONDS).length);
        }
    }

    @Test
    void refusedStream_sentAgainOnANewStreamOfTheSameConnection() throws Exception {
        final CompletableFuture<Response> result = client.get(base() + "/again").toCompletableFuture();
        try (Peer peer = new Peer(listener)) {
            final Frame first = peer.next();
            assertEquals("/again", path(peer.fields(first)));
            final ByteBuffer rst = ByteBuffer.allocate(13);
            FrameWriter.rstStream(rst, first.stream(), H2.REFUSED_STREAM);
            peer.write(rst);
            final Frame second = peer.next();
            assertEquals("/again", path(peer.fields(second)));
            assertEquals(first.stream() + 2, second.stream());
            peer.answer(second.stream(), "second try");
            assertEquals("second try", text(result));
        }
    }

    @Test
    void streamedBodyCancelled_rstCancel_andTheConnectionGoesOn() throws Exception {
        final CompletableFuture<Response> result = client.get(base() + "/stream").toCompletableFuture();
        try (Peer peer = new Peer(listener)) {
            final Frame headers = peer.next();
            assertEquals("/stream", path(peer.fields(headers))); // decoded, so the peer's HPACK table follows
            final HpackOutput block = new HpackOutput();
            peer.encoder.beginBlock(block);
            peer.encoder.encode(":status", "200", false, block);
            final ByteBuffer b = ByteBuffer.allocate(64 + block.length() + 100);
            FrameWriter.headers(b, headers.stream(), block, false, 16_384);
            FrameWriter.data(b, headers.stream(), ByteBuffer.wrap(new byte[50]), false);
            peer.write(b);
            final Response response = result.get(30, TimeUnit.SECONDS);
            final java.util.concurrent.CompletableFuture<Integer> firstChunk = new CompletableFuture<>();
            ((Body.Stream) response.body()).publisher().subscribe(new java.util.concurrent.Flow.Subscriber<>() {
                private java.util.concurrent.Flow.Subscription subscription;

                @Override
                public void onSubscribe(java.util.concurrent.Flow.Subscription s) {
                    subscription = s;
                    s.request(1);
                }

                @Override
                public void onNext(ByteBuffer item) {
                    firstChunk.complete(item.remaining());
                    subscription.cancel();
                }

                @Override
                public void onError(Throwable throwable) {
                    firstChunk.completeExceptionally(throwable);
                }

                @Override
                public void onComplete() {
                    firstChunk.completeExceptionally(new AssertionError("completed"));
                }
            });
            assertEquals(50, firstChunk.get(30, TimeUnit.SECONDS));
            final Frame rst = peer.next();
            assertTrue(rst.is(H2.RST_STREAM), "type " + rst.type());
            assertEquals(headers.stream(), rst.stream());
            assertEquals(H2.CANCEL, rst.intAt(0));
            // data still in flight on the cancelled stream is dropped, and the connection serves the next request
            final ByteBuffer late = ByteBuffer.allocate(9 + 10);
            FrameWriter.data(late, headers.stream(), ByteBuffer.wrap(new byte[10]), true);
            peer.write(late);
            assertEquals(List.of(), peer.fence(), "late DATA is dropped, with no frame in answer");
            final CompletableFuture<Response> next = client.get(base() + "/next").toCompletableFuture();
            final Frame nextHeaders = peer.next();
            assertEquals("/next", path(peer.fields(nextHeaders)));
            peer.answer(nextHeaders.stream(), "next");
            assertEquals("next", text(next));
        }
    }

    @Test
    void requestTimeout_failsWithTimeoutAndResetsTheStream() throws Exception {
        try (HttpClient quick = HttpClient.create(system, HttpClientOptions.defaults()
                .withHttp2(HttpClientOptions.Http2.PRIOR_KNOWLEDGE).withRequestTimeout(java.time.Duration.ofMillis(300)))) {
            final CompletableFuture<Response> result = quick.get(base() + "/slow").toCompletableFuture();
            try (Peer peer = new Peer(listener)) {
                final Frame headers = peer.next();
                assertEquals("/slow", path(peer.fields(headers)));
                final java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
                        java.util.concurrent.ExecutionException.class, () -> result.get(30, TimeUnit.SECONDS));
                assertTrue(e.getCause() instanceof java.util.concurrent.TimeoutException, String.valueOf(e.getCause()));
                final Frame rst = peer.next();
                assertTrue(rst.is(H2.RST_STREAM), "type " + rst.type());
                assertEquals(H2.CANCEL, rst.intAt(0));
            }
        }
    }
}
