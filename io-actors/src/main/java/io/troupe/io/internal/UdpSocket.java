package io.troupe.io.internal;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.Signal;
import io.troupe.actors.Terminated;
import io.troupe.io.Udp;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.util.ArrayDeque;
import java.util.concurrent.CompletionStage;

/**
 * The actor that owns one UDP socket: it receives datagrams and tells them to its handler,
 * and sends what the handler asks. Used by one thread at a time, like every actor.
 */
final class UdpSocket extends Actor<Object> {
    /*
     * Implementation overview
     *
     * Threading protocol. Actor thread only; the reactor tells Readiness once per arm.
     *
     * Lifecycle (`state`):
     *   BINDING -> OPEN      // bind succeeded in preStart: Bound told
     *   BINDING -> CLOSED    // bind failed: BindFailed told, the actor stops
     *   OPEN -> CLOSED       // Unbind (Unbound told once the port is released), handler stopped
     *
     * Invariants. queuedBytes <= Udp.SEND_QUEUE_MAX_BYTES; datagrams reach the handler in the
     * order received; reading is armed only while the handler is not blocked (see
     * TcpConnection: events that do not fit are sent with send(), reading resumes when in).
     *
     * Memory ordering. Actor-confined except `stopped` (volatile), read by send callbacks.
     *
     * Shutdown. postStop closes the channel through the reactor.
     *
     * References. Pekko IO's UdpListener and UdpSender.
     */
    /** Binding in preStart. */
    private static final int BINDING = 0;
    /** Bound: receiving and sending. */
    private static final int OPEN = 1;
    /** Closed or closing; the actor stops. */
    private static final int CLOSED = 2;
    private static final int READS_PER_TURN = 16;
    private static final int MAX_DATAGRAM_BYTES = 65_507;
    private static final ThreadLocal<ByteBuffer> SCRATCH =
            ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(MAX_DATAGRAM_BYTES));

    /** All sends to the handler up to {@code gen} are in its mailbox. */
    private record HandlerCaughtUp(long gen) {}

    /** The port is released. */
    private record Released() {}

    private final Reactor reactor;
    private final SocketAddress address;
    private final ActorRef<Udp.Event> handler;
    private final ArrayDeque<Udp.Send> sendQueue = new ArrayDeque<>();
    private DatagramChannel channel;
    private Registration reg;
    private int state = BINDING;
    private int queuedBytes;
    private long blockedGen;
    private long caughtUpGen;
    private volatile boolean stopped;

    UdpSocket(Reactor reactor, SocketAddress address, ActorRef<Udp.Event> handler) {
        this.reactor = reactor;
        this.address = address;
        this.handler = handler;
    }

    @Override
    @SuppressWarnings("unchecked")
    protected void preStart() {
        context().watch(handler);
        final SocketAddress local;
        try {
            channel = DatagramChannel.open();
            channel.configureBlocking(false);
            channel.bind(address);
            local = channel.getLocalAddress();
        } catch (IOException | RuntimeException e) {
            state = CLOSED;
            closeQuietly();
            handler.tell(new Udp.BindFailed(address, e));
            context().stop(self());
            return;
        }
        state = OPEN;
        reg = reactor.register(channel, self(), SelectionKey.OP_READ);
        emit(new Udp.Bound((ActorRef<Udp.Command>) (ActorRef<?>) self(), local));
    }

    @Override
    protected void receive(Object message) {
        if (message instanceof Readiness r) {
            if (state != OPEN) {
                return;
            }
            if (r.writable()) {
                flush();
            }
            if (r.readable()) {
                readSome();
            }
        } else if (message instanceof Udp.Send s) {
            onSend(s);
        } else if (message instanceof HandlerCaughtUp c) {
            caughtUpGen = Math.max(caughtUpGen, c.gen());
            if (state == OPEN && blockedGen == caughtUpGen) {
                reg.arm(SelectionKey.OP_READ);
            }
        } else if (message instanceof Udp.Unbind) {
            if (state == OPEN) {
                state = CLOSED;
                final ActorRef<Object> me = self();
                reg.close(() -> me.tell(new Released()));
            }
        } else if (message instanceof Released) {
            emit(new Udp.Unbound());
            context().stop(self());
        }
    }

    @Override
    protected void onSignal(Signal signal) {
        if (signal instanceof Terminated t && t.ref() == handler) {
            context().stop(self()); // postStop closes the socket
        }
    }

    @Override
    protected void postStop() {
        stopped = true;
        if (reg != null) {
            reg.close(null);
        } else {
            closeQuietly();
        }
    }

    private void readSome() {
        final ByteBuffer scratch = SCRATCH.get();
        for (int i = 0; i < READS_PER_TURN; i++) {
            scratch.clear();
            final SocketAddress sender;
            try {
                sender = channel.receive(scratch);
            } catch (IOException e) {
                context().log().log(System.Logger.Level.DEBUG, "receive on " + address + " failed", e);
                continue; // an ICMP error reported on this socket: the next datagram is unaffected
            }
            if (sender == null) {
                reg.arm(SelectionKey.OP_READ);
                return;
            }
            final byte[] bytes = new byte[scratch.position()];
            scratch.flip().get(bytes);
            emit(new Udp.Datagram(sender, ByteBuffer.wrap(bytes)));
            if (blockedGen != caughtUpGen) {
                return; // re-armed when the handler has caught up
            }
        }
        reg.arm(SelectionKey.OP_READ);
    }

    private void onSend(Udp.Send s) {
        if (state != OPEN) {
            emit(new Udp.CommandFailed(s, "the socket is closed"));
            return;
        }
        final int n = s.data().remaining();
        if (n > MAX_DATAGRAM_BYTES) {
            emit(new Udp.CommandFailed(s, "a datagram of " + n + " bytes is over the UDP maximum of " + MAX_DATAGRAM_BYTES));
            return;
        }
        if (queuedBytes + n > Udp.SEND_QUEUE_MAX_BYTES) {
            emit(new Udp.CommandFailed(s, "the send queue is full (" + queuedBytes + " bytes queued, bound "
                    + Udp.SEND_QUEUE_MAX_BYTES + "): the network is slower than the sender; send less"));
            return;
        }
        sendQueue.addLast(s);
        queuedBytes += n;
        if (sendQueue.size() == 1) {
            flush();
        }
    }

    private void flush() {
        while (!sendQueue.isEmpty()) {
            final Udp.Send s = sendQueue.peekFirst();
            final int n = s.data().remaining();
            try {
                if (channel.send(s.data().duplicate(), s.to()) == 0 && n > 0) {
                    reg.arm(SelectionKey.OP_WRITE);
                    return;
                }
            } catch (IOException | RuntimeException e) {
                emit(new Udp.CommandFailed(s, "send to " + s.to() + " failed: " + e));
            }
            sendQueue.pollFirst();
            queuedBytes -= n;
        }
    }

    private void emit(Udp.Event event) {
        if (handler.offer(event)) {
            return;
        }
        final long gen = ++blockedGen;
        final CompletionStage<Void> sent = handler.send(event);
        final ActorRef<Object> me = self();
        sent.whenComplete((v, e) -> {
            if (e != null || stopped) {
                return; // the handler stopped: Terminated follows, nothing to resume
            }
            final HandlerCaughtUp caughtUp = new HandlerCaughtUp(gen);
            if (!me.offer(caughtUp)) {
                me.send(caughtUp); // lossless: reading stays paused until this arrives
            }
        });
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
