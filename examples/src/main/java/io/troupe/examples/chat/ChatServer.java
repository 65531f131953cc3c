package io.troupe.examples.chat;

import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.io.Framing;
import io.troupe.io.Tcp;
import io.troupe.io.TcpOptions;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * A chat server: a line protocol over TCP, one actor per connection, one per room.
 *
 * <pre>
 * mvn -q -B -pl examples exec:java -Dexec.mainClass=io.troupe.examples.chat.ChatServer -Dexec.args=7008
 * nc 127.0.0.1 7008
 * </pre>
 *
 * <p>The protocol, one command or message per line:
 * <ul>
 *   <li>{@code /nick NAME}: take a nickname (letters, digits, {@code _}, {@code -}; at most 32;
 *       unique on the server);</li>
 *   <li>{@code /join ROOM}: leave the current room, if any, and join {@code ROOM} (created on
 *       first use);</li>
 *   <li>any other line: said in the current room; the others there read {@code NAME: text},
 *       the sender reads nothing back;</li>
 *   <li>{@code /quit}: the server answers {@code * bye} and closes the connection.</li>
 * </ul>
 * Lines from the server that are not chat start with {@code * }.
 *
 * <p>The actors. A {@code Session} per connection is the socket handler, an actor of its own
 * protocol: {@link Tcp#bind(ActorSystem, java.net.SocketAddress, TcpOptions, java.util.function.Supplier, java.util.function.Function)}'s
 * adapter wraps the socket's events, message adapters wrap the lines rooms send it and the
 * registry's replies, and it owns its idle timer. No casts, no forwarding actor. The
 * {@code Registry} holds the nicknames and the rooms and spawns each {@code Room} as a child
 * under a restart rule ({@code Supervise}): a room that crashes is replaced in place (same ref,
 * fresh instance), its members stay, and sessions keep using it.
 *
 * <p>Idle clients. A session that receives no line for {@link Options#idleTimeout()} is told
 * {@code * idle for N s: bye} and closed.
 *
 * <p>Slow readers. Each session keeps a queue of the lines it owes its client, bounded in bytes
 * ({@link Options#withClientQueue}), and hands the connection at most a window of unacknowledged
 * bytes. A client that stops reading lets the queue fill up; the line that would overflow it
 * disconnects that client instead: it gets {@code * you are not reading: disconnected} after the
 * lines already handed to the connection, the room hears {@code * NAME was disconnected: not
 * reading}, and everyone else goes on chatting. So the memory a client can make the server hold
 * is the queue plus the window (plus the socket's kernel buffers), whatever it does. (Dropping
 * lines silently would make a conversation lie; a chat whose clients may miss lines should say
 * so with a notice instead.)
 */
public final class ChatServer {
    private ChatServer() {}

    /**
     * Runs the server until the process is stopped (SIGTERM, Ctrl-C): then every client is told
     * {@code * server shutting down: bye} and the graceful shutdown closes the connections.
     *
     * @param args the port (default 7008), then optionally the idle timeout in seconds (default 300)
     */
    public static void main(String[] args) {
        final int port = args.length > 0 ? number(args[0], "PORT") : 7008;
        final Options options = args.length > 1
                ? Options.defaults().withIdleTimeout(Duration.ofSeconds(number(args[1], "IDLE_SECONDS")))
                : Options.defaults();
        final ActorSystem system = ActorSystem.builder("chat-server").shutdownOnJvmExit(true).build();
        final Tcp.Bound bound = start(system, new InetSocketAddress(port), options).toCompletableFuture().join();
        System.out.println("chat listening on " + bound.localAddress() + " (try: nc 127.0.0.1 " + port + ")");
        system.whenTerminated().toCompletableFuture().join();
    }

    private static int number(String arg, String name) {
        try {
            return Integer.parseInt(arg);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("usage: ChatServer [PORT [IDLE_SECONDS]]; " + name
                    + " must be a whole number, was '" + arg + "'", e);
        }
    }

    /**
     * Starts a chat server in {@code system}: spawns its registry (named {@code chat}) and binds
     * a listener to {@code address}. Any thread; returns at once. Call it once per system.
     *
     * @param system the actor system
     * @param address where to listen (port 0: any free port)
     * @param options the server's settings
     * @return completes with the bound listener, or exceptionally with the bind's cause
     */
    public static CompletionStage<Tcp.Bound> start(ActorSystem system, InetSocketAddress address, Options options) {
        Objects.requireNonNull(system, "system");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(options, "options");
        // region bind
        final ActorRef<Registry.Msg> registry = system.spawn(() -> new Registry(options), "chat");
        final int window = options.writeWindowBytes();
        // The session never has more than one window (or one line) unacknowledged plus its
        // goodbye at the connection, so writes are never refused and the watermarks are not reached.
        final TcpOptions socket = options.socketOptions()
                .withFraming(Framing.lines(options.maxFrameBytes()))
                .withWriteQueue(2 * window + options.maxFrameBytes() + 2, 2 * window, window);
        return Tcp.bind(system, address, socket, () -> new Session(registry, options), Session.Net::new);
        // endregion
    }

    /**
     * A chat server's settings. Immutable and thread safe; each {@code withX} returns a copy.
     */
    public static final class Options {
        private final Duration idleTimeout;
        private final int maxLineBytes;
        private final int maxQueuedBytes;
        private final int writeWindowBytes;
        private final int maxRooms;
        private final boolean crashCommand;
        private final TcpOptions socketOptions;

        private Options(Duration idleTimeout, int maxLineBytes, int maxQueuedBytes, int writeWindowBytes,
                        int maxRooms, boolean crashCommand, TcpOptions socketOptions) {
            this.idleTimeout = idleTimeout;
            this.maxLineBytes = maxLineBytes;
            this.maxQueuedBytes = maxQueuedBytes;
            this.writeWindowBytes = writeWindowBytes;
            this.maxRooms = maxRooms;
            this.crashCommand = crashCommand;
            this.socketOptions = socketOptions;
        }

        /**
         * The defaults: 5 minutes idle timeout, lines of up to 4 KiB, a client queue of 256 KiB
         * with a 32 KiB write window, at most 1,000 rooms, no {@code /crash} command, and
         * {@link TcpOptions#defaults()} for the sockets.
         *
         * @return the default settings
         */
        public static Options defaults() {
            return new Options(Duration.ofMinutes(5), 4096, 256 * 1024, 32 * 1024, 1000, false, TcpOptions.defaults());
        }

        /**
         * With this idle timeout: a session that receives no line for {@code idleTimeout} says
         * so to its client and closes. Measured on the system's clock, so a
         * {@link io.troupe.timers.ManualClock} drives it in tests. Zero turns it off.
         *
         * @param idleTimeout how long a client may stay silent
         * @return a copy with this setting
         * @throws IllegalArgumentException if {@code idleTimeout} is negative
         */
        public Options withIdleTimeout(Duration idleTimeout) {
            Objects.requireNonNull(idleTimeout, "idleTimeout");
            if (idleTimeout.isNegative()) {
                throw new IllegalArgumentException("idleTimeout must not be negative, was " + idleTimeout);
            }
            return new Options(idleTimeout, maxLineBytes, maxQueuedBytes, writeWindowBytes, maxRooms, crashCommand, socketOptions);
        }

        /**
         * With lines from clients of at most {@code maxLineBytes} (UTF-8, without the line end).
         * A longer line is refused with a notice; one longer than the frame limit
         * ({@code maxLineBytes} plus room for a nickname and a notice) closes the connection.
         *
         * @param maxLineBytes the longest line a client may send
         * @return a copy with this setting
         * @throws IllegalArgumentException if {@code maxLineBytes} is not positive
         */
        public Options withMaxLineBytes(int maxLineBytes) {
            if (maxLineBytes <= 0) {
                throw new IllegalArgumentException("maxLineBytes must be positive, was " + maxLineBytes);
            }
            return new Options(idleTimeout, maxLineBytes, maxQueuedBytes, writeWindowBytes, maxRooms, crashCommand, socketOptions)
                    .checkQueue();
        }

        /**
         * With a per-client queue of at most {@code maxQueuedBytes} of lines waiting to be
         * written, and at most {@code writeWindowBytes} handed to the connection and not yet
         * acknowledged. A line that would take the queue past its bound disconnects the client
         * as too slow a reader (see the class documentation).
         *
         * @param maxQueuedBytes the bound of the queue, in bytes
         * @param writeWindowBytes the most unacknowledged bytes at the connection
         * @return a copy with these settings
         * @throws IllegalArgumentException unless both are positive and each holds the longest
         *     line the server writes ({@link #maxFrameBytes()} + 1)
         */
        public Options withClientQueue(int maxQueuedBytes, int writeWindowBytes) {
            return new Options(idleTimeout, maxLineBytes, maxQueuedBytes, writeWindowBytes, maxRooms, crashCommand, socketOptions)
                    .checkQueue();
        }

        /**
         * With at most {@code maxRooms} rooms; a {@code /join} of a new room beyond it is refused.
         *
         * @param maxRooms the most rooms
         * @return a copy with this setting
         * @throws IllegalArgumentException if {@code maxRooms} is not positive
         */
        public Options withMaxRooms(int maxRooms) {
            if (maxRooms <= 0) {
                throw new IllegalArgumentException("maxRooms must be positive, was " + maxRooms);
            }
            return new Options(idleTimeout, maxLineBytes, maxQueuedBytes, writeWindowBytes, maxRooms, crashCommand, socketOptions);
        }

        /**
         * With or without the {@code /crash} command, a test hook that makes the sender's room
         * throw, to watch its supervisor restart it. Off by default; never turn it on for real users.
         *
         * @param enabled whether {@code /crash} is accepted
         * @return a copy with this setting
         */
        public Options withCrashCommand(boolean enabled) {
            return new Options(idleTimeout, maxLineBytes, maxQueuedBytes, writeWindowBytes, maxRooms, enabled, socketOptions);
        }

        /**
         * With these socket settings (buffer sizes, backlog, connection limit, close timeout...);
         * the server sets framing and the write queue itself.
         *
         * @param socketOptions the base socket settings
         * @return a copy with this setting
         */
        public Options withSocketOptions(TcpOptions socketOptions) {
            return new Options(idleTimeout, maxLineBytes, maxQueuedBytes, writeWindowBytes, maxRooms, crashCommand,
                    Objects.requireNonNull(socketOptions, "socketOptions"));
        }

        private Options checkQueue() {
            if (maxQueuedBytes <= maxFrameBytes() || writeWindowBytes <= maxFrameBytes()) {
                throw new IllegalArgumentException("maxQueuedBytes (" + maxQueuedBytes + ") and writeWindowBytes ("
                        + writeWindowBytes + ") must each hold the longest line the server writes, "
                        + (maxFrameBytes() + 1) + " bytes; raise them or lower maxLineBytes");
            }
            return this;
        }

        /** @return the idle timeout (zero: none) */
        public Duration idleTimeout() {
            return idleTimeout;
        }

        /** @return the longest line a client may send, in bytes */
        public int maxLineBytes() {
            return maxLineBytes;
        }

        /** @return the bound of each client's queue of unwritten lines, in bytes */
        public int maxQueuedBytes() {
            return maxQueuedBytes;
        }

        /** @return the most unacknowledged bytes a session hands its connection */
        public int writeWindowBytes() {
            return writeWindowBytes;
        }

        /** @return the most rooms */
        public int maxRooms() {
            return maxRooms;
        }

        /** @return whether the {@code /crash} test hook is on */
        public boolean crashCommand() {
            return crashCommand;
        }

        /** @return the base socket settings */
        public TcpOptions socketOptions() {
            return socketOptions;
        }

        /**
         * The frame limit in both directions: the longest client line plus a nickname, the
         * {@code ": "} after it, and room for a notice.
         *
         * @return the longest line on the wire, in bytes, without its line end
         */
        public int maxFrameBytes() {
            return maxLineBytes + Names.MAX_LENGTH + 2 + 256;
        }
    }
}
