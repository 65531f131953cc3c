package io.troupe.examples.chat;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/**
 * A chat room: relays what one member says to the others, in the order it receives it.
 *
 * <p>Members are the sessions' line inboxes ({@code ActorRef<String>}, message adapters of the
 * sessions): the room sends them finished lines and knows nothing else about sessions.
 *
 * <p>Supervision. The registry spawns each room under a restart rule. A restart gives the room a
 * fresh instance, but the membership survives it: it lives in a {@link Members} object that the
 * supervised factory hands to every instance of this room, as an Erlang process keeps a table
 * whose heir is its supervisor. The members are the sessions' state as much as the room's, and
 * losing them would silently cut every session off the room. The fresh instance tells the
 * members it was restarted.
 */
final class Room extends Actor<Room.Msg> {
    /*
     * Threading protocol: an actor; every method runs on the room's turn. Members is touched
     * only by the current instance; a restart happens-before the fresh instance's first call,
     * so it needs no synchronisation.
     * Invariants: members holds each inbox at most once, in the order they joined; every line
     * a member says reaches every other member present when the room handles it, in order.
     */

    /** What a room accepts. */
    sealed interface Msg {}

    /**
     * {@code member} joins under {@code nick}: {@code replyTo} hears {@link Joined} (before any
     * line of the room reaches {@code member}), the others hear that it joined.
     */
    record Join(ActorRef<String> member, String nick, ActorRef<Joined> replyTo) implements Msg {}

    /** The answer to {@link Join}: the line that tells the joiner where it is and with whom. */
    record Joined(String line) {}

    /** {@code member} leaves; the others hear {@code * notice}. */
    record Leave(ActorRef<String> member, String notice) implements Msg {}

    /** {@code from} says {@code text} as {@code nick}; the other members hear {@code nick: text}. */
    record Say(ActorRef<String> from, String nick, String text) implements Msg {}

    /** {@code member} is now called {@code nick}; the others hear it. */
    record Rename(ActorRef<String> member, String nick) implements Msg {}

    /** The {@code /crash} test hook: the room throws. */
    record Crash(String by) implements Msg {}

    // region members
    /** The members of one room, kept across its restarts (see the class documentation). */
    static final class Members {
        /** Inbox to nickname, in the order they joined. */
        final Map<ActorRef<String>, String> nicks = new LinkedHashMap<>();
    }

    private final String name;
    private final Members members;
    private long said;

    Room(String name, Members members) {
        this.name = name;
        this.members = members;
    }
    // endregion

    @Override
    protected void receive(Msg msg) {
        if (msg instanceof Say s) {
            said++;
            broadcast(s.from(), s.nick() + ": " + s.text());
        } else if (msg instanceof Join j) {
            j.replyTo().tell(new Joined("* you joined " + name + describeOthers()));
            members.nicks.put(j.member(), j.nick());
            broadcast(j.member(), "* " + j.nick() + " joined");
        } else if (msg instanceof Leave l) {
            if (members.nicks.remove(l.member()) != null) {
                broadcast(l.member(), "* " + l.notice());
            }
        } else if (msg instanceof Rename r) {
            final String old = members.nicks.replace(r.member(), r.nick());
            if (old != null) {
                broadcast(r.member(), "* " + old + " is now " + r.nick());
            }
        } else if (msg instanceof Crash c) {
            throw new IllegalStateException("crash requested by " + c.by() + " (lines relayed by this instance: " + said + ")");
        }
    }

    // region post-restart
    @Override
    protected void postRestart(Throwable cause) {
        context().log().log(System.Logger.Level.WARNING, "room " + name + " restarted after: " + cause);
        broadcast(null, "* room " + name + " restarted after a crash: " + cause.getMessage());
    }
    // endregion

    private void broadcast(ActorRef<String> except, String line) {
        for (ActorRef<String> member : members.nicks.keySet()) {
            if (!member.equals(except)) {
                member.tell(line);
            }
        }
    }

    private String describeOthers() {
        if (members.nicks.isEmpty()) {
            return " (nobody else here)";
        }
        final StringJoiner names = new StringJoiner(", ", " with ", "");
        int listed = 0;
        for (String nick : members.nicks.values()) {
            if (listed++ == 8) {
                names.add("and " + (members.nicks.size() - 8) + " more");
                break;
            }
            names.add(nick);
        }
        return names.toString();
    }
}
