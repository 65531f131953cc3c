package io.troupe.io;

import static io.troupe.io.TestHandlers.ANY_LOCAL_PORT;
import static io.troupe.io.TestHandlers.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.ActorSystem;
import io.troupe.actors.testkit.TestProbe;
import java.net.BindException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class UdpTest extends BothDrivers {
    private ActorSystem system;

    @BeforeEach
    void start() {
        system = startSystem("udp-test");
    }

    @AfterEach
    void stop() {
        system.close();
    }

    private Udp.Bound bind(TestProbe<Object> probe) {
        Udp.bind(system, ANY_LOCAL_PORT, probe.ref().narrow());
        return probe.expectMessageClass(Udp.Bound.class, WAIT);
    }

    private Udp.Bound bind(TestProbe<Object> probe, InetSocketAddress address, UdpOptions options) {
        Udp.bind(system, address, options, probe.ref().narrow());
        return probe.expectMessageClass(Udp.Bound.class, WAIT);
    }

    private static UdpOptions queryOptions(TestProbe<Object> probe, Udp.Bound bound) {
        bound.socket().tell(new Udp.QueryOptions());
        return probe.expectMessageClass(Udp.EffectiveOptions.class, WAIT).options();
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

    @Test
    void bind_withOptions_setsThemOnTheSocket() {
        // The options given to bind are on the socket, as read back from the kernel (which may enlarge buffer sizes).
        final TestProbe<Object> probe = TestProbe.create(system);
        final UdpOptions asked = UdpOptions.defaults()
                .withReuseAddress(true)
                .withBroadcast(true)
                .withBufferSizes(64 * 1024, 128 * 1024);
        final UdpOptions effective = queryOptions(probe, bind(probe, ANY_LOCAL_PORT, asked));
        assertTrue(effective.reuseAddress());
        assertTrue(effective.broadcast());
        assertTrue(effective.sendBufferBytes() >= 64 * 1024, effective.toString());
        assertTrue(effective.receiveBufferBytes() >= 128 * 1024, effective.toString());
    }

    @Test
    void bind_defaultOptions_leavesReuseAndBroadcastOff() {
        // A socket bound without options has SO_REUSEADDR and SO_BROADCAST off and the kernel's buffer sizes.
        final TestProbe<Object> probe = TestProbe.create(system);
        final UdpOptions effective = queryOptions(probe, bind(probe));
        assertFalse(effective.reuseAddress());
        assertFalse(effective.broadcast());
        assertTrue(effective.sendBufferBytes() > 0 && effective.receiveBufferBytes() > 0, effective.toString());
    }

    @Test
    void bind_reuseAddressOnBothSockets_bothBindTheSamePort() {
        // SO_REUSEADDR is set before the bind: two sockets that both ask for it share one address and port.
        final TestProbe<Object> first = TestProbe.create(system);
        final TestProbe<Object> second = TestProbe.create(system);
        final UdpOptions reuse = UdpOptions.defaults().withReuseAddress(true);
        final Udp.Bound one = bind(first, ANY_LOCAL_PORT, reuse);
        final Udp.Bound two = bind(second, (InetSocketAddress) one.localAddress(), reuse);
        assertEquals(one.localAddress(), two.localAddress());
    }

    @Test
    void send_toLoopbackBroadcast_needsBroadcastOption() throws Exception {
        // A datagram to 127.255.255.255 is refused by the kernel without SO_BROADCAST and delivered with it.
        final TestProbe<Object> receiver = TestProbe.create(system);
        final Udp.Bound listening = bind(receiver, new InetSocketAddress("0.0.0.0", 0), UdpOptions.defaults());
        final InetSocketAddress broadcast = new InetSocketAddress("127.255.255.255",
                ((InetSocketAddress) listening.localAddress()).getPort());

        final TestProbe<Object> plain = TestProbe.create(system);
        final Udp.Send refused = Udp.Send.utf8(broadcast, "refused");
        bind(plain).socket().tell(refused);
        final Udp.CommandFailed failed = plain.expectMessageClass(Udp.CommandFailed.class, WAIT);
        assertSame(refused, failed.command());

        final TestProbe<Object> allowed = TestProbe.create(system);
        bind(allowed, ANY_LOCAL_PORT, UdpOptions.defaults().withBroadcast(true)).socket()
                .tell(Udp.Send.utf8(broadcast, "to all on lo"));
        assertEquals("to all on lo", receiver.expectMessageClass(Udp.Datagram.class, WAIT).utf8());
    }

    @Test
    void send_maxSizeDatagram_arrivesWhole() {
        // A datagram of exactly the UDP maximum is sent and received whole.
        final TestProbe<Object> a = TestProbe.create(system);
        final TestProbe<Object> b = TestProbe.create(system);
        final Udp.Bound boundA = bind(a);
        final Udp.Bound boundB = bind(b);
        final byte[] bytes = new byte[Udp.MAX_DATAGRAM_BYTES];
        bytes[bytes.length - 1] = 42;
        boundA.socket().tell(new Udp.Send(boundB.localAddress(), ByteBuffer.wrap(bytes)));
        final Udp.Datagram d = b.expectMessageClass(Udp.Datagram.class, WAIT);
        assertEquals(Udp.MAX_DATAGRAM_BYTES, d.data().remaining());
        assertEquals(42, d.data().get(Udp.MAX_DATAGRAM_BYTES - 1));
    }

    @Test
    void send_oversizeDatagram_throwsNamingTheLimit() {
        // A Send over the UDP maximum is refused when built, with the limit in the message.
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Udp.Send(ANY_LOCAL_PORT, ByteBuffer.allocate(Udp.MAX_DATAGRAM_BYTES + 1)));
        assertTrue(e.getMessage().contains(String.valueOf(Udp.MAX_DATAGRAM_BYTES)), e.getMessage());
    }

    @Test
    void bindAndSend_nullArguments_throwNamingTheParameter() {
        // Null arguments are refused at once with the parameter's name.
        final TestProbe<Object> probe = TestProbe.create(system);
        assertEquals("address", assertThrows(NullPointerException.class,
                () -> Udp.bind(system, null, probe.ref().narrow())).getMessage());
        assertEquals("options", assertThrows(NullPointerException.class,
                () -> Udp.bind(system, ANY_LOCAL_PORT, null, probe.ref().narrow())).getMessage());
        assertEquals("to", assertThrows(NullPointerException.class, () -> Udp.Send.utf8(null, "x")).getMessage());
    }

    @Test
    void withBufferSizes_negative_throwsNamingBoth() {
        // Negative buffer sizes are refused with both values and the meaning of 0 in the message.
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> UdpOptions.defaults().withBufferSizes(-1, 0));
        assertTrue(e.getMessage().contains("sendBufferBytes=-1") && e.getMessage().contains("0 keeps the OS default"),
                e.getMessage());
    }
}
