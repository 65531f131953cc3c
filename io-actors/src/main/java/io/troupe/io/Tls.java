package io.troupe.io;

import io.troupe.io.internal.TlsStage;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import javax.net.ssl.SSLSession;

/**
 * TLS on a TCP connection, as a {@link ConnectionStage} around another stage, built on the
 * JDK's {@link javax.net.ssl.SSLEngine}: the TLS stage decrypts what the socket reads and hands
 * the plaintext to the inner stage, and encrypts what the inner stage writes. Like any stage it
 * runs inside the connection actor's turn: no actor and no message between the socket, the
 * engine and the inner stage.
 *
 * <pre>{@code
 * TlsSettings tls = TlsSettings.of(serverContext).withApplicationProtocols("http/1.1");
 * Tcp.serve(system, address, TcpOptions.defaults(),
 *           Tls.server(tls, () -> (connection, data) -> connection.write(data))); // a TLS echo server
 *
 * Tcp.connect(system, address, TcpOptions.defaults(), Duration.ofSeconds(5),
 *             Tls.client(TlsSettings.of(clientContext), "example.com", myStage));
 * }</pre>
 *
 * <p>Lifecycle as the inner stage sees it. {@link ConnectionStage#onConnected} comes when the
 * handshake has finished, with a {@link TlsConnection} that tells the negotiated protocol, ALPN
 * and SNI; {@link ConnectionStage#onReceived} brings plaintext (a lent buffer, at most one TLS
 * record, as with a plain connection); {@link ConnectionStage#onPeerClosed} the peer's
 * {@code close_notify}. If the handshake fails, the inner stage hears only
 * {@link ConnectionStage#onClosed} with {@link Tcp.ErrorClosed}: the
 * {@link javax.net.ssl.SSLHandshakeException} (untrusted certificate, wrong host name, no common
 * protocol version or ALPN protocol, ...), or a {@link java.net.SocketTimeoutException} when the
 * handshake outlives {@link TlsSettings#handshakeTimeout()}; a failed outgoing TCP connect is
 * still {@link ConnectionStage#onConnectFailed}.
 *
 * <p>Policy. TLS 1.2 renegotiation is refused: a handshake record after the handshake, from
 * either side, closes the connection with an {@link javax.net.ssl.SSLHandshakeException} saying
 * so. TLS 1.3 post-handshake messages (session tickets, key updates) are handled. Clients send
 * SNI (unless the host is an IP address) and, by default, verify the server's host name
 * (endpoint identification "HTTPS").
 *
 * <p>Back-pressure is the plain connection's: the socket reads no more than the write queue
 * has room for, and stops at its high watermark; the inner stage's writes are checked against
 * that room ({@link Connection#writeRoomBytes()}) and taken whole or refused. Buffers are
 * bounded: at most one partial record (or one suspended read) of ciphertext waits for the
 * engine, and at most a few records of ciphertext wait for room in the write queue, during
 * which the TLS stage reads nothing. Handshake work (certificate checks, key agreement) runs
 * inside the turn: a few milliseconds of CPU per handshake.
 *
 * <p>Do not combine with {@link TcpOptions#withFraming}: framing would apply to the ciphertext.
 * Frame the plaintext in the inner stage instead.
 *
 * <p>Handler actors. A connection handled by an actor ({@link Tcp#bind}, {@link Tcp#connect})
 * gets TLS from its options, {@link TcpOptions#withTls}: the same TLS stage then runs inside the
 * connection actor, and the handler sees plaintext with the events and the back-pressure of a
 * plain connection (see {@link TcpOptions#withTls}); {@link Tcp.Connected#tls()} tells what the
 * handshake settled, as a {@link Handshake}.
 *
 * <p>Server certificates by SNI name: {@link TlsSettings#withServerNameContext}. Client
 * certificates (mutual TLS): {@link TlsSettings#withClientAuth} on the server; a client presents
 * the certificate of its context's key manager; the peer's chain is
 * {@link TlsConnection#peerCertificates()} or {@link Handshake#peerCertificates()}.
 */
public final class Tls {
    private Tls() {}

    /**
     * What a finished TLS handshake settled, as a handler actor is told it in
     * {@link Tcp.Connected#tls()}. Immutable; safe to pass between actors.
     *
     * @param protocol the protocol version, for example {@code "TLSv1.3"}
     * @param cipherSuite the cipher suite, as the JDK names it
     * @param applicationProtocol the protocol ALPN chose, or {@code null} if none
     * @param serverName on a server, the SNI host name the client asked for; on a client, the
     *     name it sent; {@code null} if none
     * @param peerCertificates the peer's certificate chain, its own certificate first; empty when
     *     it sent none (a client without a certificate, under {@link TlsSettings.ClientAuth#WANT}
     *     or {@link TlsSettings.ClientAuth#NONE})
     * @param session the JDK's session, for anything else (its local certificates, its creation time)
     */
    public record Handshake(String protocol, String cipherSuite, String applicationProtocol, String serverName,
                            List<X509Certificate> peerCertificates, SSLSession session) {
        /**
         * Checks the fields and copies the chain.
         *
         * @param protocol the protocol version; not null
         * @param cipherSuite the cipher suite; not null
         * @param applicationProtocol the ALPN protocol, or {@code null}
         * @param serverName the SNI host name, or {@code null}
         * @param peerCertificates the peer's chain; not null, maybe empty
         * @param session the session; not null
         */
        public Handshake {
            Objects.requireNonNull(protocol, "protocol");
            Objects.requireNonNull(cipherSuite, "cipherSuite");
            peerCertificates = List.copyOf(peerCertificates);
            Objects.requireNonNull(session, "session");
        }

        /**
         * What the handshake of {@code connection} settled. Call it inside the stage's calls.
         *
         * @param connection a TLS connection whose handshake has finished
         * @return its handshake
         */
        public static Handshake of(TlsConnection connection) {
            final SSLSession s = connection.session();
            return new Handshake(s.getProtocol(), s.getCipherSuite(), connection.applicationProtocol(),
                    connection.serverName(), connection.peerCertificates(), s);
        }

        @Override
        public String toString() {
            return "Handshake[" + protocol + ", " + cipherSuite + ", alpn=" + applicationProtocol + ", sni=" + serverName
                    + ", peer=" + (peerCertificates.isEmpty() ? "none" : peerCertificates.get(0).getSubjectX500Principal())
                    + "]";
        }
    }

    /**
     * A stage factory for {@link Tcp#serve}: each accepted connection gets a TLS server stage
     * around a fresh stage from {@code innerFactory} (called on the connection's thread when the
     * TCP connection opens; the stage hears {@link ConnectionStage#onConnected} once the
     * handshake has finished). Any thread.
     *
     * @param settings the server's keys and options
     * @param innerFactory makes the stage that handles the plaintext of one connection
     * @return a factory of TLS server stages
     */
    public static Supplier<ConnectionStage> server(TlsSettings settings, Supplier<? extends ConnectionStage> innerFactory) {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(innerFactory, "innerFactory");
        return () -> TlsStage.server(settings, innerFactory);
    }

    /**
     * A TLS client stage around {@code inner}, for {@link Tcp#connect(io.troupe.actors.ActorSystem,
     * java.net.SocketAddress, TcpOptions, java.time.Duration, ConnectionStage)}: it sends SNI
     * {@code host} (unless it is an IP address) and, with hostname verification on, requires the
     * server's certificate to name {@code host}. One stage per connection. Any thread.
     *
     * @param settings the client's trust and options
     * @param host the server's host name (or IP address), as the certificate should name it
     * @param inner handles the plaintext
     * @return the TLS client stage
     */
    public static ConnectionStage client(TlsSettings settings, String host, ConnectionStage inner) {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(inner, "inner");
        return TlsStage.client(settings, host, inner);
    }
}
