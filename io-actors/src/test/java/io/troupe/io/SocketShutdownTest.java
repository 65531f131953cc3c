package io.troupe.io;

import static io.troupe.io.TestHandlers.ANY_LOCAL_PORT;
import static io.troupe.io.TestHandlers.client;
import static io.troupe.io.TestHandlers.readFully;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorSystem;
import java.io.IOException;
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

    /** A user actor the handlers talk to: it learns their refs and, as it stops, tells each one it is closing. */
    static final class Room extends Actor<Object> {
        private final List<io.troupe.actors.ActorRef<Object>> members = new ArrayList<>();
        private final io.troupe.actors.ActorRef<Object> joined;

        Room(io.troupe.actors.ActorRef<Object> joined) {
            this.joined = joined;
        }

        @Override
        @SuppressWarnings("unchecked")
        protected void receive(Object m) {
            members.add((io.troupe.actors.ActorRef<Object>) m);
            joined.tell("joined");
        }

        @Override
        protected void postStop() {
            members.forEach(h -> h.tell("room closing"));
        }
    }

    /** A handler of its own protocol (socket events as Tcp.Event, the room's lines as String); records both. */
    static final class Member extends Actor<Object> {
        private final io.troupe.actors.ActorRef<Object> room;
        private final ConcurrentLinkedQueue<String> events;

        Member(io.troupe.actors.ActorRef<Object> room, ConcurrentLinkedQueue<String> events) {
            this.room = room;
            this.events = events;
        }

        @Override
        protected void receive(Object m) {
            events.add(m instanceof Tcp.Event e ? e.getClass().getSimpleName() : String.valueOf(m));
            if (m instanceof Tcp.Connected) {
                room.tell(self());
            } else if (m instanceof Tcp.ConnectionClosed) {
                context().stop(self());
            }
        }
    }

    @Test
    void close_socketHandlersStopAfterTheUserActorsTheyTalkTo_aRoomsLastWordReachesItsMember() throws Exception {
        // On close() the user actors stop first: the room's goodbye, told in its postStop, reaches the handler,
        // which is still running, and only then does its connection close; no dead letter.
        final ConcurrentLinkedQueue<String> events = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<io.troupe.actors.DeadLetter> dead = new ConcurrentLinkedQueue<>();
        final ActorSystem system = startSystem("socket-order");
        try {
            system.deadLetters().subscribe(dead::add);
            final io.troupe.actors.testkit.TestProbe<Object> joined = io.troupe.actors.testkit.TestProbe.create(system);
            final io.troupe.actors.ActorRef<Object> room = system.spawn(() -> new Room(joined.ref()), "room");
            final Tcp.Bound bound = Tcp.bind(system, ANY_LOCAL_PORT, TcpOptions.defaults(),
                    () -> new Member(room, events), (Tcp.Event e) -> (Object) e).toCompletableFuture().join();
            try (Socket s = client(bound.localAddress())) {
                joined.expectMessage("joined", TestHandlers.WAIT);
                system.close();
                assertEquals(-1, s.getInputStream().read(), "EOF");
            }
        } finally {
            system.close();
        }
        assertEquals(List.of("Connected", "room closing", "Closed"), List.copyOf(events));
        assertEquals(List.of(), dead.stream().filter(d -> "room closing".equals(d.message())).toList(), "goodbye lost");
    }

    @Test
    void close_outgoingConnectionAndUdpHandlers_hearClosedAndUnbound_beforeTheyAreStopped() throws Exception {
        // The handlers of Tcp.connect and Udp.bind are the application's own actors, stopped with the user actors:
        // close() first closes their sockets, so Closed (after the greeting was flushed to the server) and Unbound are
        // sent to them, each exactly once, and handled before they are stopped: the shutdown task waits until each
        // handler has taken its event (a marker queued behind it), because a stop overtakes queued messages (before
        // that wait, a handler that had not run yet lost the event to dead letters: seen once in a loaded run).
        final ConcurrentLinkedQueue<String> tcpEvents = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<String> udpEvents = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<io.troupe.actors.DeadLetter> dead = new ConcurrentLinkedQueue<>();
        final ActorSystem system = startSystem("socket-close-outgoing");
        system.deadLetters().subscribe(dead::add);
        try (java.net.ServerSocket server = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            final io.troupe.actors.testkit.TestProbe<Object> probe = io.troupe.actors.testkit.TestProbe.create(system);
            final io.troupe.actors.ActorRef<Tcp.Event> out = system.spawn(Actor.<Tcp.Event>of((ctx, e) -> {
                tcpEvents.add(e.getClass().getSimpleName());
                if (e instanceof Tcp.Connected c) {
                    c.connection().tell(Tcp.Write.utf8("hi server"));
                    probe.ref().tell("tcp up");
                }
            }), "out");
            Tcp.connect(system, server.getLocalSocketAddress(), TcpOptions.defaults(), TestHandlers.WAIT, out);
            final io.troupe.actors.ActorRef<Udp.Event> udp = system.spawn(Actor.<Udp.Event>of((ctx, e) -> {
                udpEvents.add(e.getClass().getSimpleName());
                if (e instanceof Udp.Bound) {
                    probe.ref().tell("udp up");
                }
            }), "udp");
            Udp.bind(system, ANY_LOCAL_PORT, udp);
            try (Socket accepted = server.accept()) {
                assertEquals(java.util.Set.of("tcp up", "udp up"),
                        java.util.Set.of(probe.expectMessage(TestHandlers.WAIT), probe.expectMessage(TestHandlers.WAIT)));
                assertEquals(List.of(), system.close(java.time.Duration.ofSeconds(20)), "actors not stopped");
                assertEquals("hi server", new String(accepted.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                        "the greeting, then EOF");
            }
        } finally {
            system.close();
        }
        assertEquals(List.of("Connected", "Closed"), List.copyOf(tcpEvents));
        assertEquals(List.of("Bound", "Unbound"), List.copyOf(udpEvents));
        assertEquals(List.of(), handledOrDeadLettered(new ConcurrentLinkedQueue<>(), dead, "/user/out"));
        assertEquals(List.of(), handledOrDeadLettered(new ConcurrentLinkedQueue<>(), dead, "/user/udp"));
    }

    @Test
    void close_aBusyOutgoingHandler_stillHandlesClosed_beforeItIsStopped() throws Exception {
        // The outgoing connection's handler is busy in a long turn while close() closes its socket: Closed waits in
        // its mailbox behind that turn; the user actors' stop must not overtake it (the shutdown waits for the
        // handler to take it). The turn ends when the server has seen the connection's EOF.
        final ConcurrentLinkedQueue<String> events = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<io.troupe.actors.DeadLetter> dead = new ConcurrentLinkedQueue<>();
        final java.util.concurrent.CountDownLatch busy = new java.util.concurrent.CountDownLatch(1);
        final java.util.concurrent.CountDownLatch eof = new java.util.concurrent.CountDownLatch(1);
        final ActorSystem system = startSystem("socket-close-busy");
        system.deadLetters().subscribe(dead::add);
        try (java.net.ServerSocket server = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            final io.troupe.actors.testkit.TestProbe<Object> probe = io.troupe.actors.testkit.TestProbe.create(system);
            final io.troupe.actors.ActorRef<Object> out = system.spawn(Actor.<Object>of((ctx, m) -> {
                if (m.equals("work")) {
                    busy.countDown();
                    try {
                        eof.await(); // a long turn, till the server saw the socket close
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    events.add("work done");
                    return;
                }
                events.add(m.getClass().getSimpleName());
                if (m instanceof Tcp.Connected) {
                    probe.ref().tell("tcp up");
                }
            }), "busy-out");
            Tcp.connect(system, server.getLocalSocketAddress(), TcpOptions.defaults(), TestHandlers.WAIT, out, e -> e);
            try (Socket accepted = server.accept()) {
                assertEquals("tcp up", probe.expectMessage(TestHandlers.WAIT));
                out.tell("work");
                assertTrue(busy.await(TestHandlers.WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS));
                final Thread reader = new Thread(() -> {
                    try {
                        accepted.getInputStream().readAllBytes(); // returns at the EOF close() causes
                    } catch (IOException e) {
                        // EOF or reset: either way the socket closed
                    }
                    eof.countDown();
                });
                reader.start();
                assertEquals(List.of(), system.close(java.time.Duration.ofSeconds(20)), "actors not stopped");
                reader.join(TestHandlers.WAIT.toMillis());
            }
        } finally {
            eof.countDown();
            system.close();
        }
        assertEquals(List.of("Connected", "work done", "Closed"), List.copyOf(events));
        assertEquals(List.of(), handledOrDeadLettered(new ConcurrentLinkedQueue<>(), dead, "/user/busy-out"));
    }

    /** The events a handler handled, then those sent to it that became dead letters (its stop came first). */
    private static List<String> handledOrDeadLettered(ConcurrentLinkedQueue<String> handled,
                                                      ConcurrentLinkedQueue<io.troupe.actors.DeadLetter> dead, String path) {
        final List<String> all = new ArrayList<>(handled);
        for (io.troupe.actors.DeadLetter d : dead) {
            if (d.recipient() != null && d.recipient().path().equals(path)) {
                all.add(d.message().getClass().getSimpleName());
            }
        }
        return all;
    }
}
