package io.troupe.io;

import static io.troupe.io.TestHandlers.ANY_LOCAL_PORT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.testkit.TestProbe;
import io.troupe.io.tls.ExternalProcess;
import io.troupe.io.tls.TestCertificates;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * TLS for handler actors ({@link TcpOptions#withTls}): {@code openssl s_client} against an actor
 * echo handler reached through a message adapter, several MiB byte-exact both ways; our own actor
 * client against an actor server with read credit and watermark writes; read credit counting
 * Received messages of plaintext; Connected telling the handshake.
 */
@Timeout(120)
class TlsHandlerActorTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    /** Small queues, so that answered reads' reservations and the watermarks are exercised. */
    private static final TcpOptions SMALL_QUEUES = TcpOptions.defaults().withWriteQueue(128 << 10, 64 << 10, 16 << 10);

    private ActorSystem system;
    private final List<Process> processes = new ArrayList<>();

    @BeforeAll
    static void clientInstalled() {
        ExternalProcess.requireInstalled("openssl");
        TestCertificates.get();
    }

    @BeforeEach
    void start() {
        system = ActorSystem.create("tls-actors");
    }

    @AfterEach
    void stop() throws InterruptedException {
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        system.close();
    }

    private static TlsSettings server() {
        return TlsSettings.of(TestCertificates.get().serverContext()).withApplicationProtocols("troupe-test", "http/1.1");
    }

    /** The protocol of a session handler: socket events, adapted, beside messages of its own. */
    sealed interface SessionMsg {}

    record Net(Tcp.Event event) implements SessionMsg {}

    /** What the handler saw of the handshake. */
    record Established(String protocol, String alpn, String serverName, int peerCertificates) {}

    /** The handler's end: every byte it received, and how the connection ended. */
    record Finished(byte[] received, Tcp.ConnectionClosed why, int writesRejected) {}

    /**
     * Echoes with answered reads (write the answer, then ReadCredit(1)); closes (close_notify)
     * once it has echoed {@code expectBytes}; reports to the probe.
     */
    static final class EchoSession extends Actor<SessionMsg> {
        private static final Tcp.ReadCredit ONE_MORE = new Tcp.ReadCredit(1);
        private final ActorRef<Object> probe;
        private final long expectBytes;
        private final ByteArrayOutputStream received = new ByteArrayOutputStream();
        private ActorRef<Tcp.Command> connection;
        private int rejected;

        EchoSession(ActorRef<Object> probe, long expectBytes) {
            this.probe = probe;
            this.expectBytes = expectBytes;
        }

        @Override
        protected void receive(SessionMsg message) {
            final Tcp.Event event = ((Net) message).event();
            if (event instanceof Tcp.Connected c) {
                connection = c.connection();
                probe.tell(new Established(c.tls().protocol(), c.tls().applicationProtocol(), c.tls().serverName(),
                        c.tls().peerCertificates().size()));
            } else if (event instanceof Tcp.Received r) {
                received.writeBytes(r.toByteArray());
                connection.tell(Tcp.Write.of(r.data()));
                connection.tell(ONE_MORE);
                if (received.size() == expectBytes) {
                    connection.tell(new Tcp.Close());
                }
            } else if (event instanceof Tcp.WriteRejected) {
                rejected++;
            } else if (event instanceof Tcp.ConnectionClosed closed) {
                probe.tell(new Finished(received.toByteArray(), closed, rejected));
                context().stop(self());
            }
        }
    }

    private static byte[] randomBytes(int n, long seed) {
        final byte[] b = new byte[n];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    @ParameterizedTest
    @CsvSource({"-tls1_2, TLSv1.2", "-tls1_3, TLSv1.3"})
    void sClient_actorEchoThroughAnAdapter_4MiBByteExactBothWays_noWriteRefused(String flag, String protocol)
            throws Exception {
        // openssl s_client streams 4 MiB of random bytes (every byte value) to an echo handler actor bound with
        // withTls and a message adapter, answered reads, and a 128 KiB write queue. The handler hears Connected after the
        // handshake with what it settled, gets every byte in order, and has no write refused; s_client gets every byte
        // back in order, then the handler's close_notify ends it.
        final int size = 4 << 20;
        final byte[] input = randomBytes(size, 7);
        final TestProbe<Object> probe = TestProbe.create(system);
        final Tcp.Bound bound = Tcp.bind(system, ANY_LOCAL_PORT, SMALL_QUEUES.withAnsweredReads(16).withTls(server()),
                () -> new EchoSession(probe.ref(), size), Net::new).toCompletableFuture().join();
        final int port = ((InetSocketAddress) bound.localAddress()).getPort();

        final File out = File.createTempFile("s_client-out", ".bin");
        final File err = File.createTempFile("s_client-err", ".txt");
        out.deleteOnExit();
        err.deleteOnExit();
        final Process client = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + port, flag,
                "-quiet", "-nocommands", "-servername", "localhost", "-alpn", "troupe-test",
                "-CAfile", TestCertificates.get().certificatePem().toString(), "-verify_return_error")
                .redirectOutput(out).redirectError(err).start();
        processes.add(client);
        final Thread feeder = new Thread(() -> {
            try (OutputStream in = client.getOutputStream()) {
                for (int at = 0; at < size; at += 10_000) {
                    in.write(input, at, Math.min(10_000, size - at)); // in odd-sized pieces
                }
            } catch (IOException e) {
                // s_client ended early: the comparisons below say how
            }
        }, "s_client stdin");
        feeder.start();

        assertEquals(new Established(protocol, "troupe-test", "localhost", 0), probe.expectMessageClass(Established.class, WAIT));
        final Finished finished = probe.expectMessageClass(Finished.class, WAIT);
        assertTrue(client.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "s_client did not end after the close_notify");
        feeder.join(WAIT.toMillis());
        assertEquals(0, finished.writesRejected(), "echo writes refused");
        assertInstanceOf(Tcp.Closed.class, finished.why());
        assertArrayEquals(input, finished.received(), "what the handler received");
        final byte[] echoed = Files.readAllBytes(out.toPath());
        assertEquals(size, echoed.length, () -> "s_client got " + echoed.length + " bytes; its stderr:\n"
                + readQuietly(err));
        assertArrayEquals(input, echoed, "what s_client got back");
    }

    private static String readQuietly(File f) {
        try {
            return Files.readString(f.toPath(), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return e.toString();
        }
    }

    /**
     * A client handler: streams {@code sendBytes} of a seeded sequence in 16 KiB writes, at most
     * {@code MAX_IN_FLIGHT} unacknowledged and none while writing is paused; reads with credit
     * 1, granting one more per Received, and checks every byte against the same sequence; closes
     * when all has come back.
     */
    static final class StreamingClient extends Actor<Tcp.Event> {
        private static final int CHUNK = 16 << 10;
        private static final int MAX_IN_FLIGHT = 4;
        private static final Tcp.ReadCredit ONE_MORE = new Tcp.ReadCredit(1);
        private final ActorRef<Object> probe;
        private final byte[] data;
        private ActorRef<Tcp.Command> connection;
        private int sent;
        private int inFlight;
        private int received;
        private boolean paused;
        private int pauses;
        private int rejected;
        private String mismatch;

        StreamingClient(ActorRef<Object> probe, byte[] data) {
            this.probe = probe;
            this.data = data;
        }

        @Override
        protected void receive(Tcp.Event event) {
            if (event instanceof Tcp.Connected c) {
                connection = c.connection();
                probe.tell(new Established(c.tls().protocol(), c.tls().applicationProtocol(), c.tls().serverName(),
                        c.tls().peerCertificates().size()));
                writeMore();
            } else if (event instanceof Tcp.Ack) {
                inFlight--;
                writeMore();
            } else if (event instanceof Tcp.WritingPaused) {
                paused = true;
                pauses++;
            } else if (event instanceof Tcp.WritingResumed) {
                paused = false;
                writeMore();
            } else if (event instanceof Tcp.WriteRejected) {
                rejected++;
            } else if (event instanceof Tcp.Received r) {
                final byte[] got = r.toByteArray();
                for (int i = 0; i < got.length && mismatch == null; i++) {
                    if (received + i >= data.length || got[i] != data[received + i]) {
                        mismatch = "byte " + (received + i) + " differs";
                    }
                }
                received += got.length;
                connection.tell(ONE_MORE);
                if (received >= data.length) {
                    connection.tell(new Tcp.Close());
                }
            } else if (event instanceof Tcp.ConnectionClosed closed) {
                probe.tell(new StreamDone(sent, received, mismatch, rejected, pauses, closed));
                context().stop(self());
            }
        }

        private void writeMore() {
            while (!paused && inFlight < MAX_IN_FLIGHT && sent < data.length) {
                final int n = Math.min(CHUNK, data.length - sent);
                connection.tell(new Tcp.Write(ByteBuffer.wrap(data, sent, n), sent));
                sent += n;
                inFlight++;
            }
        }
    }

    /** A streaming client's end. */
    record StreamDone(int sent, int received, String mismatch, int writesRejected, int pauses, Tcp.ConnectionClosed why) {}

    @ParameterizedTest
    @CsvSource({"TLSv1.2", "TLSv1.3"})
    void ownActorClient_toActorEchoServer_creditReadsAndWatermarkWrites_everyByteBack(String protocol) {
        // Both ends are handler actors on withTls: the client connects to "localhost" (SNI, hostname verified),
        // streams 3 MiB with acked writes that stop on WritingPaused, and reads with credit 1; the server echoes with
        // answered reads. Connected tells each side the handshake (the client sees the server's certificate); every
        // byte comes back in order; no write is refused on either side.
        final int size = 3 << 20;
        final byte[] data = randomBytes(size, 11);
        final TestProbe<Object> serverProbe = TestProbe.create(system);
        final TestProbe<Object> clientProbe = TestProbe.create(system);
        final Tcp.Bound bound = Tcp.bind(system, ANY_LOCAL_PORT, SMALL_QUEUES.withAnsweredReads(16).withTls(server()),
                () -> new EchoSession(serverProbe.ref(), size), Net::new).toCompletableFuture().join();
        final int port = ((InetSocketAddress) bound.localAddress()).getPort();
        final TlsSettings clientTls = TlsSettings.of(TestCertificates.get().clientContext()).withProtocols(protocol)
                .withApplicationProtocols("troupe-test");
        final ActorRef<Tcp.Event> client = system.spawn(() -> new StreamingClient(clientProbe.ref(), data), "client");
        Tcp.connect(system, new InetSocketAddress("localhost", port), SMALL_QUEUES.withReadCredit(1).withTls(clientTls),
                WAIT, client);

        assertEquals(new Established(protocol, "troupe-test", "localhost", 1), clientProbe.expectMessageClass(Established.class, WAIT));
        assertEquals(new Established(protocol, "troupe-test", "localhost", 0), serverProbe.expectMessageClass(Established.class, WAIT));
        final StreamDone done = clientProbe.expectMessageClass(StreamDone.class, WAIT);
        assertEquals(null, done.mismatch());
        assertEquals(size, done.sent());
        assertEquals(size, done.received());
        assertEquals(0, done.writesRejected(), "client writes refused");
        final Finished finished = serverProbe.expectMessageClass(Finished.class, WAIT);
        assertEquals(0, finished.writesRejected(), "echo writes refused");
        assertArrayEquals(data, finished.received());
    }

    /** Forwards every event to the probe; grants credit only when told to. */
    static final class CreditHolder extends Actor<Object> {
        private final ActorRef<Object> probe;
        private ActorRef<Tcp.Command> connection;

        CreditHolder(ActorRef<Object> probe) {
            this.probe = probe;
        }

        @Override
        protected void receive(Object message) {
            if (message instanceof Tcp.Connected c) {
                connection = c.connection();
            }
            if (message instanceof Tcp.ReadCredit credit) {
                connection.tell(credit);
                return;
            }
            probe.tell(message);
        }
    }

    @Test
    void readCredit_countsReceivedMessagesOfPlaintext_restWaitsForCredit() throws Exception {
        // A server handler on withTls with read credit 2 gets exactly the first two TLS records' plaintext as two
        // Received, and nothing more (though the other three records have arrived) until it grants credit 3: then the
        // other three, in order.
        final TestProbe<Object> probe = TestProbe.create(system);
        final Tcp.Bound bound = Tcp.bind(system, ANY_LOCAL_PORT, TcpOptions.defaults().withReadCredit(2).withTls(server()),
                () -> new CreditHolder(probe.ref()), e -> e).toCompletableFuture().join();
        final List<String> lines = List.of("one\n", "two\n", "three\n", "four\n", "five\n");
        Tcp.connect(system, bound.localAddress(), TcpOptions.defaults(), WAIT, Tls.client(
                TlsSettings.of(TestCertificates.get().clientContext()), "localhost", new ConnectionStage() {
                    @Override
                    public void onConnected(Connection connection) {
                        for (String line : lines) { // five writes: five TLS records, in one turn
                            connection.write(ByteBuffer.wrap(line.getBytes(StandardCharsets.US_ASCII)));
                        }
                    }

                    @Override
                    public void onReceived(Connection connection, ByteBuffer data) {}
                }));
        final Tcp.Connected connected = probe.expectMessageClass(Tcp.Connected.class, WAIT);
        assertEquals("one\n", probe.expectMessageClass(Tcp.Received.class, WAIT).utf8());
        assertEquals("two\n", probe.expectMessageClass(Tcp.Received.class, WAIT).utf8());
        probe.expectNoMessage(Duration.ofMillis(300)); // no credit, no Received (the records are here: see below)
        connected.connection().tell(new Tcp.ReadCredit(3));
        assertEquals("three\n", probe.expectMessageClass(Tcp.Received.class, WAIT).utf8());
        assertEquals("four\n", probe.expectMessageClass(Tcp.Received.class, WAIT).utf8());
        assertEquals("five\n", probe.expectMessageClass(Tcp.Received.class, WAIT).utf8());
    }

    @Test
    void watermarkWrites_handlerPausedAndResumed_queueBounded_everyByteArrives() throws Exception {
        // A server handler on withTls writes 2 MiB to a client (our TLS client stage) that reads nothing until told: it
        // hears WritingPaused (watermarks count the encrypted bytes of its plaintext), stops; once the client reads, it
        // hears WritingResumed and finishes. The client gets every byte in order; no write is refused.
        final int size = 2 << 20;
        final byte[] data = randomBytes(size, 5);
        final TestProbe<Object> probe = TestProbe.create(system);
        final TcpOptions roomy = TcpOptions.defaults().withWriteQueue(512 << 10, 64 << 10, 16 << 10) // slack for writes in flight
                .withBufferSizes(32 << 10, 32 << 10); // small socket buffers: the queue fills, not the kernel
        final Tcp.Bound bound = Tcp.bind(system, ANY_LOCAL_PORT, roomy.withTls(server()),
                () -> new Pusher(probe.ref(), data), e -> e).toCompletableFuture().join();
        final TestProbe<Object> clientProbe = TestProbe.create(system);
        final SlowReader reader = new SlowReader(clientProbe.ref(), size);
        Tcp.connect(system, bound.localAddress(), SMALL_QUEUES.withBufferSizes(32 << 10, 32 << 10), WAIT,
                Tls.client(TlsSettings.of(TestCertificates.get().clientContext()), "localhost", reader));
        final PushState paused = probe.expectMessageClass(PushState.class, WAIT);
        assertEquals("paused", paused.what());
        assertTrue(paused.sent() < size, "paused before the end");
        final Connection clientConnection = (Connection) clientProbe.expectMessageClass(Connection.class, WAIT);
        clientConnection.execute(clientConnection::resumeReading);
        assertEquals("resumed", probe.expectMessageClass(PushState.class, WAIT).what());
        final byte[] got = (byte[]) clientProbe.expectMessageClass(byte[].class, WAIT);
        assertArrayEquals(data, got);
        final PushState end = probe.expectMessageClass(PushState.class, WAIT);
        assertEquals(new PushState("done", size, 0), new PushState(end.what(), end.sent(), end.rejected()));
    }

    /** A pusher's state change: paused, resumed, done; with what it had sent and how many writes were refused. */
    record PushState(String what, int sent, int rejected) {}

    /**
     * Writes its data in 8 KiB acknowledged writes, at most 16 unacknowledged, and none from
     * WritingPaused to WritingResumed; reports the first pause, the first resume, and the end.
     */
    static final class Pusher extends Actor<Object> {
        private static final int CHUNK = 8 << 10;
        private static final int MAX_IN_FLIGHT = 16;
        private final ActorRef<Object> probe;
        private final byte[] data;
        private ActorRef<Tcp.Command> connection;
        private int sent;
        private int acked;
        private int rejected;
        private boolean paused;
        private boolean toldPause;
        private boolean toldResume;

        Pusher(ActorRef<Object> probe, byte[] data) {
            this.probe = probe;
            this.data = data;
        }

        @Override
        protected void receive(Object message) {
            if (message instanceof Tcp.Connected c) {
                connection = c.connection();
                pushSome();
            } else if (message instanceof Tcp.WritingPaused) {
                paused = true;
                if (!toldPause) {
                    toldPause = true;
                    probe.tell(new PushState("paused", sent, rejected));
                }
            } else if (message instanceof Tcp.WritingResumed) {
                paused = false;
                if (toldPause && !toldResume) {
                    toldResume = true;
                    probe.tell(new PushState("resumed", sent, rejected));
                }
                pushSome();
            } else if (message instanceof Tcp.WriteRejected) {
                rejected++;
            } else if (message instanceof Tcp.Ack a) {
                acked = (Integer) a.token();
                if (acked == data.length) {
                    probe.tell(new PushState("done", sent, rejected));
                    connection.tell(new Tcp.Close());
                } else {
                    pushSome();
                }
            }
        }

        private void pushSome() {
            while (!paused && sent < data.length && sent - acked < MAX_IN_FLIGHT * CHUNK) {
                final int n = Math.min(CHUNK, data.length - sent);
                connection.tell(new Tcp.Write(ByteBuffer.wrap(data, sent, n), sent + n));
                sent += n;
            }
        }
    }

    /** A client stage that reads nothing until resumed from outside; then collects everything. */
    static final class SlowReader implements ConnectionStage {
        private final ActorRef<Object> probe;
        private final int expect;
        private final ByteArrayOutputStream got = new ByteArrayOutputStream();

        SlowReader(ActorRef<Object> probe, int expect) {
            this.probe = probe;
            this.expect = expect;
        }

        @Override
        public void onConnected(Connection connection) {
            connection.suspendReading();
            probe.tell(connection);
        }

        @Override
        public void onReceived(Connection connection, ByteBuffer data) {
            final byte[] b = new byte[data.remaining()];
            data.get(b);
            got.writeBytes(b);
            if (got.size() == expect) {
                probe.tell(got.toByteArray());
            }
        }
    }

    /** Tells the probe it holds reads once it has {@code holdBytes}; answers them all on "go", then at once. */
    static final class HoldingEcho extends Actor<Object> {
        private final ActorRef<Object> probe;
        private final int holdBytes;
        private final int expectBytes;
        private final List<Tcp.Received> held = new ArrayList<>();
        private ActorRef<Tcp.Command> connection;
        private boolean holding = true;
        private boolean toldHolding;
        private int received;
        private int rejected;

        HoldingEcho(ActorRef<Object> probe, int holdBytes, int expectBytes) {
            this.probe = probe;
            this.holdBytes = holdBytes;
            this.expectBytes = expectBytes;
        }

        @Override
        protected void receive(Object message) {
            if (message instanceof Tcp.Connected c) {
                connection = c.connection();
                probe.tell(self());
            } else if (message instanceof Tcp.Received r) {
                received += r.data().remaining();
                if (holding) {
                    held.add(r);
                    if (received >= holdBytes && !toldHolding) {
                        toldHolding = true;
                        probe.tell("holding");
                    }
                } else {
                    answer(r);
                }
            } else if ("go".equals(message)) {
                holding = false;
                held.forEach(this::answer);
                held.clear();
            } else if (message instanceof Tcp.WriteRejected) {
                rejected++;
            } else if (message instanceof Tcp.ConnectionClosed) {
                probe.tell(new PushState("closed", received, rejected));
                context().stop(self());
            }
        }

        private void answer(Tcp.Received r) {
            connection.tell(Tcp.Write.of(r.data()));
            connection.tell(new Tcp.ReadCredit(1));
            if (received == expectBytes && !holding) {
                connection.tell(new Tcp.Close());
            }
        }
    }

    @Test
    void answeredReads_handlerHoldsItsAnswers_readingStopsAtTheReservedRoom_noAnswerRefused() throws Exception {
        // Answered reads with a large credit (1000) and a 128 KiB queue: the handler holds the reads it gets without
        // answering; the connection stops reading once the room reserved for their answers (plaintext + a record's
        // overhead each) fills the queue, although credit is left. When the handler then answers everything at once,
        // no answer is refused, and the 1 MiB stream goes on to the end, every byte echoed.
        final int size = 1 << 20;
        final byte[] data = randomBytes(size, 3);
        final TestProbe<Object> probe = TestProbe.create(system);
        final Tcp.Bound bound = Tcp.bind(system, ANY_LOCAL_PORT, SMALL_QUEUES.withAnsweredReads(1000).withTls(server()),
                () -> new HoldingEcho(probe.ref(), 64 << 10, size), e -> e).toCompletableFuture().join();
        final TestProbe<Object> clientProbe = TestProbe.create(system);
        Tcp.connect(system, bound.localAddress(), TcpOptions.defaults(), WAIT,
                Tls.client(TlsSettings.of(TestCertificates.get().clientContext()), "localhost", new ConnectionStage() {
                    private int sent;
                    private final ByteArrayOutputStream got = new ByteArrayOutputStream();

                    @Override
                    public void onConnected(Connection connection) {
                        writeMore(connection);
                    }

                    @Override
                    public void onWritingResumed(Connection connection) {
                        writeMore(connection);
                    }

                    private void writeMore(Connection connection) {
                        while (sent < size && !connection.isWritingPaused()) {
                            final int n = Math.min(16 << 10, size - sent);
                            if (!connection.write(ByteBuffer.wrap(data, sent, n))) {
                                return;
                            }
                            sent += n;
                        }
                    }

                    @Override
                    public void onReceived(Connection connection, ByteBuffer b) {
                        final byte[] bytes = new byte[b.remaining()];
                        b.get(bytes);
                        got.writeBytes(bytes);
                        if (got.size() == size) {
                            clientProbe.ref().tell(got.toByteArray());
                        }
                    }
                }));
        @SuppressWarnings("unchecked")
        final ActorRef<Object> handler = (ActorRef<Object>) probe.expectMessageClass(ActorRef.class, WAIT);
        assertEquals("holding", probe.expectMessage(WAIT));
        probe.expectNoMessage(Duration.ofMillis(500)); // the window in which a connection without reservations reads on
        handler.tell("go");
        assertArrayEquals(data, (byte[]) clientProbe.expectMessageClass(byte[].class, WAIT));
        assertEquals(new PushState("closed", size, 0), probe.expectMessageClass(PushState.class, WAIT));
    }
}
