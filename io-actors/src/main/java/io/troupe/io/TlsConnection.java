package io.troupe.io;

import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLSession;

/**
 * A connection as the stage inside a TLS stage ({@link Tls}) sees it: plaintext in, plaintext
 * out, and what the handshake settled. Every {@link Connection} such an inner stage is given is
 * a {@code TlsConnection}:
 *
 * <pre>{@code
 * public void onConnected(Connection connection) {
 *     String alpn = ((TlsConnection) connection).applicationProtocol(); // "h2", "http/1.1" or null
 * }
 * }</pre>
 *
 * <p>What changes against a plain {@link Connection}:
 * <ul>
 *   <li>{@link #write} encrypts at once: the bytes become TLS records (at most 16 KiB of
 *       plaintext each) queued on the socket; a write is taken whole or refused whole. The
 *       queue, its watermarks and {@link #queuedBytes()} count the encrypted bytes: the
 *       plaintext plus a record overhead (22 bytes per full record with TLS 1.3, 29 with
 *       TLS 1.2 AES-GCM).</li>
 *   <li>{@link #close()} sends {@code close_notify}, then closes; {@link #shutdownOutput()}
 *       sends {@code close_notify} and half-closes (a TLS 1.2 peer answers with its own and
 *       closes). {@link ConnectionStage#onPeerClosed} means the peer's {@code close_notify};
 *       a peer that closes its TCP stream without one (a possible truncation) closes the
 *       connection with {@link Tcp.ErrorClosed} and an {@link javax.net.ssl.SSLException}.</li>
 *   <li>Do not send {@link Tcp.Write} to {@link #self()}: it would bypass the encryption. The
 *       other commands are fine ({@link Tcp.Close} from outside closes without
 *       {@code close_notify}).</li>
 * </ul>
 *
 * <p>Threads: as {@link Connection}; the methods added here may be called only inside the
 * stage's calls.
 */
public interface TlsConnection extends Connection {
    /**
     * The TLS session: protocol version ({@link SSLSession#getProtocol()}), cipher suite, the
     * peer's certificates (when it sent any).
     *
     * @return the session of the finished handshake
     */
    SSLSession session();

    /**
     * The protocol ALPN chose (one of {@link TlsSettings#applicationProtocols()}), or
     * {@code null} if none was negotiated (ALPN off on either side).
     *
     * @return the application protocol, or {@code null}
     */
    String applicationProtocol();

    /**
     * On a server, the host name the client asked for with SNI (server name indication), or
     * {@code null} if it sent none; on a client, the name it sent (the host it was given, unless
     * that is an IP address), or {@code null}.
     *
     * @return the SNI host name, or {@code null}
     */
    String serverName();

    /**
     * The certificate chain the peer presented and the handshake verified, its own certificate
     * first: on a client, the server's; on a server, the client's under
     * {@link TlsSettings#withClientAuth mutual TLS}, or empty when the client sent none (allowed
     * with {@link TlsSettings.ClientAuth#WANT}). Costs a copy of the session's array.
     *
     * @return an unmodifiable list, empty if the peer presented no certificate
     */
    List<X509Certificate> peerCertificates();

    /**
     * Whether the peer's {@code close_notify} has arrived: its stream of plaintext ended
     * cleanly.
     *
     * @return {@code true} once the peer has closed its side in order
     */
    boolean isPeerCloseNotified();
}
