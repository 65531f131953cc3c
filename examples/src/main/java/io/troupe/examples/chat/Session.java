package io.troupe.examples.chat;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.Stash;
import io.troupe.io.Tcp;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;

/**
 * One client's session: the handler of its connection, an actor of its own protocol.
 *
 * <p>Its messages come from four places, all typed, none forwarded: the socket's events
 * ({@link Net}, wrapped by the adapter given to {@code Tcp.bind}), lines from its room
 * ({@link ToClient}, through a message adapter of {@code String}), the registry's replies
 * ({@link FromRegistry}, through a message adapter of {@link Registry.Reply}; {@link JoinedRoom}
 * likewise from a room) and its own idle timer ({@link IdleTimeout}).
 *
 * <p>While it waits for the registry or a room ({@code /nick}, {@code /join}), the client's later input
 * is stashed and handled, in order, once the reply is in: a client may pipeline
 * {@code /join lobby} and its first line.
 *
 * <p>Output goes through a queue bounded in bytes, with a window of unacknowledged writes at
 * the connection; a client that lets the queue fill up is disconnected as too slow a reader
 * (see {@link ChatServer}).
 */
final class Session extends Actor<Session.Msg> {
    /*
     * Threading protocol: an actor; every method runs on its turn.
     *
     * Invariants:
     * - queuedBytes is the sum of (line bytes + 1) over queue; queuedBytes <= maxQueuedBytes.
     * - inFlightBytes is the sum over the writes sent to the connection and not yet acked;
     *   a write is sent only if inFlightBytes is 0 or stays <= writeWindowBytes with it, so
     *   inFlightBytes <= writeWindowBytes (every line fits the window, see Options.checkQueue).
     *   The goodbye of a slow client is the one write outside the window; the connection's
     *   write queue is sized for window + goodbye, so no write of a session is ever refused.
     * - awaitingReply: one request to the registry (nick, room) or a room (join) is
     *   outstanding; client input waits in the stash and is unstashed, in order, by the answer.
     * - closing: no more client input is handled and no more lines are queued; the connection
     *   is told Close once the queue has been handed over (closeSent).
     *
     * Lifecycle: OPEN -> CLOSING (/quit, idle, slow reader, ServerClosing, peer closed)
     *            -> stopped (ConnectionClosed). postStop leaves the room and frees the nick.
     */

    // region protocol
    /** What a session handles. */
    sealed interface Msg {}

    /**
     * An event of the session's connection.
     *
     * @param event the event
     */
    record Net(Tcp.Event event) implements Msg {}

    /**
     * A line for the client, from its room.
     *
     * @param line the line, without line end
     */
    record ToClient(String line) implements Msg {}

    /**
     * The registry's answer to this session's request.
     *
     * @param reply the answer
     */
    record FromRegistry(Registry.Reply reply) implements Msg {}

    /**
     * The room's answer to this session's join.
     *
     * @param joined the answer
     */
    record JoinedRoom(Room.Joined joined) implements Msg {}

    /** The client has sent nothing for the idle timeout. */
    record IdleTimeout() implements Msg {}
    // endregion

    /** Client input held while a registry request is outstanding; more disconnects the client. */
    static final int STASH_CAPACITY = 256;

    private static final String IDLE_TIMER = "idle";

    private final ActorRef<Registry.Msg> registry;
    private final ChatServer.Options options;
    private final ArrayDeque<byte[]> queue = new ArrayDeque<>();
    private int queuedBytes;
    private int inFlightBytes;

    private ActorRef<Tcp.Command> connection;
    private ActorRef<String> inbox;
    private ActorRef<Registry.Reply> registryReplies;
    private ActorRef<Room.Joined> joinReplies;
    private Stash<Msg> stash;
    private String nick;
    private ActorRef<Room.Msg> room;
    private boolean awaitingReply;
    private boolean closing;
    private boolean closeSent;

    Session(ActorRef<Registry.Msg> registry, ChatServer.Options options) {
        this.registry = registry;
        this.options = options;
    }

    // region adapters
    @Override
    protected void preStart() {
        inbox = context().messageAdapter(String.class, ToClient::new);
        registryReplies = context().messageAdapter(Registry.Reply.class, FromRegistry::new);
        joinReplies = context().messageAdapter(Room.Joined.class, JoinedRoom::new);
        stash = context().stash(STASH_CAPACITY);
        registry.tell(new Registry.Register(registryReplies));
    }
    // endregion

    @Override
    protected void receive(Msg msg) {
        if (msg instanceof Net n) {
            onNet(n.event(), n);
        } else if (msg instanceof ToClient t) {
            send(t.line());
        } else if (msg instanceof FromRegistry r) {
            if (r.reply() instanceof Registry.ServerClosing) {
                // Everyone is told: no "left" notices to the room.
                send("* server shutting down: bye");
                closeAfterFlush();
            } else {
                onRegistry(r.reply());
            }
        } else if (msg instanceof JoinedRoom j) {
            awaitingReply = false;
            send(j.joined().line());
            stash.unstashAll();
        } else if (msg instanceof IdleTimeout) {
            send("* idle for " + options.idleTimeout().toSeconds() + " s: bye");
            leaveRoom(nick + " timed out");
            closeAfterFlush();
        }
    }

    @Override
    protected void postStop() {
        leaveRoom(nick + " left");
        if (nick != null) {
            registry.tell(new Registry.ReleaseNick(nick));
        }
    }

    // ------------------------------------------------------------------ socket events

    private void onNet(Tcp.Event event, Net wrapped) {
        if (event instanceof Tcp.Ack a) {
            if (a.token() instanceof Integer bytes) {
                inFlightBytes -= bytes;
                flush();
            }
        } else if (awaitingReply && !closing && isInput(event)) {
            if (stash.isFull()) {
                tooFast();
            } else {
                stash.stash(wrapped);
            }
        } else if (event instanceof Tcp.Received r) {
            if (!closing) { // after /quit, a timeout or a disconnect, input is ignored
                armIdleTimer();
                onLine(r.utf8());
            }
        } else if (event instanceof Tcp.Connected c) {
            connection = c.connection();
            if (closing) { // the server began shutting down before the connection was up
                closeSent = true;
                connection.tell(new Tcp.Close());
                return;
            }
            armIdleTimer();
            send("* welcome: /nick NAME, then /join ROOM; /quit to leave");
        } else if (event instanceof Tcp.PeerClosed) {
            // The connection closes itself once its queued writes are flushed.
            leaveRoom(nick + " left");
            closing = true;
            closeSent = true;
            dropQueue();
        } else if (event instanceof Tcp.ConnectionClosed) {
            context().stop(self());
        } else if (event instanceof Tcp.WriteRejected w) {
            context().log().log(Level.WARNING, "a write was refused, which the window should prevent: " + w.reason());
        } else if (event instanceof Tcp.CommandFailed f) {
            context().log().log(Level.DEBUG, "command failed: " + f.reason());
        }
        // WritingPaused / WritingResumed: the window keeps the connection's queue below its
        // watermarks, so they are not expected; the queue bound is what acts on a slow reader.
    }

    private static boolean isInput(Tcp.Event event) {
        return event instanceof Tcp.Received || event instanceof Tcp.PeerClosed || event instanceof Tcp.ConnectionClosed;
    }

    // region idle-timer
    private void armIdleTimer() {
        if (!options.idleTimeout().isZero()) {
            context().timers().startSingleTimer(IDLE_TIMER, new IdleTimeout(), options.idleTimeout());
        }
    }
    // endregion

    // ------------------------------------------------------------------ the line protocol

    private void onLine(String line) {
        if (line.isEmpty()) {
            return;
        }
        if (line.getBytes(StandardCharsets.UTF_8).length > options.maxLineBytes()) {
            send("* line too long: at most " + options.maxLineBytes() + " bytes");
            return;
        }
        if (!line.startsWith("/")) {
            if (nick == null) {
                send("* choose a nick first: /nick NAME");
            } else if (room == null) {
                send("* join a room first: /join ROOM");
            } else {
                room.tell(new Room.Say(inbox, nick, line));
            }
            return;
        }
        final int space = line.indexOf(' ');
        final String command = space < 0 ? line : line.substring(0, space);
        final String argument = space < 0 ? "" : line.substring(space + 1).trim();
        switch (command) {
            case "/nick":
                if (!Names.isValid(argument)) {
                    send("* a nick is " + Names.rule());
                } else {
                    awaitingReply = true;
                    registry.tell(new Registry.ClaimNick(argument, nick, registryReplies));
                }
                break;
            case "/join":
                if (nick == null) {
                    send("* choose a nick first: /nick NAME");
                } else if (!Names.isValid(argument)) {
                    send("* a room name is " + Names.rule());
                } else {
                    awaitingReply = true;
                    registry.tell(new Registry.FindRoom(argument, registryReplies));
                }
                break;
            case "/quit":
                send("* bye");
                leaveRoom(nick + " left");
                closeAfterFlush();
                break;
            case "/crash":
                if (options.crashCommand() && room != null) {
                    room.tell(new Room.Crash(nick));
                    break;
                }
                // fall through: unknown unless the test hook is on
            default:
                send("* unknown command " + command + ": try /nick NAME, /join ROOM, /quit");
        }
    }

    private void onRegistry(Registry.Reply reply) {
        awaitingReply = false;
        // (A join waits on: the room's Joined answer, so the client reads "* you joined ..."
        // before the answer to any command it sent after /join.)
        if (reply instanceof Registry.NickGranted g) {
            if (room != null && !g.nick().equals(nick)) {
                room.tell(new Room.Rename(inbox, g.nick()));
            }
            nick = g.nick();
            send("* you are " + nick);
        } else if (reply instanceof Registry.NickTaken t) {
            send("* nick " + t.nick() + " is taken");
        } else if (reply instanceof Registry.RoomFound f) {
            if (!f.room().equals(room)) {
                leaveRoom(nick + " left");
                room = f.room();
                room.tell(new Room.Join(inbox, nick, joinReplies));
                awaitingReply = true; // until the room's Joined; input stays stashed
                return;
            } else {
                send("* you are in " + f.name() + " already");
            }
        } else if (reply instanceof Registry.RoomRefused r) {
            send("* cannot create room " + r.name() + ": " + r.reason());
        }
        stash.unstashAll();
    }

    private void leaveRoom(String notice) {
        if (room != null) {
            room.tell(new Room.Leave(inbox, notice));
            room = null;
        }
    }

    // ------------------------------------------------------------------ output, bounded

    // region bounded-output
    /** Queues {@code line} for the client; disconnects the client if the queue would overflow. */
    private void send(String line) {
        if (closing || connection == null) {
            return;
        }
        final byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        if (queuedBytes + bytes.length + 1 > options.maxQueuedBytes()) {
            tooSlow();
            return;
        }
        queue.addLast(bytes);
        queuedBytes += bytes.length + 1;
        flush();
    }

    /** Hands queued lines to the connection while the window allows; closes when asked and done. */
    private void flush() {
        while (!queue.isEmpty()) {
            final int bytes = queue.peekFirst().length + 1;
            if (inFlightBytes > 0 && inFlightBytes + bytes > options.writeWindowBytes()) {
                break;
            }
            final byte[] line = queue.removeFirst();
            queuedBytes -= bytes;
            inFlightBytes += bytes;
            // One frame: the framing appends the line end. The ack's token is the size counted.
            connection.tell(new Tcp.Write(ByteBuffer.wrap(line), bytes));
        }
        if (closing && queue.isEmpty() && !closeSent && connection != null) {
            closeSent = true;
            connection.tell(new Tcp.Close());
        }
    }
    // endregion

    private void closeAfterFlush() {
        closing = true;
        context().timers().cancel(IDLE_TIMER);
        flush();
    }

    private void dropQueue() {
        queue.clear();
        queuedBytes = 0;
    }

    /** The client does not read what it is sent: tell it (after what it has been sent) and close. */
    private void tooSlow() {
        context().log().log(Level.INFO, "disconnecting " + nick + ": not reading, "
                + options.maxQueuedBytes() + " bytes queued for it");
        dropQueue();
        leaveRoom(nick + " was disconnected: not reading");
        closing = true;
        closeSent = true;
        context().timers().cancel(IDLE_TIMER);
        connection.tell(Tcp.Write.utf8("* you are not reading: disconnected"));
        connection.tell(new Tcp.Close());
    }

    /** The client sent more than the stash holds while a registry request was outstanding. */
    private void tooFast() {
        context().log().log(Level.INFO, "disconnecting " + nick + ": " + STASH_CAPACITY + " lines while waiting for the registry");
        dropQueue();
        leaveRoom(nick + " was disconnected: too many lines at once");
        closing = true;
        closeSent = true;
        connection.tell(Tcp.Write.utf8("* too many lines at once: disconnected"));
        connection.tell(new Tcp.Close());
    }
}
