package io.troupe.site.snippets;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.io.Framing;
import io.troupe.io.Tcp;
import io.troupe.io.TcpOptions;
import io.troupe.testkit.ActorSystemExtension;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The code of guides/sockets.md, run against a real socket on 127.0.0.1. */
class SocketsGuideTest {
    @RegisterExtension
    static final ActorSystemExtension troupe = ActorSystemExtension.create().allowLeftoverActors();

    static Tcp.Bound shout(ActorSystem system) {
        // region stage
        TcpOptions lines = TcpOptions.defaults().withFraming(Framing.lines(8 * 1024));
        Tcp.Bound bound = Tcp.serve(system, new InetSocketAddress("127.0.0.1", 0), lines,
                        () -> (connection, line) -> {        // one stage per connection, run in its turn
                            String text = StandardCharsets.UTF_8.decode(line).toString();
                            connection.write(StandardCharsets.UTF_8.encode(text.toUpperCase(Locale.ROOT)));
                        })
                .toCompletableFuture().join();
        // endregion
        return bound;
    }

    // region handler
    /** A handler actor per connection: counts the lines and answers each with its number. */
    static final class Numberer extends Actor<Tcp.Event> {
        private ActorRef<Tcp.Command> connection;
        private int lines;

        @Override
        protected void receive(Tcp.Event event) {
            if (event instanceof Tcp.Received r) {
                lines++;
                // Write by telling the connection actor; the framing adds the line end.
                connection.tell(Tcp.Write.utf8(lines + ": " + r.utf8()));
            } else if (event instanceof Tcp.Connected c) {
                connection = c.connection();
            } else if (event instanceof Tcp.ConnectionClosed) {
                context().stop(self());
            }
        }
    }
    // endregion

    @Test
    void stage_answersEachLineUpperCase(ActorSystem system) throws Exception {
        // A line sent to the stage server comes back upper-cased, one line per line.
        final Tcp.Bound bound = shout(system);
        try (Socket socket = new Socket("127.0.0.1", ((InetSocketAddress) bound.localAddress()).getPort())) {
            final OutputStream out = socket.getOutputStream();
            out.write("hello\nworld\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            final BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("HELLO", in.readLine());
            assertEquals("WORLD", in.readLine());
        }
        bound.unbind(java.time.Duration.ofSeconds(5)).toCompletableFuture().join();
    }

    @Test
    void handler_numbersLines(ActorSystem system) throws Exception {
        // Each line comes back with its number on that connection.
        // region bind
        Tcp.Bound bound = Tcp.bind(system, new InetSocketAddress("127.0.0.1", 0),
                        TcpOptions.defaults().withFraming(Framing.lines(8 * 1024)), Numberer::new)
                .toCompletableFuture().join();
        // endregion
        try (Socket socket = new Socket("127.0.0.1", ((InetSocketAddress) bound.localAddress()).getPort())) {
            socket.getOutputStream().write("a\nb\n".getBytes(StandardCharsets.UTF_8));
            final BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("1: a", in.readLine());
            assertEquals("2: b", in.readLine());
        }
        bound.unbind(java.time.Duration.ofSeconds(5)).toCompletableFuture().join();
    }
}
