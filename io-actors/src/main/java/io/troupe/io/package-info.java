/**
 * Sockets as actors: TCP and Unix-domain streams ({@link io.troupe.io.Tcp}), UDP
 * ({@link io.troupe.io.Udp}), and reusable framing ({@link io.troupe.io.Framing}).
 *
 * <h2>Threads</h2>
 *
 * <p>An I/O reactor ({@link io.troupe.io.IoSettings#withReactorThreads}, one by default) owns a
 * {@link java.nio.channels.Selector}. It runs no user code and does no reads or writes: it only
 * turns readiness into a message to the actor that owns the channel. Interest is one-shot: an
 * operation that fires is disarmed until its owner re-arms it, so a busy socket produces at most
 * one readiness message in flight. Registrations and interest changes reach the reactor through
 * a command queue; the selector is woken only when the reactor is blocked in {@code select}
 * and nobody has woken it yet, so a burst of changes costs one wake-up.
 *
 * <p>Each socket has an actor (a connection, listener or UDP socket actor under
 * {@code /system/troupe-io}) that reads and writes on its dispatcher thread and talks to one
 * handler actor. Every socket event reaches the application as a message to its handler;
 * every command from the application is a message to the socket's actor. A stream connection
 * may instead be handled by a {@link io.troupe.io.ConnectionStage}, called inside the
 * connection actor's own turn ({@link io.troupe.io.Tcp#serve}): no handler actor, no message
 * per read or write.
 *
 * <h2>TLS</h2>
 *
 * <p>{@link io.troupe.io.Tls} puts TLS (the JDK's {@link javax.net.ssl.SSLEngine}) on a stream
 * connection as a stage around the application's stage: {@code Tcp.serve(system, address,
 * options, Tls.server(settings, innerFactory))}, or {@code Tls.client(settings, host, inner)}
 * for {@link io.troupe.io.Tcp#connect(io.troupe.actors.ActorSystem, java.net.SocketAddress,
 * io.troupe.io.TcpOptions, java.time.Duration, io.troupe.io.ConnectionStage)}. The inner stage
 * sees plaintext through a {@link io.troupe.io.TlsConnection} (negotiated version, ALPN, SNI),
 * is connected when the handshake has finished, and is told a failed or timed-out handshake as
 * {@link io.troupe.io.Tcp.ErrorClosed}. {@link io.troupe.io.TlsSettings} holds the context,
 * versions, ALPN protocols, handshake timeout and hostname verification. Back-pressure is the
 * plain connection's, counted in encrypted bytes.
 *
 * <h2>Back-pressure</h2>
 *
 * <ul>
 *   <li>Writes: a connection's write queue is bounded in bytes
 *       ({@link io.troupe.io.TcpOptions#withWriteQueue}). Crossing the high watermark tells the
 *       handler {@link io.troupe.io.Tcp.WritingPaused}; draining to the low watermark,
 *       {@link io.troupe.io.Tcp.WritingResumed}. A write that does not fit is refused with
 *       {@link io.troupe.io.Tcp.WriteRejected} and a reason; it is never buffered beyond the
 *       bound, and never silent (the first refusal per connection is logged, all are counted
 *       and reported at close). {@link io.troupe.io.Tcp.Ack}s come in write order.</li>
 *   <li>Reads: delivered as they come, but reading stops while the handler's mailbox is full
 *       (the event that did not fit waits with {@code send}, losslessly, and reading resumes
 *       once it is in); or, in pull mode ({@link io.troupe.io.TcpOptions#withReadCredit}), only
 *       against credit the handler grants with {@link io.troupe.io.Tcp.ReadCredit}. A slow
 *       handler therefore slows its peer through TCP's own flow control instead of filling the
 *       heap.</li>
 *   <li>Answered reads ({@link io.troupe.io.TcpOptions#withAnsweredReads}), for handlers whose
 *       writes answer their reads (echo, request/response): pull mode in which the connection
 *       also couples its reading to its write queue. It stops reading by itself while writing
 *       is paused, and reserves room in the queue for the answer to every read it delivered
 *       until the handler's credit for it comes back, so no answer is ever refused. See
 *       {@link io.troupe.io.Tcp} for the recipes.</li>
 *   <li>Each read is copied once, from a per-thread direct buffer into a fresh array of the
 *       exact size, which becomes the {@link io.troupe.io.Tcp.Received} message. (Reading into
 *       a heap buffer costs the same copy inside the JDK, into an array that would have to be
 *       as large as the largest read.)</li>
 * </ul>
 *
 * <h2>UDP</h2>
 *
 * <p>A UDP socket ({@link io.troupe.io.Udp#bind}, with {@link io.troupe.io.UdpOptions} set
 * before the bind) tells its handler each {@link io.troupe.io.Udp.Datagram} and sends each
 * {@link io.troupe.io.Udp.Send}, one datagram of at most
 * {@value io.troupe.io.Udp#MAX_DATAGRAM_BYTES} bytes per message. After
 * {@link io.troupe.io.Udp.Connect} it is in connected mode: the kernel delivers only the peer's
 * datagrams, {@link io.troupe.io.Udp.Write} needs no address, and ICMP errors about the peer,
 * which an unconnected socket never hears of, reach the handler as
 * {@link io.troupe.io.Udp.PeerUnreachable}; {@link io.troupe.io.Udp.Disconnect} goes back.
 * A command that cannot be carried out (a Write while not connected, a Send elsewhere while
 * connected, a full send queue) is answered with {@link io.troupe.io.Udp.CommandFailed} and a
 * reason; the socket stays open.
 *
 * <h2>Lifetimes</h2>
 *
 * <p>A connection actor watches its handler: when the handler stops, the connection flushes
 * its queue (within the close timeout) and closes. A connection tells its handler exactly one
 * {@link io.troupe.io.Tcp.ConnectionClosed} and then stops; the handler decides when to stop.
 * After {@link io.troupe.io.Tcp.PeerClosed} the connection closes by itself once its queued
 * writes are flushed (with answered reads, once every delivered read has been answered, so a
 * reply to a request that ended with the peer's FIN is not lost); with
 * {@link io.troupe.io.TcpOptions#withHalfClose} it stays writable until the handler closes it.
 * When the actor system closes ({@code close()} or the graceful path), every socket tells its
 * handler it closed before that handler is stopped: outgoing connections and UDP sockets, whose
 * handlers are the application's actors, close (flushed; {@code Closed}, {@code Unbound}) just
 * before the actors under {@code /user} stop, and the shutdown waits (within a grace of at most
 * 2 s) until each of those handlers has taken the event; accepted connections, whose handlers
 * live under the listener, close after them, so a handler outlives the application actors it
 * talks to.
 * Then every socket actor stops and the reactors close every channel and selector: all ports
 * are released.
 */
package io.troupe.io;
