package io.troupe.io;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLContext;

/**
 * How a TLS stage ({@link Tls}) sets up its {@link javax.net.ssl.SSLEngine}: the
 * {@link SSLContext} (keys and trust), the protocol versions, the ALPN protocols, the
 * handshake timeout and, on the client side, hostname verification. Immutable: each
 * {@code withX} returns a new settings object; safe to share between threads and connections.
 *
 * <pre>{@code
 * TlsSettings server = TlsSettings.of(sslContext)
 *         .withApplicationProtocols("h2", "http/1.1")
 *         .withHandshakeTimeout(Duration.ofSeconds(5));
 * }</pre>
 */
public final class TlsSettings {
    /** The default handshake timeout: 10 seconds. */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    private final SSLContext context;
    private final List<String> protocols;
    private final List<String> applicationProtocols;
    private final Duration handshakeTimeout;
    private final boolean hostnameVerification;

    private TlsSettings(SSLContext context, List<String> protocols, List<String> applicationProtocols,
                        Duration handshakeTimeout, boolean hostnameVerification) {
        this.context = context;
        this.protocols = protocols;
        this.applicationProtocols = applicationProtocols;
        this.handshakeTimeout = handshakeTimeout;
        this.hostnameVerification = hostnameVerification;
    }

    /**
     * Settings over {@code context}: the JDK's enabled protocol versions (TLS 1.3 and 1.2 on
     * JDK 17), no ALPN, a {@link #DEFAULT_HANDSHAKE_TIMEOUT 10 s} handshake timeout, and
     * hostname verification on (client side). A server's context needs a key manager with its
     * certificate; a client's needs a trust manager that trusts the server's.
     *
     * @param context the keys and trust; not null
     * @return the settings
     */
    public static TlsSettings of(SSLContext context) {
        return new TlsSettings(Objects.requireNonNull(context, "context"), List.of(), List.of(),
                DEFAULT_HANDSHAKE_TIMEOUT, true);
    }

    /**
     * These settings, with only {@code protocols} enabled (for example {@code "TLSv1.3"},
     * {@code "TLSv1.2"}).
     *
     * @param protocols the protocol versions, as the JDK names them; at least one
     * @return new settings
     * @throws IllegalArgumentException if none is given
     */
    public TlsSettings withProtocols(String... protocols) {
        final List<String> list = List.of(protocols);
        if (list.isEmpty()) {
            throw new IllegalArgumentException("name at least one protocol version, for example \"TLSv1.3\"");
        }
        return new TlsSettings(context, list, applicationProtocols, handshakeTimeout, hostnameVerification);
    }

    /**
     * These settings, offering (client) or accepting (server) the ALPN protocols
     * {@code protocols}, in order of preference (for example {@code "h2"}, {@code "http/1.1"}).
     * A server that shares none with a client that offers some fails the handshake
     * ({@code no_application_protocol}); the protocol chosen is
     * {@link TlsConnection#applicationProtocol()}. None (the default) turns ALPN off.
     *
     * @param protocols the protocol names
     * @return new settings
     */
    public TlsSettings withApplicationProtocols(String... protocols) {
        return new TlsSettings(context, this.protocols, List.of(protocols), handshakeTimeout, hostnameVerification);
    }

    /**
     * These settings, with {@code timeout} for the handshake: a connection whose handshake has not
     * finished by then (a silent or stalled peer) is closed, and its stage hears
     * {@link Tcp.ErrorClosed} with a {@link java.net.SocketTimeoutException} saying "handshake
     * timed out". Measured on the actor system's clock.
     *
     * @param timeout positive
     * @return new settings
     * @throws IllegalArgumentException if {@code timeout} is not positive
     */
    public TlsSettings withHandshakeTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("handshake timeout must be positive, was " + timeout);
        }
        return new TlsSettings(context, protocols, applicationProtocols, timeout, hostnameVerification);
    }

    /**
     * These settings, with the client's check that the server's certificate names the host it
     * connected to (endpoint identification "HTTPS", RFC 2818) turned on (the default) or off.
     * Turn it off only for tests or peers identified otherwise. Servers ignore it.
     *
     * @param verify whether to verify the host name
     * @return new settings
     */
    public TlsSettings withHostnameVerification(boolean verify) {
        return new TlsSettings(context, protocols, applicationProtocols, handshakeTimeout, verify);
    }

    /**
     * The SSL context.
     *
     * @return the context
     */
    public SSLContext context() {
        return context;
    }

    /**
     * The enabled protocol versions; empty for the JDK's defaults.
     *
     * @return an unmodifiable list
     */
    public List<String> protocols() {
        return protocols;
    }

    /**
     * The ALPN protocols, in order of preference; empty when ALPN is off.
     *
     * @return an unmodifiable list
     */
    public List<String> applicationProtocols() {
        return applicationProtocols;
    }

    /**
     * The handshake timeout.
     *
     * @return the timeout
     */
    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    /**
     * Whether a client verifies the server's host name.
     *
     * @return {@code true} if it does
     */
    public boolean hostnameVerification() {
        return hostnameVerification;
    }

    @Override
    public String toString() {
        return "TlsSettings[protocols=" + (protocols.isEmpty() ? "default" : protocols) + ", alpn=" + applicationProtocols
                + ", handshakeTimeout=" + handshakeTimeout + ", hostnameVerification=" + hostnameVerification + "]";
    }
}
