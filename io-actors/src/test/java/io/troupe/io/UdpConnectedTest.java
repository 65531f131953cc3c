package io.troupe.io;

import static io.troupe.io.TestHandlers.ANY_LOCAL_PORT;
import static io.troupe.io.TestHandlers.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.ActorSystem;
import io.troupe.actors.testkit.TestProbe;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Connected mode: {@link Udp.Connect}, {@link Udp.Write}, {@link Udp.Disconnect} and ICMP error reports. */
class UdpConnectedTest extends BothDrivers {
    private ActorSystem system;

    @BeforeEach
    void start() {
        system = startSystem("udp-connected-test");
    }

    @AfterEach
    void stop() {
        system.close();
    }

    private Udp.Bound bind(TestProbe<Object> probe) {
        Udp.bind(system, ANY_LOCAL_PORT, probe.ref().narrow());
        return probe.expectMessageClass(Udp.Bound.class, WAIT);
    }

    private static Udp.Connected connect(TestProbe<Object> probe, Udp.Bound bound, SocketAddress remote) {
        bound.socket().tell(new Udp.Connect(remote));
        return probe.expectMessageClass(Udp.Connected.class, WAIT);
    }

    /** A plain JDK socket that fails instead of hanging when nothing arrives. */
    private static DatagramSocket plainSocket() throws Exception {
        final DatagramSocket s = new DatagramSocket(ANY_LOCAL_PORT);
        s.setSoTimeout((int) WAIT.toMillis());
        return s;
    }

    private static void sendFrom(DatagramSocket from, SocketAddress to, String text) throws Exception {
        final byte[] b = text.getBytes(StandardCharsets.UTF_8);
        from.send(new DatagramPacket(b, b.length, to));
    }

    /** An address on 127.0.0.1 where, a moment ago, a socket was bound and now none is. */
    private static InetSocketAddress closedPort() throws Exception {
        try (DatagramSocket s = new DatagramSocket(ANY_LOCAL_PORT)) {
            return (InetSocketAddress) s.getLocalSocketAddress();
        }
    }

    @Test
    void write_connectedToPeer_roundTripsWithPeer() {
        // A connected socket's Write reaches its peer from the socket's address, and the peer's reply comes back as a Datagram.
        final TestProbe<Object> a = TestProbe.create(system);
        final TestProbe<Object> b = TestProbe.create(system);
        final Udp.Bound boundA = bind(a);
        final Udp.Bound boundB = bind(b);
        final Udp.Connected connected = connect(a, boundA, boundB.localAddress());
        assertEquals(boundB.localAddress(), connected.remoteAddress());
        assertEquals(boundA.localAddress(), connected.localAddress());

        boundA.socket().tell(Udp.Write.utf8("ping"));
        final Udp.Datagram atB = b.expectMessageClass(Udp.Datagram.class, WAIT);
        assertEquals("ping", atB.utf8());
        assertEquals(boundA.localAddress(), atB.sender());

        boundB.socket().tell(Udp.Send.utf8(atB.sender(), "pong"));
        final Udp.Datagram atA = a.expectMessageClass(Udp.Datagram.class, WAIT);
        assertEquals("pong", atA.utf8());
        assertEquals(boundB.localAddress(), atA.sender());
    }

    @Test
    void receive_connectedAndThirdSocketSends_deliversOnlyThePeersDatagrams() throws Exception {
        // A datagram from an address other than the peer never reaches a connected socket's handler: the kernel refuses it.
        final TestProbe<Object> a = TestProbe.create(system);
        final Udp.Bound boundA = bind(a);
        try (DatagramSocket peer = plainSocket(); DatagramSocket intruder = plainSocket()) {
            connect(a, boundA, peer.getLocalSocketAddress());
            intruder.connect(boundA.localAddress()); // so the kernel tells it of the ICMP error its datagram causes
            sendFrom(intruder, boundA.localAddress(), "intruder");
            final DatagramPacket none = new DatagramPacket(new byte[16], 16);
            assertThrows(PortUnreachableException.class, () -> intruder.receive(none),
                    "no socket took the intruder's datagram, so the kernel answered port unreachable");

            sendFrom(peer, boundA.localAddress(), "from the peer");
            final Udp.Datagram d = a.expectMessageClass(Udp.Datagram.class, WAIT);
            assertEquals("from the peer", d.utf8(), "the first datagram delivered is the peer's");
            assertEquals(peer.getLocalSocketAddress(), d.sender());
        }
    }

    @Test
    void write_connectedToClosedPort_reportsPeerUnreachableAndStaysOpen() throws Exception {
        // An ICMP port unreachable for the connected peer reaches the handler as PeerUnreachable, and the socket stays usable.
        final TestProbe<Object> a = TestProbe.create(system);
        final Udp.Bound boundA = bind(a);
        final InetSocketAddress closed = closedPort();
        connect(a, boundA, closed);
        boundA.socket().tell(Udp.Write.utf8("anyone there?"));
        final Udp.PeerUnreachable unreachable = a.expectMessageClass(Udp.PeerUnreachable.class, WAIT);
        assertEquals(closed, unreachable.peer());
        assertInstanceOf(PortUnreachableException.class, unreachable.cause());

        final TestProbe<Object> b = TestProbe.create(system);
        final Udp.Bound boundB = bind(b);
        connect(a, boundA, boundB.localAddress());
        boundA.socket().tell(Udp.Write.utf8("still here"));
        assertEquals("still here", b.expectMessageClass(Udp.Datagram.class, WAIT).utf8());
    }

    @Test
    void disconnect_afterConnect_receivesFromAndSendsToAnyoneAgain() throws Exception {
        // After Disconnected the socket keeps its address, takes datagrams from any sender and sends to any address.
        final TestProbe<Object> a = TestProbe.create(system);
        final Udp.Bound boundA = bind(a);
        try (DatagramSocket peer = plainSocket(); DatagramSocket other = plainSocket()) {
            connect(a, boundA, peer.getLocalSocketAddress());
            boundA.socket().tell(new Udp.Disconnect());
            assertEquals(boundA.localAddress(), a.expectMessageClass(Udp.Disconnected.class, WAIT).localAddress());

            sendFrom(other, boundA.localAddress(), "hello from another");
            final Udp.Datagram d = a.expectMessageClass(Udp.Datagram.class, WAIT);
            assertEquals("hello from another", d.utf8());
            assertEquals(other.getLocalSocketAddress(), d.sender());

            boundA.socket().tell(Udp.Send.utf8(other.getLocalSocketAddress(), "reply"));
            final DatagramPacket p = new DatagramPacket(new byte[64], 64);
            other.receive(p);
            assertEquals("reply", new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void write_notConnected_answersCommandFailed() {
        // A Write on a socket that is not connected is refused with a reason that names the fix.
        final TestProbe<Object> a = TestProbe.create(system);
        final Udp.Bound boundA = bind(a);
        final Udp.Write write = Udp.Write.utf8("to whom?");
        boundA.socket().tell(write);
        final Udp.CommandFailed failed = a.expectMessageClass(Udp.CommandFailed.class, WAIT);
        assertSame(write, failed.command());
        assertTrue(failed.reason().contains("not connected"), failed.reason());
    }

    @Test
    void send_toAnotherAddressWhileConnected_answersCommandFailedAndKeepsThePeer() throws Exception {
        // A Send to an address other than the peer is refused with a reason naming the peer; the connection is unaffected.
        final TestProbe<Object> a = TestProbe.create(system);
        final TestProbe<Object> b = TestProbe.create(system);
        final Udp.Bound boundA = bind(a);
        final Udp.Bound boundB = bind(b);
        connect(a, boundA, boundB.localAddress());
        final Udp.Send elsewhere = Udp.Send.utf8(closedPort(), "elsewhere");
        boundA.socket().tell(elsewhere);
        final Udp.CommandFailed failed = a.expectMessageClass(Udp.CommandFailed.class, WAIT);
        assertSame(elsewhere, failed.command());
        assertTrue(failed.reason().contains(boundB.localAddress().toString()), failed.reason());

        boundA.socket().tell(Udp.Send.utf8(boundB.localAddress(), "to the peer by address"));
        assertEquals("to the peer by address", b.expectMessageClass(Udp.Datagram.class, WAIT).utf8());
    }

    @Test
    void connect_toAnotherPeerWhileConnected_switchesPeers() {
        // Connect on a connected socket moves it to the new peer: Connected names it and Writes go there.
        final TestProbe<Object> a = TestProbe.create(system);
        final TestProbe<Object> b = TestProbe.create(system);
        final TestProbe<Object> c = TestProbe.create(system);
        final Udp.Bound boundA = bind(a);
        final Udp.Bound boundB = bind(b);
        final Udp.Bound boundC = bind(c);
        connect(a, boundA, boundB.localAddress());
        assertEquals(boundC.localAddress(), connect(a, boundA, boundC.localAddress()).remoteAddress());
        boundA.socket().tell(Udp.Write.utf8("to c"));
        final Udp.Datagram atC = c.expectMessageClass(Udp.Datagram.class, WAIT);
        assertEquals("to c", atC.utf8());
        assertEquals(boundA.localAddress(), atC.sender());
    }

    @Test
    void connect_badRemote_throwsNamingTheParameter() {
        // Connect refuses a null or unresolved remote when built, naming the parameter.
        final NullPointerException npe = assertThrows(NullPointerException.class, () -> new Udp.Connect(null));
        assertEquals("remote", npe.getMessage());
        final IllegalArgumentException iae = assertThrows(IllegalArgumentException.class,
                () -> new Udp.Connect(InetSocketAddress.createUnresolved("peer.invalid", 9)));
        assertTrue(iae.getMessage().startsWith("remote must be resolved"), iae.getMessage());
    }

    @Test
    void write_oversizeDatagram_throwsNamingTheLimit() {
        // A Write over the UDP maximum is refused when built, naming the limit; one of exactly the maximum is accepted.
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Udp.Write(ByteBuffer.allocate(Udp.MAX_DATAGRAM_BYTES + 1)));
        assertTrue(e.getMessage().contains(String.valueOf(Udp.MAX_DATAGRAM_BYTES)), e.getMessage());
        assertEquals(Udp.MAX_DATAGRAM_BYTES, new Udp.Write(ByteBuffer.allocate(Udp.MAX_DATAGRAM_BYTES)).data().remaining());
    }
}
