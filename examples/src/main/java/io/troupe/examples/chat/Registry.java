package io.troupe.examples.chat;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ShuttingDown;
import io.troupe.actors.Signal;
import io.troupe.actors.Terminated;
import io.troupe.supervision.Supervise;
import io.troupe.supervision.SupervisorStrategy;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The chat's registry: the live sessions, which nicknames are taken, and the rooms, each a
 * supervised child created on first use.
 *
 * <p>Graceful shutdown: the registry, under {@code /user}, gets the {@link ShuttingDown} signal;
 * it tells every live session {@link ServerClosing} and holds the phase until they have all
 * said goodbye and stopped, so the rooms (its children) outlive the sessions that use them.
 */
final class Registry extends Actor<Registry.Msg> {
    /*
     * Threading protocol: an actor; every method runs on its turn.
     * Invariants: a nickname is held by at most one session; there is one room actor per name,
     * at most options.maxRooms() of them, each spawned under a restart rule.
     */

    /** What the registry accepts. */
    sealed interface Msg {}

    /** A new session; the registry watches it and tells it when the server shuts down. */
    record Register(ActorRef<Reply> session) implements Msg {}

    /** Take {@code nick}, giving up {@code previous} (null if none) when granted. */
    record ClaimNick(String nick, String previous, ActorRef<Reply> replyTo) implements Msg {}

    /** Give up {@code nick}. */
    record ReleaseNick(String nick) implements Msg {}

    /** Find (or create) the room {@code name}. */
    record FindRoom(String name, ActorRef<Reply> replyTo) implements Msg {}

    /** The registry's answers. */
    sealed interface Reply {}

    /** {@code nick} is now the asker's. */
    record NickGranted(String nick) implements Reply {}

    /** {@code nick} belongs to another session. */
    record NickTaken(String nick) implements Reply {}

    /** The room {@code name} is {@code room}. */
    record RoomFound(String name, ActorRef<Room.Msg> room) implements Reply {}

    /** The room {@code name} cannot be created, because of {@code reason}. */
    record RoomRefused(String name, String reason) implements Reply {}

    /** The server is shutting down: say goodbye and close. */
    record ServerClosing() implements Reply {}

    /** A crashing room is restarted in place up to this many times per minute, then stopped. */
    static final int MAX_ROOM_RESTARTS_PER_MINUTE = 10;

    private final ChatServer.Options options;
    private final Set<String> nicks = new HashSet<>();
    private final Map<String, ActorRef<Room.Msg>> rooms = new HashMap<>();
    private final Set<ActorRef<Reply>> sessions = new HashSet<>();
    /** Completed when the last session has stopped, once shutdown has begun; null before. */
    private CompletableFuture<Void> drained;

    Registry(ChatServer.Options options) {
        this.options = options;
    }

    @Override
    protected void receive(Msg msg) {
        if (msg instanceof Register r) {
            sessions.add(r.session());
            context().watch(r.session()); // watching the session's adapter watches the session
            if (drained != null) { // connected while the server shuts down
                r.session().tell(new ServerClosing());
            }
        } else if (msg instanceof ClaimNick c) {
            if (c.nick().equals(c.previous())) {
                c.replyTo().tell(new NickGranted(c.nick()));
            } else if (nicks.add(c.nick())) {
                if (c.previous() != null) {
                    nicks.remove(c.previous());
                }
                c.replyTo().tell(new NickGranted(c.nick()));
            } else {
                c.replyTo().tell(new NickTaken(c.nick()));
            }
        } else if (msg instanceof ReleaseNick r) {
            nicks.remove(r.nick());
        } else if (msg instanceof FindRoom f) {
            ActorRef<Room.Msg> room = rooms.get(f.name());
            if (room == null) {
                if (rooms.size() >= options.maxRooms()) {
                    f.replyTo().tell(new RoomRefused(f.name(), "the server has its maximum of " + options.maxRooms() + " rooms"));
                    return;
                }
                room = spawnRoom(f.name());
                rooms.put(f.name(), room);
            }
            f.replyTo().tell(new RoomFound(f.name(), room));
        }
    }

    // region on-signal
    @Override
    protected void onSignal(Signal signal) {
        // A room that crashed more often than its restart limit allows has stopped: forget it,
        // so that the next /join of its name creates a fresh one.
        if (signal instanceof Terminated t) {
            rooms.values().removeIf(room -> room.equals(t.ref()));
            if (sessions.remove(t.ref()) && drained != null && sessions.isEmpty()) {
                drained.complete(null);
            }
        } else if (signal instanceof ShuttingDown s) {
            drained = new CompletableFuture<>();
            for (ActorRef<Reply> session : sessions) {
                session.tell(new ServerClosing());
            }
            if (sessions.isEmpty()) {
                drained.complete(null);
            }
            s.holdUntil(drained);
        }
    }
    // endregion

    // region supervised-room
    private ActorRef<Room.Msg> spawnRoom(String name) {
        final Room.Members members = new Room.Members();
        final ActorRef<Room.Msg> room = context().spawn(Supervise.of(() -> new Room(name, members))
                        .onFailure(RuntimeException.class, SupervisorStrategy.restart()
                                .withLimit(MAX_ROOM_RESTARTS_PER_MINUTE, Duration.ofMinutes(1))),
                "room-" + name);
        context().watch(room);
        return room;
    }
    // endregion
}
