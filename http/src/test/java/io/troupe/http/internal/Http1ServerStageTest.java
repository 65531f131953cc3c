package io.troupe.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.ActorSystem;
import io.troupe.http.Body;
import io.troupe.http.HttpOptions;
import io.troupe.http.Request;
import io.troupe.http.Response;
import io.troupe.services.Service;
import io.troupe.services.Services;
import io.troupe.timers.ManualClock;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The HTTP/1.1 server stage driven by hand through a {@link FakeConnection}: parsing (split at
 * every byte, pipelined), every limit with its status, keep-alive and close, chunked bodies both
 * ways, 100-continue, HEAD, and the deadlines fired deterministically.
 */
@Timeout(60)
class Http1ServerStageTest {
    private static ManualClock clock;
    private static ActorSystem system;

    @BeforeAll
    static void start() {
        clock = new ManualClock();
        system = ActorSystem.builder("http-stage-test").clock(clock).build();
    }

    @AfterAll
    static void stop() {
        system.close();
    }

    /** Answers "METHOD target id=X-Id body=<body>" after reading the whole body (buffered or streamed). */
    static final Service<Request, Response> ECHO = request -> request.body().toBytes(1 << 20)
            .thenApply(b -> Response.text(200, request.method() + " " + request.target() + " id="
                    + request.headers().get("X-Id") + " body=" + new String(b, StandardCharsets.ISO_8859_1)));

    private static FakeConnection connect(HttpOptions options, Service<Request, Response> service) {
        return new FakeConnection(system, new Http1ServerStage(options, service));
    }

    private static FakeConnection connect() {
        return connect(HttpOptions.defaults(), ECHO);
    }

    /** The responses in {@code raw}, each as "status|body", with Date lines removed. */
    static List<String> responses(String raw) {
        final List<String> out = new ArrayList<>();
        int i = 0;
        while (i < raw.length()) {
            final int headEnd = raw.indexOf("\r\n\r\n", i);
            if (headEnd < 0) {
                out.add("INCOMPLETE:" + raw.substring(i));
                break;
            }
            final String head = raw.substring(i, headEnd);
            final String status = head.substring(9, 12);
            i = headEnd + 4;
            final Matcher m = Pattern.compile("(?im)^content-length: (\\d+)$").matcher(head);
            String body = "";
            if (m.find() && !status.equals("100")) {
                final int len = Integer.parseInt(m.group(1));
                body = raw.substring(i, Math.min(raw.length(), i + len));
                i += len;
            } else if (head.toLowerCase().contains("transfer-encoding: chunked")) {
                final StringBuilder sb = new StringBuilder();
                while (true) {
                    final int le = raw.indexOf("\r\n", i);
                    final int size = Integer.parseInt(raw.substring(i, le), 16);
                    i = le + 2;
                    if (size == 0) {
                        i = raw.indexOf("\r\n\r\n", i - 2) + 4; // past the trailer section, if any
                        break;
                    }
                    sb.append(raw, i, i + size);
                    i += size + 2;
                }
                body = sb.toString();
            }
            out.add(status + (head.toLowerCase().contains("connection: close") ? " close" : "") + "|" + body);
        }
        return out;
    }

    /** Compares long texts in order, reporting where they first differ instead of printing them whole. */
    static void assertSameText(List<String> expected, List<String> actual) {
        assertEquals(expected.size(), actual.size(), "responses");
        for (int i = 0; i < expected.size(); i++) {
            final String e = expected.get(i);
            final String a = actual.get(i);
            int k = 0;
            while (k < Math.min(e.length(), a.length()) && e.charAt(k) == a.charAt(k)) {
                k++;
            }
            assertTrue(k == e.length() && k == a.length(), "response " + i + ": " + e.length() + " chars expected, "
                    + a.length() + " read, first difference at " + k + ": "
                    + a.substring(Math.max(0, k - 20), Math.min(a.length(), k + 20)));
        }
    }

    private static final String GET = "GET /a?x=1 HTTP/1.1\r\nHost: h\r\nX-Id: 1\r\n\r\n";
    private static final String POST = "POST /b HTTP/1.1\r\nHost: h\r\nX-Id: 2\r\nContent-Length: 5\r\n\r\nhello";
    private static final String CHUNKED = "POST /c HTTP/1.1\r\nhost: h\r\nx-id: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "3;ext=1\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nTrailer: t\r\n\r\n";
    private static final List<String> THREE = List.of("200|GET /a?x=1 id=1 body=", "200|POST /b id=2 body=hello",
            "200|POST /c id=3 body=abc0123456789abcdef");

    @Test
    void pipelinedInOneRead_answersEachInOrder() {
        // Three requests (no body, Content-Length, chunked) in one read are answered in request order.
        final FakeConnection c = connect();
        c.read(GET + POST + CHUNKED);
        assertEquals(THREE, responses(c.output()));
        assertFalse(c.closeRequested);
    }

    @Test
    void splitAtEveryByteIndex_sameAnswers() {
        // The same three requests split into two reads at every byte index give the same answers.
        final byte[] all = (GET + POST + CHUNKED).getBytes(StandardCharsets.ISO_8859_1);
        for (int split = 0; split <= all.length; split++) {
            final FakeConnection c = connect();
            c.read(all, 0, split);
            c.read(all, split, all.length);
            assertEquals(THREE, responses(c.output()), "split at " + split);
            assertFalse(c.readingSuspended, "split at " + split);
        }
    }

    @Test
    void oneBytePerRead_sameAnswers() {
        // The three requests fed one byte per read are answered as if they came in one read.
        final byte[] all = (GET + POST + CHUNKED).getBytes(StandardCharsets.ISO_8859_1);
        final FakeConnection c = connect();
        for (int i = 0; i < all.length; i++) {
            c.read(all, i, i + 1);
        }
        assertEquals(THREE, responses(c.output()));
    }

    @Test
    void responseHead_hasStatusLineDateAndLength() {
        // A response carries the status line, a Date in RFC 1123 form, and its Content-Length.
        final FakeConnection c = connect();
        c.read(GET);
        final String out = c.output();
        assertTrue(out.startsWith("HTTP/1.1 200 OK\r\n"), out);
        assertTrue(Pattern.compile("\r\nDate: [A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT\r\n")
                .matcher(out).find(), out);
        assertTrue(out.contains("\r\nContent-Length: 21\r\n"), out);
    }

    private static void assertRefused(HttpOptions options, String request, String status) {
        final FakeConnection c = connect(options, ECHO);
        c.read(request);
        final List<String> r = responses(c.output());
        assertEquals(1, r.size(), c.output());
        assertTrue(r.get(0).startsWith(status + " close|"), r.get(0));
        assertTrue(c.closeRequested, "closes after " + status);
    }

    @Test
    void limits_eachAnswersItsStatusAndCloses() {
        // Every limit and syntax error is answered with its own status, then the connection closes.
        final HttpOptions small = HttpOptions.defaults().withMaxRequestLineBytes(64).withMaxHeaderBytes(128)
                .withMaxHeaderCount(4).withMaxBodyBytes(10);
        assertRefused(small, "GET /" + "a".repeat(100) + " HTTP/1.1\r\nHost: h\r\n\r\n", "414");
        assertRefused(small, "GET /" + "a".repeat(100), "414"); // no line end yet
        assertRefused(small, "GET / HTTP/1.1\r\nHost: h\r\nX: " + "v".repeat(200) + "\r\n\r\n", "431");
        assertRefused(small, "GET / HTTP/1.1\r\nHost: h\r\nX: " + "v".repeat(200), "431"); // no blank line yet
        assertRefused(small, "GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\n\r\n", "431");
        assertRefused(small, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n", "413");
        assertRefused(small, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n6\r\nabcdef\r\n",
                "413");
        final HttpOptions d = HttpOptions.defaults();
        assertRefused(d, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n", "501");
        assertRefused(d, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", "501");
        assertRefused(d, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", "400");
        assertRefused(d, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", "400");
        assertRefused(d, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -3\r\n\r\n", "400");
        assertRefused(d, "GET / HTTP/1.1\r\n\r\n", "400"); // no Host
        assertRefused(d, "GET / HTTP/2.0\r\nHost: h\r\n\r\n", "505");
        assertRefused(d, "GET / HTTX/1.1\r\nHost: h\r\n\r\n", "400");
        assertRefused(d, "GET  / HTTP/1.1\r\nHost: h\r\n\r\n", "400");
        assertRefused(d, "G(T / HTTP/1.1\r\nHost: h\r\n\r\n", "400");
        assertRefused(d, "GET / HTTP/1.1\r\nHost : h\r\n\r\n", "400");
        assertRefused(d, "GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n", "400");
        assertRefused(d, "GET / HTTP/1.1\r\nHost: h\u0001\r\n\r\n", "400");
        assertRefused(d, "GET / HTTP/1.1\r\nHost: h\r\nExpect: something\r\n\r\n", "417");
        assertRefused(d, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "400");
        assertRefused(d, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX", "400");
    }

    @Test
    void garbageAfterARequest_firstAnsweredThen400AndClose() {
        // A good request followed by garbage: the request is answered, the garbage gets 400, then close.
        final FakeConnection c = connect();
        c.read(GET + "\u0000\u0001garbage here\r\n\r\n");
        assertEquals(List.of("200|GET /a?x=1 id=1 body=", "400 close|400 Bad Request: the method is not a token\n"),
                responses(c.output()));
        assertTrue(c.closeRequested);
    }

    @Test
    void expectContinue_bufferedBody_continueBeforeBodyThenAnswer() {
        // Expect: 100-continue gets "100 Continue" as soon as the head is read, before any body byte.
        final FakeConnection c = connect();
        c.read("PUT /k HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
        assertEquals("HTTP/1.1 100 Continue\r\n\r\n", c.take());
        c.read("abc");
        assertEquals(List.of("200|PUT /k id=null body=abc"), responses(c.output()));
    }

    @Test
    void expectContinue_streamedBody_continueWhenTheHandlerReads() {
        // A streamed body's 100 Continue is sent when the handler subscribes to read it.
        final FakeConnection c = connect(HttpOptions.defaults().withMaxBufferedBodyBytes(0), ECHO);
        c.read("PUT /k HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
        assertEquals("HTTP/1.1 100 Continue\r\n\r\n", c.take());
        c.read("xyz");
        assertEquals(List.of("200|PUT /k id=null body=xyz"), responses(c.output()));
    }

    @Test
    void head_lengthButNoBody() {
        // HEAD is answered with the GET's Content-Length and no body; the next request follows at once.
        final FakeConnection c = connect(HttpOptions.defaults(), Services.sync(r -> Response.text(200, "twelve bytes")));
        c.read("HEAD / HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n");
        final String out = c.output();
        assertTrue(out.contains("Content-Length: 12\r\n\r\nHTTP/1.1 200 OK"), out);
        assertTrue(out.endsWith("\r\n\r\ntwelve bytes"), out);
    }

    @Test
    void connectionClose_andHttp10_close() {
        // Connection: close and a plain HTTP/1.0 request are answered with Connection: close, then closed.
        FakeConnection c = connect();
        c.read("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n" + GET);
        assertEquals(List.of("200 close|GET / id=null body="), responses(c.output()));
        assertTrue(c.closeRequested);
        c = connect();
        c.read("GET / HTTP/1.0\r\n\r\n");
        assertEquals(List.of("200 close|GET / id=null body="), responses(c.output()));
        assertTrue(c.closeRequested);
        c = connect();
        c.read("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        assertTrue(c.output().contains("Connection: keep-alive\r\n"), c.output());
        assertFalse(c.closeRequested);
    }

    @Test
    void handlerThrows_500_keptWhenBodyWasRead() {
        // A handler that throws gets 500; the connection stays when the request was read whole.
        final FakeConnection c = connect(HttpOptions.defaults(), r -> {
            if (r.path().equals("/boom")) {
                throw new IllegalStateException("boom (expected by the test)");
            }
            return CompletableFuture.completedFuture(Response.text(200, "fine"));
        });
        c.read("POST /boom HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nxx" + "GET /ok HTTP/1.1\r\nHost: h\r\n\r\n");
        assertEquals(List.of("500|500 Internal Server Error\n", "200|fine"), responses(c.output()));
        assertFalse(c.closeRequested);
    }

    @Test
    void handlerThrows_bodyNotRead_500AndClose() {
        // A handler that throws before its streamed body was read: 500 and close (the body is not in step).
        final FakeConnection c = connect(HttpOptions.defaults().withMaxBufferedBodyBytes(0), r -> {
            throw new IllegalStateException("boom (expected by the test)");
        });
        c.read("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n01234");
        assertEquals(List.of("500 close|500 Internal Server Error\n"), responses(c.output()));
        assertTrue(c.closeRequested);
    }

    @Test
    void handlerNeverAnswers_503AtTheRequestDeadline_lateAnswerDropped() {
        // A handler that does not answer gets 503 when the request deadline fires; its late answer is dropped.
        final CompletableFuture<Response> never = new CompletableFuture<>();
        final FakeConnection c = connect(HttpOptions.defaults(), r -> never);
        c.read(GET);
        assertEquals("", c.output());
        assertTrue(c.fire("http-request"));
        assertEquals(List.of("503 close|503 Service Unavailable: no answer within 30000 ms\n"), responses(c.take()));
        assertTrue(c.closeRequested);
        never.complete(Response.text(200, "late"));
        c.runTasks();
        assertEquals("", c.output());
    }

    @Test
    void asyncAnswers_stillInRequestOrder() {
        // Pipelined requests whose answers complete later are still answered in request order, one at a time.
        final List<CompletableFuture<Response>> answers = new ArrayList<>();
        final FakeConnection c = connect(HttpOptions.defaults(), r -> {
            final CompletableFuture<Response> f = new CompletableFuture<>();
            answers.add(f);
            return f;
        });
        c.read(GET + GET + GET);
        assertEquals(1, answers.size()); // the second waits until the first is answered
        assertTrue(c.readingSuspended);
        answers.get(0).complete(Response.text(200, "one"));
        c.runTasks();
        assertEquals(2, answers.size());
        answers.get(1).complete(Response.text(200, "two"));
        c.runTasks();
        answers.get(2).complete(Response.text(200, "three"));
        c.runTasks();
        assertEquals(List.of("200|one", "200|two", "200|three"), responses(c.output()));
        assertFalse(c.readingSuspended);
    }

    @Test
    void slowloris_cutAtTheHeaderDeadline() {
        // A head that has not ended when the header deadline fires gets 408 and the connection closes.
        final FakeConnection c = connect();
        c.read("GET / HTTP/1.1\r\nHost: h\r\nX-A: ");
        for (int i = 0; i < 5; i++) {
            c.read("a"); // a byte now and then does not extend the deadline
        }
        assertTrue(c.timers.containsKey("http-header-read"));
        assertTrue(c.fire("http-header-read"));
        assertTrue(responses(c.output()).get(0).startsWith("408 close|"), c.output());
        assertTrue(c.closeRequested);
    }

    @Test
    void idleKeepAlive_closedAfterTheIdleTimeout_notBefore() {
        // A keep-alive connection with no request is closed once the idle timeout has passed, and not before.
        final FakeConnection c = connect(HttpOptions.defaults().withIdleTimeout(Duration.ofSeconds(5)), ECHO);
        c.read(GET);
        clock.advance(Duration.ofSeconds(3));
        assertTrue(c.fire("http-idle")); // early: re-armed
        assertFalse(c.closeRequested);
        assertTrue(c.timers.containsKey("http-idle"));
        clock.advance(Duration.ofSeconds(3));
        assertTrue(c.fire("http-idle"));
        assertTrue(c.closeRequested);
    }

    @Test
    void bodyStalls_408AtTheBodyDeadline() {
        // A body that stops arriving gets 408 at the body read deadline.
        final FakeConnection c = connect(HttpOptions.defaults().withBodyReadTimeout(Duration.ofSeconds(2)), ECHO);
        c.read("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n01");
        clock.advance(Duration.ofSeconds(3));
        assertTrue(c.fire("http-body-read"));
        assertTrue(responses(c.output()).get(0).startsWith("408 close|"), c.output());
        assertTrue(c.closeRequested);
    }

    @Test
    void peerClosesMidBody_readerHearsAnErrorAndTheConnectionCloses() {
        // A client that closes in the middle of a streamed body: the handler's read fails, the connection closes.
        final AtomicReference<Throwable> seen = new AtomicReference<>();
        final FakeConnection c = connect(HttpOptions.defaults().withMaxBufferedBodyBytes(0), r -> r.body().toBytes(100)
                .handle((b, t) -> {
                    seen.set(t);
                    return Response.text(t == null ? 200 : 400, "x");
                }));
        c.read("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n012");
        c.stage.onPeerClosed(c);
        c.runTasks();
        assertTrue(seen.get() instanceof java.nio.channels.ClosedChannelException, String.valueOf(seen.get()));
        assertTrue(c.closeRequested);
    }

    /** A publisher of the given strings, one per request(1) (on the requesting thread), then complete. */
    static Flow.Publisher<ByteBuffer> chunks(String... parts) {
        return subscriber -> subscriber.onSubscribe(new Flow.Subscription() {
            private int next;
            private boolean done;

            @Override
            public void request(long n) {
                for (long i = 0; i < n && !done; i++) {
                    if (next < parts.length) {
                        subscriber.onNext(ByteBuffer.wrap(parts[next++].getBytes(StandardCharsets.ISO_8859_1)));
                    }
                    if (next == parts.length) {
                        done = true;
                        subscriber.onComplete();
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
    void streamedResponse_chunkedWhenLengthUnknown_plainWhenKnown() {
        // A streamed body of unknown length goes out chunked; of known length, with Content-Length.
        FakeConnection c = connect(HttpOptions.defaults(),
                Services.sync(r -> Response.of(200).withBody(Body.stream(chunks("ab", "cde", "f"), -1))));
        c.read(GET + GET);
        assertTrue(c.output().contains("Transfer-Encoding: chunked\r\n"), c.output());
        assertEquals(List.of("200|abcdef", "200|abcdef"), responses(c.output()));
        c = connect(HttpOptions.defaults(),
                Services.sync(r -> Response.of(200).withBody(Body.stream(chunks("ab", "cde", "f"), 6))));
        c.read(GET);
        assertTrue(c.output().contains("Content-Length: 6\r\n"), c.output());
        assertEquals(List.of("200|abcdef"), responses(c.output()));
    }

    @Test
    void streamedResponse_shorterThanItsLength_aborts() {
        // A streamed body that ends short of its Content-Length aborts the connection (no silent truncation).
        final FakeConnection c = connect(HttpOptions.defaults(),
                Services.sync(r -> Response.of(200).withBody(Body.stream(chunks("ab"), 6))));
        c.read(GET);
        assertTrue(c.aborted);
    }

    @Test
    void shuttingDown_idleClosesAtOnce_inFlightAnsweredWithCloseThenClosed() {
        // Graceful drain: an idle connection closes at once; one with a request in flight answers it, then closes.
        FakeConnection c = connect();
        c.stage.onShuttingDown(c);
        assertTrue(c.closeRequested);
        final CompletableFuture<Response> answer = new CompletableFuture<>();
        c = connect(HttpOptions.defaults(), r -> answer);
        c.read(GET);
        c.stage.onShuttingDown(c);
        assertFalse(c.closeRequested);
        answer.complete(Response.text(200, "done"));
        c.runTasks();
        assertEquals(List.of("200 close|done"), responses(c.output()));
        assertTrue(c.closeRequested);
    }

    @Test
    void streamedUpload_requestDeadlineStartsWhenTheBodyHasBeenRead() {
        // Reading a streamed upload is bounded by the body deadline; the request deadline starts at its last byte.
        final CompletableFuture<Response> never = new CompletableFuture<>();
        final FakeConnection c = connect(HttpOptions.defaults().withMaxBufferedBodyBytes(0), r -> {
            r.body().toBytes(100); // reads the body, never answers
            return never;
        });
        c.read("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 6\r\n\r\nabc");
        assertFalse(c.timers.containsKey("http-request"));
        c.read("def");
        assertTrue(c.timers.containsKey("http-request"));
        assertTrue(c.fire("http-request"));
        assertTrue(responses(c.output()).get(0).startsWith("503 close|"), c.output());
    }

    @Test
    void headerWithLineBreak_500NotASplitResponse() {
        // A handler's header value with CR LF in it is never written: the client gets 500, and the connection stays.
        final FakeConnection c = connect(HttpOptions.defaults(),
                Services.sync(r -> Response.text(200, "x").withHeader("X-Evil", "a\r\nSet-Cookie: b")));
        c.read(GET);
        assertEquals(List.of("500|500 Internal Server Error\n"), responses(c.output()));
        assertFalse(c.output().contains("Set-Cookie"));
    }

    @Test
    void streamedDownload_pausedInTheTurnThatReachesTheWatermark_resumedAfterEveryPause_completes() {
        // A streamed download against io-actors' write contract (the queue pauses in the turn that reaches the high
        // watermark; every pause is told and followed by a resume): every byte written in order, none refused, and
        // the stage waited for each resume (as many resumes as pauses, at least one).
        final int chunk = 128 * 1024;
        final int chunks = 40;
        final String[] parts = new String[chunks];
        for (int i = 0; i < chunks; i++) {
            parts[i] = String.valueOf((char) ('a' + i % 26)).repeat(chunk);
        }
        final FakeConnection c = connect(HttpOptions.defaults(),
                Services.sync(r -> Response.of(200).withBody(Body.stream(chunks(parts), (long) chunk * chunks))));
        c.modelQueue = true;
        c.flushPerTurn = 100 * 1024; // the socket takes less than a chunk per turn: the queue grows slowly
        c.read(GET);
        assertSameText(List.of("200|" + String.join("", parts)), responses(c.output()));
        assertEquals(0, c.refused);
        assertTrue(c.pausesTold >= 1, "the queue reached its high watermark");
        assertEquals(c.pausesTold, c.resumesTold);
        assertFalse(c.paused);
    }

    @Test
    void bytesDownload_queueFullInTheTurn_flushedBelowTheLowWatermarkAtItsEnd_completes() {
        // A 3 MiB response fills the write queue inside a turn, and each turn's flush drains it below the low
        // watermark at once: the pause set in the turn is told and resumed at the turn's end, and the stage writes on
        // from that resume alone (no re-check of its own): every byte written in order, none refused.
        final byte[] big = new byte[3 * 1024 * 1024];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) ('a' + (i / 1000) % 26);
        }
        final FakeConnection c = connect(HttpOptions.defaults(), Services.sync(r -> Response.of(200).withBody(Body.of(big))));
        c.modelQueue = true;
        c.flushPerTurn = 1024 * 1024; // a turn's flush empties the whole queue
        c.read(GET);
        assertSameText(List.of("200|" + new String(big, StandardCharsets.ISO_8859_1)), responses(c.output()));
        assertEquals(0, c.refused);
        assertTrue(c.pausesTold >= 3, "each megabyte filled the queue: " + c.pausesTold);
        assertEquals(c.pausesTold, c.resumesTold);
    }

    @Test
    void peerClosesMidBody_handlerIgnoresItAndNeverAnswers_503AtTheRequestDeadline() {
        // A client gone mid-body and a handler that never answers: the request deadline still ends the connection.
        final FakeConnection c = connect(HttpOptions.defaults().withMaxBufferedBodyBytes(0), r -> new CompletableFuture<>());
        c.read("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n012");
        assertFalse(c.timers.containsKey("http-request"));
        c.stage.onPeerClosed(c);
        c.runTasks();
        assertTrue(c.fire("http-request"));
        assertTrue(responses(c.output()).get(0).startsWith("503 close|"), c.output());
        assertTrue(c.closeRequested);
    }

    @Test
    void bodyToAnActor_oneChunkOutstanding_nextReadsOn() {
        // A body sent to an actor as messages moves one chunk at a time: until the actor calls next(), reading stops
        // and no second chunk is sent; after next(), the following chunk arrives, then End.
        final io.troupe.actors.testkit.TestProbe<io.troupe.http.BodyMessage> probe =
                io.troupe.actors.testkit.TestProbe.create(system);
        final CompletableFuture<Response> answer = new CompletableFuture<>();
        final FakeConnection c = connect(HttpOptions.defaults().withMaxBufferedBodyBytes(0), r -> {
            io.troupe.http.BodyMessage.sendTo(r.body(), probe.ref(), m -> m);
            return answer;
        });
        c.read("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 6\r\n\r\nab");
        final var first = probe.expectMessageClass(io.troupe.http.BodyMessage.Chunk.class, Duration.ofSeconds(10));
        assertEquals("ab", StandardCharsets.ISO_8859_1.decode(first.data()).toString());
        c.read("cd");
        assertTrue(c.readingSuspended, "no credit: reading stops");
        assertEquals(0, probe.pendingMessages());
        c.read("ef"); // a read that comes anyway is kept with what waits, not sent
        assertEquals(0, probe.pendingMessages());
        first.next();
        c.runTasks();
        final var second = probe.expectMessageClass(io.troupe.http.BodyMessage.Chunk.class, Duration.ofSeconds(10));
        assertEquals("cdef", StandardCharsets.ISO_8859_1.decode(second.data()).toString());
        assertFalse(c.readingSuspended);
        second.next();
        c.runTasks();
        probe.expectMessageClass(io.troupe.http.BodyMessage.End.class, Duration.ofSeconds(10));
    }

    // ================================================================ trailers

    /** Answers "body=<body> trailers=<fields>", the trailers read once the body has been read (getNow: already there). */
    static final Service<Request, Response> TRAILERS_ECHO = request -> request.body().toBytes(1 << 20)
            .thenApply(b -> Response.text(200, "body=" + new String(b, StandardCharsets.ISO_8859_1) + " trailers="
                    + request.body().trailers().toCompletableFuture().getNow(null)));

    @Test
    void chunkedRequest_trailersParsed_readableWhenTheBodyEnds_splitAtEveryByte() {
        // A chunked request's trailer fields reach the handler, in order, already complete when its body's reader
        // hears the end; the same at every split of the request, and a pipelined request after it is served.
        final String wire = "POST /t HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "3\r\nabc\r\n0\r\nX-Sum: 900150983cd24fb0\r\nX-Two:  2 \r\n\r\n";
        final List<String> expected = List.of("200|body=abc trailers=Headers[X-Sum: 900150983cd24fb0, X-Two: 2]",
                "200|body= trailers=Headers[]");
        final String next = "POST /u HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n";
        final byte[] all = (wire + next).getBytes(StandardCharsets.ISO_8859_1);
        for (int cut = 1; cut < all.length; cut++) {
            final FakeConnection c = connect(HttpOptions.defaults(), TRAILERS_ECHO);
            c.read(all, 0, cut);
            c.read(all, cut, all.length);
            assertEquals(expected, responses(c.output()), "cut at " + cut);
        }
    }

    @Test
    void chunkedRequest_trailersOverTheLimits_431_malformed_400() {
        // Trailer fields count against the header limits (bytes, count: 431 and close); a malformed one is 400.
        assertRefused(HttpOptions.defaults().withMaxHeaderBytes(64),
                "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-Big: " + "b".repeat(80) + "\r\n\r\n",
                "431");
        assertRefused(HttpOptions.defaults().withMaxHeaderCount(2),
                "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", "431");
        assertRefused(HttpOptions.defaults(),
                "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nBad Name: 1\r\n\r\n", "400");
    }

    @Test
    void chunkedRequest_bodyFailsMidway_trailersFailToo() {
        // A client gone before the trailer section: the trailers' stage fails, as the body does.
        final AtomicReference<Request> seen = new AtomicReference<>();
        final FakeConnection c = connect(HttpOptions.defaults(), r -> {
            seen.set(r);
            return new CompletableFuture<>();
        });
        c.read("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
        c.stage.onPeerClosed(c);
        c.runTasks();
        assertTrue(seen.get().body().trailers().toCompletableFuture().isCompletedExceptionally());
    }

    @Test
    void streamedResponse_trailersAfterTheLastChunk_knownAtOnceOrLater_thenTheNextResponse() {
        // A chunked response's trailers go out after its last chunk: at once when known, or when their stage
        // completes later (the connection waits, then serves the pipelined request); fields that frame the message
        // are left out.
        final CompletableFuture<io.troupe.http.Headers> later = new CompletableFuture<>();
        final FakeConnection c = connect(HttpOptions.defaults(), Services.sync(r -> Response.of(200).withBody(
                r.path().equals("/now")
                        ? Body.stream(chunks("ab", "cd"), -1).withTrailers(CompletableFuture.completedStage(
                                io.troupe.http.Headers.of("X-Sum", "abcd").with("Content-Length", "9")))
                        : Body.stream(chunks("ef"), -1).withTrailers(later))));
        c.read("GET /now HTTP/1.1\r\nHost: h\r\n\r\n");
        assertTrue(c.output().endsWith("2\r\ncd\r\n0\r\nX-Sum: abcd\r\n\r\n"), c.output());
        c.take();
        c.read("GET /later HTTP/1.1\r\nHost: h\r\n\r\nGET /now HTTP/1.1\r\nHost: h\r\n\r\n");
        assertTrue(c.output().endsWith("2\r\nef\r\n"), "waits for the trailers: " + c.output());
        later.complete(io.troupe.http.Headers.of("X-Late", "1"));
        c.runTasks();
        final String out = c.output();
        assertTrue(out.contains("2\r\nef\r\n0\r\nX-Late: 1\r\n\r\nHTTP/1.1 200"), out);
        assertEquals(List.of("200|ef", "200|abcd"), responses(out));
        assertFalse(c.closeRequested || c.aborted);
    }

    @Test
    void streamedResponse_trailersFailOrUnsendable_connectionAborted_knownLength_dropped() {
        // Trailers that fail, or that hold a line break, cut the response off (abort); on a response with a
        // Content-Length they are not sent at all.
        FakeConnection c = connect(HttpOptions.defaults(), Services.sync(r -> Response.of(200).withBody(
                Body.stream(chunks("ab"), -1).withTrailers(CompletableFuture.failedStage(new IllegalStateException("no sum"))))));
        c.read(GET);
        assertTrue(c.aborted);
        assertFalse(c.output().contains("0\r\n\r\n"), c.output());
        c = connect(HttpOptions.defaults(), Services.sync(r -> Response.of(200).withBody(
                Body.stream(chunks("ab"), -1).withTrailers(CompletableFuture.completedStage(
                        io.troupe.http.Headers.of("X-Bad", "a\r\nInjected: 1"))))));
        c.read(GET);
        assertTrue(c.aborted);
        assertFalse(c.output().contains("Injected"), c.output());
        c = connect(HttpOptions.defaults(), Services.sync(r -> Response.of(200).withBody(
                Body.stream(chunks("ab"), 2).withTrailers(CompletableFuture.completedStage(io.troupe.http.Headers.of("X-Sum", "ab"))))));
        c.read(GET);
        assertEquals(List.of("200|ab"), responses(c.output()));
        assertFalse(c.output().contains("X-Sum"), c.output());
        assertFalse(c.aborted);
    }

    // ================================================================ percent-decoding

    @Test
    void percentDecoding_handlerSeesDecodedPathAndQuery_rawTargetKept() {
        // The handler sees the path and query parameters decoded as UTF-8 and the target as sent.
        final FakeConnection c = connect(HttpOptions.defaults(), Services.sync(r -> Response.text(200,
                r.path() + "|" + r.rawPath() + "|" + r.queryParams() + "|" + r.target())));
        c.read("GET /caf%C3%A9/a%20b?q=x+y%2Fz&n=%00 HTTP/1.1\r\nHost: h\r\n\r\n");
        final String body = new String(responses(c.output()).get(0).getBytes(StandardCharsets.ISO_8859_1),
                StandardCharsets.UTF_8);
        assertEquals("200|/caf\u00e9/a b|/caf%C3%A9/a%20b|{q=[x y/z], n=[\u0000]}|/caf%C3%A9/a%20b?q=x+y%2Fz&n=%00", body);
    }

    @Test
    void percentDecoding_badEscapesMalformedUtf8EncodedSlashOrNul_400AndClose_handlerNotCalled() {
        // Each target that cannot be decoded, or whose decoded path would route differently, is answered 400 and the
        // connection closed; the handler is never called.
        final List<String> called = new ArrayList<>();
        for (String target : new String[] {"/a%zz", "/a%4", "/a%4?x=1", "/a%2Fb", "/a%2f..%2fb", "/a%00b", "/a%C3",
            "/a%FF", "/a%C3%28", "/%E2%82", "/?q=%zz", "/?q=%E2%82", "/?%4=x"}) {
            final FakeConnection c = connect(HttpOptions.defaults(), Services.sync(r -> {
                called.add(r.target());
                return Response.text(200, "called");
            }));
            c.read("GET " + target + " HTTP/1.1\r\nHost: h\r\n\r\n");
            final List<String> r = responses(c.output());
            assertEquals(1, r.size(), target + ": " + c.output());
            assertTrue(r.get(0).startsWith("400 close|"), target + ": " + r.get(0));
            assertTrue(c.closeRequested, target);
        }
        assertEquals(List.of(), called);
    }
}
