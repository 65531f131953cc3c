package io.troupe.actors.internal;

import io.troupe.actors.ActorRef;

/**
 * Told by the runtime when an actor stops or restarts; the event stream of the sync package
 * installs one per system through {@link SystemAccess#installLifecycleListener}. Called on the
 * actor's own thread, inside its termination or restart: it must be quick, must not block, and
 * what it throws is logged and ignored.
 */
public interface LifecycleListener {
    /** {@code ref} has stopped; {@code failure} is what made it stop, or null for a plain stop. */
    void onStopped(ActorRef<?> ref, Throwable failure);

    /** {@code ref} failed and is restarting because of {@code cause}. */
    void onRestarting(ActorRef<?> ref, Throwable cause);
}
