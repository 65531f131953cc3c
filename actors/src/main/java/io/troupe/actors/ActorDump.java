package io.troupe.actors;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A snapshot of an actor system's tree ({@link ActorSystem#dump()}): one {@link Entry} per
 * actor, breadth first, and how many were left out. Immutable. Each entry was read racily while
 * the system ran, so two entries may come from slightly different moments.
 *
 * @param actors the actors listed, breadth first from {@code /user} then {@code /system}
 * @param omitted how many more actors there were beyond the limit
 */
public record ActorDump(List<Entry> actors, long omitted) {
    /**
     * Checks the fields.
     *
     * @param actors the actors listed
     * @param omitted how many were left out
     */
    public ActorDump {
        actors = List.copyOf(Objects.requireNonNull(actors, "actors"));
        if (omitted < 0) {
            throw new IllegalArgumentException("omitted must not be negative, was " + omitted);
        }
    }

    /**
     * The entry of the actor at {@code path}, if listed. Cost: a linear scan.
     *
     * @param path an actor's path, such as {@code /user/a/b}
     * @return its entry, or empty
     */
    public java.util.Optional<Entry> find(String path) {
        for (Entry e : actors) {
            if (e.path().equals(path)) {
                return java.util.Optional.of(e);
            }
        }
        return java.util.Optional.empty();
    }

    /** Where an actor is in its life, as far as scheduling goes. */
    public enum State {
        /** Created; its factory has not run yet. */
        NEW,
        /** Alive with nothing to do: not in any run queue. */
        IDLE,
        /** Has messages and waits in a run queue (or, muted, for its receiver to drain). */
        SCHEDULED,
        /** A worker thread is running it now. */
        RUNNING,
        /** Failed; waiting for its children to stop or its backoff before the fresh instance. */
        RESTARTING,
        /** Stopping: waiting for its children to stop. */
        STOPPING,
        /** Terminated. */
        STOPPED
    }

    /**
     * One actor.
     *
     * @param path its path
     * @param actorClass the class of its current instance, or null (not created yet, restarting, stopped)
     * @param state where it is in its life
     * @param mailboxDepth user messages waiting in its mailbox
     * @param mailboxCapacity its mailbox's capacity
     * @param currentMessageType when {@link State#RUNNING}: the class of the message being
     *     handled (null for system work such as its start), else null
     * @param timeInHandler when {@link State#RUNNING}: how long that handler has run at least
     *     (zero if less than one watchdog scan), else zero
     * @param dispatcher the name of its dispatcher
     * @param children how many children it has
     * @param messagesHandled the user messages it has handled since it was spawned (across
     *     restarts; counted at the end of each turn, so a running turn's are not in it yet)
     * @param restarts how many times it was restarted after a failure
     */
    public record Entry(String path, String actorClass, State state, int mailboxDepth, int mailboxCapacity,
                        String currentMessageType, Duration timeInHandler, String dispatcher, int children,
                        long messagesHandled, int restarts) {
        /**
         * Checks the fields.
         *
         * @param path its path
         * @param actorClass its class, or null
         * @param state its state
         * @param mailboxDepth messages waiting
         * @param mailboxCapacity the capacity
         * @param currentMessageType the message being handled, or null
         * @param timeInHandler how long it has run
         * @param dispatcher its dispatcher's name
         * @param children how many children
         * @param messagesHandled user messages handled, not negative
         * @param restarts restarts, not negative
         */
        public Entry {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(state, "state");
            Objects.requireNonNull(timeInHandler, "timeInHandler");
            if (messagesHandled < 0 || restarts < 0) {
                throw new IllegalArgumentException("counts must not be negative: " + messagesHandled + ", " + restarts);
            }
        }
    }

    /**
     * One slow handler run, as {@link ActorSystem#slowestHandlers()} lists it.
     *
     * @param path the actor's path
     * @param messageType the class of the message it handled, or null for system work (its start, say)
     * @param duration how long it ran (at least: the watchdog's view, exact to one of its scans)
     * @param running whether it was still running when the list was taken
     */
    public record SlowHandler(String path, String messageType, Duration duration, boolean running) {
        /**
         * Checks the fields.
         *
         * @param path the actor's path
         * @param messageType the message's class, or null
         * @param duration how long it ran
         * @param running whether it still runs
         */
        public SlowHandler {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(duration, "duration");
        }
    }
}
