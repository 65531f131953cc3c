package io.troupe.io;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import javax.net.ssl.SSLContext;

/**
 * How a TLS stage ({@link Tls}) sets up its {@link javax.net.ssl.SSLEngine}: the
 * {@link SSLContext} (keys and trust), the protocol versions, the ALPN protocols, the
 * handshake timeout, on the client side hostname verification, and on the server side the
 * certificates chosen by the client's SNI name and whether clients must present a certificate
 * (mutual TLS). Immutable: each {@code withX} returns a new settings object; safe to share
 * between threads and connections.
 *
 * <pre>{@code
 * TlsSettings server = TlsSettings.of(defaultContext)            // keys for clients that send no or another name
 *         .withServerNameContext("a.example", contextA)           // SNI "a.example" gets contextA's certificate
 *         .withServerNameContext("*.b.example", contextB)         // any single label under b.example
 *         .withClientAuth(TlsSettings.ClientAuth.NEED)            // clients must present a certificate
 *         .withApplicationProtocols("h2", "http/1.1")
 *         .withHandshakeTimeout(Duration.ofSeconds(5));
 * }</pre>
 */
public final class TlsSettings {
    /** The default handshake timeout: 10 seconds. */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    /** Whether a server asks its clients for a certificate (mutual TLS); clients ignore it. */
    public enum ClientAuth {
        /** The server asks for no certificate (the default). */
        NONE,
        /**
         * The server asks for a certificate, and the handshake goes on without one; a certificate
         * that is sent must be trusted. {@link TlsConnection#peerCertificates()} tells which.
         */
        WANT,
        /**
         * The server requires a trusted certificate: a client that sends none (or an untrusted
         * one) fails the handshake, and the server's handler hears {@link Tcp.ErrorClosed} with the
         * {@link javax.net.ssl.SSLHandshakeException}.
         */
        NEED
    }

    private final SSLContext context;
    private final List<String> protocols;
    private final List<String> applicationProtocols;
    private final Duration handshakeTimeout;
    private final boolean hostnameVerification;
    private final ClientAuth clientAuth;
    /** SNI name (lower case; "*." + domain for a wildcard) -> context, in the order added. */
    private final Map<String, SSLContext> serverNameContexts;
    private final boolean strictServerNames;

    private TlsSettings(SSLContext context, List<String> protocols, List<String> applicationProtocols,
                        Duration handshakeTimeout, boolean hostnameVerification, ClientAuth clientAuth,
                        Map<String, SSLContext> serverNameContexts, boolean strictServerNames) {
        this.context = context;
        this.protocols = protocols;
        this.applicationProtocols = applicationProtocols;
        this.handshakeTimeout = handshakeTimeout;
        this.hostnameVerification = hostnameVerification;
        this.clientAuth = clientAuth;
        this.serverNameContexts = serverNameContexts;
        this.strictServerNames = strictServerNames;
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
                DEFAULT_HANDSHAKE_TIMEOUT, true, ClientAuth.NONE, Map.of(), false);
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
        return new TlsSettings(context, list, applicationProtocols, handshakeTimeout, hostnameVerification, clientAuth,
                serverNameContexts, strictServerNames);
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
        return new TlsSettings(context, this.protocols, List.of(protocols), handshakeTimeout, hostnameVerification,
                clientAuth, serverNameContexts, strictServerNames);
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
        return new TlsSettings(context, protocols, applicationProtocols, timeout, hostnameVerification, clientAuth,
                serverNameContexts, strictServerNames);
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
        return new TlsSettings(context, protocols, applicationProtocols, handshakeTimeout, verify, clientAuth,
                serverNameContexts, strictServerNames);
    }

    /**
     * These settings, with a server asking its clients for a certificate ({@link ClientAuth#WANT})
     * or requiring one ({@link ClientAuth#NEED}); {@link ClientAuth#NONE} is the default. Which
     * client certificates are trusted is the server context's trust managers' decision (build the
     * {@link SSLContext} with a {@link javax.net.ssl.TrustManagerFactory} over the clients' CA).
     * The certificate chain a client presented is {@link TlsConnection#peerCertificates()} (and
     * {@link Tls.Handshake#peerCertificates()} for a handler actor). Clients ignore this setting:
     * a client presents a certificate when its context has a key manager with one.
     *
     * @param mode whether to ask for (or require) a client certificate; not null
     * @return new settings
     */
    public TlsSettings withClientAuth(ClientAuth mode) {
        return new TlsSettings(context, protocols, applicationProtocols, handshakeTimeout, hostnameVerification,
                Objects.requireNonNull(mode, "mode"), serverNameContexts, strictServerNames);
    }

    /**
     * These settings, with {@code context} (its keys, and its trust for client certificates) used
     * for clients whose SNI asks for {@code serverName}: one server, several certificates (virtual
     * hosts). {@code serverName} is a host name, compared without regard to case, or a wildcard
     * {@code "*.example.com"} that matches exactly one more label ({@code "a.example.com"}, not
     * {@code "example.com"} or {@code "a.b.example.com"}); an exact name wins over a wildcard.
     * Clients that send no SNI, or a name none matches, get the default context ({@link #of});
     * see {@link #withStrictServerNames} to refuse unknown names instead. Adding a name again
     * replaces its context. Servers only: the server reads the SNI name from the client's first
     * handshake message (ClientHello) before it makes its {@link javax.net.ssl.SSLEngine}, so this
     * costs a parse of that message and nothing per byte after it.
     *
     * @param serverName the host name, or a {@code "*."} wildcard; not null
     * @param context the keys (and trust) for that name; not null
     * @return new settings
     * @throws IllegalArgumentException if {@code serverName} is empty, or has a {@code '*'} other
     *     than a leading {@code "*."}
     */
    public TlsSettings withServerNameContext(String serverName, SSLContext context) {
        Objects.requireNonNull(serverName, "serverName");
        Objects.requireNonNull(context, "context");
        final String name = serverName.toLowerCase(Locale.ROOT);
        final String rest = name.startsWith("*.") ? name.substring(2) : name;
        if (rest.isEmpty() || rest.indexOf('*') >= 0 || rest.startsWith(".") || rest.endsWith(".")) {
            throw new IllegalArgumentException("server name must be a host name or \"*.\" and a domain, for example"
                    + " \"a.example.com\" or \"*.example.com\"; was \"" + serverName + "\"");
        }
        final Map<String, SSLContext> map = new LinkedHashMap<>(serverNameContexts);
        map.put(name, context);
        return new TlsSettings(this.context, protocols, applicationProtocols, handshakeTimeout, hostnameVerification,
                clientAuth, java.util.Collections.unmodifiableMap(map), strictServerNames);
    }

    /**
     * These settings, with a server that refuses clients whose SNI names none of the
     * {@link #withServerNameContext server names} ({@code strict} true): the handshake fails with
     * an {@code unrecognized_name} alert to the client, and the handler hears
     * {@link Tcp.ErrorClosed} with the {@link javax.net.ssl.SSLHandshakeException}. A client that
     * sends no SNI at all still gets the default context. Off (the default): unknown names get
     * the default context.
     *
     * @param strict whether unknown SNI names are refused
     * @return new settings
     */
    public TlsSettings withStrictServerNames(boolean strict) {
        return new TlsSettings(context, protocols, applicationProtocols, handshakeTimeout, hostnameVerification,
                clientAuth, serverNameContexts, strict);
    }

    /**
     * Whether and how a server asks for client certificates.
     *
     * @return the client-auth mode
     */
    public ClientAuth clientAuth() {
        return clientAuth;
    }

    /**
     * The contexts chosen by SNI name (lower case; wildcards as {@code "*.example.com"}), in the
     * order added; empty if there are none.
     *
     * @return an unmodifiable map
     */
    public Map<String, SSLContext> serverNameContexts() {
        return serverNameContexts;
    }

    /**
     * Whether a server refuses SNI names it has no context for.
     *
     * @return {@code true} if unknown names are refused
     */
    public boolean strictServerNames() {
        return strictServerNames;
    }

    /**
     * The context for a client that asked for {@code serverName} with SNI: the exact name's,
     * else the wildcard's for its parent domain, else the default (also for {@code null}, no SNI).
     * Any thread.
     *
     * @param serverName the SNI host name, or {@code null}
     * @return the context to handshake with
     */
    public SSLContext contextFor(String serverName) {
        if (serverName == null || serverNameContexts.isEmpty()) {
            return context;
        }
        final String name = serverName.toLowerCase(Locale.ROOT);
        final SSLContext exact = serverNameContexts.get(name);
        if (exact != null) {
            return exact;
        }
        final int dot = name.indexOf('.');
        if (dot > 0) {
            final SSLContext wildcard = serverNameContexts.get("*" + name.substring(dot));
            if (wildcard != null) {
                return wildcard;
            }
        }
        return context;
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
                + ", handshakeTimeout=" + handshakeTimeout + ", hostnameVerification=" + hostnameVerification
                + ", clientAuth=" + clientAuth + ", serverNames=" + serverNameContexts.keySet()
                + (strictServerNames ? " (strict)" : "") + "]";
    }
}
