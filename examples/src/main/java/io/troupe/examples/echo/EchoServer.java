package io.troupe.examples.echo;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.io.Tcp;
import io.troupe.io.TcpOptions;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * A TCP echo server: every byte a client sends comes back. One handler actor per connection.
 *
 * <pre>
 * mvn -q -pl examples exec:java -Dexec.mainClass=io.troupe.examples.echo.EchoServer [-Dexec.args=7007]
 * nc 127.0.0.1 7007
 * </pre>
 */
public final class EchoServer {
    private EchoServer() {}

    /**
     * Runs the server until the process is stopped.
     *
     * @param args the port (default 7007)
     */
    public static void main(String[] args) {
        final int port = args.length > 0 ? Integer.parseInt(args[0]) : 7007;
        // SIGTERM or Ctrl-C runs the graceful shutdown (its phases and deadlines), then the JVM exits.
        final ActorSystem system = ActorSystem.builder("echo-server").shutdownOnJvmExit(true).build();
        final TcpOptions options = TcpOptions.defaults().withIdleTimeout(Duration.ofMinutes(5)).withAnsweredReads(16);
        final Tcp.Bound bound = Tcp.bind(system, new InetSocketAddress(port), options, EchoHandler::new)
                .toCompletableFuture().join();
        System.out.println("listening on " + bound.localAddress());
        system.whenTerminated().toCompletableFuture().join();
    }

    /**
     * Echoes one connection: each read is written back, then credited. With answered reads
     * the connection stops reading while its write queue is full (the client reads slower
     * than it writes) and keeps room for every echo still to come, so a slow client cannot
     * make the server buffer without bound, and no echo is ever refused.
     */
    static final class EchoHandler extends Actor<Tcp.Event> {
        private ActorRef<Tcp.Command> connection;

        @Override
        protected void receive(Tcp.Event event) {
            if (event instanceof Tcp.Connected c) {
                connection = c.connection();
            } else if (event instanceof Tcp.Received r) {
                connection.tell(Tcp.Write.of(r.data()));
                connection.tell(new Tcp.ReadCredit(1)); // after the echo: its room is no longer reserved
            } else if (event instanceof Tcp.PeerClosed) {
                connection.tell(new Tcp.Close()); // flushes what is queued, then closes
            } else if (event instanceof Tcp.ConnectionClosed) {
                context().stop(self());
            }
        }
    }
}
