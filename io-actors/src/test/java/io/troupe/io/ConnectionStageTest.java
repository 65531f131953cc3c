package io.troupe.io;

import static io.troupe.io.TestHandlers.ANY_LOCAL_PORT;
import static io.troupe.io.TestHandlers.WAIT;
import static io.troupe.io.TestHandlers.client;
import static io.troupe.io.TestHandlers.readFully;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.ActorSystem;
import io.troupe.actors.testkit.TestProbe;
import io.troupe.timers.ManualClock;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Connection stages ({@link ConnectionStage}, {@link Tcp#serve}): protocol code called inside
 * the connection actor's turn. Run with both I/O drivers; every check is on content and order.
 */
@Timeout(120)
class ConnectionStageTest extends BothDrivers {
    private static final byte[] NOTHING = new byte[0];

    /** Echoes every read, and counts refused writes and pauses. */
    static final class EchoStage implements ConnectionStage {
        final AtomicInteger refused;
        final AtomicInteger paused;

        EchoStage(AtomicInteger refused, AtomicInteger paused) {
            this.refused = refused;
            this.paused = paused;
        }

        @Override
        public void onReceived(Connection connection, ByteBuffer data) {
            if (!connection.write(data)) {
                refused.incrementAndGet();
            }
        }

        @Override
        public void onWritingPaused(Connection connection) {
            paused.incrementAndGet();
        }
    }

    private static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void echoStage_roundTripsOnManyConnections_eachGetsItsOwnBytesBackInOrder() throws Exception {
        // 8 clients, each 200 numbered round trips through a lambda stage: every answer is exactly the request.
        try (ActorSystem system = startSystem("stage-echo")) {
            final Tcp.Bound bound = Tcp.serve(system, ANY_LOCAL_PORT, TcpOptions.defaults(),
                    () -> (connection, data) -> connection.write(data)).toCompletableFuture().join();
            final List<Socket> sockets = new ArrayList<>();
            try {
                for (int c = 0; c < 8; c++) {
                    sockets.add(client(bound.localAddress()));
                }
                for (int round = 0; round < 200; round++) {
                    for (int c = 0; c < sockets.size(); c++) {
                        sockets.get(c).getOutputStream().write(("c" + c + "r" + round + ";").getBytes(StandardCharsets.UTF_8));
                    }
                    for (int c = 0; c < sockets.size(); c++) {
                        final String expected = "c" + c + "r" + round + ";";
                        assertEquals(expected, utf8(readFully(sockets.get(c).getInputStream(), expected.length())));
                    }
                }
            } finally {
                for (Socket s : sockets) {
                    s.close();
                }
            }
        }
    }

    @Test
    void echoStage_streamingManyConnectionsThenHalfClose_everyByteBackNoWriteRefused() throws Exception {
        // Byte-exact streaming (random chunks, concurrent read-back, half-close) through an echo stage whose
        // answers are written synchronously: the connection couples its reading to the write queue, so
        // no write is ever refused, and the queue does reach its high watermark (back-pressure exercised).
        final int connections = 8;
        final long bytesEach = 2L << 20;
        final int smallBuffer = 16 << 10;
        try (ActorSystem system = startSystem("stage-streaming")) {
            final AtomicInteger refused = new AtomicInteger();
            final AtomicInteger paused = new AtomicInteger();
            final TcpOptions options = TcpOptions.defaults().withBufferSizes(smallBuffer, 0);
            final Tcp.Bound bound = Tcp.serve(system, ANY_LOCAL_PORT, options, () -> new EchoStage(refused, paused))
                    .toCompletableFuture().join();
            final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            final CountDownLatch done = new CountDownLatch(2 * connections);
            final List<Socket> sockets = new ArrayList<>();
            try {
                final SplittableRandom seeds = new SplittableRandom(18);
                for (int i = 0; i < connections; i++) {
                    final Socket s = new Socket();
                    s.setReceiveBufferSize(smallBuffer);
                    s.setSoTimeout((int) WAIT.toMillis());
                    s.connect(bound.localAddress());
                    sockets.add(s);
                    final long seed = seeds.nextLong();
                    EchoStreams.start("writer-" + i, done, failures, () -> EchoStreams.writeThenHalfClose(s, seed, bytesEach));
                    EchoStreams.start("reader-" + i, done, failures, () -> EchoStreams.expectEchoThenEof(s, seed, bytesEach));
                }
                assertTrue(done.await(100, TimeUnit.SECONDS), "still running: " + done.getCount() + "; failures: " + failures);
            } finally {
                for (Socket s : sockets) {
                    s.close();
                }
            }
            assertTrue(failures.isEmpty(), failures.size() + " failures, first: " + failures.peek());
            assertEquals(0, refused.get(), "writes refused by the stage's connections");
            assertTrue(paused.get() > 0, "no write queue reached its high watermark: back-pressure was not exercised");
        }
    }

    /**
     * Streams {@code total} pattern bytes from onConnected on: writes while the connection is not
     * paused, stops when it is, goes on at WritingResumed; closes when all is written.
     */
    static final class ProducerStage implements ConnectionStage {
        final long total;
        final AtomicInteger refused;
        final AtomicInteger paused;
        final AtomicInteger resumed;
        private long sent;

        ProducerStage(long total, AtomicInteger refused, AtomicInteger paused, AtomicInteger resumed) {
            this.total = total;
            this.refused = refused;
            this.paused = paused;
            this.resumed = resumed;
        }

        static byte patternAt(long i) {
            return (byte) (i * 31 + (i >>> 11));
        }

        @Override
        public void onConnected(Connection connection) {
            produce(connection);
        }

        @Override
        public void onReceived(Connection connection, ByteBuffer data) { }

        @Override
        public void onWritingPaused(Connection connection) {
            paused.incrementAndGet();
        }

        @Override
        public void onWritingResumed(Connection connection) {
            resumed.incrementAndGet();
            produce(connection);
        }

        private void produce(Connection connection) {
            final ByteBuffer chunk = ByteBuffer.allocate(1500);
            while (sent < total && !connection.isWritingPaused()) {
                chunk.clear();
                final int n = (int) Math.min(chunk.capacity(), total - sent);
                for (int i = 0; i < n; i++) {
                    chunk.put(patternAt(sent + i));
                }
                chunk.flip();
                if (!connection.write(chunk)) {
                    refused.incrementAndGet();
                    return; // wait for WritingResumed (the bytes of this chunk are lost: the reader sees it)
                }
                sent += n;
            }
            if (sent == total) {
                connection.close();
            }
        }
    }

    private static int readOrStall(InputStream in, byte[] buf, long at, AtomicInteger paused, AtomicInteger resumed,
                                   AtomicInteger refused) throws IOException {
        try {
            return in.read(buf);
        } catch (java.net.SocketTimeoutException e) {
            throw new AssertionError("the producer stalled at byte " + at + ": pauses told " + paused.get()
                    + ", resumes told " + resumed.get() + ", writes refused " + refused.get(), e);
        }
    }

    @Test
    void producerStage_writesWhileNotPaused_neverRefused_everyPauseFollowedByAResume_everyByteInOrder() throws Exception {
        // A stage that writes while isWritingPaused() is false: the pause is visible in the very turn whose write
        // reached the high watermark, so no write is refused; a pause seen there is told and, when drained, undone
        // (a stage waiting for WritingResumed is never left waiting); the reader checks every byte.
        final long total = 8L << 20;
        final AtomicInteger refused = new AtomicInteger();
        final AtomicInteger paused = new AtomicInteger();
        final AtomicInteger resumed = new AtomicInteger();
        final TcpOptions options = TcpOptions.defaults().withWriteQueue(64 << 10, 32 << 10, 8 << 10).withBufferSizes(16 << 10, 0);
        try (ActorSystem system = startSystem("stage-producer")) {
            final Tcp.Bound bound = Tcp.serve(system, ANY_LOCAL_PORT, options,
                    () -> new ProducerStage(total, refused, paused, resumed)).toCompletableFuture().join();
            try (Socket s = new Socket()) {
                s.setReceiveBufferSize(16 << 10);
                s.setSoTimeout((int) WAIT.toMillis());
                s.connect(bound.localAddress());
                final InputStream in = s.getInputStream();
                final byte[] buf = new byte[8192];
                long at = 0;
                int n;
                while ((n = readOrStall(in, buf, at, paused, resumed, refused)) >= 0) {
                    for (int i = 0; i < n; i++) {
                        if (buf[i] != ProducerStage.patternAt(at + i)) {
                            throw new AssertionError("byte " + (at + i) + " differs (refused writes: " + refused.get() + ")");
                        }
                    }
                    at += n;
                }
                assertEquals(total, at, "bytes before end of stream");
            }
            assertEquals(0, refused.get(), "writes refused");
            assertTrue(paused.get() > 0, "the queue never reached its high watermark: back-pressure was not exercised");
            assertEquals(paused.get(), resumed.get(), "pauses told and resumes told");
        }
    }

    @Test
    void stage_greetsOnConnect_peerCloseFlushesThenCloses_closedIsTheLastCall() throws Exception {
        // onConnected writes first; a request followed by the peer's FIN is answered, then (the default onPeerClosed)
        // the connection closes after the flush: the client reads greeting, answer, EOF; the stage's calls come in order.
        try (ActorSystem system = startSystem("stage-lifecycle")) {
            final TestProbe<Object> probe = TestProbe.create(system);
            final Tcp.Bound bound = Tcp.serve(system, ANY_LOCAL_PORT, TcpOptions.defaults(), () -> new ConnectionStage() {
                @Override
                public void onConnected(Connection connection) {
                    probe.ref().tell("connected");
                    connection.write(ByteBuffer.wrap("hello\n".getBytes(StandardCharsets.UTF_8)));
                }

                @Override
                public void onReceived(Connection connection, ByteBuffer data) {
                    probe.ref().tell("received " + TestHandlers.utf8(data));
                    connection.write(ByteBuffer.wrap(("got " + TestHandlers.utf8(data)).getBytes(StandardCharsets.UTF_8)));
                }

                @Override
                public void onPeerClosed(Connection connection) {
                    probe.ref().tell("peer closed");
                    ConnectionStage.super.onPeerClosed(connection);
                }

                @Override
                public void onClosed(Connection connection, Tcp.ConnectionClosed why) {
                    probe.ref().tell(why);
                    probe.ref().tell(connection.write(ByteBuffer.wrap("late".getBytes(StandardCharsets.UTF_8))));
                }
            }).toCompletableFuture().join();
            try (Socket s = client(bound.localAddress())) {
                assertEquals("hello\n", utf8(readFully(s.getInputStream(), 6)));
                s.getOutputStream().write("ping".getBytes(StandardCharsets.UTF_8));
                assertEquals("got ping", utf8(readFully(s.getInputStream(), 8)));
                s.shutdownOutput();
                assertEquals(-1, s.getInputStream().read());
            }
            assertEquals("connected", probe.expectMessageClass(String.class, WAIT));
            assertEquals("received ping", probe.expectMessageClass(String.class, WAIT));
            assertEquals("peer closed", probe.expectMessageClass(String.class, WAIT));
            assertInstanceOf(Tcp.Closed.class, probe.expectMessageClass(Tcp.ConnectionClosed.class, WAIT));
            assertFalse(probe.expectMessageClass(Boolean.class, WAIT), "a write after close must be refused");
        }
    }

    @Test
    void stageThatThrows_closesOnlyItsConnection_withTheException_othersGoOn() throws Exception {
        // A stage that throws on "boom" ends its own connection with ErrorClosed(that exception); another connection
        // on the same listener keeps being served.
        try (ActorSystem system = startSystem("stage-throws")) {
            final TestProbe<Object> probe = TestProbe.create(system);
            final IllegalStateException boom = new IllegalStateException("boom on purpose");
            final Tcp.Bound bound = Tcp.serve(system, ANY_LOCAL_PORT, TcpOptions.defaults(), () -> new ConnectionStage() {
                @Override
                public void onReceived(Connection connection, ByteBuffer data) {
                    if (TestHandlers.utf8(data).startsWith("boom")) {
                        throw boom;
                    }
                    connection.write(data);
                }

                @Override
                public void onClosed(Connection connection, Tcp.ConnectionClosed why) {
                    probe.ref().tell(why);
                }
            }).toCompletableFuture().join();
            try (Socket good = client(bound.localAddress()); Socket bad = client(bound.localAddress())) {
                good.getOutputStream().write('a');
                assertEquals("a", utf8(readFully(good.getInputStream(), 1)));
                bad.getOutputStream().write("boom".getBytes(StandardCharsets.UTF_8));
                final Tcp.ErrorClosed closed = probe.expectMessageClass(Tcp.ErrorClosed.class, WAIT);
                assertSame(boom, closed.cause());
                assertEndOfStreamOrReset(bad.getInputStream());
                good.getOutputStream().write('b');
                assertEquals("b", utf8(readFully(good.getInputStream(), 1)));
            }
        }
    }

    private static void assertEndOfStreamOrReset(InputStream in) {
        try {
            assertEquals(-1, in.read());
        } catch (IOException reset) {
            // a reset (the stage's failure aborts the connection) is the other correct ending
        }
    }

    @Test
    void framedStage_answersLaterThroughExecute_pipelinedRequestsAnsweredInArrivalOrder() throws Exception {
        // A line-framed stage answers each line after an asynchronous step on another thread, coming back with
        // execute(); it suspends reading while an answer is pending, so 50 pipelined lines, sent in one write,
        // are answered one by one in the order sent.
        try (ActorSystem system = startSystem("stage-async")) {
            final TcpOptions lines = TcpOptions.defaults().withFraming(Framing.lines(1024));
            final Tcp.Bound bound = Tcp.serve(system, ANY_LOCAL_PORT, lines, () -> (connection, frame) -> {
                final String line = TestHandlers.utf8(frame);
                connection.suspendReading();
                CompletableFuture.supplyAsync(() -> line.toUpperCase(java.util.Locale.ROOT))
                        .thenAccept(answer -> connection.execute(() -> {
                            connection.write(ByteBuffer.wrap(answer.getBytes(StandardCharsets.UTF_8)));
                            connection.resumeReading();
                        }));
            }).toCompletableFuture().join();
            try (Socket s = client(bound.localAddress())) {
                final StringBuilder sent = new StringBuilder();
                final StringBuilder expected = new StringBuilder();
                for (int i = 0; i < 50; i++) {
                    sent.append("line-").append(i).append('\n');
                    expected.append("LINE-").append(i).append('\n');
                }
                s.getOutputStream().write(sent.toString().getBytes(StandardCharsets.UTF_8));
                assertEquals(expected.toString(), utf8(readFully(s.getInputStream(), expected.length())));
            }
        }
    }

    @Test
    void stageTimers_onTheSystemClock_replacedByKey_cancelledNeverRun() throws Exception {
        // On a ManualClock: a timer started on connect under key "t" is replaced by a later one under the same key
        // (only the second writes), and a cancelled timer never runs.
        final ManualClock clock = new ManualClock();
        try (ActorSystem system = drivenBy(ActorSystem.builder("stage-timers").clock(clock).build(),
                IoSettings.defaults().withDriver(driver))) {
            final int before = clock.pendingTimers();
            final Tcp.Bound bound = Tcp.serve(system, ANY_LOCAL_PORT, TcpOptions.defaults(), () -> new ConnectionStage() {
                @Override
                public void onConnected(Connection connection) {
                    connection.startTimer("t", Duration.ofSeconds(5), () -> write(connection, "first"));
                    connection.startTimer("t", Duration.ofSeconds(10), () -> write(connection, "second"));
                    connection.startTimer("c", Duration.ofSeconds(1), () -> write(connection, "cancelled"));
                    connection.cancelTimer("c");
                }

                @Override
                public void onReceived(Connection connection, ByteBuffer data) {
                    write(connection, "echo:" + TestHandlers.utf8(data));
                }

                private void write(Connection connection, String text) {
                    connection.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
                }
            }).toCompletableFuture().join();
            try (Socket s = client(bound.localAddress())) {
                s.getOutputStream().write('w'); // answered after onConnected returned: its timers are all set
                assertEquals("echo:w", utf8(readFully(s.getInputStream(), 6)));
                assertTrue(clock.awaitPendingTimers(before + 1, WAIT), "the stage's timer is pending");
                clock.advance(Duration.ofSeconds(6)); // past the replaced 5 s timer and the cancelled 1 s one
                s.getOutputStream().write('x'); // a round trip orders the check after anything those could have written
                assertEquals("echo:x", utf8(readFully(s.getInputStream(), 6)));
                clock.advance(Duration.ofSeconds(4));
                assertEquals("second", utf8(readFully(s.getInputStream(), 6)));
            }
        }
    }

    @Test
    void clientStage_connectsWritesAndReadsTheEcho_refusedConnectIsReported() throws Exception {
        // Tcp.connect with a stage: onConnected writes, the echo server's answer arrives in onReceived; a connect to a
        // port nobody listens on calls onConnectFailed with the cause.
        try (ActorSystem system = startSystem("stage-client")) {
            final TestProbe<Object> probe = TestProbe.create(system);
            final Tcp.Bound echo = Tcp.serve(system, ANY_LOCAL_PORT, TcpOptions.defaults(),
                    () -> (connection, data) -> connection.write(data)).toCompletableFuture().join();
            Tcp.connect(system, echo.localAddress(), TcpOptions.defaults(), WAIT, new ConnectionStage() {
                private final StringBuilder got = new StringBuilder();

                @Override
                public void onConnected(Connection connection) {
                    connection.write(ByteBuffer.wrap("round trip".getBytes(StandardCharsets.UTF_8)));
                }

                @Override
                public void onReceived(Connection connection, ByteBuffer data) {
                    got.append(TestHandlers.utf8(data));
                    if (got.length() >= "round trip".length()) {
                        probe.ref().tell(got.toString());
                        connection.close();
                    }
                }

                @Override
                public void onClosed(Connection connection, Tcp.ConnectionClosed why) {
                    probe.ref().tell(why);
                }
            });
            assertEquals("round trip", probe.expectMessageClass(String.class, WAIT));
            assertInstanceOf(Tcp.Closed.class, probe.expectMessageClass(Tcp.ConnectionClosed.class, WAIT));

            final InetSocketAddress nobody;
            try (ServerSocket free = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                nobody = (InetSocketAddress) free.getLocalSocketAddress();
            }
            Tcp.connect(system, nobody, TcpOptions.defaults(), WAIT, new ConnectionStage() {
                @Override
                public void onReceived(Connection connection, ByteBuffer data) {
                    probe.ref().tell("unexpected read");
                }

                @Override
                public void onConnectFailed(java.net.SocketAddress address, Throwable cause) {
                    probe.ref().tell(cause);
                }
            });
            assertInstanceOf(java.net.ConnectException.class, probe.expectMessageClass(Throwable.class, WAIT));
        }
    }

    @Test
    void systemClose_tellsEveryOpenStageOnClosed_andReleasesThePort() throws Exception {
        // Closing the system while stages hold open connections: each stage hears onClosed (Closed: the shutdown closes
        // every connection in order before the socket actors stop), the clients see the connections end, and the port
        // can be bound again.
        final CountDownLatch closed = new CountDownLatch(3);
        final ConcurrentLinkedQueue<Tcp.ConnectionClosed> whys = new ConcurrentLinkedQueue<>();
        final ActorSystem system = startSystem("stage-close");
        final Tcp.Bound bound;
        final List<Socket> sockets = new ArrayList<>();
        try {
            bound = Tcp.serve(system, ANY_LOCAL_PORT, TcpOptions.defaults(), () -> new ConnectionStage() {
                @Override
                public void onReceived(Connection connection, ByteBuffer data) {
                    connection.write(data);
                }

                @Override
                public void onClosed(Connection connection, Tcp.ConnectionClosed why) {
                    whys.add(why);
                    closed.countDown();
                }
            }).toCompletableFuture().join();
            for (int i = 0; i < 3; i++) {
                final Socket s = client(bound.localAddress());
                sockets.add(s);
                s.getOutputStream().write('x');
                assertEquals("x", utf8(readFully(s.getInputStream(), 1))); // the connection is open and served
            }
        } finally {
            system.close();
        }
        try {
            assertTrue(closed.await(WAIT.toMillis(), TimeUnit.MILLISECONDS), "stages told: " + (3 - closed.getCount()));
            for (Tcp.ConnectionClosed why : whys) {
                assertInstanceOf(Tcp.Closed.class, why); // closed in order by the shutdown's socket task
            }
            for (Socket s : sockets) {
                assertEndOfStreamOrReset(s.getInputStream());
            }
            try (ServerSocket again = new ServerSocket()) {
                again.bind(bound.localAddress()); // the port was released
            }
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    @Test
    void stageFactoryThatThrows_closesThatConnection_listenerKeepsAccepting() throws Exception {
        // The first connection's stage factory throws: that socket is closed, the failure logged; the next connection is served.
        try (ActorSystem system = startSystem("stage-factory")) {
            final AtomicInteger made = new AtomicInteger();
            final Tcp.Bound bound = Tcp.serve(system, ANY_LOCAL_PORT, TcpOptions.defaults(), () -> {
                if (made.getAndIncrement() == 0) {
                    throw new IllegalStateException("no stage for the first connection, on purpose");
                }
                return (connection, data) -> connection.write(data);
            }).toCompletableFuture().join();
            try (Socket first = client(bound.localAddress())) {
                assertEndOfStreamOrReset(first.getInputStream());
            }
            try (Socket second = client(bound.localAddress())) {
                final OutputStream out = second.getOutputStream();
                out.write("ok".getBytes(StandardCharsets.UTF_8));
                assertEquals("ok", utf8(readFully(second.getInputStream(), 2)));
            }
        }
    }

}
