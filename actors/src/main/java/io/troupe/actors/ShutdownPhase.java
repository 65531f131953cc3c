package io.troupe.actors;

/**
 * The phases of a graceful shutdown ({@link ActorSystem#shutdown()}), in the order they run.
 * Each phase starts when the one before it has finished or has run past its deadline
 * ({@link ActorSystem.Builder#shutdownPhaseTimeout}); tasks added with
 * {@link GracefulShutdown#addTask} run in their phase, concurrently with the phase's other tasks.
 */
public enum ShutdownPhase {
    /** Before anything stops: mark the service unhealthy, give load balancers time to notice. */
    BEFORE_SERVICE_UNBIND,
    /** Stop accepting: listeners unbind (io-actors registers this), no new work comes in. */
    SERVICE_UNBIND,
    /**
     * Finish what was accepted: every user actor receives the {@link ShuttingDown} signal (it may
     * say goodbye and hold the phase until it has drained), and the phase's tasks wait for
     * in-flight requests (io-actors tells connection handlers here).
     */
    SERVICE_REQUESTS_DONE,
    /** The phase's tasks run, then every actor under {@code /user} stops (children first). */
    STOP_USER_ACTORS,
    /**
     * The phase's tasks run, then every actor under {@code /system} stops (socket managers,
     * probes), then the system's threads end.
     */
    STOP_SYSTEM_ACTORS;

    /** Whether this is one of the three phases that {@link ActorSystem#close()} skips. */
    boolean isServicePhase() {
        return ordinal() < STOP_USER_ACTORS.ordinal();
    }
}
