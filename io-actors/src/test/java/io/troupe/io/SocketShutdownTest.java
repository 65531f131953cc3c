package io.troupe.io;

import static io.troupe.io.TestHandlers.ANY_LOCAL_PORT;
import static io.troupe.io.TestHandlers.client;
import static io.troupe.io.TestHandlers.readFully;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorSystem;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Sockets in the system's shutdown (issue #10, point 3): on {@code close()} every connection
 * flushes and tells its handler it closed before the handlers are stopped; the graceful path
 * stops accepting first.
 */
@Timeout(60)
class SocketShutdownTest extends BothDrivers {
    /** Greets, records every event per connection, stops itself when its connection closed. */
    static final class Recorder extends Actor<Tcp.Event> {
        private final ConcurrentHashMap<String, ConcurrentLinkedQueue<String>> log;
        private io.troupe.actors.ActorRef<Tcp.Command> connection;

        Recorder(ConcurrentHashMap<String, ConcurrentLinkedQueue<String>> log) {
            this.log = log;
        }

        @Override
        protected void receive(Tcp.Event event) {
            log.computeIfAbsent(self().path(), k -> new ConcurrentLinkedQueue<>()).add(event.getClass().getSimpleName());
            if (event instanceof Tcp.Connected c) {
                connection = c.connection();
                connection.tell(Tcp.Write.utf8("hello"));
            } else if (event instanceof Tcp.ShuttingDown) {
                connection.tell(Tcp.Write.utf8(" bye")); // the goodbye, then the close
                connection.tell(new Tcp.Close());
            } else if (event instanceof Tcp.ConnectionClosed) {
                context().stop(self());
            }
        }
    }

    @Test
    void close_everyHandlerHearsClosedAfterItsWritesAreFlushed_clientsSeeGreetingThenEof() throws Exception {
        // Three open connections when close() is called: each client reads the greeting its handler wrote and then EOF,
        // and each handler's events are exactly Connected, then Closed.
        final ConcurrentHashMap<String, ConcurrentLinkedQueue<String>> log = new ConcurrentHashMap<>();
        final List<Socket> sockets = new ArrayList<>();
        final ActorSystem system = startSystem("socket-close");
        try {
            final Tcp.Bound bound = Tcp.bind(system, ANY_LOCAL_PORT, TcpOptions.defaults(), () -> new Recorder(log))
                    .toCompletableFuture().join();
            for (int i = 0; i < 3; i++) {
                final Socket s = client(bound.localAddress());
                sockets.add(s);
                assertEquals("hello", new String(readFully(s.getInputStream(), 5), StandardCharsets.UTF_8));
            }
        } finally {
            system.close();
        }
        try {
            for (Socket s : sockets) {
                assertEquals(-1, s.getInputStream().read(), "EOF after the greeting");
            }
            assertEquals(3, log.size(), "handlers: " + log.keySet());
            for (var e : log.entrySet()) {
                assertEquals(List.of("Connected", "Closed"), List.copyOf(e.getValue()), e.getKey());
            }
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    @Test
    void gracefulShutdown_listenerStopsAccepting_handlerHearsShuttingDownSaysGoodbyeAndCloses() throws Exception {
        // shutdown() runs the phases: the listener unbinds (a new connection is refused), the handler hears ShuttingDown,
        // writes its goodbye and closes: the client reads the greeting, the goodbye, then EOF; the handler's events are
        // Connected, ShuttingDown, Closed, in that order.
        final ConcurrentHashMap<String, ConcurrentLinkedQueue<String>> log = new ConcurrentHashMap<>();
        final ActorSystem system = startSystem("socket-graceful");
        final Tcp.Bound bound;
        try (Socket open = client((bound = Tcp.bind(system, ANY_LOCAL_PORT, TcpOptions.defaults(), () -> new Recorder(log))
                .toCompletableFuture().join()).localAddress())) {
            assertEquals("hello", new String(readFully(open.getInputStream(), 5), StandardCharsets.UTF_8));
            final io.troupe.actors.ShutdownReport report = system.shutdown().toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertEquals(List.of(), report.actorsNotStopped(), "every actor stopped");
            assertEquals(List.of(), report.lateTasks(), "no phase ran past its deadline");
            assertEquals(" bye", new String(open.getInputStream().readAllBytes(), StandardCharsets.UTF_8), "goodbye, then EOF");
        } finally {
            system.close();
        }
        assertThrows(ConnectException.class, () -> {
            try (Socket late = new Socket()) {
                late.connect(bound.localAddress(), 2_000);
            }
        }, "the port is released: nobody accepts");
        assertEquals(1, log.size());
        assertEquals(List.of("Connected", "ShuttingDown", "Closed"), List.copyOf(log.values().iterator().next()));
    }
}
