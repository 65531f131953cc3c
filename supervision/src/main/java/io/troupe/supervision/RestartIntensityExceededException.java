package io.troupe.supervision;

/**
 * A {@link Supervisor} gave up: its children needed more restarts than its restart limit
 * allows. The supervisor stopped its children (in reverse start order, each within its
 * shutdown deadline) and then failed with this exception, so its parent sees
 * {@link io.troupe.actors.ChildFailed} with it (or, with
 * {@link SupervisorStrategy#withEscalateWhenExhausted()}, fails too). The cause is the failure
 * of the child whose restart was refused, or {@code null} if that child stopped normally.
 */
public final class RestartIntensityExceededException extends RuntimeException {
    /** The id of the child whose restart was refused. */
    private final String childId;

    RestartIntensityExceededException(String supervisorPath, String childId, SupervisorStrategy limit, Throwable cause) {
        super("supervisor " + supervisorPath + " reached its restart limit (" + limit.maxRestarts() + " in "
                + limit.within() + ") when child '" + childId + "' " + (cause == null ? "stopped" : "failed: " + cause), cause);
        this.childId = childId;
    }

    /**
     * The id of the child whose restart was refused.
     *
     * @return the child's id
     */
    public String childId() {
        return childId;
    }
}
