package io.troupe.io;

/**
 * Settings of a UDP socket, applied before it binds. Immutable and thread safe; each
 * {@code withX} returns a copy.
 *
 * <pre>{@code
 * UdpOptions options = UdpOptions.defaults()
 *         .withBufferSizes(256 * 1024, 1024 * 1024)
 *         .withBroadcast(true);
 * }</pre>
 *
 * <p>The same type describes what a socket really has: {@link Udp.QueryOptions} answers
 * {@link Udp.EffectiveOptions} with the values read back from the kernel, which may round or
 * double buffer sizes (Linux doubles them).
 */
public final class UdpOptions {
    private static final UdpOptions DEFAULTS = new UdpOptions(false, false, 0, 0);

    private final boolean reuseAddress;
    private final boolean broadcast;
    private final int sendBufferBytes;
    private final int receiveBufferBytes;

    private UdpOptions(boolean reuseAddress, boolean broadcast, int sendBufferBytes, int receiveBufferBytes) {
        this.reuseAddress = reuseAddress;
        this.broadcast = broadcast;
        this.sendBufferBytes = sendBufferBytes;
        this.receiveBufferBytes = receiveBufferBytes;
    }

    /**
     * The defaults: {@code SO_REUSEADDR} off (so a second bind of a taken port fails), {@code
     * SO_BROADCAST} off, the operating system's buffer sizes.
     *
     * @return the default options
     */
    public static UdpOptions defaults() {
        return DEFAULTS;
    }

    /**
     * With {@code SO_REUSEADDR} on or off. On, several sockets that all set it may bind the same
     * address and port (for multicast receivers, say); which one gets a unicast datagram is up to
     * the kernel. Default: off.
     *
     * @param on {@code true} to set {@code SO_REUSEADDR}
     * @return new options with this setting
     */
    public UdpOptions withReuseAddress(boolean on) {
        return new UdpOptions(on, broadcast, sendBufferBytes, receiveBufferBytes);
    }

    /**
     * With {@code SO_BROADCAST} on or off. Off, the kernel refuses a {@link Udp.Send} to a
     * broadcast address, and the handler gets {@link Udp.CommandFailed}. Default: off.
     *
     * @param on {@code true} to set {@code SO_BROADCAST}
     * @return new options with this setting
     */
    public UdpOptions withBroadcast(boolean on) {
        return new UdpOptions(reuseAddress, on, sendBufferBytes, receiveBufferBytes);
    }

    /**
     * With these socket buffer sizes ({@code SO_SNDBUF}, {@code SO_RCVBUF}); 0 keeps the
     * operating system's choice. The system may round them, and caps them at its limits
     * ({@code net.core.rmem_max} and {@code wmem_max} on Linux). A larger receive buffer lets
     * the kernel hold more datagrams while the handler is slow before it drops them.
     *
     * @param sendBufferBytes {@code SO_SNDBUF} in bytes, or 0
     * @param receiveBufferBytes {@code SO_RCVBUF} in bytes, or 0
     * @return new options with this setting
     * @throws IllegalArgumentException if either is negative
     */
    public UdpOptions withBufferSizes(int sendBufferBytes, int receiveBufferBytes) {
        if (sendBufferBytes < 0 || receiveBufferBytes < 0) {
            throw new IllegalArgumentException("buffer sizes must not be negative, were sendBufferBytes="
                    + sendBufferBytes + " receiveBufferBytes=" + receiveBufferBytes + " (0 keeps the OS default)");
        }
        return new UdpOptions(reuseAddress, broadcast, sendBufferBytes, receiveBufferBytes);
    }

    /**
     * Whether {@code SO_REUSEADDR} is on.
     *
     * @return {@code true} if {@code SO_REUSEADDR} is on
     */
    public boolean reuseAddress() {
        return reuseAddress;
    }

    /**
     * Whether {@code SO_BROADCAST} is on.
     *
     * @return {@code true} if {@code SO_BROADCAST} is on
     */
    public boolean broadcast() {
        return broadcast;
    }

    /**
     * {@code SO_SNDBUF}, or 0 for the OS default.
     *
     * @return the send buffer size in bytes, or 0
     */
    public int sendBufferBytes() {
        return sendBufferBytes;
    }

    /**
     * {@code SO_RCVBUF}, or 0 for the OS default.
     *
     * @return the receive buffer size in bytes, or 0
     */
    public int receiveBufferBytes() {
        return receiveBufferBytes;
    }

    @Override
    public String toString() {
        return "UdpOptions[reuseAddress=" + reuseAddress + ", broadcast=" + broadcast
                + ", sendBufferBytes=" + sendBufferBytes + ", receiveBufferBytes=" + receiveBufferBytes + "]";
    }
}
