package io.troupe.io;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.io.internal.IoExtension;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * TCP (and Unix-domain stream) sockets as actors.
 *
 * <p>A <em>connection actor</em> owns each socket. It tells the application's <em>handler</em>
 * actor what happens ({@link Event}s: {@link Connected}, {@link Received}, {@link Ack},
 * {@link PeerClosed}, ...) and takes {@link Command}s ({@link Write}, {@link Close}, ...).
 * One handler serves one connection. Stopping the handler closes its connection.
 *
 * <pre>{@code
 * final class Echo extends Actor<Tcp.Event> {
 *     private ActorRef<Tcp.Command> connection;
 *     protected void receive(Tcp.Event event) {
 *         if (event instanceof Tcp.Connected c) connection = c.connection();
 *         else if (event instanceof Tcp.Received r) {
 *             connection.tell(Tcp.Write.of(r.data())); // the answer,
 *             connection.tell(new Tcp.ReadCredit(1));  // then the credit for the next read
 *         }
 *         else if (event instanceof Tcp.PeerClosed) connection.tell(new Tcp.Close());
 *         else if (event instanceof Tcp.ConnectionClosed) context().stop(self());
 *     }
 * }
 * TcpOptions answering = TcpOptions.defaults().withAnsweredReads(16);
 * Tcp.Bound bound = Tcp.bind(system, new InetSocketAddress("127.0.0.1", 7007), answering, Echo::new)
 *         .toCompletableFuture().join();
 * }</pre>
 *
 * <p>Back-pressure. Writes go to a queue bounded in bytes ({@link TcpOptions#withWriteQueue}):
 * past the high watermark the handler hears {@link WritingPaused}, below the low one
 * {@link WritingResumed}, and a write that does not fit is refused with
 * {@link WriteRejected}, never buffered. Reads stop while the handler's mailbox is full, or,
 * in pull mode ({@link TcpOptions#withReadCredit}), while the handler has no credit left.
 * Which recipe a handler follows depends on what its writes are:
 * <ul>
 *   <li>Answers to what it reads (echo, a transform, request/response whose answers are no
 *       larger than the requests): bind with {@link TcpOptions#withAnsweredReads} and, as in
 *       the example, write each answer before granting {@code ReadCredit(1)}. The connection
 *       then stops reading by itself while writing is paused and keeps room in its write queue
 *       for every answer still to come, so no answer is ever refused and the handler need not
 *       watch {@code WritingPaused}. (Pausing from the handler instead, with
 *       {@link SuspendReading} on {@code WritingPaused}, comes too late: a whole read turn,
 *       up to 16 reads, may already be on its way to the handler.)</li>
 *   <li>Writes of its own (streaming, fan-out, answers larger than requests): stop writing
 *       on {@code WritingPaused} until {@code WritingResumed}, or keep a bounded number of
 *       acknowledged writes ({@link Write#withAck}) in flight. Reading goes on meanwhile, so
 *       a peer that stops reading while it cannot write (as an echo does) is not stuck.</li>
 * </ul>
 * A refused write is never silent: the first per connection is logged with its reason, and
 * all are counted ({@link ConnectionStats#writesRejected}) and reported when the connection
 * closes.
 *
 * <p>Stages. A connection whose answers need nothing but the request (echo, hello, a parser
 * in front of a service) can be handled by a {@link ConnectionStage} instead of a handler
 * actor ({@link #serve}, {@link #connect(ActorSystem, SocketAddress, TcpOptions, Duration,
 * ConnectionStage)}): it runs inside the connection actor's turn, so a request/response costs
 * one turn and no message.
 *
 * <p>TLS. {@link TcpOptions#withTls} makes every connection of a listener a TLS server, and an
 * outgoing one a TLS client, for handler actors as for stages: a handler then sees plaintext,
 * with the events and back-pressure above, and {@link Connected#tls()} tells what the handshake
 * settled (see {@link Tls}).
 *
 * <p>Threads. Socket readiness is found by an idle dispatcher worker polling the selector (or
 * by a reactor thread, see {@link IoSettings}), which runs no user code while it polls; reads,
 * writes and stages run on the connection actor's dispatcher thread, and events reach a
 * handler actor through its mailbox.
 */
public final class Tcp {
    private Tcp() {}

    // ================================================================ entry points

    /**
     * Binds a listener to {@code address} ({@link java.net.InetSocketAddress}, or
     * {@link java.net.UnixDomainSocketAddress} for a Unix-domain socket) and answers
     * {@code replyTo} with {@link Bound} or {@link BindFailed}. For each accepted connection
     * the listener spawns a connection actor and a handler from {@code handlerFactory}; the
     * handler's first message is {@link Connected}. Any thread; returns at once.
     *
     * @param system the actor system
     * @param address the address to listen on
     * @param options the listener's and its connections' options
     * @param handlerFactory makes one handler per accepted connection
     * @param replyTo who hears the {@link BindResult}
     */
    public static void bind(ActorSystem system, SocketAddress address, TcpOptions options,
                            Supplier<? extends Actor<Event>> handlerFactory, ActorRef<? super BindResult> replyTo) {
        Objects.requireNonNull(system, "system");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(handlerFactory, "handlerFactory");
        Objects.requireNonNull(replyTo, "replyTo");
        IoExtension.of(system).bind(address, options, handlerFactory, replyTo);
    }

    /**
     * Like {@link #bind(ActorSystem, SocketAddress, TcpOptions, Supplier, ActorRef)}, for
     * callers that are not actors: the stage completes with {@link Bound}, or exceptionally
     * with the cause of {@link BindFailed} (a {@link java.net.BindException} when the port is
     * in use). Any thread.
     *
     * @param system the actor system
     * @param address the address to listen on
     * @param options the listener's and its connections' options
     * @param handlerFactory makes one handler per accepted connection
     * @return completes with {@link Bound}, or exceptionally with the bind's cause
     */
    public static CompletionStage<Bound> bind(ActorSystem system, SocketAddress address, TcpOptions options,
                                              Supplier<? extends Actor<Event>> handlerFactory) {
        Objects.requireNonNull(system, "system");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(handlerFactory, "handlerFactory");
        return IoExtension.of(system).bind(address, options, handlerFactory)
                .thenCompose(r -> r instanceof Bound b
                        ? CompletableFuture.completedStage(b)
                        : CompletableFuture.failedStage(((BindFailed) r).cause()));
    }

    /**
     * Like {@link #bind(ActorSystem, SocketAddress, TcpOptions, Supplier)}, for handlers of any
     * protocol {@code M}: each connection's events are converted by {@code adapter} on the
     * connection actor's thread and reach the handler as messages of its own protocol (no
     * forwarding actor, no extra hop), so one handler can take socket events, replies from other
     * actors, broadcasts and its own timers:
     *
     * <pre>{@code
     * sealed interface Msg {}
     * record Net(Tcp.Event event) implements Msg {}
     * record Broadcast(String line) implements Msg {}
     * Tcp.bind(system, address, options, Session::new, Net::new); // Session extends Actor<Msg>
     * }</pre>
     *
     * The adapter must be a pure function and must not return null. Any thread; returns at once.
     *
     * @param <M> the handlers' protocol
     * @param system the actor system
     * @param address the address to listen on
     * @param options the listener's and its connections' options
     * @param handlerFactory makes one handler per accepted connection
     * @param adapter converts each event to a message of the handler's protocol
     * @return completes with {@link Bound}, or exceptionally with the bind's cause
     */
    public static <M> CompletionStage<Bound> bind(ActorSystem system, SocketAddress address, TcpOptions options,
                                                  Supplier<? extends Actor<M>> handlerFactory,
                                                  java.util.function.Function<? super Event, ? extends M> adapter) {
        Objects.requireNonNull(system, "system");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(handlerFactory, "handlerFactory");
        Objects.requireNonNull(adapter, "adapter");
        return IoExtension.of(system).bind(address, options, handlerFactory, adapter)
                .thenCompose(r -> r instanceof Bound b
                        ? CompletableFuture.completedStage(b)
                        : CompletableFuture.failedStage(((BindFailed) r).cause()));
    }

    /**
     * Like {@link #connect(ActorSystem, SocketAddress, TcpOptions, Duration, ActorRef)}, for a
     * handler of any protocol {@code M}: each event is converted by {@code adapter} (a pure
     * function that never returns null) on the connection actor's thread and reaches the
     * handler as one message of its own protocol. Any thread; returns at once.
     *
     * @param <M> the handler's protocol
     * @param system the actor system
     * @param address the address to connect to
     * @param options the connection's options
     * @param timeout how long the connect (and name resolution) may take; positive
     * @param handler who hears the connection's events, adapted
     * @param adapter converts each event to a message of the handler's protocol
     * @throws IllegalArgumentException if {@code timeout} is not positive
     */
    public static <M> void connect(ActorSystem system, SocketAddress address, TcpOptions options, Duration timeout,
                                   ActorRef<M> handler, java.util.function.Function<? super Event, ? extends M> adapter) {
        Objects.requireNonNull(handler, "handler");
        Objects.requireNonNull(adapter, "adapter");
        connect(system, address, options, timeout, IoExtension.adapt(handler, adapter));
    }

    /**
     * Binds a listener like {@link #bind(ActorSystem, SocketAddress, TcpOptions, Supplier)}, but
     * each accepted connection is handled by a fresh {@link ConnectionStage} from
     * {@code stageFactory}, called inside the connection actor's own turn instead of a handler
     * actor: no handler actor is spawned, and a request/response costs one actor turn with no
     * message between the socket and the stage. The factory runs on the listener's thread, once
     * per connection; if it throws (or returns null) that connection is closed and the failure
     * logged. {@link TcpOptions#withReadCredit} and {@link TcpOptions#withAnsweredReads} do not
     * apply (see {@link ConnectionStage} for its back-pressure). Any thread; returns at once.
     *
     * @param system the actor system
     * @param address the address to listen on
     * @param options the listener's and its connections' options
     * @param stageFactory makes one stage per accepted connection
     * @return completes with {@link Bound}, or exceptionally with the bind's cause
     */
    public static CompletionStage<Bound> serve(ActorSystem system, SocketAddress address, TcpOptions options,
                                               Supplier<? extends ConnectionStage> stageFactory) {
        Objects.requireNonNull(system, "system");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(stageFactory, "stageFactory");
        requireNoFramingUnderTls(options);
        return IoExtension.of(system).serve(address, options, stageFactory)
                .thenCompose(r -> r instanceof Bound b
                        ? CompletableFuture.completedStage(b)
                        : CompletableFuture.failedStage(((BindFailed) r).cause()));
    }

    /**
     * Connects to {@code address} and handles the connection with {@code stage}, called inside
     * the connection actor's turn: {@link ConnectionStage#onConnected} or
     * {@link ConnectionStage#onConnectFailed} first (refused, unreachable, {@code timeout}
     * passed, or the name did not resolve). Any thread; returns at once.
     *
     * @param system the actor system
     * @param address the address to connect to
     * @param options the connection's options
     * @param timeout how long the connect (and name resolution) may take; positive
     * @param stage handles the connection inside its actor's turn
     * @throws IllegalArgumentException if {@code timeout} is not positive
     */
    public static void connect(ActorSystem system, SocketAddress address, TcpOptions options, Duration timeout,
                               ConnectionStage stage) {
        Objects.requireNonNull(system, "system");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(stage, "stage");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("connect timeout must be positive, was " + timeout);
        }
        requireNoFramingUnderTls(options);
        requireTlsServerName(address, options);
        IoExtension.of(system).connect(address, options, timeout, stage);
    }

    private static void requireTlsServerName(SocketAddress address, TcpOptions options) {
        if (options.tls() != null && options.tlsServerName() == null && !(address instanceof java.net.InetSocketAddress)) {
            throw new IllegalArgumentException("TLS to " + address + " needs the server's name: use"
                    + " TcpOptions.withTls(settings, serverName)");
        }
    }

    private static void requireNoFramingUnderTls(TcpOptions options) {
        if (options.tls() != null && options.framing() != null) {
            throw new IllegalArgumentException("a stage under TLS (TcpOptions.withTls) gets plaintext unframed: drop"
                    + " withFraming and frame in the stage (Framing.newDecoder), or use a handler actor");
        }
    }

    /**
     * Connects to {@code address} and tells {@code handler} {@link Connected} or
     * {@link ConnectFailed} (refused, unreachable, {@code timeout} passed, or the host name did
     * not resolve). An address made with {@link java.net.InetSocketAddress#createUnresolved}
     * is resolved on the blocking pool, within the timeout. The connection actor watches
     * {@code handler}: when it stops, the connection closes. Any thread; returns at once.
     *
     * @param system the actor system
     * @param address the address to connect to
     * @param options the connection's options
     * @param timeout how long the connect (and name resolution) may take; positive
     * @param handler who hears the connection's events
     * @throws IllegalArgumentException if {@code timeout} is not positive
     */
    public static void connect(ActorSystem system, SocketAddress address, TcpOptions options, Duration timeout,
                               ActorRef<Event> handler) {
        Objects.requireNonNull(system, "system");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(handler, "handler");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("connect timeout must be positive, was " + timeout);
        }
        requireTlsServerName(address, options);
        IoExtension.of(system).connect(address, options, timeout, handler);
    }

    // ================================================================ listener protocol

    /** The answer to a bind. */
    public sealed interface BindResult permits Bound, BindFailed {}

    /**
     * The listener is accepting connections.
     *
     * @param listener the listener actor: send it {@link Unbind} to stop accepting
     * @param localAddress the bound address (with the actual port when port 0 was asked for)
     */
    public record Bound(ActorRef<ListenerCommand> listener, SocketAddress localAddress) implements BindResult {
        /**
         * Stops accepting; the stage completes when the listening socket is closed and its port
         * released. Live connections are not affected. Any thread.
         *
         * @param timeout how long to wait for the listener's answer
         * @return completes with {@link Unbound} once the port is released
         */
        public CompletionStage<Unbound> unbind(Duration timeout) {
            return listener.ask(Unbind::new, timeout);
        }
    }

    /**
     * The bind failed; nothing is listening.
     *
     * @param address the address asked for
     * @param cause why (a {@link java.net.BindException} when the address is in use)
     */
    public record BindFailed(SocketAddress address, Throwable cause) implements BindResult {}

    /** What a listener accepts. */
    public sealed interface ListenerCommand permits Unbind {}

    /**
     * Stop accepting and close the listening socket; live connections stay. The listener
     * answers {@link Unbound} once the port is released, and stops when its last connection
     * and handler have.
     *
     * @param replyTo who hears {@link Unbound}
     */
    public record Unbind(ActorRef<? super Unbound> replyTo) implements ListenerCommand {
        /**
         * Checks the reply ref.
         *
         * @param replyTo who hears {@link Unbound}; not null
         */
        public Unbind {
            Objects.requireNonNull(replyTo, "replyTo");
        }
    }

    /**
     * The listening socket is closed and its address released (a Unix-domain socket's file is
     * deleted).
     *
     * @param localAddress the address that was bound
     */
    public record Unbound(SocketAddress localAddress) {}

    // ================================================================ connection events

    /** What a connection tells its handler. */
    public sealed interface Event
            permits Connected, ConnectFailed, Received, Ack, WritingPaused, WritingResumed, WriteRejected,
            CommandFailed, PeerClosed, ConnectionClosed, FrameDiscarded, ShuttingDown {}

    /**
     * The actor system is shutting down gracefully ({@link io.troupe.actors.ActorSystem#shutdown()},
     * phase {@link io.troupe.actors.ShutdownPhase#SERVICE_REQUESTS_DONE}): the listener has stopped
     * accepting; finish what is in flight, say goodbye if the protocol has one, then send
     * {@link Close}. The phase waits (up to its deadline) for the connections to close; any still
     * open afterwards are closed by the shutdown, flushing what is queued. Told only to the
     * handlers of accepted connections (an outgoing connection's handler is an application actor
     * and hears {@link io.troupe.actors.ShuttingDown} itself).
     */
    public record ShuttingDown() implements Event {}

    /**
     * A line over the limit was skipped, with {@link Framing#linesDiscardingOverlong}: reading
     * goes on with the next line. Told in order, between the lines around it.
     *
     * @param bytes the skipped line's size, line end excluded
     * @param maxFrameBytes the limit it was over
     */
    public record FrameDiscarded(long bytes, int maxFrameBytes) implements Event {}

    /**
     * The connection is open; the handler's first message. Under TLS ({@link TcpOptions#withTls})
     * it comes once the handshake has finished.
     *
     * @param connection the connection actor: send it {@link Command}s
     * @param remoteAddress the peer's address
     * @param localAddress this end's address
     * @param tls what the TLS handshake settled, or {@code null} on a plain connection
     */
    public record Connected(ActorRef<Command> connection, SocketAddress remoteAddress, SocketAddress localAddress,
                            Tls.Handshake tls) implements Event {
        /**
         * A plain (not TLS) connection's event.
         *
         * @param connection the connection actor
         * @param remoteAddress the peer's address
         * @param localAddress this end's address
         */
        public Connected(ActorRef<Command> connection, SocketAddress remoteAddress, SocketAddress localAddress) {
            this(connection, remoteAddress, localAddress, null);
        }
    }

    /**
     * An outgoing connection could not be made; there is no connection actor any more.
     *
     * @param address the address asked for
     * @param cause a {@link java.net.ConnectException} (refused), a
     *     {@link java.net.SocketTimeoutException} (the connect timeout passed), a
     *     {@link java.net.UnknownHostException}, or another {@link java.io.IOException}
     */
    public record ConnectFailed(SocketAddress address, Throwable cause) implements Event {}

    /**
     * Bytes from the peer, or one whole frame with {@link TcpOptions#withFraming}. The buffer
     * is a fresh heap buffer (position 0, limit the byte count) that now belongs to the handler.
     *
     * @param data the bytes
     */
    public record Received(ByteBuffer data) implements Event {
        /**
         * A copy of the bytes as an array. Allocates.
         *
         * @return a new array with the bytes
         */
        public byte[] toByteArray() {
            final byte[] bytes = new byte[data.remaining()];
            data.duplicate().get(bytes);
            return bytes;
        }

        /**
         * The bytes decoded as UTF-8. Allocates.
         *
         * @return the decoded text
         */
        public String utf8() {
            return StandardCharsets.UTF_8.decode(data.duplicate()).toString();
        }

        @Override
        public String toString() {
            return "Received[" + data.remaining() + " bytes]";
        }
    }

    /**
     * A {@link Write} carrying {@code token} has been handed to the operating system in full.
     * Acks arrive in the order of the writes.
     *
     * @param token the write's ack token
     */
    public record Ack(Object token) implements Event {}

    /**
     * The write queue has reached its high watermark: stop writing until
     * {@link WritingResumed}. With {@link TcpOptions#withAnsweredReads answered reads} the
     * connection has also stopped reading, and answers need no pause.
     */
    public record WritingPaused() implements Event {}

    /** The write queue has drained to its low watermark: writing may resume. */
    public record WritingResumed() implements Event {}

    /**
     * A write was refused because it does not fit in the write queue; nothing of it was sent.
     * The connection logs the first refusal (with the reason) and counts them all
     * ({@link ConnectionStats#writesRejected}, reported again when it closes).
     *
     * @param write the refused write
     * @param reason what happened and what to do
     */
    public record WriteRejected(Write write, String reason) implements Event {}

    /**
     * A command could not be carried out (the connection is closing, output was shut, a
     * frame is invalid, ...).
     *
     * @param command the command
     * @param reason what happened and what to do
     */
    public record CommandFailed(Command command, String reason) implements Event {}

    /**
     * The peer has closed its side (end of stream); reading has ended. By default the
     * connection then closes by itself once its queued writes are flushed (with
     * {@link TcpOptions#withAnsweredReads answered reads}, once every read delivered has been
     * answered and credited too), and the handler hears {@link Closed}. With
     * {@link TcpOptions#withHalfClose half-close} it stays open for writing until the handler
     * sends {@link Close} (or stops).
     */
    public record PeerClosed() implements Event {}

    /** The connection is closed: the last event a handler hears from it. */
    public sealed interface ConnectionClosed extends Event permits Closed, Aborted, ErrorClosed {}

    /** Closed in order: after {@link Close} (queued writes flushed), or when both sides had shut down. */
    public record Closed() implements ConnectionClosed {}

    /** Reset after {@link Abort} (or a {@link Close} whose flush outlived the close timeout). */
    public record Aborted() implements ConnectionClosed {}

    /**
     * Closed because of an error: an I/O error such as a reset by the peer, the idle timeout
     * ({@link java.net.SocketTimeoutException}), or an invalid frame ({@link FramingException}).
     *
     * @param cause what happened
     */
    public record ErrorClosed(Throwable cause) implements ConnectionClosed {}

    // ================================================================ connection commands

    /** What a connection actor accepts from its handler. */
    public sealed interface Command
            permits Write, Close, Abort, ShutdownOutput, SuspendReading, ResumeReading, ReadCredit, GetStats {}

    /**
     * Writes {@code data} (from its position to its limit; the caller's buffer is not moved).
     * The connection owns the bytes until the write is acknowledged: do not change them. With
     * framing, {@code data} is one frame.
     *
     * @param data the bytes
     * @param ack the token of the {@link Ack} to send when written, or {@code null} for none
     */
    public record Write(ByteBuffer data, Object ack) implements Command {
        /**
         * Checks the data.
         *
         * @param data the bytes; not null
         * @param ack the ack token, or {@code null} for none
         */
        public Write {
            Objects.requireNonNull(data, "data");
        }

        /**
         * A write of these bytes without an ack.
         *
         * @param bytes the bytes to write (wrapped, not copied)
         * @return the write
         */
        public static Write of(byte[] bytes) {
            return new Write(ByteBuffer.wrap(Objects.requireNonNull(bytes, "bytes")), null);
        }

        /**
         * A write of this buffer's remaining bytes without an ack.
         *
         * @param data the bytes to write
         * @return the write
         */
        public static Write of(ByteBuffer data) {
            return new Write(data, null);
        }

        /**
         * A write of this string's UTF-8 bytes without an ack.
         *
         * @param text the text to write
         * @return the write
         */
        public static Write utf8(String text) {
            return of(Objects.requireNonNull(text, "text").getBytes(StandardCharsets.UTF_8));
        }

        /**
         * This write, acknowledged with {@code token}.
         *
         * @param token the ack token; not null
         * @return a new write of the same bytes
         */
        public Write withAck(Object token) {
            return new Write(data, Objects.requireNonNull(token, "token"));
        }

        @Override
        public String toString() {
            return "Write[" + data.remaining() + " bytes, ack=" + ack + "]";
        }
    }

    /**
     * Flushes the queued writes, then closes; the handler gets {@link Closed}. If the flush
     * outlives the close timeout the connection is reset and the handler gets {@link Aborted}.
     */
    public record Close() implements Command {}

    /** Resets the connection at once (RST, via {@code SO_LINGER} 0); queued writes are dropped. */
    public record Abort() implements Command {}

    /** Flushes the queued writes, then shuts down the output (FIN): a half-close. */
    public record ShutdownOutput() implements Command {}

    /** Stops reading from the socket until {@link ResumeReading}. */
    public record SuspendReading() implements Command {}

    /** Reads again after {@link SuspendReading}. */
    public record ResumeReading() implements Command {}

    /**
     * In pull mode, allows {@code messages} more {@link Received} messages. With
     * {@link TcpOptions#withAnsweredReads answered reads} it also says that the oldest
     * {@code messages} Received not yet credited back have been answered: the room reserved
     * for their answers is released, so send it after the answer's {@link Write}.
     *
     * @param messages how many; positive
     */
    public record ReadCredit(int messages) implements Command {
        /**
         * Checks the count.
         *
         * @param messages how many; positive
         */
        public ReadCredit {
            if (messages <= 0) {
                throw new IllegalArgumentException("read credit must be positive, was " + messages);
            }
        }
    }

    /**
     * Asks for the connection's {@link ConnectionStats}.
     *
     * @param replyTo who gets them
     */
    public record GetStats(ActorRef<? super ConnectionStats> replyTo) implements Command {
        /**
         * Checks the reply ref.
         *
         * @param replyTo who gets the stats; not null
         */
        public GetStats {
            Objects.requireNonNull(replyTo, "replyTo");
        }
    }

    /**
     * A snapshot of one connection.
     *
     * @param bytesRead bytes read from the socket so far
     * @param bytesWritten bytes written to the socket so far
     * @param queuedBytes bytes in the write queue now
     * @param peakQueuedBytes the most bytes the write queue has held
     * @param writesRejected writes refused ({@link WriteRejected}) because they did not fit
     */
    public record ConnectionStats(long bytesRead, long bytesWritten, int queuedBytes, int peakQueuedBytes,
                                  long writesRejected) {}
}
