package io.troupe.actors.internal;

import io.troupe.actors.ActorRef;

/**
 * A ref to an actor that does not live in this runtime (a remote actor, issue 17), which a local
 * actor may still {@code watch}. The runtime keeps such a ref in the watcher's watch set and asks
 * the ref's owner (the remote module) to report the watched actor's end with
 * {@link SystemAccess#foreignTerminated}.
 *
 * <p>Threading: {@link #watchedBy} and {@link #unwatchedBy} are called on the watcher's thread,
 * inside its turn; they must be quick and must not call back into the watcher. Implementations
 * must have value equality that survives the ref being decoded again (the same remote actor in
 * two messages is one watch), since the watch set is a hash set.
 */
public interface ForeignRef {
    /**
     * {@code watcher} (a local actor) now watches this ref: once the remote actor ends, or its
     * node is declared down, the owner calls {@link SystemAccess#foreignTerminated} for it, once.
     *
     * @param watcher the local watcher
     */
    void watchedBy(ActorRef<?> watcher);

    /**
     * {@code watcher} no longer watches this ref (it unwatched, or it stopped).
     *
     * @param watcher the local watcher
     */
    void unwatchedBy(ActorRef<?> watcher);
}
