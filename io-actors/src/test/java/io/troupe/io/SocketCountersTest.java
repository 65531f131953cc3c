package io.troupe.io;

import static io.troupe.io.TestHandlers.ANY_LOCAL_PORT;
import static io.troupe.io.TestHandlers.WAIT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.troupe.actors.ActorSystem;
import io.troupe.actors.testkit.TestProbe;
import io.troupe.io.internal.BoundedWait;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The socket counters (issue 15) follow each kind of socket exactly: "listeners open" counts TCP
 * listeners from bind until the port is released, "udp sockets open" UDP sockets likewise, and
 * neither moves "sockets open", which counts connections.
 */
@Timeout(60)
class SocketCountersTest extends BothDrivers {

    /** The three socket counters, read once: listeners, UDP sockets, connections. */
    private static List<Long> read(ActorSystem system) {
        final Map<String, Long> c = system.counterValues();
        return List.of(c.get("listeners open"), c.get("udp sockets open"), c.get("sockets open"));
    }

    private static Tcp.Bound listen(ActorSystem system) throws Exception {
        return Tcp.bind(system, ANY_LOCAL_PORT, TcpOptions.defaults(), TestHandlers.Echo::new)
                .toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static Udp.Bound bindUdp(ActorSystem system, TestProbe<Object> handler) {
        Udp.bind(system, ANY_LOCAL_PORT, handler.ref().narrow());
        return handler.expectMessageClass(Udp.Bound.class, WAIT);
    }

    @Test
    void listenersAndUdpSockets_countedFromBindUntilReleased_inOrder() throws Exception {
        // Two listeners and two UDP sockets opened in turn, then closed in turn (each close waits for its Unbound,
        // told once the port is released), while one connection to the first listener stays open (so that listener
        // actor lives on after its Unbound, and only the release can have counted it closed): listeners read
        // 0,1,1,1,2,2,1,1,0,0,0, UDP sockets 0,0,1,1,1,2,2,1,1,0,0, connections 0,0,0,1,1,1,1,1,1,1,0.
        final List<Long> listeners = new ArrayList<>();
        final List<Long> udp = new ArrayList<>();
        final List<Long> connections = new ArrayList<>();
        try (ActorSystem system = startSystem("socket-counters", 2)) {
            final Runnable sample = () -> {
                final List<Long> v = read(system);
                listeners.add(v.get(0));
                udp.add(v.get(1));
                connections.add(v.get(2));
            };
            final TestProbe<Object> unbound = TestProbe.create(system);
            final TestProbe<Object> udpA = TestProbe.create(system);
            final TestProbe<Object> udpB = TestProbe.create(system);
            sample.run();
            final Tcp.Bound l1 = listen(system);
            sample.run();
            final Udp.Bound u1 = bindUdp(system, udpA);
            sample.run();
            try (Socket client = TestHandlers.client(l1.localAddress())) {
                final byte[] ping = "ping".getBytes(StandardCharsets.US_ASCII);
                client.getOutputStream().write(ping);
                assertArrayEquals(ping, TestHandlers.readFully(client.getInputStream(), ping.length));
                BoundedWait.until(() -> read(system).get(2) == 1, WAIT, () -> "the connection counted: " + read(system));
                sample.run();
                final Tcp.Bound l2 = listen(system);
                sample.run();
                final Udp.Bound u2 = bindUdp(system, udpB);
                sample.run();
                l1.listener().tell(new Tcp.Unbind(unbound.ref()));
                unbound.expectMessageClass(Tcp.Unbound.class, WAIT);
                sample.run();
                u1.socket().tell(new Udp.Unbind());
                udpA.expectMessageClass(Udp.Unbound.class, WAIT);
                sample.run();
                l2.listener().tell(new Tcp.Unbind(unbound.ref()));
                unbound.expectMessageClass(Tcp.Unbound.class, WAIT);
                sample.run();
                u2.socket().tell(new Udp.Unbind());
                udpB.expectMessageClass(Udp.Unbound.class, WAIT);
                sample.run();
            }
            BoundedWait.until(() -> read(system).get(2) == 0, WAIT, () -> "the connection closed: " + read(system));
            sample.run();
        }
        assertEquals(List.of(0L, 1L, 1L, 1L, 2L, 2L, 1L, 1L, 0L, 0L, 0L), listeners, "listeners open");
        assertEquals(List.of(0L, 0L, 1L, 1L, 1L, 2L, 2L, 1L, 1L, 0L, 0L), udp, "udp sockets open");
        assertEquals(List.of(0L, 0L, 0L, 1L, 1L, 1L, 1L, 1L, 1L, 1L, 0L), connections, "sockets open (connections)");
    }

    @Test
    void udpSocket_countedClosed_whenItStopsWithItsHandler() throws Exception {
        // A UDP socket whose handler stops stops too, with no Unbind: once it has terminated, "udp sockets open"
        // reads 0 again (1 before).
        try (ActorSystem system = startSystem("socket-counters-handler", 2)) {
            final TestProbe<Object> handler = TestProbe.create(system);
            final TestProbe<Object> watcher = TestProbe.create(system);
            final Udp.Bound bound = bindUdp(system, handler);
            final long open = read(system).get(1);
            system.stop(handler.ref()).toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            watcher.expectTerminated(bound.socket(), WAIT);
            assertEquals(List.of(1L, 0L), List.of(open, read(system).get(1)), "udp sockets open, before and after");
        }
    }

    @Test
    void socketsLeftOpen_areCountedClosed_whenTheSystemStops() throws Exception {
        // A listener and a UDP socket never unbound: both counted open (1, 1), and closed (0, 0) once the system has
        // stopped them with its actors.
        final ActorSystem system = startSystem("socket-counters-left", 2);
        final List<Long> open;
        try {
            listen(system);
            bindUdp(system, TestProbe.create(system));
            open = read(system);
        } finally {
            system.close();
        }
        assertEquals(List.of(1L, 1L, 0L), open, "listeners, udp sockets, connections while open");
        assertEquals(List.of(0L, 0L, 0L), read(system), "after the system stopped");
    }
}
