package io.troupe.benchmarks.io;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.DispatcherKind;
import io.troupe.io.Io;
import io.troupe.io.IoSettings;
import io.troupe.io.Tcp;
import io.troupe.io.TcpOptions;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * The Troupe echo server: {@link Tcp#bind} with the default {@link TcpOptions} ({@code TCP_NODELAY}
 * on, reads of up to 64 KiB, a 1 MiB write queue) and, for each connection, a handler actor that
 * writes back every {@link Tcp.Received} it gets, following one of the back-pressure recipes of
 * {@link Tcp} ({@link BackPressure}). This is the code an application would write; nothing is
 * tuned for the benchmark but the dispatcher, its thread count and the I/O driver.
 */
public final class TroupeEchoServer implements EchoServer {
    /** How the echo handler keeps a client that does not read from filling the server's memory. */
    public enum BackPressure {
        /**
         * The recipe {@link Tcp} documents for handlers that answer what they read, as the echo
         * example does: bind with {@link TcpOptions#withAnsweredReads}{@code (16)}, write each
         * echo, then grant {@link Tcp.ReadCredit}{@code (1)}. The connection stops reading by
         * itself while its write queue is paused and keeps room for every echo to come, so no
         * echo is refused.
         */
        ANSWERED_READS,
        /**
         * The older recipe: reads delivered as they come, {@link Tcp.SuspendReading} on
         * {@link Tcp.WritingPaused} and {@link Tcp.ResumeReading} on {@link Tcp.WritingResumed}.
         * Pausing this way is asynchronous, so a whole read turn may still reach the handler
         * after the queue's high watermark; kept to measure what the lossless recipe costs.
         */
        SUSPEND_READING,
        /**
         * No handler actor: an echo {@link io.troupe.io.ConnectionStage} served with
         * {@link Tcp#serve}, called inside the connection actor's turn (read, write, flush in one
         * turn, no message). Its writes are synchronous, so the connection couples reading to
         * its write queue by itself: no echo is refused.
         */
        STAGE
    }

    /** The initial read credit with {@link BackPressure#ANSWERED_READS}, as in the echo example. */
    static final int ANSWERED_READS_CREDIT = 16;

    private final ActorSystem system;
    private final InetSocketAddress address;

    private TroupeEchoServer(ActorSystem system, InetSocketAddress address) {
        this.system = system;
        this.address = address;
    }

    /**
     * Starts an actor system on {@code dispatcher} with {@code workers} threads (0: one per
     * core, the default) and {@code ioSettings} (who drives the selector), and binds the echo
     * server, following {@code backPressure}, to 127.0.0.1 on an ephemeral port.
     */
    public static TroupeEchoServer start(DispatcherKind dispatcher, int workers, IoSettings ioSettings, BackPressure backPressure) {
        final ActorSystem.Builder builder = ActorSystem.builder("echo-bench").dispatcher(dispatcher);
        if (workers > 0) {
            builder.parallelism(workers);
        }
        final TcpOptions options = backPressure == BackPressure.ANSWERED_READS
                ? TcpOptions.defaults().withAnsweredReads(ANSWERED_READS_CREDIT)
                : TcpOptions.defaults();
        final ActorSystem system = builder.build();
        try {
            Io.configure(system, ioSettings);
            final InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
            final Tcp.Bound bound = (backPressure == BackPressure.STAGE
                    ? Tcp.serve(system, any, TcpOptions.defaults(), EchoStage::new)
                    : Tcp.bind(system, any, options, () -> new EchoHandler(backPressure)))
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

    /** Echoes one connection inside its connection actor's turn. */
    static final class EchoStage implements io.troupe.io.ConnectionStage {
        @Override
        public void onReceived(io.troupe.io.Connection connection, java.nio.ByteBuffer data) {
            if (!connection.write(data)) {
                throw new IllegalStateException("echo write refused");
            }
        }
    }

    /** Echoes one connection, following {@code backPressure}. */
    static final class EchoHandler extends Actor<Tcp.Event> {
        private final boolean answeredReads;
        private ActorRef<Tcp.Command> connection;

        EchoHandler(BackPressure backPressure) {
            this.answeredReads = backPressure == BackPressure.ANSWERED_READS;
        }

        @Override
        protected void receive(Tcp.Event event) {
            if (event instanceof Tcp.Received r) {
                connection.tell(Tcp.Write.of(r.data()));
                if (answeredReads) {
                    connection.tell(new Tcp.ReadCredit(1)); // after the echo: its room is no longer reserved
                }
            } else if (event instanceof Tcp.Connected c) {
                connection = c.connection();
            } else if (event instanceof Tcp.WritingPaused && !answeredReads) {
                connection.tell(new Tcp.SuspendReading());
            } else if (event instanceof Tcp.WritingResumed && !answeredReads) {
                connection.tell(new Tcp.ResumeReading());
            } else if (event instanceof Tcp.PeerClosed) {
                connection.tell(new Tcp.Close()); // flushes what is queued, then closes
            } else if (event instanceof Tcp.ConnectionClosed) {
                context().stop(self());
            } else if (event instanceof Tcp.WriteRejected w) {
                throw new IllegalStateException("echo write rejected: " + w.reason());
            }
        }
    }
}
