package io.troupe.io.internal;

import io.troupe.actors.internal.SystemAccess;
import io.troupe.actors.internal.counters.SystemCounters;
import io.troupe.actors.internal.jfr.TroupeEvents;
import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.SpawnOptions;
import io.troupe.actors.Signal;
import io.troupe.actors.Terminated;
import io.troupe.io.ConnectionStage;
import io.troupe.io.Tcp;
import io.troupe.io.TcpOptions;
import java.io.IOException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.util.HashSet;
import java.util.function.Supplier;

/**
 * The actor that owns one listening socket: it binds, accepts, and spawns for each accepted
 * connection a {@link TcpConnection} and a handler, both its children. Used by one thread at a
 * time, like every actor.
 */
final class TcpListener extends Actor<Object> {
    /*
     * Implementation overview
     *
     * Threading protocol. Actor thread only. The reactor tells Readiness(OP_ACCEPT) once per
     * arm; the listener accepts up to ACCEPT_BATCH connections per message, then re-arms.
     *
     * Lifecycle (`state`):
     *   BINDING -> BOUND        // bind succeeded in preStart: Bound told
     *   BINDING -> STOPPED      // bind failed: BindFailed told, the actor stops
     *   BOUND -> UNBOUND        // Unbind: the socket goes to the reactor to close; Unbound is
     *                           // told once the port is released
     *   UNBOUND -> STOPPED      // the port is released and the last child has terminated
     *
     * Invariants.
     *  1. liveConnections <= maxConnections: at the limit OP_ACCEPT stays disarmed (connections
     *     wait in the kernel's backlog) until a connection actor terminates.
     *  2. Live connections survive Unbind; the listener outlives its children.
     *  3. The system's "listeners open" counts this listener from a successful bind until its
     *     port is released (Released) or, if that comes first, postStop: once (`countedOpen`).
     *
     * Memory ordering. Actor-confined; the reactor's close callback only tells.
     *
     * Shutdown. postStop (system closing: the children have stopped first) closes the socket
     * through the reactor and deletes a Unix-domain socket's file.
     *
     * References. Erlang ranch's max_connections (stop accepting at the limit); Pekko IO's
     * TcpListener (accept batches, pull mode).
     */
    /** Accepts per message at most: each spawns two actors, so keep a turn short. */
    private static final int ACCEPT_BATCH = 16;
    /** preStart is binding. */
    private static final int BINDING = 0;
    /** Accepting connections. */
    private static final int BOUND = 1;
    /** Unbind received: the socket is closing or closed; children may live on. */
    private static final int UNBOUND = 2;

    /**
     * Shutdown: stop accepting, close every connection (each flushes and tells its handler),
     * and answer {@code replyTo} once those connections and their handlers have stopped.
     */
    record CloseAll(ActorRef<Object> replyTo) {}

    /**
     * Graceful shutdown: stop accepting, tell every connection's handler (Tcp.ShuttingDown), and
     * answer {@code replyTo} once those connections and handlers have stopped.
     */
    record NotifyAll(ActorRef<Object> replyTo) {}

    /** The listening socket's descriptor has been released. */
    private record Released(ActorRef<? super Tcp.Unbound> replyTo) {}

    private final IoExtension io;
    private final Reactor reactor;
    private final SocketAddress address;
    private final TcpOptions options;
    /** Makes a handler actor per connection; null when stages handle them. */
    private final Supplier<? extends Actor<Tcp.Event>> handlerFactory;
    /** Converts each event for handlers of another protocol; null when they take Tcp.Event. */
    private final java.util.function.Function<Object, Object> adapter;
    /** Makes a stage per connection; null when handler actors do. */
    private final Supplier<? extends ConnectionStage> stageFactory;
    private final ActorRef<? super Tcp.BindResult> replyTo;
    private final HashSet<ActorRef<?>> connections = new HashSet<>();
    private ServerSocketChannel channel;
    private Registration reg;
    private SocketAddress localAddress;
    private int state = BINDING;
    private int liveChildren;
    private boolean released;
    private long accepted;
    /** Who waits for CloseAll to finish, or null. */
    private ActorRef<Object> closeAllReplyTo;
    /** The system's counters (issue 15): listeners open. */
    private SystemCounters counters;
    /** Counted in listenersOpen (bound, port not yet released). */
    private boolean countedOpen;

    TcpListener(IoExtension io, SocketAddress address, TcpOptions options,
                Supplier<? extends Actor<Tcp.Event>> handlerFactory, java.util.function.Function<Object, Object> adapter,
                Supplier<? extends ConnectionStage> stageFactory, ActorRef<? super Tcp.BindResult> replyTo) {
        this.io = io;
        this.adapter = adapter;
        this.stageFactory = stageFactory;
        this.reactor = io.nextReactor();
        this.address = address;
        this.options = options;
        this.handlerFactory = handlerFactory;
        this.replyTo = replyTo;
    }

    @Override
    protected void preStart() {
        try {
            channel = address instanceof UnixDomainSocketAddress
                    ? ServerSocketChannel.open(StandardProtocolFamily.UNIX) : ServerSocketChannel.open();
            channel.configureBlocking(false);
            SocketSetup.applyToListener(channel, options);
            channel.bind(address, options.backlog());
            localAddress = channel.getLocalAddress();
        } catch (IOException | RuntimeException e) {
            closeQuietly();
            released = true;
            replyTo.tell(new Tcp.BindFailed(address, SocketSetup.namingAddress(e, address)));
            context().stop(self());
            return;
        }
        state = BOUND;
        counters = SystemAccess.counters(context().system());
        counters.listenersOpen.increment();
        countedOpen = true;
        reg = reactor.register(channel, self(), SelectionKey.OP_ACCEPT);
        replyTo.tell(new Tcp.Bound(listenerRef(), localAddress));
    }

    @SuppressWarnings("unchecked")
    private ActorRef<Tcp.ListenerCommand> listenerRef() {
        return (ActorRef<Tcp.ListenerCommand>) (ActorRef<?>) self();
    }

    @Override
    protected void receive(Object message) {
        if (message instanceof Readiness) {
            acceptSome();
        } else if (message instanceof Tcp.Unbind u) {
            unbind(u.replyTo());
        } else if (message instanceof CloseAll c) {
            shutdownStep(c.replyTo(), TcpConnection.ShutdownClose.INSTANCE);
        } else if (message instanceof NotifyAll n) {
            shutdownStep(n.replyTo(), TcpConnection.ShutdownNotice.INSTANCE);
        } else if (message instanceof Released r) {
            released = true;
            countClosed(); // before Unbound is told: whoever hears it sees the count down
            if (r.replyTo() != null) {
                r.replyTo().tell(new Tcp.Unbound(localAddress));
            }
            maybeStop();
        }
    }

    @Override
    protected void onSignal(Signal signal) {
        if (signal instanceof Terminated t) {
            liveChildren--;
            maybeAnswerCloseAll();
            if (connections.remove(t.ref()) && state == BOUND && !reg.isArmed(SelectionKey.OP_ACCEPT)) {
                acceptSome(); // below the limit again: take what waits in the backlog
            }
            maybeStop();
        }
    }

    private void acceptSome() {
        if (state != BOUND) {
            return;
        }
        for (int i = 0; i < ACCEPT_BATCH; i++) {
            if (connections.size() >= options.maxConnections()) {
                return; // at the limit: stay disarmed until a connection ends
            }
            final SocketChannel c;
            try {
                c = channel.accept();
            } catch (IOException e) {
                context().log().log(System.Logger.Level.WARNING, "accept on " + localAddress + " failed", e);
                reg.arm(SelectionKey.OP_ACCEPT);
                return;
            }
            if (c == null) {
                reg.arm(SelectionKey.OP_ACCEPT);
                return;
            }
            spawnConnection(c);
        }
        reg.arm(SelectionKey.OP_ACCEPT); // batch spent: the reactor reports the rest at once
    }

    /** Emits troupe.SocketAccepted (a recording takes it). */
    private void recordAccepted(SocketChannel c) {
        final TroupeEvents.SocketAccepted e = new TroupeEvents.SocketAccepted();
        e.listener = self().path();
        e.localAddress = String.valueOf(localAddress);
        try {
            e.remoteAddress = String.valueOf(c.getRemoteAddress());
        } catch (IOException ex) {
            e.remoteAddress = null;
        }
        e.commit();
    }

    private void spawnConnection(SocketChannel c) {
        try {
            c.configureBlocking(false);
            SocketSetup.applyToConnection(c, options);
        } catch (IOException e) {
            try {
                c.close();
            } catch (IOException ignored) {
                // nothing more to do
            }
            return;
        }
        final long id = ++accepted;
        if (TroupeEvents.SOCKET_ACCEPTED_PROBE.isEnabled()) {
            recordAccepted(c);
        }
        final Reactor r = io.nextReactor();
        if (stageFactory != null) {
            final ConnectionStage stage;
            try {
                stage = java.util.Objects.requireNonNull(stageFactory.get(), "the stage factory returned null");
            } catch (RuntimeException e) {
                context().log().log(System.Logger.Level.WARNING, "the stage factory of " + localAddress
                        + " failed; closing the accepted connection", e);
                try {
                    c.close();
                } catch (IOException ignored) {
                    // nothing more to do
                }
                return;
            }
            final ActorRef<Object> connection = context().spawn(
                    () -> TcpConnection.accepted(r, options, stage, c), SpawnOptions.named("conn-" + id));
            context().watch(connection);
            connections.add(connection);
            liveChildren++;
            return;
        }
        final ActorRef<Tcp.Event> spawned = context().spawn(handlerFactory, SpawnOptions.named("handler-" + id));
        final ActorRef<Tcp.Event> handler = adapter == null ? spawned : AdaptingRef.erased(spawned, adapter);
        final ActorRef<Object> connection = context().spawn(
                () -> TcpConnection.accepted(r, options, handler, c), SpawnOptions.named("conn-" + id));
        context().watch(spawned);
        context().watch(connection);
        connections.add(connection);
        liveChildren += 2;
    }

    private void unbind(ActorRef<? super Tcp.Unbound> unboundTo) {
        if (state != BOUND) {
            if (released && unboundTo != null) {
                unboundTo.tell(new Tcp.Unbound(localAddress));
            }
            return;
        }
        state = UNBOUND;
        deleteSocketFile();
        final ActorRef<Object> me = self();
        reg.close(() -> me.tell(new Released(unboundTo)));
    }

    /** Stops accepting, tells every connection {@code step}, answers when none is left. */
    private void shutdownStep(ActorRef<Object> replyTo, Object step) {
        if (state == BOUND) {
            unbind(null); // nobody to tell
        }
        closeAllReplyTo = replyTo;
        for (ActorRef<?> conn : connections) {
            @SuppressWarnings("unchecked")
            final ActorRef<Object> ref = (ActorRef<Object>) conn;
            ref.tell(step);
        }
        maybeAnswerCloseAll();
    }

    /** Answers CloseAll or NotifyAll once no connection or handler of this listener is left. */
    private void maybeAnswerCloseAll() {
        if (closeAllReplyTo != null && liveChildren == 0) {
            closeAllReplyTo.tell("closed");
            closeAllReplyTo = null;
        }
    }

    private void maybeStop() {
        if (state == UNBOUND && released && liveChildren == 0) {
            context().stop(self());
        }
    }

    /** Counts this listener closed in "listeners open", once. */
    private void countClosed() {
        if (countedOpen) {
            countedOpen = false;
            counters.listenersOpen.decrement();
        }
    }

    @Override
    protected void postStop() {
        countClosed(); // the port is released by the reactor shortly, if not yet
        if (reg != null) {
            reg.close(null);
        } else {
            closeQuietly();
        }
        if (state == BOUND) {
            deleteSocketFile();
        }
    }

    private void deleteSocketFile() {
        if (localAddress instanceof UnixDomainSocketAddress u) {
            try {
                Files.deleteIfExists(u.getPath());
            } catch (IOException e) {
                context().log().log(System.Logger.Level.WARNING, "could not delete the socket file " + u.getPath(), e);
            }
        }
    }

    private void closeQuietly() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // nothing more to do
            }
        }
    }
}
