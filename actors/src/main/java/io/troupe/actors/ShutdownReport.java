package io.troupe.actors;

import java.util.List;

/**
 * How a system's shutdown went: what ran past its deadline, and which actors had not stopped.
 *
 * @param lateTasks the tasks (and the runtime's own steps) that had not finished when their
 *     phase's deadline passed, each as {@code "PHASE: name"}, in phase order; empty if every
 *     phase finished in time
 * @param actorsNotStopped the paths of the actors that had not stopped when the system's
 *     threads were shut down: first those holding the stop up (no child of theirs is left),
 *     then their ancestors, which only waited for them; empty when everything stopped
 */
public record ShutdownReport(List<String> lateTasks, List<String> actorsNotStopped) {
    /**
     * Copies the lists.
     *
     * @param lateTasks the tasks that ran late; not null
     * @param actorsNotStopped the paths of the actors that had not stopped; not null
     * @throws NullPointerException if a list is null
     */
    public ShutdownReport {
        lateTasks = List.copyOf(lateTasks);
        actorsNotStopped = List.copyOf(actorsNotStopped);
    }

    /**
     * Whether every phase finished within its deadline and every actor stopped.
     *
     * @return {@code true} if nothing ran late and every actor stopped
     */
    public boolean isClean() {
        return lateTasks.isEmpty() && actorsNotStopped.isEmpty();
    }
}
