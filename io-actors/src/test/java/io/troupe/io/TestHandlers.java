package io.troupe.io;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.function.Supplier;

/** Handlers and helpers shared by the socket tests. */
public final class TestHandlers {
    static final Duration WAIT = Duration.ofSeconds(10);
    static final InetSocketAddress ANY_LOCAL_PORT = new InetSocketAddress("127.0.0.1", 0);

    private TestHandlers() {}

    /** What a {@link Forwarder} tells its probe when it starts: its own ref. */
    record HandlerStarted(ActorRef<Tcp.Event> handler) {}

    /** A handler that forwards every event to a probe, and announces itself first. */
    static final class Forwarder extends Actor<Tcp.Event> {
        private final ActorRef<Object> probe;

        Forwarder(ActorRef<Object> probe) {
            this.probe = probe;
        }

        static Supplier<Actor<Tcp.Event>> to(ActorRef<Object> probe) {
            return () -> new Forwarder(probe);
        }

        @Override
        protected void preStart() {
            probe.tell(new HandlerStarted(self()));
        }

        @Override
        protected void receive(Tcp.Event event) {
            probe.tell(event);
        }
    }

    /** Echoes what it receives; closes when the peer does; stops when closed. */
    public static final class Echo extends Actor<Tcp.Event> {
        private ActorRef<Tcp.Command> connection;

        @Override
        protected void receive(Tcp.Event event) {
            if (event instanceof Tcp.Connected c) {
                connection = c.connection();
            } else if (event instanceof Tcp.Received r) {
                connection.tell(Tcp.Write.of(r.data()));
            } else if (event instanceof Tcp.PeerClosed) {
                connection.tell(new Tcp.Close());
            } else if (event instanceof Tcp.ConnectionClosed) {
                context().stop(self());
            }
        }
    }

    /**
     * Echoes by the back-pressure recipe for a handler that answers what it reads (see
     * {@link Tcp}): each Received is written back, then one read credit is granted; bind it with
     * {@link #ANSWERING}. WritingPaused and WritingResumed are deliberately ignored. Every other
     * event is told to the observer; when the peer closes, the connection's stats are asked for
     * (the reply goes to the observer) before the connection is closed.
     */
    static final class AnsweringEcho extends Actor<Tcp.Event> {
        /** The options of the recipe: answered reads, up to 16 in flight to the handler. */
        static final TcpOptions ANSWERING = TcpOptions.defaults().withAnsweredReads(16);
        private static final Tcp.ReadCredit ONE_MORE = new Tcp.ReadCredit(1);

        private final ActorRef<Object> observer;
        private ActorRef<Tcp.Command> connection;

        AnsweringEcho(ActorRef<Object> observer) {
            this.observer = observer;
        }

        static Supplier<Actor<Tcp.Event>> observedBy(ActorRef<Object> observer) {
            return () -> new AnsweringEcho(observer);
        }

        @Override
        protected void receive(Tcp.Event event) {
            if (event instanceof Tcp.Received r) {
                connection.tell(Tcp.Write.of(r.data()));
                connection.tell(ONE_MORE);
                return;
            }
            observer.tell(event);
            if (event instanceof Tcp.Connected c) {
                connection = c.connection();
            } else if (event instanceof Tcp.PeerClosed) {
                connection.tell(new Tcp.GetStats(observer));
                connection.tell(new Tcp.Close());
            } else if (event instanceof Tcp.ConnectionClosed) {
                context().stop(self());
            }
        }
    }

    /** Two descriptors per connection (both ends), with head room for the JVM; read from /proc on Linux. */
    static int fdBudget() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    final String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                    if (soft.equals("unlimited")) {
                        return Integer.MAX_VALUE;
                    }
                    final long open;
                    try (java.util.stream.Stream<java.nio.file.Path> fds = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd"))) {
                        open = fds.count();
                    }
                    return (int) Math.max(16, (Long.parseLong(soft) - open - 256) / 2);
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux: no limit known
        }
        return Integer.MAX_VALUE;
    }

    /** Reads exactly {@code n} bytes or fails. */
    static byte[] readFully(InputStream in, int n) throws IOException {
        final byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new AssertionError("stream ended after " + b.length + " of " + n + " bytes");
        }
        return b;
    }

    /** A blocking client socket with a read timeout, so a broken test fails instead of hanging. */
    static Socket client(java.net.SocketAddress address) throws IOException {
        final Socket s = new Socket();
        s.setSoTimeout((int) WAIT.toMillis());
        s.connect(address, (int) WAIT.toMillis());
        return s;
    }

    static String utf8(ByteBuffer b) {
        return java.nio.charset.StandardCharsets.UTF_8.decode(b.duplicate()).toString();
    }
}
