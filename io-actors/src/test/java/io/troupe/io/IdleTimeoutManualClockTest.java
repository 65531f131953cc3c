package io.troupe.io;

import static io.troupe.io.TestHandlers.ANY_LOCAL_PORT;
import static io.troupe.io.TestHandlers.WAIT;
import static io.troupe.io.TestHandlers.client;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.ActorSystem;
import io.troupe.actors.testkit.TestProbe;
import io.troupe.io.TestHandlers.Forwarder;
import io.troupe.io.TestHandlers.HandlerStarted;
import io.troupe.timers.ManualClock;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The idle timeout measured on the actor system's clock: deterministic on a ManualClock. */
class IdleTimeoutManualClockTest extends BothDrivers {
    @Test
    void idleTimeout_manualClock_trafficRestartsItAndSilenceCloses() throws Exception {
        // Traffic within the idle timeout keeps the connection open (the check re-arms instead of closing); a full idle period on the clock closes it, with the reason.
        final ManualClock clock = new ManualClock();
        try (ActorSystem system = drivenBy(ActorSystem.builder("idle-manual").clock(clock).deadLetterLogsPerSecond(0).build(),
                IoSettings.defaults().withDriver(driver))) {
            final TestProbe<Object> probe = TestProbe.create(system);
            final int idleTimers = clock.pendingTimers();
            final Tcp.Bound bound = Tcp.bind(system, ANY_LOCAL_PORT, TcpOptions.defaults().withIdleTimeout(Duration.ofSeconds(30)),
                    Forwarder.to(probe.ref())).toCompletableFuture().join();
            try (Socket peer = client(bound.localAddress())) {
                probe.expectMessageClass(HandlerStarted.class, WAIT);
                probe.expectMessageClass(Tcp.Connected.class, WAIT);
                assertTrue(clock.awaitPendingTimers(idleTimers + 1, WAIT), "the idle check was scheduled");
                clock.advance(Duration.ofSeconds(30).minusNanos(1));
                peer.getOutputStream().write('x'); // traffic at 29.999...s restarts the idle period
                assertEquals(ByteBufferText.of('x'), ByteBufferText.of(probe.expectMessageClass(Tcp.Received.class, WAIT)));
                clock.advance(Duration.ofSeconds(29)); // 29 s after the traffic: still open
                assertTrue(clock.awaitPendingTimers(idleTimers + 1, WAIT), "the idle check re-armed: the connection is still open");
                clock.advance(Duration.ofSeconds(1)); // now 30 s without traffic
                final Tcp.ErrorClosed closed = probe.expectMessageClass(Tcp.ErrorClosed.class, WAIT);
                assertInstanceOf(SocketTimeoutException.class, closed.cause());
                assertTrue(closed.cause().getMessage().contains("idleTimeout"), closed.cause().getMessage());
                assertEquals(-1, peer.getInputStream().read());
            }
        }
    }

    /** The bytes of a Received as a string, for comparison. */
    private static final class ByteBufferText {
        static String of(char c) {
            return String.valueOf(c);
        }

        static String of(Tcp.Received r) {
            final java.nio.ByteBuffer b = r.data().duplicate();
            final byte[] bytes = new byte[b.remaining()];
            b.get(bytes);
            return new String(bytes, java.nio.charset.StandardCharsets.US_ASCII);
        }
    }
}
