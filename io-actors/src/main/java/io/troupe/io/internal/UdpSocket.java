package io.troupe.io.internal;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.Signal;
import io.troupe.actors.Terminated;
import io.troupe.actors.internal.SystemAccess;
import io.troupe.actors.internal.counters.SystemCounters;
import io.troupe.io.Udp;
import io.troupe.io.UdpOptions;
import java.io.IOException;
import java.net.PortUnreachableException;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.util.ArrayDeque;

/**
 * The actor that owns one UDP socket: it receives datagrams and tells them to its handler,
 * and sends what the handler asks, to any address or, connected, to one peer. Used by one
 * thread at a time, like every actor.
 */
final class UdpSocket extends Actor<Object> {
    /*
     * Implementation overview
     *
     * Threading protocol. Actor thread only; the reactor tells Readiness once per arm.
     *
     * Lifecycle (`state`):
     *   BINDING -> OPEN            // bind succeeded in preStart: Bound told
     *   BINDING -> CLOSED          // bind failed: BindFailed told, the actor stops
     *   OPEN -> CONNECTED          // Connect reached the head of the queue and succeeded: Connected told
     *   CONNECTED -> CONNECTED     // Connect to another peer: disconnect, connect, Connected told
     *   CONNECTED -> OPEN          // Disconnect (Disconnected told), or a re-Connect that failed
     *                              // after the old peer was dropped (CommandFailed says so)
     *   OPEN|CONNECTED -> CLOSED   // Unbind (Unbound told once the port is released), handler stopped
     *
     * Invariants. queuedBytes <= Udp.SEND_QUEUE_MAX_BYTES and is the sum of the queued Sends'
     * and Writes' sizes; commands that touch the wire (Send, Write, Connect, Disconnect) take
     * effect in the order received, so Connect and Disconnect wait in `sendQueue` behind sends
     * the kernel could not take yet; `remote` is non-null exactly in CONNECTED and equals
     * channel.getRemoteAddress(); datagrams reach the handler in the order received, and in
     * CONNECTED only from `remote` (the kernel filters; readSome checks again because a
     * datagram can be queued between bind and connect); reading is armed only while the
     * handler is not blocked (see TcpConnection: events that do not fit are sent with send(),
     * reading resumes when in).
     *
     * ICMP errors. Linux records an ICMP error for a connected UDP socket as a pending socket
     * error (ECONNREFUSED for port unreachable), wakes the selector with EPOLLERR, and returns
     * it from the next receive or send, which the JDK throws as PortUnreachableException. A
     * send that returns the error did not send its datagram, so flush tries it once more.
     * Unconnected sockets get no ICMP errors (without IP_RECVERR); receive errors there are
     * logged and skipped.
     *
     * Counters. The system's "udp sockets open" counts this socket from a successful bind until
     * its port is released (Released, before Unbound is told) or, if that comes first, postStop:
     * once (`countedOpen`).
     *
     * Memory ordering. Actor-confined except `stopped` (volatile), read by send callbacks.
     *
     * Shutdown. postStop closes the channel through the reactor; queued sends are dropped.
     *
     * Options. Set on the channel before it is bound (UdpOptions, through IoManager.SpawnUdp).
     *
     * References. Pekko IO's UdpListener, UdpSender and UdpConnection; connect(2) and udp(7)
     * on connected datagram sockets and ICMP error reporting.
     */
    /** Binding in preStart. */
    private static final int BINDING = 0;
    /** Bound and not connected: receiving from and sending to anyone. */
    private static final int OPEN = 1;
    /** Connected to {@code remote}: receiving from and writing to it alone. */
    private static final int CONNECTED = 2;
    /** Closed or closing; the actor stops. */
    private static final int CLOSED = 3;
    private static final int READS_PER_TURN = 16;
    private static final ThreadLocal<ByteBuffer> SCRATCH =
            ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(Udp.MAX_DATAGRAM_BYTES));

    /** All sends to the handler up to {@code gen} are in its mailbox. */
    private record HandlerCaughtUp(long gen) {}

    /** The port is released. */
    private record Released() {}

    private final Reactor reactor;
    private final SocketAddress address;
    private final UdpOptions options;
    private final ActorRef<Udp.Event> handler;
    /** Send, Write, Connect and Disconnect in arrival order, waiting for the kernel. */
    private final ArrayDeque<Udp.Command> sendQueue = new ArrayDeque<>();
    private DatagramChannel channel;
    private Registration reg;
    private int state = BINDING;
    private SocketAddress remote;
    private int queuedBytes;
    private long blockedGen;
    private long caughtUpGen;
    private volatile boolean stopped;
    /** The system's counters (issue 15): UDP sockets open. */
    private SystemCounters counters;
    /** Counted in udpSocketsOpen (bound, port not yet released). */
    private boolean countedOpen;

    UdpSocket(Reactor reactor, SocketAddress address, UdpOptions options, ActorRef<Udp.Event> handler) {
        this.reactor = reactor;
        this.address = address;
        this.options = options;
        this.handler = handler;
    }

    @Override
    @SuppressWarnings("unchecked")
    protected void preStart() {
        context().watch(AdaptingRef.unwrap(handler));
        final SocketAddress local;
        try {
            channel = DatagramChannel.open();
            channel.configureBlocking(false);
            applyOptions();
            channel.bind(address);
            local = channel.getLocalAddress();
        } catch (IOException | RuntimeException e) {
            state = CLOSED;
            closeQuietly();
            handler.tell(new Udp.BindFailed(address, SocketSetup.namingAddress(e, address)));
            context().stop(self());
            return;
        }
        state = OPEN;
        counters = SystemAccess.counters(context().system());
        counters.udpSocketsOpen.increment();
        countedOpen = true;
        reg = reactor.register(channel, self(), SelectionKey.OP_READ);
        emit(new Udp.Bound((ActorRef<Udp.Command>) (ActorRef<?>) self(), local));
    }

    private void applyOptions() throws IOException {
        channel.setOption(StandardSocketOptions.SO_REUSEADDR, options.reuseAddress());
        channel.setOption(StandardSocketOptions.SO_BROADCAST, options.broadcast());
        if (options.sendBufferBytes() > 0) {
            channel.setOption(StandardSocketOptions.SO_SNDBUF, options.sendBufferBytes());
        }
        if (options.receiveBufferBytes() > 0) {
            channel.setOption(StandardSocketOptions.SO_RCVBUF, options.receiveBufferBytes());
        }
    }

    @Override
    protected void receive(Object message) {
        if (message instanceof Readiness r) {
            if (!isOpen()) {
                return;
            }
            if (r.writable()) {
                flush();
            }
            if (r.readable()) {
                readSome();
            }
        } else if (message instanceof Udp.Send || message instanceof Udp.Write
                || message instanceof Udp.Connect || message instanceof Udp.Disconnect) {
            enqueue((Udp.Command) message);
        } else if (message instanceof Udp.QueryOptions q) {
            queryOptions(q);
        } else if (message instanceof HandlerCaughtUp c) {
            caughtUpGen = Math.max(caughtUpGen, c.gen());
            if (isOpen() && blockedGen == caughtUpGen) {
                reg.arm(SelectionKey.OP_READ);
            }
        } else if (message instanceof Udp.Unbind) {
            if (isOpen()) {
                state = CLOSED;
                final ActorRef<Object> me = self();
                reg.close(() -> me.tell(new Released()));
            }
        } else if (message instanceof Released) {
            countClosed(); // before Unbound is told: whoever hears it sees the count down
            emit(new Udp.Unbound());
            context().stop(self());
        }
    }

    @Override
    protected void onSignal(Signal signal) {
        if (signal instanceof Terminated t && t.ref() == AdaptingRef.unwrap(handler)) {
            context().stop(self()); // postStop closes the socket
        }
    }

    /** Counts this socket closed in "udp sockets open", once. */
    private void countClosed() {
        if (countedOpen) {
            countedOpen = false;
            counters.udpSocketsOpen.decrement();
        }
    }

    @Override
    protected void postStop() {
        countClosed(); // the port is released by the reactor shortly, if not yet
        stopped = true;
        if (reg != null) {
            reg.close(null);
        } else {
            closeQuietly();
        }
    }

    private boolean isOpen() {
        return state == OPEN || state == CONNECTED;
    }

    private void readSome() {
        final ByteBuffer scratch = SCRATCH.get();
        for (int i = 0; i < READS_PER_TURN; i++) {
            scratch.clear();
            final SocketAddress sender;
            try {
                sender = channel.receive(scratch);
            } catch (IOException e) {
                onReceiveError(e);
                if (blockedGen != caughtUpGen) {
                    return; // re-armed when the handler has caught up
                }
                continue; // the error was reported once; the next datagram is unaffected
            }
            if (sender == null) {
                reg.arm(SelectionKey.OP_READ);
                return;
            }
            if (state == CONNECTED && !sender.equals(remote)) {
                continue; // queued before connect; connected mode delivers only the peer's datagrams
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

    // Rare: kept out of readSome so the read loop stays small.
    private void onReceiveError(IOException e) {
        if (state == CONNECTED) {
            emit(new Udp.PeerUnreachable(remote, e));
        } else {
            context().log().log(System.Logger.Level.DEBUG, "receive on " + address + " failed", e);
        }
    }

    private void enqueue(Udp.Command c) {
        if (!isOpen()) {
            emit(new Udp.CommandFailed(c, "the socket is closed"));
            return;
        }
        final int n = bytesOf(c);
        if (n > Udp.MAX_DATAGRAM_BYTES) { // the buffer's limit was moved after the command was built
            emit(new Udp.CommandFailed(c, "a datagram of " + n + " bytes is over the UDP maximum of "
                    + Udp.MAX_DATAGRAM_BYTES));
            return;
        }
        if (queuedBytes + n > Udp.SEND_QUEUE_MAX_BYTES) {
            emit(new Udp.CommandFailed(c, "the send queue is full (" + queuedBytes + " bytes queued, bound "
                    + Udp.SEND_QUEUE_MAX_BYTES + "): the network is slower than the sender; send less"));
            return;
        }
        sendQueue.addLast(c);
        queuedBytes += n;
        if (sendQueue.size() == 1) {
            flush();
        }
    }

    private static int bytesOf(Udp.Command c) {
        if (c instanceof Udp.Send s) {
            return s.data().remaining();
        }
        if (c instanceof Udp.Write w) {
            return w.data().remaining();
        }
        return 0;
    }

    private void flush() {
        while (!sendQueue.isEmpty() && isOpen()) {
            final Udp.Command c = sendQueue.peekFirst();
            if (c instanceof Udp.Connect k) {
                connect(k);
            } else if (c instanceof Udp.Disconnect d) {
                disconnect(d);
            } else if (!sendOne(c)) {
                reg.arm(SelectionKey.OP_WRITE);
                return;
            }
            sendQueue.pollFirst();
            queuedBytes -= bytesOf(c);
        }
    }

    /** Sends the datagram of a Send or Write, or reports why not; false if the kernel's buffer is full. */
    private boolean sendOne(Udp.Command c) {
        final SocketAddress to = c instanceof Udp.Send s ? s.to() : null;
        final ByteBuffer data = c instanceof Udp.Send s ? s.data() : ((Udp.Write) c).data();
        if (state != CONNECTED && to == null) {
            emit(new Udp.CommandFailed(c, "the socket is not connected: send Udp.Connect first, or use Udp.Send"
                    + " with an address"));
            return true;
        }
        if (state == CONNECTED && to != null && !to.equals(remote)) {
            emit(new Udp.CommandFailed(c, "the socket is connected to " + remote + " and sends only there; send"
                    + " Udp.Disconnect first to send to " + to));
            return true;
        }
        try {
            return transmit(data, to);
        } catch (PortUnreachableException e) {
            if (state != CONNECTED) { // not expected: only connected sockets hear of ICMP errors
                emit(new Udp.CommandFailed(c, "send to " + to + " failed: " + e));
                return true;
            }
            emit(new Udp.PeerUnreachable(remote, e)); // reports an earlier datagram; this one was not sent
        } catch (IOException | RuntimeException e) {
            emit(new Udp.CommandFailed(c, "send to " + destination(to) + " failed: " + e));
            return true;
        }
        try {
            return transmit(data, to);
        } catch (IOException | RuntimeException e) {
            emit(new Udp.CommandFailed(c, "send to " + destination(to) + " failed: " + e));
            return true;
        }
    }

    private boolean transmit(ByteBuffer data, SocketAddress to) throws IOException {
        final ByteBuffer d = data.duplicate();
        final boolean empty = !d.hasRemaining();
        final int sent = state == CONNECTED ? channel.write(d) : channel.send(d, to);
        return sent > 0 || empty;
    }

    private SocketAddress destination(SocketAddress to) {
        return to != null ? to : remote;
    }

    private void connect(Udp.Connect k) {
        final boolean wasConnected = state == CONNECTED;
        try {
            if (wasConnected) {
                channel.disconnect();
                state = OPEN;
                remote = null;
            }
            channel.connect(k.remote());
            remote = channel.getRemoteAddress();
            state = CONNECTED;
            emit(new Udp.Connected(remote, channel.getLocalAddress()));
        } catch (IOException | RuntimeException e) {
            emit(new Udp.CommandFailed(k, "connect to " + k.remote() + " failed: " + e
                    + (wasConnected ? "; the socket is no longer connected" : "")));
        }
    }

    private void disconnect(Udp.Disconnect d) {
        try {
            if (state == CONNECTED) {
                channel.disconnect();
                state = OPEN;
                remote = null;
            }
            emit(new Udp.Disconnected(channel.getLocalAddress()));
        } catch (IOException | RuntimeException e) {
            emit(new Udp.CommandFailed(d, "disconnect failed: " + e));
        }
    }

    private void queryOptions(Udp.QueryOptions q) {
        if (!isOpen()) {
            emit(new Udp.CommandFailed(q, "the socket is closed"));
            return;
        }
        try {
            emit(new Udp.EffectiveOptions(UdpOptions.defaults()
                    .withReuseAddress(channel.getOption(StandardSocketOptions.SO_REUSEADDR))
                    .withBroadcast(channel.getOption(StandardSocketOptions.SO_BROADCAST))
                    .withBufferSizes(channel.getOption(StandardSocketOptions.SO_SNDBUF),
                            channel.getOption(StandardSocketOptions.SO_RCVBUF))));
        } catch (IOException | RuntimeException e) {
            emit(new Udp.CommandFailed(q, "reading the socket's options failed: " + e));
        }
    }

    private void emit(Udp.Event event) {
        if (handler.offer(event)) {
            return;
        }
        Handoff.sendThenNotify(handler, event, self(), new HandlerCaughtUp(++blockedGen), () -> stopped);
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
