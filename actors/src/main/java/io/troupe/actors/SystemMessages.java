package io.troupe.actors;

import io.troupe.mailbox.SystemMessage;

/** The system-lane messages of the actor runtime. */
final class SystemMessages {
    private SystemMessages() {}

    /** Something that can watch an actor: another actor, or an ask's promise. */
    interface Watcher {
        /** The watched actor has terminated. Called on the terminating actor's thread; must not block. */
        void onWatchedTerminated(ActorCell<?> who);
    }

    /** Stop this actor (and its children). */
    static final class Stop extends SystemMessage {}

    /** Add a watcher. */
    static final class Watch extends SystemMessage {
        final Watcher watcher;

        Watch(Watcher watcher) {
            this.watcher = watcher;
        }
    }

    /** Remove a watcher. */
    static final class Unwatch extends SystemMessage {
        final Watcher watcher;

        Unwatch(Watcher watcher) {
            this.watcher = watcher;
        }
    }

    /** A watched actor terminated. */
    static final class DeathNotification extends SystemMessage {
        final ActorCell<?> who;

        DeathNotification(ActorCell<?> who) {
            this.who = who;
        }
    }

    /** A child terminated, with its failure if it failed. */
    static final class ChildTerminated extends SystemMessage {
        final ActorCell<?> child;
        final Throwable cause;

        ChildTerminated(ActorCell<?> child, Throwable cause) {
            this.child = child;
            this.cause = cause;
        }
    }

    /** A child's failure escalated: fail as if this actor had thrown it. */
    static final class Escalated extends SystemMessage {
        final ActorCell<?> child;
        final Throwable cause;

        Escalated(ActorCell<?> child, Throwable cause) {
            this.child = child;
            this.cause = cause;
        }
    }

    /** Run a framework action on the actor's thread, ahead of user messages. */
    static final class Run extends SystemMessage {
        final Runnable action;

        Run(Runnable action) {
            this.action = action;
        }
    }
}
