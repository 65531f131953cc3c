package io.troupe.examples.echo;

import io.troupe.actors.ActorSystem;
import io.troupe.io.Tcp;
import io.troupe.io.TcpOptions;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * A TCP echo server: every byte a client sends comes back.
 *
 * <pre>
 * mvn -q -pl examples exec:java -Dexec.mainClass=io.troupe.examples.echo.EchoServer [-Dexec.args=7007]
 * nc 127.0.0.1 7007
 * </pre>
 *
 * <p>Each connection is handled by a {@link io.troupe.io.ConnectionStage}: a lambda called
 * inside the connection actor's own turn with each read, which writes it back. No handler actor,
 * no message per read: a round trip costs one actor turn. Back-pressure needs no code: the
 * stage's writes are synchronous, so the connection reads no more than its write queue has room
 * for, and stops reading while a slow client lets the queue fill, so no echo is ever refused
 * and memory stays bounded. (The same server with a handler actor per connection, for protocols
 * that talk to other actors, is the example in {@link Tcp}'s documentation.)
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
        // region serve
        final ActorSystem system = ActorSystem.builder("echo-server").shutdownOnJvmExit(true).build();
        final TcpOptions options = TcpOptions.defaults().withIdleTimeout(Duration.ofMinutes(5));
        final Tcp.Bound bound = Tcp.serve(system, new InetSocketAddress(port), options,
                        () -> (connection, data) -> connection.write(data))
                .toCompletableFuture().join();
        System.out.println("listening on " + bound.localAddress());
        system.whenTerminated().toCompletableFuture().join();
        // endregion
    }
}
