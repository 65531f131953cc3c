package io.troupe.actors;

/** Which dispatcher runs an actor. Each system creates the one it uses first on demand. */
public enum DispatcherKind {
    /** The system's default (set with {@link ActorSystem.Builder#dispatcher}). */
    DEFAULT,
    /** Troupe's work-stealing dispatcher: per-worker queues, a LIFO slot, stealing, parking. */
    WORK_STEALING,
    /** A {@link java.util.concurrent.ForkJoinPool} in async mode. */
    FORK_JOIN
}
