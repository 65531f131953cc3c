package io.troupe.io.internal;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.Signal;
import io.troupe.actors.SpawnOptions;
import io.troupe.actors.Terminated;
import io.troupe.actors.internal.SystemAccess;
import io.troupe.io.ConnectionStage;
import io.troupe.io.Tcp;
import io.troupe.io.TcpOptions;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The {@code /system/troupe-io} actor: parent of every listener, outgoing connection and UDP socket of
 * its system, and owner of the reactors, which it closes when it stops (after all of them).
 */
final class IoManager extends Actor<Object> {
    /** Spawn a listener. */
    record SpawnListener(SocketAddress address, TcpOptions options, Supplier<? extends Actor<Tcp.Event>> handlerFactory,
                         java.util.function.Function<Object, Object> adapter, Supplier<? extends ConnectionStage> stageFactory,
                         ActorRef<? super Tcp.BindResult> replyTo) {}

    /** Spawn an outgoing connection, for a handler actor or (handler null) a stage. */
    record SpawnConnection(SocketAddress address, TcpOptions options, Duration timeout, ActorRef<Tcp.Event> handler,
                           ConnectionStage stage) {}

    /** Graceful shutdown, SERVICE_UNBIND: every listener stops accepting; {@code replyTo} hears it when all have. */
    record UnbindAll(ActorRef<Object> replyTo) {}

    /**
     * Shutdown, STOP_SYSTEM_ACTORS: every connection closes (flushing) and tells its handler;
     * {@code replyTo} hears it when the listeners' connections and handlers have stopped.
     */
    record CloseAll(ActorRef<Object> replyTo, Duration grace) {}

    /**
     * Shutdown, STOP_USER_ACTORS: the sockets whose handlers are the application's own actors
     * (outgoing connections, UDP sockets) close before those actors are stopped: each outgoing
     * connection flushes, closes and tells its handler (ConnectionClosed), each UDP socket
     * unbinds and tells its handler (Unbound); {@code replyTo} hears it when they have stopped.
     */
    record CloseOwnedByUser(ActorRef<Object> replyTo) {}

    /**
     * Graceful shutdown, SERVICE_REQUESTS_DONE: every accepted connection's handler is told
     * Tcp.ShuttingDown; {@code replyTo} hears it when the listeners' connections and handlers
     * have stopped (or {@code deadline} passed).
     */
    record NotifyAll(ActorRef<Object> replyTo, Duration deadline) {}

    /** Spawn a UDP socket. */
    record SpawnUdp(SocketAddress address, io.troupe.io.UdpOptions options, ActorRef<io.troupe.io.Udp.Event> handler) {}

    private static final String LISTENER = "tcp-listener-";
    private static final String OUTGOING = "tcp-out-";
    private static final String UDP = "udp-";

    private final IoExtension io;
    /**
     * The application actor behind each outgoing connection or UDP socket child (by child name),
     * so that shutdown can wait until it has taken the closing event; removed when the child stops.
     */
    private final java.util.Map<String, ActorRef<?>> ownerHandlers = new java.util.HashMap<>();

    IoManager(IoExtension io) {
        this.io = io;
    }

    @Override
    protected void receive(Object message) {
        if (message instanceof UnbindAll u) {
            final List<CompletableFuture<?>> unbound = new ArrayList<>();
            for (ActorRef<?> child : context().children()) {
                if (child.name().startsWith(LISTENER)) {
                    @SuppressWarnings("unchecked")
                    final ActorRef<Object> listener = (ActorRef<Object>) child;
                    unbound.add(listener.<Tcp.Unbound>ask(Tcp.Unbind::new, Duration.ofSeconds(30)).toCompletableFuture());
                }
            }
            CompletableFuture.allOf(unbound.toArray(new CompletableFuture<?>[0])).whenComplete((v, e) -> u.replyTo().tell("unbound"));
        } else if (message instanceof CloseAll c) {
            final List<CompletableFuture<?>> closed = new ArrayList<>();
            for (ActorRef<?> child : context().children()) {
                @SuppressWarnings("unchecked")
                final ActorRef<Object> ref = (ActorRef<Object>) child;
                if (child.name().startsWith(LISTENER)) {
                    closed.add(ref.ask(replyTo -> new TcpListener.CloseAll(replyTo), c.grace()).toCompletableFuture());
                } else if (child.name().startsWith(OUTGOING)) {
                    ref.tell(TcpConnection.ShutdownClose.INSTANCE); // its handler is the application's own
                }
            }
            CompletableFuture.allOf(closed.toArray(new CompletableFuture<?>[0])).whenComplete((v, e) -> c.replyTo().tell("closed"));
        } else if (message instanceof CloseOwnedByUser c) {
            final List<CompletableFuture<?>> closed = new ArrayList<>();
            for (ActorRef<?> child : context().children()) {
                @SuppressWarnings("unchecked")
                final ActorRef<Object> ref = (ActorRef<Object>) child;
                if (child.name().startsWith(OUTGOING)) {
                    ref.tell(TcpConnection.ShutdownClose.INSTANCE);
                } else if (child.name().startsWith(UDP)) {
                    ref.tell(new io.troupe.io.Udp.Unbind());
                } else {
                    continue;
                }
                // the socket tells its handler before it stops; then wait until the handler has taken
                // that event (a marker queued behind it), so stopping the user actors cannot overtake it
                final ActorRef<?> handler = ownerHandlers.get(child.name());
                closed.add(context().system().whenTerminated(child).toCompletableFuture()
                        .thenCompose(v -> handler == null ? CompletableFuture.completedFuture(null)
                                : SystemAccess.fence(handler)));
            }
            CompletableFuture.allOf(closed.toArray(new CompletableFuture<?>[0])).whenComplete((v, e) -> c.replyTo().tell("closed"));
        } else if (message instanceof NotifyAll n) {
            final List<CompletableFuture<?>> done = new ArrayList<>();
            for (ActorRef<?> child : context().children()) {
                if (child.name().startsWith(LISTENER)) {
                    @SuppressWarnings("unchecked")
                    final ActorRef<Object> ref = (ActorRef<Object>) child;
                    done.add(ref.ask(replyTo -> new TcpListener.NotifyAll(replyTo), n.deadline()).toCompletableFuture());
                }
            }
            CompletableFuture.allOf(done.toArray(new CompletableFuture<?>[0])).whenComplete((v, e) -> n.replyTo().tell("done"));
        } else if (message instanceof SpawnListener s) {
            context().spawn(() -> new TcpListener(io, s.address(), s.options(), s.handlerFactory(), s.adapter(), s.stageFactory(),
                            s.replyTo()),
                    SpawnOptions.named(LISTENER + io.nextName()));
        } else if (message instanceof SpawnConnection s) {
            final Reactor r = io.nextReactor();
            final ActorRef<?> child = context().spawn(() -> s.handler() != null
                            ? TcpConnection.outgoing(r, s.options(), s.handler(), s.address(), s.timeout())
                            : TcpConnection.outgoing(r, s.options(), s.stage(), s.address(), s.timeout()),
                    SpawnOptions.named(OUTGOING + io.nextName()));
            if (s.handler() != null) {
                ownerHandlers.put(child.name(), AdaptingRef.unwrap(s.handler()));
                context().watch(child);
            }
        } else if (message instanceof SpawnUdp s) {
            final Reactor r = io.nextReactor();
            final ActorRef<?> child = context().spawn(() -> new UdpSocket(r, s.address(), s.options(), s.handler()),
                    SpawnOptions.named(UDP + io.nextName()));
            ownerHandlers.put(child.name(), AdaptingRef.unwrap(s.handler()));
            context().watch(child);
        }
    }

    @Override
    protected void onSignal(Signal signal) {
        if (signal instanceof Terminated t) {
            ownerHandlers.remove(t.ref().name());
        }
    }

    @Override
    protected void postStop() {
        io.onManagerStopped();
    }
}
