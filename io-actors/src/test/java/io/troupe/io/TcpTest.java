package io.troupe.io;

import static io.troupe.io.TestHandlers.ANY_LOCAL_PORT;
import static io.troupe.io.TestHandlers.WAIT;
import static io.troupe.io.TestHandlers.client;
import static io.troupe.io.TestHandlers.readFully;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.testkit.TestProbe;
import io.troupe.io.TestHandlers.Echo;
import io.troupe.io.TestHandlers.Forwarder;
import io.troupe.io.TestHandlers.HandlerStarted;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TcpTest extends BothDrivers {
    private ActorSystem system;

    @BeforeEach
    void start() {
        system = startSystem("tcp-test");
    }

    @AfterEach
    void stop() {
        system.close();
    }

    private Tcp.Bound bind(TcpOptions options, java.util.function.Supplier<? extends io.troupe.actors.Actor<Tcp.Event>> factory) {
        return Tcp.bind(system, ANY_LOCAL_PORT, options, factory).toCompletableFuture().join();
    }

    /** Binds a forwarding server, connects a blocking client, and returns the server side's connection. */
    private Tcp.Connected acceptOne(TestProbe<Object> probe, Socket[] clientOut, TcpOptions options) throws IOException {
        final Tcp.Bound bound = bind(options, Forwarder.to(probe.ref()));
        clientOut[0] = client(bound.localAddress());
        probe.expectMessageClass(HandlerStarted.class, WAIT);
        return probe.expectMessageClass(Tcp.Connected.class, WAIT);
    }

    @Test
    void bind_echoHandler_echoesBytesInOrder() throws Exception {
        // Bytes written by a plain client come back unchanged through a handler that echoes them.
        final Tcp.Bound bound = bind(TcpOptions.defaults(), Echo::new);
        try (Socket s = client(bound.localAddress())) {
            final byte[] payload = "hello, troupe\n".repeat(1000).getBytes(StandardCharsets.UTF_8);
            s.getOutputStream().write(payload);
            assertArrayEquals(payload, readFully(s.getInputStream(), payload.length));
            s.shutdownOutput();
            assertEquals(-1, s.getInputStream().read(), "the echo handler closes after the peer did");
        }
    }

    @Test
    void bind_portInUse_answersBindFailedWithBindExceptionNamingTheAddress() throws Exception {
        // Binding an address that is already bound answers BindFailed carrying a BindException.
        try (ServerSocketChannel taken = ServerSocketChannel.open()) {
            taken.bind(ANY_LOCAL_PORT);
            final TestProbe<Object> probe = TestProbe.create(system);
            Tcp.bind(system, taken.getLocalAddress(), TcpOptions.defaults(), Echo::new, probe.ref());
            final Tcp.BindFailed failed = probe.expectMessageClass(Tcp.BindFailed.class, WAIT);
            assertInstanceOf(BindException.class, failed.cause());
            assertTrue(failed.cause().getMessage().contains(taken.getLocalAddress().toString()),
                    "the message names the address: " + failed.cause().getMessage());
            final CompletionException e = assertThrows(CompletionException.class, () ->
                    Tcp.bind(system, taken.getLocalAddress(), TcpOptions.defaults(), Echo::new).toCompletableFuture().join());
            assertInstanceOf(BindException.class, e.getCause());
        }
    }

    @Test
    void connect_refused_answersConnectFailedWithConnectException() throws Exception {
        // A connect to a port nobody listens on ends in ConnectFailed(ConnectException), not a hang.
        final InetSocketAddress closed;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            closed = (InetSocketAddress) s.getLocalSocketAddress();
        }
        final TestProbe<Object> probe = TestProbe.create(system);
        Tcp.connect(system, closed, TcpOptions.defaults(), WAIT, probe.<Tcp.Event>ref().narrow());
        final Tcp.ConnectFailed f = probe.expectMessageClass(Tcp.ConnectFailed.class, WAIT);
        assertInstanceOf(ConnectException.class, f.cause(), f.cause().toString());
    }

    @Test
    void connect_backlogFull_failsWithSocketTimeoutAfterConnectTimeout() throws Exception {
        // A connect the peer never completes (its accept backlog is full) fails with the connect timeout.
        final List<Socket> fillers = new ArrayList<>();
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(ANY_LOCAL_PORT, 1);
            for (int i = 0; i < 16; i++) { // fill the backlog until a connect no longer completes
                final Socket f = new Socket();
                fillers.add(f);
                try {
                    f.connect(server.getLocalAddress(), 300);
                } catch (SocketTimeoutException full) {
                    break;
                }
            }
            final TestProbe<Object> probe = TestProbe.create(system);
            Tcp.connect(system, server.getLocalAddress(), TcpOptions.defaults(), Duration.ofMillis(300),
                    probe.<Tcp.Event>ref().narrow());
            final Tcp.ConnectFailed f = probe.expectMessageClass(Tcp.ConnectFailed.class, WAIT);
            assertInstanceOf(SocketTimeoutException.class, f.cause(), f.cause().toString());
            assertTrue(f.cause().getMessage().contains("timed out"), f.cause().getMessage());
        } finally {
            for (Socket f : fillers) {
                f.close();
            }
        }
    }

    @Test
    void connect_unresolvableHost_answersConnectFailedWithUnknownHost() {
        // A host name that does not resolve ends in ConnectFailed(UnknownHostException); resolution runs off the dispatcher.
        final TestProbe<Object> probe = TestProbe.create(system);
        Tcp.connect(system, InetSocketAddress.createUnresolved("no-such-host.invalid", 80), TcpOptions.defaults(), WAIT,
                probe.<Tcp.Event>ref().narrow());
        final Tcp.ConnectFailed f = probe.expectMessageClass(Tcp.ConnectFailed.class, WAIT);
        assertInstanceOf(UnknownHostException.class, f.cause(), f.cause().toString());
    }

    @Test
    void connect_toListeningServer_connectsAndExchangesBytes() throws Exception {
        // An outgoing connection reports Connected, writes with an ack, and receives what the peer sends.
        try (ServerSocket server = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            final TestProbe<Object> probe = TestProbe.create(system);
            final ActorRef<Tcp.Event> handler = system.spawn(Forwarder.to(probe.ref()), "client-handler");
            probe.expectMessageClass(HandlerStarted.class, WAIT);
            Tcp.connect(system, server.getLocalSocketAddress(), TcpOptions.defaults(), WAIT, handler);
            try (Socket peer = server.accept()) {
                final Tcp.Connected c = probe.expectMessageClass(Tcp.Connected.class, WAIT);
                assertEquals(server.getLocalSocketAddress(), c.remoteAddress());
                c.connection().tell(Tcp.Write.utf8("ping").withAck("sent"));
                probe.expectMessage(new Tcp.Ack("sent"), WAIT);
                assertEquals("ping", new String(readFully(peer.getInputStream(), 4), StandardCharsets.UTF_8));
                peer.getOutputStream().write("pong".getBytes(StandardCharsets.UTF_8));
                assertEquals("pong", TestHandlers.utf8(probe.expectMessageClass(Tcp.Received.class, WAIT).data()));
            }
        }
    }

    @Test
    void peerHalfCloses_withHalfClose_handlerGetsPeerClosedAndCanStillWrite() throws Exception {
        // With half-close on, after the peer shuts its output the connection stays writable: the reply arrives before EOF.
        final TestProbe<Object> probe = TestProbe.create(system);
        final Socket[] s = new Socket[1];
        final Tcp.Connected c = acceptOne(probe, s, TcpOptions.defaults().withHalfClose(true));
        try (Socket peer = s[0]) {
            peer.getOutputStream().write("question".getBytes(StandardCharsets.UTF_8));
            peer.shutdownOutput();
            final StringBuilder got = new StringBuilder();
            Object m;
            while (!((m = probe.expectMessage(WAIT)) instanceof Tcp.PeerClosed)) {
                got.append(TestHandlers.utf8(((Tcp.Received) m).data()));
            }
            assertEquals("question", got.toString());
            c.connection().tell(Tcp.Write.utf8("answer"));
            c.connection().tell(new Tcp.Close());
            probe.expectMessage(new Tcp.Closed(), WAIT);
            assertEquals("answer", new String(peer.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void peerCloses_byDefault_queuedWritesFlushedThenClosed_laterWriteRefused() throws Exception {
        // Without half-close (the default): a write queued before the peer's FIN is flushed, then the connection closes
        // by itself (the handler hears PeerClosed, then Closed); a write sent after is refused with a reason, not lost silently.
        final TestProbe<Object> probe = TestProbe.create(system);
        final Socket[] s = new Socket[1];
        final Tcp.Connected c = acceptOne(probe, s, TcpOptions.defaults());
        try (Socket peer = s[0]) {
            c.connection().tell(Tcp.Write.utf8("before"));
            peer.getOutputStream().write('q');
            probe.expectMessageClass(Tcp.Received.class, WAIT); // the write above was handled before this read
            peer.shutdownOutput();
            probe.expectMessage(new Tcp.PeerClosed(), WAIT);
            probe.expectMessage(new Tcp.Closed(), WAIT);
            assertEquals("before", new String(peer.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void peerCloses_byDefault_answeredReads_everyAnswerStillWrittenBeforeTheClose() throws Exception {
        // Without half-close, with answered reads: the peer sends a request and its FIN at once; the connection waits
        // for the answer to the read it delivered (its credit) before it closes, so the answer is not lost.
        final TestProbe<Object> probe = TestProbe.create(system);
        final Socket[] s = new Socket[1];
        final Tcp.Connected c = acceptOne(probe, s, TcpOptions.defaults().withAnsweredReads(4));
        try (Socket peer = s[0]) {
            peer.getOutputStream().write("question".getBytes(StandardCharsets.UTF_8));
            peer.shutdownOutput();
            final StringBuilder got = new StringBuilder();
            Object m;
            int reads = 0;
            while (!((m = probe.expectMessage(WAIT)) instanceof Tcp.PeerClosed)) {
                got.append(TestHandlers.utf8(((Tcp.Received) m).data()));
                reads++;
            }
            assertEquals("question", got.toString());
            c.connection().tell(Tcp.Write.utf8("answer"));
            c.connection().tell(new Tcp.ReadCredit(reads)); // the answers are in: now it may close
            probe.expectMessage(new Tcp.Closed(), WAIT);
            assertEquals("answer", new String(peer.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void linesDiscardingOverlong_handlerHearsFrameDiscardedInPlace_andTheConnectionGoesOn() throws Exception {
        // With Framing.linesDiscardingOverlong(8): "ok1", a 100-byte line, "ok2" arrive as Received(ok1),
        // FrameDiscarded(100, 8), Received(ok2), in that order, and the connection stays open.
        final TestProbe<Object> probe = TestProbe.create(system);
        final Socket[] s = new Socket[1];
        acceptOne(probe, s, TcpOptions.defaults().withFraming(Framing.linesDiscardingOverlong(8)));
        try (Socket peer = s[0]) {
            peer.getOutputStream().write(("ok1\n" + "x".repeat(100) + "\nok2\n").getBytes(StandardCharsets.UTF_8));
            assertEquals("ok1", TestHandlers.utf8(probe.expectMessageClass(Tcp.Received.class, WAIT).data()));
            assertEquals(new Tcp.FrameDiscarded(100, 8), probe.expectMessageClass(Tcp.FrameDiscarded.class, WAIT));
            assertEquals("ok2", TestHandlers.utf8(probe.expectMessageClass(Tcp.Received.class, WAIT).data()));
        }
    }

    @Test
    void shutdownOutput_peerSeesEofAndCanStillWrite() throws Exception {
        // ShutdownOutput flushes, then half-closes: the peer reads the bytes then EOF, and can still send.
        final TestProbe<Object> probe = TestProbe.create(system);
        final Socket[] s = new Socket[1];
        final Tcp.Connected c = acceptOne(probe, s, TcpOptions.defaults());
        try (Socket peer = s[0]) {
            c.connection().tell(Tcp.Write.utf8("bye"));
            c.connection().tell(new Tcp.ShutdownOutput());
            assertEquals("bye", new String(peer.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            c.connection().tell(Tcp.Write.utf8("more"));
            assertInstanceOf(Tcp.CommandFailed.class, probe.expectMessage(WAIT), "writes after ShutdownOutput are refused");
            peer.getOutputStream().write('!');
            assertEquals("!", TestHandlers.utf8(probe.expectMessageClass(Tcp.Received.class, WAIT).data()));
            peer.shutdownOutput();
            probe.expectMessage(new Tcp.PeerClosed(), WAIT);
            probe.expectMessage(new Tcp.Closed(), WAIT); // both directions done
        }
    }

    @Test
    void peerResets_handlerGetsErrorClosed() throws Exception {
        // A reset from the peer closes the connection with ErrorClosed carrying the I/O error.
        final TestProbe<Object> probe = TestProbe.create(system);
        final Socket[] s = new Socket[1];
        acceptOne(probe, s, TcpOptions.defaults());
        s[0].setSoLinger(true, 0);
        s[0].close(); // RST
        final Tcp.ErrorClosed e = probe.expectMessageClass(Tcp.ErrorClosed.class, WAIT);
        assertInstanceOf(IOException.class, e.cause());
    }

    @Test
    void peerResetsWithBytesUnread_errorClosedAfterAPrefix_othersServedAndWorkersAlive() throws Exception {
        // A peer that resets (SO_LINGER 0) while the connection has read only the first KiB of its 64 KiB ends the
        // connection with ErrorClosed(IOException) after at most a prefix of those bytes; the system still serves
        // other sockets and every worker thread lives.
        final TestProbe<Object> probe = TestProbe.create(system);
        final Socket[] s = new Socket[1];
        final Tcp.Connected c = acceptOne(probe, s, TcpOptions.defaults().withReadCredit(1).withReadChunkBytes(1024));
        final byte[] sent = new byte[64 << 10];
        for (int i = 0; i < sent.length; i++) {
            sent[i] = (byte) (i * 31);
        }
        s[0].getOutputStream().write(sent); // fits in the kernel's buffers: the connection reads one KiB of it
        final ByteArrayOutputStream got = new ByteArrayOutputStream();
        got.writeBytes(probe.expectMessageClass(Tcp.Received.class, WAIT).toByteArray());
        s[0].setSoLinger(true, 0);
        s[0].close(); // RST, with 63 KiB unread on the connection's side
        c.connection().tell(new Tcp.ReadCredit(Integer.MAX_VALUE));
        Object m;
        while ((m = probe.expectMessage(WAIT)) instanceof Tcp.Received r) {
            got.writeBytes(r.toByteArray());
        }
        final Tcp.ErrorClosed e = assertInstanceOf(Tcp.ErrorClosed.class, m, "the event after the bytes read");
        assertInstanceOf(IOException.class, e.cause());
        final byte[] prefix = got.toByteArray();
        assertTrue(prefix.length <= sent.length, prefix.length + " bytes read of " + sent.length);
        assertArrayEquals(java.util.Arrays.copyOf(sent, prefix.length), prefix, "what was read is what was sent");
        assertStillServing(system, DEFAULT_WORKERS);
    }

    @Test
    void abort_peerSeesConnectionReset() throws Exception {
        // Abort resets the connection: the peer's read fails with "Connection reset", the handler hears Aborted.
        final TestProbe<Object> probe = TestProbe.create(system);
        final Socket[] s = new Socket[1];
        final Tcp.Connected c = acceptOne(probe, s, TcpOptions.defaults());
        try (Socket peer = s[0]) {
            c.connection().tell(new Tcp.Abort());
            probe.expectMessage(new Tcp.Aborted(), WAIT);
            final SocketException e = assertThrows(SocketException.class, () -> peer.getInputStream().read());
            assertTrue(e.getMessage().toLowerCase().contains("reset"), e.getMessage());
        }
    }

    @Test
    void idleTimeout_silentConnection_closedWithSocketTimeout() throws Exception {
        // A connection with no traffic for the idle timeout is closed and the handler is told why.
        final TestProbe<Object> probe = TestProbe.create(system);
        final Socket[] s = new Socket[1];
        acceptOne(probe, s, TcpOptions.defaults().withIdleTimeout(Duration.ofMillis(200)));
        try (Socket peer = s[0]) {
            final Tcp.ErrorClosed e = probe.expectMessageClass(Tcp.ErrorClosed.class, WAIT);
            assertInstanceOf(SocketTimeoutException.class, e.cause());
            assertTrue(e.cause().getMessage().contains("idleTimeout"), e.cause().getMessage());
            assertEquals(-1, peer.getInputStream().read());
        }
    }

    @Test
    void framing_oversizedFrame_closesWithFramingException() throws Exception {
        // A length header over maxFrameBytes closes the connection before the body is buffered, and says why.
        final TestProbe<Object> probe = TestProbe.create(system);
        final Socket[] s = new Socket[1];
        acceptOne(probe, s, TcpOptions.defaults().withFraming(Framing.lengthPrefixed(16)));
        try (Socket peer = s[0]) {
            final OutputStream out = peer.getOutputStream();
            out.write(new byte[] {0, 0, 0, 3, 'a', 'b', 'c', 0, 0, 0x10, 0});
            assertEquals("abc", TestHandlers.utf8(probe.expectMessageClass(Tcp.Received.class, WAIT).data()));
            final Tcp.ErrorClosed e = probe.expectMessageClass(Tcp.ErrorClosed.class, WAIT);
            assertInstanceOf(FramingException.class, e.cause());
            assertTrue(e.cause().getMessage().contains("4096 bytes is over maxFrameBytes 16"), e.cause().getMessage());
            assertEquals(-1, peer.getInputStream().read());
        }
    }

    @Test
    void framing_lines_splitAndCoalescedReadsGiveWholeLines() throws Exception {
        // Lines split across reads and several lines in one read both arrive as whole frames; writes gain a line end.
        final TestProbe<Object> probe = TestProbe.create(system);
        final Socket[] s = new Socket[1];
        final Tcp.Connected c = acceptOne(probe, s, TcpOptions.defaults().withFraming(Framing.lines(64)));
        try (Socket peer = s[0]) {
            final OutputStream out = peer.getOutputStream();
            out.write("hel".getBytes(StandardCharsets.UTF_8));
            out.flush();
            out.write("lo\r\nwor".getBytes(StandardCharsets.UTF_8));
            out.write("ld\nthird\n".getBytes(StandardCharsets.UTF_8));
            for (String want : new String[] {"hello", "world", "third"}) {
                assertEquals(want, TestHandlers.utf8(probe.expectMessageClass(Tcp.Received.class, WAIT).data()));
            }
            c.connection().tell(Tcp.Write.utf8("reply"));
            assertEquals("reply\n", new String(readFully(peer.getInputStream(), 6), StandardCharsets.UTF_8));
        }
    }

    @Test
    void maxConnections_atLimit_acceptsNextOnlyAfterOneCloses() throws Exception {
        // With maxConnections 2 a third client is not accepted (no handler) until one of the two closes.
        final TestProbe<Object> probe = TestProbe.create(system);
        final Tcp.Bound bound = bind(TcpOptions.defaults().withMaxConnections(2), Forwarder.to(probe.ref()));
        try (Socket a = client(bound.localAddress()); Socket b = client(bound.localAddress());
             Socket third = client(bound.localAddress())) {
            int connected = 0;
            while (connected < 2) {
                if (probe.expectMessage(WAIT) instanceof Tcp.Connected) {
                    connected++;
                }
            }
            third.getOutputStream().write('3'); // in the kernel's backlog: nobody reads it yet
            a.getOutputStream().write('a');
            Object m;
            while (!((m = probe.expectMessage(WAIT)) instanceof Tcp.Received)) {
                assertNotEquals(Tcp.Connected.class, m.getClass(), "a third connection was accepted at the limit");
            }
            assertEquals("a", TestHandlers.utf8(((Tcp.Received) m).data()));
            a.setSoLinger(true, 0);
            a.close(); // reset: the connection ends at once (a half-close would leave it open for writing)
            final List<Object> after = new ArrayList<>();
            while (!(m = probe.expectMessage(WAIT)).equals(new Tcp.Received(ByteBuffer.wrap(new byte[] {'3'})))) {
                after.add(m);
            }
            assertTrue(indexOfClass(after, Tcp.ErrorClosed.class) < indexOfClass(after, Tcp.Connected.class),
                    "the third connection was accepted only after one closed: " + after);
        }
    }

    private static int indexOfClass(List<Object> list, Class<?> type) {
        for (int i = 0; i < list.size(); i++) {
            if (type.isInstance(list.get(i))) {
                return i;
            }
        }
        return Integer.MAX_VALUE;
    }

    @Test
    void handlerStops_connectionClosesAndPeerSeesEof() throws Exception {
        // Stopping the handler closes its connection: the peer reads EOF.
        final TestProbe<Object> probe = TestProbe.create(system);
        final Tcp.Bound bound = bind(TcpOptions.defaults(), Forwarder.to(probe.ref()));
        try (Socket peer = client(bound.localAddress())) {
            final HandlerStarted h = probe.expectMessageClass(HandlerStarted.class, WAIT);
            probe.expectMessageClass(Tcp.Connected.class, WAIT);
            system.stop(h.handler());
            assertEquals(-1, peer.getInputStream().read());
        }
    }

    @Test
    void unbind_stopsAcceptingButLiveConnectionsStay() throws Exception {
        // After Unbind new connects are refused while an existing connection still echoes.
        final Tcp.Bound bound = bind(TcpOptions.defaults(), Echo::new);
        try (Socket live = client(bound.localAddress())) {
            live.getOutputStream().write('x');
            assertEquals('x', live.getInputStream().read());
            final Tcp.Unbound u = bound.unbind(WAIT).toCompletableFuture().join();
            assertEquals(bound.localAddress(), u.localAddress());
            assertThrows(ConnectException.class, () -> client(bound.localAddress()).close());
            live.getOutputStream().write('y');
            assertEquals('y', live.getInputStream().read());
        }
    }

    @Test
    void systemClose_releasesEveryPortAndClosesConnections() throws Exception {
        // Closing the actor system closes listening and connected sockets: the port can be bound again.
        final Tcp.Bound bound = bind(TcpOptions.defaults(), Echo::new);
        final InetSocketAddress address = (InetSocketAddress) bound.localAddress();
        try (Socket live = client(address)) {
            live.getOutputStream().write('x');
            assertEquals('x', live.getInputStream().read());
            system.close();
            assertEquals(-1, live.getInputStream().read(), "the connection was closed");
        }
        try (ServerSocketChannel again = ServerSocketChannel.open()) {
            again.bind(address); // throws BindException if the listener were still open
        }
    }

    @Test
    void readCredit_pullMode_deliversOnlyAgainstCredit() throws Exception {
        // In pull mode the connection delivers one Received per credit and then stops reading.
        final TestProbe<Object> probe = TestProbe.create(system);
        final Socket[] s = new Socket[1];
        final Tcp.Connected c = acceptOne(probe, s,
                TcpOptions.defaults().withReadCredit(1).withFraming(Framing.lines(100)));
        try (Socket peer = s[0]) {
            peer.getOutputStream().write("one\ntwo\nthree\n".getBytes(StandardCharsets.UTF_8));
            assertEquals("one", TestHandlers.utf8(probe.expectMessageClass(Tcp.Received.class, WAIT).data()));
            probe.expectNoMessage(Duration.ofMillis(200)); // a deliberate silence: no credit, no delivery
            c.connection().tell(new Tcp.ReadCredit(2));
            assertEquals("two", TestHandlers.utf8(probe.expectMessageClass(Tcp.Received.class, WAIT).data()));
            assertEquals("three", TestHandlers.utf8(probe.expectMessageClass(Tcp.Received.class, WAIT).data()));
        }
    }

    @Test
    void readCredit_pullModeWithoutFraming_deliversAtMostCreditReceivedUntilMoreIsGranted() throws Exception {
        // In pull mode without framing, a credit of N lets the handler get at most N Received, however many bytes wait, until it grants more.
        final int chunk = 16;
        final int credit = 3;
        final TestProbe<Object> probe = TestProbe.create(system);
        final Socket[] s = new Socket[1];
        final Tcp.Connected c = acceptOne(probe, s,
                TcpOptions.defaults().withReadCredit(credit).withReadChunkBytes(chunk));
        try (Socket peer = s[0]) {
            final byte[] sent = new byte[16 * chunk]; // one write: enough for sixteen full reads in one turn
            for (int i = 0; i < sent.length; i++) {
                sent[i] = (byte) i;
            }
            peer.getOutputStream().write(sent);
            final ByteArrayOutputStream got = new ByteArrayOutputStream();
            for (int i = 0; i < credit; i++) {
                got.writeBytes(probe.expectMessageClass(Tcp.Received.class, WAIT).toByteArray());
            }
            // Events reach the handler in the order the connection produced them: a Received read
            // before this write was handled would arrive before its Ack.
            c.connection().tell(Tcp.Write.utf8("x").withAck("marker"));
            assertEquals(new Tcp.Ack("marker"), probe.expectMessage(WAIT), "no Received past the credit of " + credit);
            c.connection().tell(new Tcp.ReadCredit(Integer.MAX_VALUE));
            while (got.size() < sent.length) {
                got.writeBytes(probe.expectMessageClass(Tcp.Received.class, WAIT).toByteArray());
            }
            assertArrayEquals(sent, got.toByteArray());
        }
    }

    @Test
    void write_overTheBound_isRejectedWithReason() throws Exception {
        // A write larger than the whole write queue is refused with a reason, and nothing of it is sent.
        final TestProbe<Object> probe = TestProbe.create(system);
        final Socket[] s = new Socket[1];
        final Tcp.Connected c = acceptOne(probe, s, TcpOptions.defaults().withWriteQueue(1024, 512, 256));
        try (Socket peer = s[0]) {
            final Tcp.Write big = Tcp.Write.of(new byte[2048]);
            c.connection().tell(big);
            final Tcp.WriteRejected r = probe.expectMessageClass(Tcp.WriteRejected.class, WAIT);
            assertEquals(big, r.write());
            assertTrue(r.reason().contains("writeQueueMaxBytes 1024"), r.reason());
            c.connection().tell(Tcp.Write.utf8("ok"));
            c.connection().tell(new Tcp.Close());
            probe.expectMessage(new Tcp.Closed(), WAIT);
            assertEquals("ok", new String(peer.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void slowReader_writerIsHeldBackAndQueueStaysBounded() throws Exception {
        // A peer that does not read makes the writer pause; the queue never exceeds its bound; no byte is lost.
        final int max = 64 << 10;
        final TestProbe<Object> probe = TestProbe.create(system);
        final TcpOptions options = TcpOptions.defaults().withWriteQueue(max, 48 << 10, 16 << 10)
                .withBufferSizes(8 << 10, 8 << 10);
        final Tcp.Bound bound = bind(options, () -> new SlowReaderWriter(probe.ref(), 4 << 20));
        try (Socket peer = new Socket()) {
            peer.setReceiveBufferSize(8 << 10);
            peer.setSoTimeout((int) WAIT.toMillis());
            peer.connect(bound.localAddress());
            final ActorRef<Tcp.Command> connection = probe.expectMessageClass(Tcp.Connected.class, WAIT).connection();
            probe.expectMessage(new Tcp.WritingPaused(), WAIT); // the peer reads nothing: the queue fills
            final Tcp.ConnectionStats paused = connection.<Tcp.ConnectionStats>ask(Tcp.GetStats::new, WAIT)
                    .toCompletableFuture().join();
            assertTrue(paused.queuedBytes() <= max && paused.peakQueuedBytes() <= max, paused.toString());
            final InputStream in = peer.getInputStream();
            final byte[] all = in.readAllBytes(); // the writer closes after the last byte
            assertEquals(4 << 20, all.length);
            for (int i = 0; i < all.length; i++) {
                if (all[i] != (byte) i) {
                    throw new AssertionError("byte " + i + " is " + all[i] + ", expected " + (byte) i);
                }
            }
            final Tcp.ConnectionStats done = probe.expectMessageClass(Tcp.ConnectionStats.class, WAIT);
            assertTrue(done.peakQueuedBytes() <= max, "peak queued " + done.peakQueuedBytes() + " > bound " + max);
            assertTrue(done.peakQueuedBytes() >= (48 << 10), "the queue reached the high watermark: " + done);
            assertEquals(0, done.writesRejected(), "a writer that respects WritingPaused is never refused");
            assertEquals(4L << 20, done.bytesWritten());
        }
    }

    /**
     * Writes {@code total} bytes (byte i is (byte) i) in 4 KiB chunks with acks, at most 16 in
     * flight (64 KiB: never more than the bound), stopping on WritingPaused until WritingResumed;
     * then asks for the connection's stats (to the probe) and closes.
     */
    static final class SlowReaderWriter extends io.troupe.actors.Actor<Tcp.Event> {
        private static final int CHUNK = 4096;
        private static final int MAX_IN_FLIGHT = 16;

        private final ActorRef<Object> probe;
        private final int total;
        private ActorRef<Tcp.Command> connection;
        private int sent;
        private int inFlight;
        private boolean paused;
        private boolean reportedPause;
        private boolean finished;

        SlowReaderWriter(ActorRef<Object> probe, int total) {
            this.probe = probe;
            this.total = total;
        }

        @Override
        protected void receive(Tcp.Event event) {
            if (event instanceof Tcp.Connected c) {
                connection = c.connection();
                probe.tell(c);
            } else if (event instanceof Tcp.Ack) {
                inFlight--;
            } else if (event instanceof Tcp.WritingPaused p) {
                paused = true;
                if (!reportedPause) {
                    reportedPause = true;
                    probe.tell(p);
                }
            } else if (event instanceof Tcp.WritingResumed) {
                paused = false;
            } else if (event instanceof Tcp.WriteRejected r) {
                probe.tell(r);
            }
            writeSome();
        }

        private void writeSome() {
            while (!paused && sent < total && inFlight < MAX_IN_FLIGHT) {
                final int n = Math.min(CHUNK, total - sent);
                final byte[] chunk = new byte[n];
                for (int i = 0; i < n; i++) {
                    chunk[i] = (byte) (sent + i);
                }
                sent += n;
                inFlight++;
                connection.tell(Tcp.Write.of(chunk).withAck(sent));
            }
            if (sent == total && inFlight == 0 && !finished) {
                finished = true;
                connection.tell(new Tcp.GetStats(probe));
                connection.tell(new Tcp.Close());
            }
        }
    }
}
