package io.troupe.io;

import static io.troupe.io.TestHandlers.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.testkit.TestProbe;
import io.troupe.io.TestHandlers.Echo;
import io.troupe.io.TestHandlers.Forwarder;
import io.troupe.io.TestHandlers.HandlerStarted;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnixDomainTest extends BothDrivers {
    @TempDir
    Path dir;
    private ActorSystem system;

    @BeforeEach
    void start() {
        system = startSystem("unix-test");
    }

    @AfterEach
    void stop() {
        system.close();
    }

    @Test
    void bind_unixSocket_echoesAndUnbindRemovesTheFile() throws Exception {
        // A Unix-domain listener serves stream connections like TCP, and unbinding deletes its socket file.
        final UnixDomainSocketAddress address = UnixDomainSocketAddress.of(dir.resolve("echo.sock"));
        final Tcp.Bound bound = Tcp.bind(system, address, TcpOptions.defaults(), Echo::new).toCompletableFuture().join();
        assertTrue(Files.exists(address.getPath()));
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(address);
            c.write(ByteBuffer.wrap("over a file".getBytes(StandardCharsets.UTF_8)));
            final ByteBuffer back = ByteBuffer.allocate(11);
            while (back.hasRemaining() && c.read(back) >= 0) {
                // read until full
            }
            assertEquals("over a file", new String(back.array(), StandardCharsets.UTF_8));
        }
        bound.unbind(WAIT).toCompletableFuture().join();
        assertFalse(Files.exists(address.getPath()), "the socket file is removed on unbind");
    }

    @Test
    void connect_unixSocket_connectsAndExchangesBytes() throws Exception {
        // Tcp.connect to a Unix-domain address connects a stream and carries bytes both ways.
        final UnixDomainSocketAddress address = UnixDomainSocketAddress.of(dir.resolve("srv.sock"));
        Tcp.bind(system, address, TcpOptions.defaults(), Echo::new).toCompletableFuture().join();
        final TestProbe<Object> probe = TestProbe.create(system);
        final ActorRef<Tcp.Event> handler = system.spawn(Forwarder.to(probe.ref()), "unix-client");
        probe.expectMessageClass(HandlerStarted.class, WAIT);
        Tcp.connect(system, address, TcpOptions.defaults(), WAIT, handler);
        final Tcp.Connected c = probe.expectMessageClass(Tcp.Connected.class, WAIT);
        c.connection().tell(Tcp.Write.utf8("ping"));
        final StringBuilder got = new StringBuilder();
        while (got.length() < 4) {
            got.append(TestHandlers.utf8(probe.expectMessageClass(Tcp.Received.class, WAIT).data()));
        }
        assertEquals("ping", got.toString());
    }

    @Test
    void systemClose_unixListener_removesTheFile() {
        // Closing the system closes a Unix-domain listener and deletes its socket file.
        final UnixDomainSocketAddress address = UnixDomainSocketAddress.of(dir.resolve("gone.sock"));
        Tcp.bind(system, address, TcpOptions.defaults(), Echo::new).toCompletableFuture().join();
        system.close();
        assertFalse(Files.exists(address.getPath()));
    }

    /** A protocol of the handler's own: socket events wrapped, and lines from another actor. */
    sealed interface Own {}

    record Net(Tcp.Event event) implements Own {}

    record Say(String text) implements Own {}

    @Test
    void bindAndConnect_unixSocket_handlersOfTheirOwnProtocol_throughTheAdapter() throws Exception {
        // Tcp.bind and Tcp.connect on a Unix-domain address take a handler of any protocol plus the adapter from
        // Tcp.Event: the server's handler gets Connected and the bytes as Net, and writes what another actor tells
        // it as Say; the client's handler gets its events as Net, in order.
        final UnixDomainSocketAddress address = UnixDomainSocketAddress.of(dir.resolve("own.sock"));
        final TestProbe<Object> probe = TestProbe.create(system);
        Tcp.bind(system, address, TcpOptions.defaults(), () -> new io.troupe.actors.Actor<Own>() {
            private ActorRef<Tcp.Command> connection;

            @Override
            protected void receive(Own m) {
                if (m instanceof Net n && n.event() instanceof Tcp.Connected c) {
                    connection = c.connection();
                    probe.ref().tell(self());
                } else if (m instanceof Net n && n.event() instanceof Tcp.Received r) {
                    probe.ref().tell("server got " + r.utf8());
                } else if (m instanceof Say say) {
                    connection.tell(Tcp.Write.utf8(say.text()));
                }
            }
        }, Net::new).toCompletableFuture().join();
        final ActorRef<Own> client = system.spawn(io.troupe.actors.Actor.<Own>of((ctx, m) -> {
            if (m instanceof Net n && n.event() instanceof Tcp.Received r) {
                probe.ref().tell("client got " + r.utf8());
            } else if (m instanceof Net n && n.event() instanceof Tcp.Connected c) {
                probe.ref().tell("client connected"); // before the write, so before the server can see it
                c.connection().tell(Tcp.Write.utf8("ping"));
            }
        }), "unix-own-client");
        Tcp.connect(system, address, TcpOptions.defaults(), WAIT, client, Net::new);
        final Object first = probe.expectMessage(WAIT);
        final Object second = probe.expectMessage(WAIT);
        assertTrue(first.equals("client connected") ^ second.equals("client connected"), first + ", " + second);
        @SuppressWarnings("unchecked")
        final ActorRef<Own> server = (ActorRef<Own>) (first instanceof ActorRef<?> ? first : second);
        assertEquals("ping", collect(probe, "server got ", 4));
        server.tell(new Say("pong"));
        assertEquals("pong", collect(probe, "client got ", 4));
    }

    /** The bytes of the probe's next messages that start with {@code prefix}, until {@code n} characters came (a stream may split them). */
    private static String collect(TestProbe<Object> probe, String prefix, int n) {
        final StringBuilder got = new StringBuilder();
        while (got.length() < n) {
            final String m = (String) probe.expectMessage(WAIT);
            assertTrue(m.startsWith(prefix), m);
            got.append(m.substring(prefix.length()));
        }
        return got.toString();
    }
}
