package io.troupe.io;

import static io.troupe.io.TestHandlers.ANY_LOCAL_PORT;
import static io.troupe.io.TestHandlers.WAIT;
import static io.troupe.io.TestHandlers.client;
import static io.troupe.io.TestHandlers.readFully;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.testkit.TestProbe;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Socket handlers of their own protocol (issue #10, point 1): {@code Tcp.bind}, {@code Tcp.connect}
 * and {@code Udp.bind} with an adapter from the socket's events, so one handler takes socket
 * events, messages from other actors and its own timers, with no cast and no forwarding actor.
 */
@Timeout(60)
class OwnProtocolHandlerTest extends BothDrivers {
    /** A chat-like session's protocol: socket events, room broadcasts, its own ticks. */
    sealed interface Msg {}

    record Net(Tcp.Event event) implements Msg {}

    record Broadcast(String line) implements Msg {}

    record Tick() implements Msg {}

    /** Registers with the room on connect; writes broadcasts and a tick to its client; tells the probe what it saw. */
    static final class Session extends Actor<Msg> {
        private final ActorRef<Object> room;
        private ActorRef<Tcp.Command> connection;

        Session(ActorRef<Object> room) {
            this.room = room;
        }

        @Override
        protected void receive(Msg msg) {
            if (msg instanceof Net n && n.event() instanceof Tcp.Connected c) {
                connection = c.connection();
                room.tell(self()); // the room broadcasts to this actor, in its own protocol
                context().timers().startSingleTimer("tick", new Tick(), Duration.ofMillis(1));
            } else if (msg instanceof Net n && n.event() instanceof Tcp.Received r) {
                room.tell("from client: " + r.utf8());
            } else if (msg instanceof Broadcast b) {
                connection.tell(Tcp.Write.utf8(b.line() + "\n"));
            } else if (msg instanceof Tick) {
                connection.tell(Tcp.Write.utf8("tick\n"));
            } else if (msg instanceof Net n && n.event() instanceof Tcp.ConnectionClosed) {
                context().stop(self());
            }
        }
    }

    @Test
    void tcpBind_handlerOfItsOwnProtocol_takesSocketEventsBroadcastsAndItsTimer() throws Exception {
        // The session gets Connected (as Net), writes its own timer's tick, relays what the client sends to the room,
        // and writes the room's broadcast, which arrives as a Broadcast from another actor: all in one actor.
        try (ActorSystem system = startSystem("own-protocol")) {
            final TestProbe<Object> room = TestProbe.create(system);
            final Tcp.Bound bound = Tcp.bind(system, ANY_LOCAL_PORT, TcpOptions.defaults(), () -> new Session(room.ref()),
                    Net::new).toCompletableFuture().join();
            try (Socket s = client(bound.localAddress())) {
                @SuppressWarnings("unchecked")
                final ActorRef<Msg> session = (ActorRef<Msg>) room.expectMessageClass(ActorRef.class, WAIT);
                assertEquals("tick\n", new String(readFully(s.getInputStream(), 5), StandardCharsets.UTF_8));
                s.getOutputStream().write("hi".getBytes(StandardCharsets.UTF_8));
                assertEquals("from client: hi", room.expectMessageClass(String.class, WAIT));
                session.tell(new Broadcast("welcome"));
                assertEquals("welcome\n", new String(readFully(s.getInputStream(), 8), StandardCharsets.UTF_8));
            }
        }
    }

    @Test
    void tcpConnect_andUdpBind_handlersOfTheirOwnProtocol_getEveryEventInOrder() throws Exception {
        // An outgoing connection and a UDP socket whose handlers speak List<Object>-wrapping protocols: every event
        // arrives converted, in the order produced.
        try (ActorSystem system = startSystem("own-protocol-out")) {
            final TestProbe<Object> probe = TestProbe.create(system);
            final Tcp.Bound echo = Tcp.serve(system, ANY_LOCAL_PORT, TcpOptions.defaults(),
                    () -> (connection, data) -> connection.write(data)).toCompletableFuture().join();
            final ActorRef<Msg> handler = system.spawn(Actor.<Msg>of((ctx, m) -> {
                if (m instanceof Net n && n.event() instanceof Tcp.Connected c) {
                    c.connection().tell(Tcp.Write.utf8("ping"));
                }
                probe.ref().tell(m);
            }), "out-handler");
            Tcp.connect(system, echo.localAddress(), TcpOptions.defaults(), WAIT, handler, Net::new);
            assertInstanceOf(Tcp.Connected.class, ((Net) probe.expectMessageClass(Net.class, WAIT)).event());
            final StringBuilder got = new StringBuilder();
            while (got.length() < 4) {
                got.append(((Tcp.Received) ((Net) probe.expectMessageClass(Net.class, WAIT)).event()).utf8());
            }
            assertEquals("ping", got.toString());

            record Udp1(Udp.Event event) {}
            final ActorRef<Udp1> udpHandler = system.spawn(Actor.<Udp1>of((ctx, m) -> probe.ref().tell(m)), "udp-handler");
            Udp.bind(system, ANY_LOCAL_PORT, UdpOptions.defaults(), udpHandler, Udp1::new);
            final Udp.Bound ub = (Udp.Bound) probe.expectMessageClass(Udp1.class, WAIT).event();
            final List<String> sent = new ArrayList<>();
            try (DatagramSocket peer = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
                for (int i = 0; i < 5; i++) {
                    final byte[] b = ("d" + i).getBytes(StandardCharsets.UTF_8);
                    sent.add("d" + i);
                    peer.send(new DatagramPacket(b, b.length, ub.localAddress()));
                }
                final List<String> got2 = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    got2.add(((Udp.Datagram) probe.expectMessageClass(Udp1.class, WAIT).event()).utf8());
                }
                assertEquals(sent, got2); // loopback keeps the order
            }
        }
    }
}
