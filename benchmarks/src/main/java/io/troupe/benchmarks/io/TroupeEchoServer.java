package io.troupe.benchmarks.io;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.DispatcherKind;
import io.troupe.io.Tcp;
import io.troupe.io.TcpOptions;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * The Troupe echo server: {@link Tcp#bind} with the default {@link TcpOptions} ({@code TCP_NODELAY}
 * on, reads of up to 64 KiB, a 1 MiB write queue), one reactor thread, and for each connection
 * a handler actor that writes back every {@link Tcp.Received} it gets. This is the code an
 * application would write; nothing is tuned for the benchmark but the dispatcher and its
 * thread count.
 */
public final class TroupeEchoServer implements EchoServer {
    private final ActorSystem system;
    private final InetSocketAddress address;

    private TroupeEchoServer(ActorSystem system, InetSocketAddress address) {
        this.system = system;
        this.address = address;
    }

    /**
     * Starts an actor system on {@code dispatcher} with {@code workers} threads (0: one per
     * core, the default) and binds the echo server to 127.0.0.1 on an ephemeral port.
     */
    public static TroupeEchoServer start(DispatcherKind dispatcher, int workers) {
        return start(dispatcher, workers, io.troupe.io.IoSettings.defaults());
    }

    /** Like {@link #start(DispatcherKind, int)} with the I/O runtime's settings (who drives the selector). */
    public static TroupeEchoServer start(DispatcherKind dispatcher, int workers, io.troupe.io.IoSettings ioSettings) {
        final ActorSystem.Builder builder = ActorSystem.builder("echo-bench").dispatcher(dispatcher);
        if (workers > 0) {
            builder.parallelism(workers);
        }
        final ActorSystem system = builder.build();
        try {
            io.troupe.io.Io.configure(system, ioSettings);
            final Tcp.Bound bound = Tcp.bind(system, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                            TcpOptions.defaults(), EchoHandler::new)
                    .toCompletableFuture().join();
            return new TroupeEchoServer(system, (InetSocketAddress) bound.localAddress());
        } catch (RuntimeException e) {
            system.close();
            throw e;
        }
    }

    @Override
    public InetSocketAddress address() {
        return address;
    }

    @Override
    public void close() {
        system.close(Duration.ofSeconds(10));
    }

    /**
     * Echoes one connection. Past the write queue's high watermark it stops reading until the
     * queue drains, so a client that does not read cannot make it buffer without bound.
     */
    static final class EchoHandler extends Actor<Tcp.Event> {
        private ActorRef<Tcp.Command> connection;

        @Override
        protected void receive(Tcp.Event event) {
            if (event instanceof Tcp.Received r) {
                connection.tell(Tcp.Write.of(r.data()));
            } else if (event instanceof Tcp.Connected c) {
                connection = c.connection();
            } else if (event instanceof Tcp.WritingPaused) {
                connection.tell(new Tcp.SuspendReading());
            } else if (event instanceof Tcp.WritingResumed) {
                connection.tell(new Tcp.ResumeReading());
            } else if (event instanceof Tcp.PeerClosed) {
                connection.tell(new Tcp.Close());
            } else if (event instanceof Tcp.ConnectionClosed) {
                context().stop(self());
            } else if (event instanceof Tcp.WriteRejected w) {
                throw new IllegalStateException("echo write rejected: " + w.reason());
            }
        }
    }
}
