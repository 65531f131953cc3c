package io.troupe.examples.echo;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.io.Framing;
import io.troupe.io.Tcp;
import io.troupe.io.TcpOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A line-based client for {@link EchoServer}: sends each line of standard input and prints
 * each line that comes back. At the end of input it half-closes and waits for the rest.
 *
 * <pre>
 * mvn -q -pl examples exec:java -Dexec.mainClass=io.troupe.examples.echo.EchoClient [-Dexec.args="127.0.0.1 7007"]
 * </pre>
 */
public final class EchoClient {
    private EchoClient() {}

    /**
     * Runs the client.
     *
     * @param args host (default 127.0.0.1) and port (default 7007)
     * @throws IOException if reading standard input fails
     */
    public static void main(String[] args) throws IOException {
        final String host = args.length > 0 ? args[0] : "127.0.0.1";
        final int port = args.length > 1 ? Integer.parseInt(args[1]) : 7007;
        try (ActorSystem system = ActorSystem.create("echo-client")) {
            final CompletableFuture<ActorRef<Tcp.Command>> connected = new CompletableFuture<>();
            final CompletableFuture<String> finished = new CompletableFuture<>();
            final ActorRef<Tcp.Event> printer = system.spawn(() -> new Printer(connected, finished), "printer");
            Tcp.connect(system, InetSocketAddress.createUnresolved(host, port),
                    TcpOptions.defaults().withFraming(Framing.lines(64 * 1024)), Duration.ofSeconds(5), printer);
            final ActorRef<Tcp.Command> connection;
            try {
                connection = connected.join();
            } catch (RuntimeException e) {
                System.err.println("cannot connect to " + host + ":" + port + ": " + e.getCause());
                return;
            }
            final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line = in.readLine(); line != null && !finished.isDone(); line = in.readLine()) {
                connection.tell(Tcp.Write.utf8(line));
            }
            connection.tell(new Tcp.ShutdownOutput());
            System.err.println(finished.join());
        }
    }

    /** Prints what comes back and reports how the connection ended. */
    static final class Printer extends Actor<Tcp.Event> {
        private final CompletableFuture<ActorRef<Tcp.Command>> connected;
        private final CompletableFuture<String> finished;
        private ActorRef<Tcp.Command> connection;

        Printer(CompletableFuture<ActorRef<Tcp.Command>> connected, CompletableFuture<String> finished) {
            this.connected = connected;
            this.finished = finished;
        }

        @Override
        protected void receive(Tcp.Event event) {
            if (event instanceof Tcp.Connected c) {
                connection = c.connection();
                connected.complete(connection);
            } else if (event instanceof Tcp.ConnectFailed f) {
                connected.completeExceptionally(f.cause());
            } else if (event instanceof Tcp.Received r) {
                System.out.println(r.utf8());
            } else if (event instanceof Tcp.PeerClosed) {
                // The server is done sending. Our ShutdownOutput (at the end of input) completes the close.
                System.err.println("(the server closed its side)");
            } else if (event instanceof Tcp.ConnectionClosed c) {
                finished.complete("connection closed: " + c);
            }
        }
    }
}
