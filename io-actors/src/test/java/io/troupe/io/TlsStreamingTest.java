package io.troupe.io;

import static io.troupe.io.TestHandlers.ANY_LOCAL_PORT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.ActorSystem;
import io.troupe.actors.testkit.TestProbe;
import io.troupe.io.TlsTestStages.Done;
import io.troupe.io.TlsTestStages.PatternPeer;
import io.troupe.io.TlsTestStages.PeerClosedSeen;
import io.troupe.io.TlsTestStages.ReportingEcho;
import io.troupe.io.TlsTestStages.Settled;
import io.troupe.io.tls.TestCertificates;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Our TLS client stage against our TLS server stage, with both I/O drivers and both TLS 1.2 and
 * 1.3: several MB streamed in random-sized writes, every byte compared, with back-pressure on
 * small write queues, and close_notify both ways at the end.
 */
@Timeout(120)
class TlsStreamingTest extends BothDrivers {
    private static final Duration WAIT = Duration.ofSeconds(20);
    /** Small queues, so that back-pressure and the TLS stage's record backlog are exercised. */
    private static final TcpOptions SMALL_QUEUES = TcpOptions.defaults().withWriteQueue(128 << 10, 64 << 10, 16 << 10);

    private static TlsSettings server() {
        return TlsSettings.of(TestCertificates.get().serverContext()).withApplicationProtocols("troupe-test", "http/1.1");
    }

    private static TlsSettings client(String protocol) {
        return TlsSettings.of(TestCertificates.get().clientContext()).withProtocols(protocol)
                .withApplicationProtocols("troupe-test");
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.2", "TLSv1.3"})
    void echo_4MiBInRandomChunks_everyByteBack_noWriteRefused_closeNotifyBothWays(String protocol) throws Exception {
        // The client streams 4 MiB through a TLS echo server and checks every echoed byte; the echo never has a write
        // refused (reading is coupled to the queue through the TLS stage). Then the client shuts its output
        // (close_notify), the server hears onPeerClosed with the close_notify and closes (its close_notify), the client
        // hears onPeerClosed with the close_notify: both end Closed.
        final long bytes = 4L << 20;
        try (ActorSystem system = startSystem("tls-echo")) {
            final TestProbe<Object> serverProbe = TestProbe.create(system);
            final TestProbe<Object> clientProbe = TestProbe.create(system);
            final AtomicInteger refused = new AtomicInteger();
            final Tcp.Bound bound = Tcp.serve(system, ANY_LOCAL_PORT, SMALL_QUEUES,
                    Tls.server(server(), () -> new ReportingEcho(serverProbe.ref(), refused))).toCompletableFuture().join();
            Tcp.connect(system, bound.localAddress(), SMALL_QUEUES, WAIT, Tls.client(client(protocol), "localhost",
                    new PatternPeer(clientProbe.ref(), 42, bytes, 42, bytes, true)));

            final Settled settled = new Settled(protocol, "troupe-test", "localhost");
            assertEquals(settled, clientProbe.expectMessageClass(Settled.class, WAIT));
            assertEquals(settled, serverProbe.expectMessageClass(Settled.class, WAIT));
            assertEquals(new Done(bytes, bytes, null), clientProbe.expectMessageClass(Done.class, WAIT));
            assertEquals(new PeerClosedSeen(true, bytes), serverProbe.expectMessageClass(PeerClosedSeen.class, WAIT));
            assertInstanceOf(Tcp.Closed.class, serverProbe.expectMessageClass(Tcp.ConnectionClosed.class, WAIT));
            assertEquals(new PeerClosedSeen(true, bytes), clientProbe.expectMessageClass(PeerClosedSeen.class, WAIT));
            assertInstanceOf(Tcp.Closed.class, clientProbe.expectMessageClass(Tcp.ConnectionClosed.class, WAIT));
            assertEquals(0, refused.get(), "echo writes refused");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.2", "TLSv1.3"})
    void bothDirectionsAtOnce_differentStreams_everyByteChecked_closeNotifyBothWays(String protocol) throws Exception {
        // The server streams 3 MiB to the client while the client streams 5 MiB to the server, each its own sequence,
        // each checked byte by byte on arrival; then the client's close_notify, the server's answer, both Closed.
        final long toClient = 3L << 20;
        final long toServer = 5L << 20;
        try (ActorSystem system = startSystem("tls-duplex")) {
            final TestProbe<Object> serverProbe = TestProbe.create(system);
            final TestProbe<Object> clientProbe = TestProbe.create(system);
            final Tcp.Bound bound = Tcp.serve(system, ANY_LOCAL_PORT, SMALL_QUEUES,
                    Tls.server(server(), () -> new PatternPeer(serverProbe.ref(), 7, toClient, 8, toServer, false)))
                    .toCompletableFuture().join();
            Tcp.connect(system, bound.localAddress(), TcpOptions.defaults(), WAIT, Tls.client(client(protocol), "localhost",
                    new PatternPeer(clientProbe.ref(), 8, toServer, 7, toClient, true)));

            assertEquals(protocol, clientProbe.expectMessageClass(Settled.class, WAIT).protocol());
            assertEquals(protocol, serverProbe.expectMessageClass(Settled.class, WAIT).protocol());
            assertEquals(new Done(toServer, toClient, null), clientProbe.expectMessageClass(Done.class, WAIT));
            assertEquals(new Done(toClient, toServer, null), serverProbe.expectMessageClass(Done.class, WAIT));
            assertEquals(new PeerClosedSeen(true, toServer), serverProbe.expectMessageClass(PeerClosedSeen.class, WAIT));
            assertInstanceOf(Tcp.Closed.class, serverProbe.expectMessageClass(Tcp.ConnectionClosed.class, WAIT));
            assertEquals(new PeerClosedSeen(true, toClient), clientProbe.expectMessageClass(PeerClosedSeen.class, WAIT));
            final Tcp.ConnectionClosed clientEnd = clientProbe.expectMessageClass(Tcp.ConnectionClosed.class, WAIT);
            assertInstanceOf(Tcp.Closed.class, clientEnd, String.valueOf(clientEnd));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.2", "TLSv1.3"})
    void echoThatSuspendsAfterEveryRead_resumesNextTurn_everyByteBackInOrder(String protocol) throws Exception {
        // The inner stage suspends reading after each plaintext read and resumes in a later turn (execute): what the
        // socket read meanwhile waits in the TLS stage (a stash) and is delivered first, in order; 2 MiB byte-exact.
        final long bytes = 2L << 20;
        try (ActorSystem system = startSystem("tls-suspend")) {
            final TestProbe<Object> clientProbe = TestProbe.create(system);
            final AtomicInteger refused = new AtomicInteger();
            final Tcp.Bound bound = Tcp.serve(system, ANY_LOCAL_PORT, SMALL_QUEUES, Tls.server(server(), () -> (connection, data) -> {
                if (!connection.write(data)) {
                    refused.incrementAndGet();
                }
                connection.suspendReading();
                connection.execute(connection::resumeReading);
            })).toCompletableFuture().join();
            Tcp.connect(system, bound.localAddress(), SMALL_QUEUES, WAIT, Tls.client(client(protocol), "localhost",
                    new PatternPeer(clientProbe.ref(), 5, bytes, 5, bytes, true)));
            clientProbe.expectMessageClass(Settled.class, WAIT);
            assertEquals(new Done(bytes, bytes, null), clientProbe.fishForMessage(WAIT, m -> m instanceof Done));
            assertEquals(0, refused.get(), "echo writes refused");
        }
    }

    @Test
    void innerSuspendsReading_socketReadingStops_tlsStageBuffersAtMostOneRead() throws Exception {
        // A server whose inner stage suspends reading at its first read and never resumes: the client streams until
        // its own write queue pauses (the network is full). By then the server's socket has read no more than the
        // handshake and about one read chunk: the TLS stage stopped the socket instead of buffering records.
        try (ActorSystem system = startSystem("tls-bounded")) {
            final TestProbe<Object> clientProbe = TestProbe.create(system);
            final TestProbe<Object> statsProbe = TestProbe.create(system);
            final java.util.concurrent.CompletableFuture<io.troupe.actors.ActorRef<Tcp.Command>> serverSide =
                    new java.util.concurrent.CompletableFuture<>();
            final Tcp.Bound bound = Tcp.serve(system, ANY_LOCAL_PORT, TcpOptions.defaults(), Tls.server(server(), () -> (connection, data) -> {
                connection.suspendReading();
                serverSide.complete(connection.self());
            })).toCompletableFuture().join();
            Tcp.connect(system, bound.localAddress(), TcpOptions.defaults(), WAIT, Tls.client(client("TLSv1.3"), "localhost",
                    new PatternPeer(clientProbe.ref(), 3, 64L << 20, 4, 0, false)));
            clientProbe.expectMessageClass(Settled.class, WAIT);
            final long sentWhenPaused = clientProbe.expectMessageClass(TlsTestStages.WritingPausedAt.class, WAIT).sent();
            serverSide.get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS).tell(new Tcp.GetStats(statsProbe.ref()));
            final Tcp.ConnectionStats stats = statsProbe.expectMessageClass(Tcp.ConnectionStats.class, WAIT);
            assertTrue(stats.bytesRead() <= 96 << 10, "the server read " + stats.bytesRead() + " bytes while its inner stage"
                    + " had suspended reading (the client had sent " + sentWhenPaused + ")");
            assertTrue(sentWhenPaused > 2 * stats.bytesRead(), "the client was not held back by the network: sent "
                    + sentWhenPaused + ", server read " + stats.bytesRead());
        }
    }
}
