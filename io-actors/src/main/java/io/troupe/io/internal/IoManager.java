package io.troupe.io.internal;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.SpawnOptions;
import io.troupe.io.ConnectionStage;
import io.troupe.io.Tcp;
import io.troupe.io.TcpOptions;
import java.net.SocketAddress;
import java.time.Duration;
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

    /** Spawn a UDP socket. */
    record SpawnUdp(SocketAddress address, io.troupe.io.UdpOptions options, ActorRef<io.troupe.io.Udp.Event> handler) {}

    private final IoExtension io;

    IoManager(IoExtension io) {
        this.io = io;
    }

    @Override
    protected void receive(Object message) {
        if (message instanceof SpawnListener s) {
            context().spawn(() -> new TcpListener(io, s.address(), s.options(), s.handlerFactory(), s.adapter(), s.stageFactory(),
                            s.replyTo()),
                    SpawnOptions.named("tcp-listener-" + io.nextName()));
        } else if (message instanceof SpawnConnection s) {
            final Reactor r = io.nextReactor();
            context().spawn(() -> s.handler() != null
                            ? TcpConnection.outgoing(r, s.options(), s.handler(), s.address(), s.timeout())
                            : TcpConnection.outgoing(r, s.options(), s.stage(), s.address(), s.timeout()),
                    SpawnOptions.named("tcp-out-" + io.nextName()));
        } else if (message instanceof SpawnUdp s) {
            final Reactor r = io.nextReactor();
            context().spawn(() -> new UdpSocket(r, s.address(), s.options(), s.handler()), SpawnOptions.named("udp-" + io.nextName()));
        }
    }

    @Override
    protected void postStop() {
        io.onManagerStopped();
    }
}
