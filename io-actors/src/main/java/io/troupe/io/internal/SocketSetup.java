package io.troupe.io.internal;

import io.troupe.io.TcpOptions;
import java.io.IOException;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.channels.NetworkChannel;

/** Applies {@link TcpOptions} to channels, skipping options a channel does not support (Unix-domain sockets). */
final class SocketSetup {
    private SocketSetup() {}

    /** Options of a connected (or connecting) stream socket. */
    static void applyToConnection(NetworkChannel ch, TcpOptions o) throws IOException {
        set(ch, StandardSocketOptions.TCP_NODELAY, o.noDelay());
        set(ch, StandardSocketOptions.SO_KEEPALIVE, o.keepAlive());
        if (o.sendBufferBytes() > 0) {
            set(ch, StandardSocketOptions.SO_SNDBUF, o.sendBufferBytes());
        }
        if (o.receiveBufferBytes() > 0) {
            set(ch, StandardSocketOptions.SO_RCVBUF, o.receiveBufferBytes());
        }
    }

    /** Options of a listening socket, set before bind (the receive buffer is inherited by accepted sockets). */
    static void applyToListener(NetworkChannel ch, TcpOptions o) throws IOException {
        set(ch, StandardSocketOptions.SO_REUSEADDR, o.reuseAddress());
        if (o.receiveBufferBytes() > 0) {
            set(ch, StandardSocketOptions.SO_RCVBUF, o.receiveBufferBytes());
        }
    }

    private static <T> void set(NetworkChannel ch, SocketOption<T> option, T value) throws IOException {
        if (ch.supportedOptions().contains(option)) {
            ch.setOption(option, value);
        }
    }

    /**
     * The bind failure {@code e}, with {@code address} in its message when the JDK left it out
     * ({@link java.net.BindException}: "Address already in use"): the same exception type, the
     * original as its cause.
     */
    static Throwable namingAddress(Throwable e, java.net.SocketAddress address) {
        if (e instanceof java.net.BindException && (e.getMessage() == null || !e.getMessage().contains(address.toString()))) {
            final java.net.BindException named = new java.net.BindException("cannot bind " + address + ": " + e.getMessage());
            named.initCause(e);
            return named;
        }
        return e;
    }
}
