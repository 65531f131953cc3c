package io.troupe.io;

import static io.troupe.io.TestHandlers.ANY_LOCAL_PORT;
import static io.troupe.io.TestHandlers.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.troupe.actors.ActorSystem;
import io.troupe.actors.testkit.TestProbe;
import java.net.BindException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class UdpTest {
    private ActorSystem system;

    @BeforeEach
    void start() {
        system = ActorSystem.create("udp-test");
    }

    @AfterEach
    void stop() {
        system.close();
    }

    private Udp.Bound bind(TestProbe<Object> probe) {
        Udp.bind(system, ANY_LOCAL_PORT, probe.ref().narrow());
        return probe.expectMessageClass(Udp.Bound.class, WAIT);
    }

    @Test
    void send_betweenTwoSockets_deliversDatagramWithSender() {
        // A datagram sent by one socket actor reaches another with the sender's address and the exact bytes.
        final TestProbe<Object> a = TestProbe.create(system);
        final TestProbe<Object> b = TestProbe.create(system);
        final Udp.Bound boundA = bind(a);
        final Udp.Bound boundB = bind(b);
        boundA.socket().tell(Udp.Send.utf8(boundB.localAddress(), "hello"));
        final Udp.Datagram d = b.expectMessageClass(Udp.Datagram.class, WAIT);
        assertEquals(boundA.localAddress(), d.sender());
        assertEquals("hello", d.utf8());
        boundB.socket().tell(Udp.Send.utf8(d.sender(), "hi back"));
        assertEquals("hi back", a.expectMessageClass(Udp.Datagram.class, WAIT).utf8());
    }

    @Test
    void bind_portInUse_answersBindFailed() throws Exception {
        // Binding a UDP port that is taken answers BindFailed with a BindException.
        try (DatagramSocket taken = new DatagramSocket(ANY_LOCAL_PORT)) {
            final TestProbe<Object> probe = TestProbe.create(system);
            Udp.bind(system, taken.getLocalSocketAddress(), probe.ref().narrow());
            assertInstanceOf(BindException.class, probe.expectMessageClass(Udp.BindFailed.class, WAIT).cause());
        }
    }

    @Test
    void unbind_releasesThePort() throws Exception {
        // After Unbound the port can be bound again.
        final TestProbe<Object> probe = TestProbe.create(system);
        final Udp.Bound bound = bind(probe);
        bound.socket().tell(new Udp.Unbind());
        probe.expectMessageClass(Udp.Unbound.class, WAIT);
        try (DatagramSocket again = new DatagramSocket(bound.localAddress())) {
            final byte[] buf = "x".getBytes(StandardCharsets.UTF_8);
            again.send(new DatagramPacket(buf, buf.length, (InetSocketAddress) again.getLocalSocketAddress()));
        }
    }

    @Test
    void receive_manyDatagramsFromPlainSocket_allArriveIntact() throws Exception {
        // Datagrams from a plain JDK socket arrive as Datagram messages, each intact (loopback does not drop at this rate).
        final TestProbe<Object> probe = TestProbe.create(system);
        final Udp.Bound bound = bind(probe);
        try (DatagramSocket sender = new DatagramSocket(ANY_LOCAL_PORT)) {
            for (int i = 0; i < 100; i++) {
                final byte[] buf = ("datagram-" + i).getBytes(StandardCharsets.UTF_8);
                sender.send(new DatagramPacket(buf, buf.length, bound.localAddress()));
            }
            for (int i = 0; i < 100; i++) {
                final Udp.Datagram d = probe.expectMessageClass(Udp.Datagram.class, WAIT);
                assertEquals("datagram-" + i, d.utf8());
                assertEquals(sender.getLocalSocketAddress(), d.sender());
            }
        }
    }
}
