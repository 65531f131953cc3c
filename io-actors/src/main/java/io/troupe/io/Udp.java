package io.troupe.io;

import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.io.internal.IoExtension;
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
 * <p>Back-pressure: reading pauses while the handler's mailbox is full (datagrams then wait in
 * the kernel, which drops them when its buffer fills, as UDP does); sends that the kernel
 * cannot take at once wait in a queue bounded at {@value #SEND_QUEUE_MAX_BYTES} bytes, past
 * which a send is refused with {@link CommandFailed}. Datagrams up to 65,507 bytes are read.
 */
public final class Udp {
    /** The bound of a socket's send queue, in bytes. */
    public static final int SEND_QUEUE_MAX_BYTES = 1 << 20;

    private Udp() {}

    /**
     * Binds a UDP socket to {@code address} and tells {@code handler} {@link Bound} or
     * {@link BindFailed}; then every datagram received. The socket actor watches the handler
     * and closes when it stops. Any thread; returns at once.
     */
    public static void bind(ActorSystem system, SocketAddress address, ActorRef<Event> handler) {
        Objects.requireNonNull(system, "system");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(handler, "handler");
        IoExtension.of(system).bindUdp(address, handler);
    }

    /** What a UDP socket tells its handler. */
    public sealed interface Event permits Bound, BindFailed, Datagram, CommandFailed, Unbound {}

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
        /** The bytes decoded as UTF-8. Allocates. */
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

    /** What a UDP socket accepts. */
    public sealed interface Command permits Send, Unbind {}

    /**
     * Sends one datagram of {@code data}'s remaining bytes (the caller's buffer is not moved; do
     * not change it afterwards).
     *
     * @param to the destination
     * @param data the bytes
     */
    public record Send(SocketAddress to, ByteBuffer data) implements Command {
        /** Checks the arguments. */
        public Send {
            Objects.requireNonNull(to, "to");
            Objects.requireNonNull(data, "data");
        }

        /** A datagram of this string's UTF-8 bytes. */
        public static Send utf8(SocketAddress to, String text) {
            return new Send(to, ByteBuffer.wrap(Objects.requireNonNull(text, "text").getBytes(StandardCharsets.UTF_8)));
        }

        @Override
        public String toString() {
            return "Send[" + data.remaining() + " bytes to " + to + "]";
        }
    }

    /** Closes the socket; the handler gets {@link Unbound} once the port is released. */
    public record Unbind() implements Command {}
}
