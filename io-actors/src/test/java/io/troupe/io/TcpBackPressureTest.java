package io.troupe.io;

import static io.troupe.io.TestHandlers.ANY_LOCAL_PORT;
import static io.troupe.io.TestHandlers.WAIT;
import static io.troupe.io.TestHandlers.readFully;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.testkit.TestProbe;
import io.troupe.io.TestHandlers.AnsweringEcho;
import io.troupe.io.TestHandlers.Forwarder;
import io.troupe.io.TestHandlers.HandlerStarted;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** How a connection couples its reading to its write queue, and how it reports refused writes. */
@Timeout(60)
class TcpBackPressureTest extends BothDrivers {
    private static final int SMALL_BUFFER_BYTES = 16 << 10;

    private ActorSystem system;

    @BeforeEach
    void start() {
        system = startSystem("tcp-back-pressure");
    }

    @AfterEach
    void stop() {
        system.close();
    }

    /** A blocking client with a small receive buffer (set before connecting, so the window stays small). */
    private static Socket slowClient(SocketAddress address) throws IOException {
        final Socket s = new Socket();
        s.setReceiveBufferSize(SMALL_BUFFER_BYTES);
        s.setSoTimeout((int) WAIT.toMillis());
        s.connect(address, (int) WAIT.toMillis());
        return s;
    }

    @Test
    void answeringEcho_floodWhilePeerDoesNotRead_noWriteRefusedAndEveryByteBack() throws Exception {
        // An echo that follows the answered-reads recipe and ignores WritingPaused is never refused a write, even when
        // the peer sends 64 times the write queue's bound before it reads anything; every byte comes back.
        final int max = 64 << 10;
        final long total = 4L << 20;
        final TcpOptions options = AnsweringEcho.ANSWERING.withHalfClose(true).withWriteQueue(max, 48 << 10, 16 << 10)
                .withReadChunkBytes(16 << 10).withBufferSizes(SMALL_BUFFER_BYTES, 0);
        // 16 credits x 16 KiB reads: without reservations the answers in flight could be four times the bound
        final TestProbe<Object> probe = TestProbe.create(system);
        final Tcp.Bound bound = Tcp.bind(system, ANY_LOCAL_PORT, options, AnsweringEcho.observedBy(probe.ref()))
                .toCompletableFuture().join();
        try (Socket peer = slowClient(bound.localAddress())) {
            probe.expectMessageClass(Tcp.Connected.class, WAIT);
            final CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    EchoStreams.writeThenHalfClose(peer, 1, total);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            probe.expectMessage(new Tcp.WritingPaused(), WAIT); // the flood has filled the queue; nobody read yet
            EchoStreams.expectEchoThenEof(peer, 1, total);
            writer.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            Tcp.ConnectionStats stats = null;
            for (Object m = probe.expectMessage(WAIT); !(m instanceof Tcp.Closed); m = probe.expectMessage(WAIT)) {
                assertTrue(m instanceof Tcp.WritingPaused || m instanceof Tcp.WritingResumed || m instanceof Tcp.PeerClosed
                        || m instanceof Tcp.ConnectionStats, "unexpected event: " + m);
                if (m instanceof Tcp.ConnectionStats s) {
                    stats = s;
                }
            }
            assertNotNull(stats, "the handler asks for the stats when the peer closes");
            assertEquals(0, stats.writesRejected(), stats.toString());
            assertTrue(stats.peakQueuedBytes() <= max, stats.toString());
            assertEquals(total, stats.bytesRead(), stats.toString());
            assertEquals(total, stats.bytesWritten() + stats.queuedBytes(), "every answer was queued: " + stats);
        }
    }

    /** A connection whose write queue a slow client has let fill up. */
    private record Filled(Socket peer, ActorRef<Tcp.Command> connection, int writtenBytes) {}

    /**
     * Binds {@code options} with a forwarding handler, connects a slow client, and writes the
     * write queue's bound to it while the client reads nothing, until WritingPaused.
     */
    private Filled fillWriteQueue(TcpOptions options, TestProbe<Object> probe) throws IOException {
        final Tcp.Bound bound = Tcp.bind(system, ANY_LOCAL_PORT, options, Forwarder.to(probe.ref()))
                .toCompletableFuture().join();
        final Socket peer = slowClient(bound.localAddress());
        probe.expectMessageClass(HandlerStarted.class, WAIT);
        final ActorRef<Tcp.Command> connection = probe.expectMessageClass(Tcp.Connected.class, WAIT).connection();
        final int chunk = 64 << 10;
        final int chunks = options.writeQueueMaxBytes() / chunk;
        for (int i = 0; i < chunks; i++) {
            connection.tell(Tcp.Write.of(new byte[chunk])); // the peer's buffers take a few KiB of it
        }
        probe.expectMessage(new Tcp.WritingPaused(), WAIT);
        return new Filled(peer, connection, chunks * chunk);
    }

    @Test
    void answeredReads_queueAboveHighWatermark_connectionStopsReadingUntilItDrains() throws Exception {
        // With answered reads the connection reads nothing while writing is paused, though nobody told it to, and
        // reads again only after the queue drained to the low watermark (WritingResumed first).
        final TestProbe<Object> probe = TestProbe.create(system);
        final Filled f = fillWriteQueue(TcpOptions.defaults().withAnsweredReads(1).withBufferSizes(SMALL_BUFFER_BYTES, 0),
                probe);
        try (Socket peer = f.peer()) {
            peer.getOutputStream().write('x');
            probe.expectNoMessage(Duration.ofMillis(300)); // a deliberate silence: the byte is there, nobody reads it
            final Tcp.ConnectionStats paused = f.connection().<Tcp.ConnectionStats>ask(Tcp.GetStats::new, WAIT)
                    .toCompletableFuture().join();
            assertEquals(0, paused.bytesRead(), "read while writing was paused: " + paused);
            readFully(peer.getInputStream(), f.writtenBytes());
            probe.expectMessage(new Tcp.WritingResumed(), WAIT);
            assertEquals("x", probe.expectMessageClass(Tcp.Received.class, WAIT).utf8());
        }
    }

    @Test
    void peerNeverReads_thenResets_errorClosed_othersServedAndWorkersAlive() throws Exception {
        // A peer that never reads holds the connection at WritingPaused; when it then resets, the connection ends with
        // ErrorClosed(IOException), its only event since, instead of waiting for room forever; the system still serves
        // other sockets and every worker thread lives.
        final TestProbe<Object> probe = TestProbe.create(system);
        final Filled f = fillWriteQueue(TcpOptions.defaults().withBufferSizes(SMALL_BUFFER_BYTES, 0), probe);
        f.peer().setSoLinger(true, 0);
        f.peer().close(); // RST, with the connection's write queue full of bytes for it
        final List<Object> events = new ArrayList<>();
        Object m;
        do {
            m = probe.expectMessage(WAIT);
            events.add(m.getClass());
        } while (!(m instanceof Tcp.ConnectionClosed));
        assertEquals(List.of(Tcp.ErrorClosed.class), events);
        assertInstanceOf(IOException.class, ((Tcp.ErrorClosed) m).cause());
        assertStillServing(system, DEFAULT_WORKERS);
    }

    @Test
    void pushMode_queueAboveHighWatermark_keepsReading() throws Exception {
        // Without answered reads reading does not depend on the write queue: a connection that writes on its own
        // keeps reading its peer's replies, or a peer that stops reading while it cannot write would wait forever.
        final TestProbe<Object> probe = TestProbe.create(system);
        final Filled f = fillWriteQueue(TcpOptions.defaults().withBufferSizes(SMALL_BUFFER_BYTES, 0), probe);
        try (Socket peer = f.peer()) {
            peer.getOutputStream().write('x');
            assertEquals("x", probe.expectMessageClass(Tcp.Received.class, WAIT).utf8()); // while writing is paused
            readFully(peer.getInputStream(), f.writtenBytes());
            probe.expectMessage(new Tcp.WritingResumed(), WAIT);
        }
    }

    @Test
    void ignoredWriteRejected_loggedOnceWithReasonAndCountedAtClose() throws Exception {
        // Refused writes are never silent: the first is logged with its reason, and the close logs how many there were.
        try (CapturedLog log = new CapturedLog("io.troupe.io.internal.TcpConnection")) {
            final TestProbe<Object> probe = TestProbe.create(system);
            final Tcp.Bound bound = Tcp.bind(system, ANY_LOCAL_PORT, TcpOptions.defaults().withWriteQueue(1024, 512, 256),
                    Forwarder.to(probe.ref())).toCompletableFuture().join();
            try (Socket peer = TestHandlers.client(bound.localAddress())) {
                probe.expectMessageClass(HandlerStarted.class, WAIT);
                final ActorRef<Tcp.Command> connection = probe.expectMessageClass(Tcp.Connected.class, WAIT).connection();
                probe.watch(connection);
                for (int i = 0; i < 3; i++) {
                    connection.tell(Tcp.Write.of(new byte[2048]));
                    probe.expectMessageClass(Tcp.WriteRejected.class, WAIT);
                }
                final Tcp.ConnectionStats stats = connection.<Tcp.ConnectionStats>ask(Tcp.GetStats::new, WAIT)
                        .toCompletableFuture().join();
                assertEquals(3, stats.writesRejected(), stats.toString());
                connection.tell(Tcp.Write.utf8("ok"));
                connection.tell(new Tcp.Close());
                probe.expectMessage(new Tcp.Closed(), WAIT);
                probe.expectTerminated(connection, WAIT); // after postStop, which logs the count
                assertEquals("ok", new String(peer.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            }
            final String text = log.text();
            assertEquals(1, occurrences(text, "refused a write of"), "one line per refusal would flood the log:\n" + text);
            assertTrue(text.contains("refused a write of 2048 bytes") && text.contains("larger than the whole write queue"), text);
            assertTrue(text.contains("closed after refusing 3 writes (6144 bytes)"), text);
        }
    }

    private static int occurrences(String text, String part) {
        int n = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
            n++;
        }
        return n;
    }

    @Test
    void answeredReadsFramed_frameWaitsUntilItsAnswerFits() throws Exception {
        // With answered reads and framing a frame is delivered only when its answer (frame plus header) fits beside the
        // answers still owed; the credit that follows an answer releases its room and the next frame comes.
        final TestProbe<Object> probe = TestProbe.create(system);
        final TcpOptions options = TcpOptions.defaults().withAnsweredReads(8).withWriteQueue(100, 80, 20)
                .withFraming(Framing.lengthPrefixed(1, 60));
        final Tcp.Bound bound = Tcp.bind(system, ANY_LOCAL_PORT, options, Forwarder.to(probe.ref()))
                .toCompletableFuture().join();
        try (Socket peer = TestHandlers.client(bound.localAddress())) {
            probe.expectMessageClass(HandlerStarted.class, WAIT);
            final ActorRef<Tcp.Command> connection = probe.expectMessageClass(Tcp.Connected.class, WAIT).connection();
            final byte[] frames = new byte[2 * 51];
            frames[0] = 50;
            frames[51] = 50;
            peer.getOutputStream().write(frames); // two frames of 50 bytes: 51 each written back, 102 > 100
            final Tcp.Received first = probe.expectMessageClass(Tcp.Received.class, WAIT);
            assertEquals(50, first.data().remaining());
            probe.expectNoMessage(Duration.ofMillis(200)); // a deliberate silence: credit is left, room is not
            connection.tell(Tcp.Write.of(first.data()));
            connection.tell(new Tcp.ReadCredit(1));
            assertEquals(50, probe.expectMessageClass(Tcp.Received.class, WAIT).data().remaining());
            assertEquals(51, readFully(peer.getInputStream(), 51).length);
            final Tcp.ConnectionStats stats = connection.<Tcp.ConnectionStats>ask(Tcp.GetStats::new, WAIT)
                    .toCompletableFuture().join();
            assertEquals(0, stats.writesRejected(), stats.toString());
        }
    }
}
