package io.troupe.io;

import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.io.internal.IoExtension;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * UDP sockets as actors: a socket actor tells its handler each {@link Datagram} and sends
 * what the handler asks with {@link Send}.
 *
 * <pre>{@code
 * Udp.bind(system, new InetSocketAddress("127.0.0.1", 9999), handler);
 * // handler gets Udp.Bound(socket, localAddress), then Udp.Datagram(sender, data) messages
 * socket.tell(Udp.Send.utf8(peer, "hello"));
 * }</pre>
 *
 * <p>Connected mode: after {@link Connect} the socket talks to one peer only. The handler
 * sends {@link Write}s without an address, the kernel delivers only that peer's datagrams, and
 * ICMP errors about the peer (nothing listens on its port, say) reach the handler as
 * {@link PeerUnreachable} instead of being lost. {@link Disconnect} goes back.
 *
 * <pre>{@code
 * Udp.bind(system, new InetSocketAddress("127.0.0.1", 0), UdpOptions.defaults(), handler);
 * // on Udp.Bound(socket, local):
 * socket.tell(new Udp.Connect(server));          // handler gets Udp.Connected(server, local)
 * socket.tell(Udp.Write.utf8("ping"));           // replies arrive as Udp.Datagram(server, data)
 * // no server on that port: handler gets Udp.PeerUnreachable(server, PortUnreachableException)
 * }</pre>
 *
 * <p>Back-pressure: reading pauses while the handler's mailbox is full (datagrams then wait in
 * the kernel, which drops them when its buffer fills, as UDP does); sends that the kernel
 * cannot take at once wait in a queue bounded at {@value #SEND_QUEUE_MAX_BYTES} bytes, past
 * which a send is refused with {@link CommandFailed}. Datagrams up to
 * {@value #MAX_DATAGRAM_BYTES} bytes are read and sent. Commands are carried out in the order
 * sent: a {@link Connect} after a queued {@link Send} waits for it.
 */
public final class Udp {
    /** The bound of a socket's send queue, in bytes. */
    public static final int SEND_QUEUE_MAX_BYTES = 1 << 20;

    /** The largest datagram payload: 65,535 minus the IPv4 and UDP headers. */
    public static final int MAX_DATAGRAM_BYTES = 65_507;

    private Udp() {}

    /**
     * Binds a UDP socket to {@code address} with the {@linkplain UdpOptions#defaults default
     * options}; see {@link #bind(ActorSystem, SocketAddress, UdpOptions, ActorRef)}.
     *
     * @param system the actor system
     * @param address the address to bind
     * @param handler who hears the socket's events
     */
    public static void bind(ActorSystem system, SocketAddress address, ActorRef<Event> handler) {
        bind(system, address, UdpOptions.defaults(), handler);
    }

    /**
     * Binds a UDP socket to {@code address} with {@code options} set before the bind, and tells
     * {@code handler} {@link Bound} or {@link BindFailed}; then every datagram received. The
     * socket actor watches the handler and closes when it stops. Any thread; returns at once
     * (the socket is opened on its actor's thread).
     *
     * @param system the actor system
     * @param address the address to bind
     * @param options the socket's options
     * @param handler who hears the socket's events
     * @throws NullPointerException naming the argument that is null
     */
    public static void bind(ActorSystem system, SocketAddress address, UdpOptions options, ActorRef<Event> handler) {
        Objects.requireNonNull(system, "system");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(handler, "handler");
        IoExtension.of(system).bindUdp(address, options, handler);
    }

    /**
     * Like {@link #bind(ActorSystem, SocketAddress, UdpOptions, ActorRef)}, for a handler of any
     * protocol {@code M}: each event is converted by {@code adapter} on the socket actor's thread
     * and reaches the handler as one message of its own protocol (no forwarding actor, no extra
     * hop), so the handler can also take replies, timers and messages from other actors. The
     * adapter must be a pure function (a record constructor, say) and must not return null.
     * Any thread; returns at once.
     *
     * @param <M> the handler's protocol
     * @param system the actor system
     * @param address the address to bind
     * @param options the socket's options
     * @param handler who hears the socket's events, adapted
     * @param adapter converts each event to a message of the handler's protocol
     * @throws NullPointerException naming the argument that is null
     */
    public static <M> void bind(ActorSystem system, SocketAddress address, UdpOptions options, ActorRef<M> handler,
                                java.util.function.Function<? super Event, ? extends M> adapter) {
        Objects.requireNonNull(handler, "handler");
        Objects.requireNonNull(adapter, "adapter");
        bind(system, address, options, IoExtension.adapt(handler, adapter));
    }

    /** What a UDP socket tells its handler. */
    public sealed interface Event permits Bound, BindFailed, Datagram, CommandFailed, Unbound, Connected,
            Disconnected, PeerUnreachable, EffectiveOptions {}

    /**
     * The socket is bound.
     *
     * @param socket the socket actor: send it {@link Command}s
     * @param localAddress the bound address
     */
    public record Bound(ActorRef<Command> socket, SocketAddress localAddress) implements Event {}

    /**
     * The bind failed; there is no socket.
     *
     * @param address the address asked for
     * @param cause why
     */
    public record BindFailed(SocketAddress address, Throwable cause) implements Event {}

    /**
     * A datagram arrived.
     *
     * @param sender where it came from
     * @param data its bytes: a fresh heap buffer that now belongs to the handler
     */
    public record Datagram(SocketAddress sender, ByteBuffer data) implements Event {
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
            return "Datagram[" + data.remaining() + " bytes from " + sender + "]";
        }
    }

    /**
     * A command could not be carried out.
     *
     * @param command the command
     * @param reason what happened and what to do
     */
    public record CommandFailed(Command command, String reason) implements Event {}

    /** The socket is closed and its port released; the handler hears nothing more. */
    public record Unbound() implements Event {}

    /**
     * The socket is connected: it now receives only {@code remoteAddress}'s datagrams and
     * accepts {@link Write}.
     *
     * @param remoteAddress the peer, as the kernel holds it (resolved)
     * @param localAddress the local address, which connecting may have made specific (a socket
     *     bound to the wildcard address takes the address that routes to the peer)
     */
    public record Connected(SocketAddress remoteAddress, SocketAddress localAddress) implements Event {}

    /**
     * The socket is no longer connected: it receives from anyone again, and {@link Write} is
     * refused.
     *
     * @param localAddress the local address now (back to the bound one)
     */
    public record Disconnected(SocketAddress localAddress) implements Event {}

    /**
     * The kernel reported an ICMP error about the connected peer; the socket stays open and
     * connected (the peer may come up later). Reported once per error the kernel holds, on the
     * next read or write after it arrived; a {@link Write} that met the report is sent again
     * once.
     *
     * @param peer the connected peer
     * @param cause a {@link java.net.PortUnreachableException} when nothing listens on the
     *     peer's port (ICMP port unreachable; Linux's {@code ECONNREFUSED}), another
     *     {@link IOException} for other errors, such as no route to the host
     */
    public record PeerUnreachable(SocketAddress peer, IOException cause) implements Event {}

    /**
     * The answer to {@link QueryOptions}: the options read back from the socket. Buffer sizes
     * are what the kernel granted, which may differ from what was asked (Linux doubles them and
     * caps them at {@code rmem_max}/{@code wmem_max}).
     *
     * @param options the socket's options
     */
    public record EffectiveOptions(UdpOptions options) implements Event {}

    /** What a UDP socket accepts. */
    public sealed interface Command permits Send, Write, Connect, Disconnect, QueryOptions, Unbind {}

    /**
     * Sends one datagram of {@code data}'s remaining bytes (the caller's buffer is not moved; do
     * not change it afterwards).
     *
     * @param to the destination
     * @param data the bytes
     */
    public record Send(SocketAddress to, ByteBuffer data) implements Command {
        /**
         * Checks the arguments.
         *
         * @param to the destination; not null
         * @param data the bytes; not null
         * @throws IllegalArgumentException if {@code data} holds more than {@value Udp#MAX_DATAGRAM_BYTES} bytes
         */
        public Send {
            Objects.requireNonNull(to, "to");
            checkDatagramSize(Objects.requireNonNull(data, "data"));
        }

        /**
         * A datagram of this string's UTF-8 bytes.
         *
         * @param to the destination
         * @param text the text to send
         * @return the command
         */
        public static Send utf8(SocketAddress to, String text) {
            return new Send(to, ByteBuffer.wrap(Objects.requireNonNull(text, "text").getBytes(StandardCharsets.UTF_8)));
        }

        @Override
        public String toString() {
            return "Send[" + data.remaining() + " bytes to " + to + "]";
        }
    }

    /**
     * Sends one datagram of {@code data}'s remaining bytes to the connected peer (the caller's
     * buffer is not moved; do not change it afterwards). On a socket that is not connected it is
     * refused with {@link CommandFailed}.
     *
     * @param data the bytes
     */
    public record Write(ByteBuffer data) implements Command {
        /**
         * Checks the argument.
         *
         * @param data the bytes; not null
         * @throws IllegalArgumentException if {@code data} holds more than {@value Udp#MAX_DATAGRAM_BYTES} bytes
         */
        public Write {
            checkDatagramSize(Objects.requireNonNull(data, "data"));
        }

        /**
         * A datagram of this string's UTF-8 bytes.
         *
         * @param text the text to send
         * @return the command
         */
        public static Write utf8(String text) {
            return new Write(ByteBuffer.wrap(Objects.requireNonNull(text, "text").getBytes(StandardCharsets.UTF_8)));
        }

        @Override
        public String toString() {
            return "Write[" + data.remaining() + " bytes]";
        }
    }

    /**
     * Connects the socket to {@code remote} ({@code DatagramChannel.connect}: a system call;
     * datagrams from others that were already queued are discarded). From then on the socket
     * receives only {@code remote}'s datagrams, sends {@link Write}s there, refuses a
     * {@link Send} to any other address with {@link CommandFailed}, and reports ICMP errors as
     * {@link PeerUnreachable}. The handler gets {@link Connected}, or {@link CommandFailed} if
     * the kernel refuses. A connected socket connects to the new peer instead of the old one.
     *
     * @param remote the peer; a resolved address
     */
    public record Connect(SocketAddress remote) implements Command {
        /**
         * Checks the argument.
         *
         * @param remote the peer; not null, resolved
         * @throws IllegalArgumentException if {@code remote} is an unresolved {@link InetSocketAddress}
         */
        public Connect {
            Objects.requireNonNull(remote, "remote");
            if (remote instanceof InetSocketAddress inet && inet.isUnresolved()) {
                throw new IllegalArgumentException("remote must be resolved, was unresolved " + remote
                        + ": build it with new InetSocketAddress(host, port), which resolves the host");
            }
        }
    }

    /**
     * Ends connected mode: the socket receives from anyone again. The handler gets
     * {@link Disconnected}, also when the socket was not connected.
     */
    public record Disconnect() implements Command {}

    /** Asks for the socket's options; the handler gets {@link EffectiveOptions}. */
    public record QueryOptions() implements Command {}

    /** Closes the socket; the handler gets {@link Unbound} once the port is released. */
    public record Unbind() implements Command {}

    private static void checkDatagramSize(ByteBuffer data) {
        if (data.remaining() > MAX_DATAGRAM_BYTES) {
            throw new IllegalArgumentException("data must hold at most " + MAX_DATAGRAM_BYTES
                    + " bytes (the largest UDP datagram), was " + data.remaining() + ": split it, or use TCP");
        }
    }
}
