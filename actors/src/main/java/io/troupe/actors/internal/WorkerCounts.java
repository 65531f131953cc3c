package io.troupe.actors.internal;

/**
 * Sums of dispatcher threads' counts (observability, issue 15): messages handled, activations,
 * steals, parks and polls, as each thread's {@link ActivationProbe} keeps them.
 *
 * <p>NOT thread safe: one thread fills it at a time (the system's counters fold, or a
 * dispatcher that keeps the counts of its ended threads under its own lock).
 */
public final class WorkerCounts {
    long handled;
    long activations;
    long steals;
    long parks;
    long polls;

    /** Empty sums. */
    public WorkerCounts() {
    }

    /**
     * Adds {@code probe}'s counts, read as the probe publishes them (opaque loads: possibly
     * slightly stale unless the caller is the probe's own thread, or follows it in
     * happens-before order).
     *
     * @param probe a dispatcher thread's probe
     */
    public void add(ActivationProbe probe) {
        handled += probe.lvHandled();
        activations += probe.lvActivations();
        steals += probe.lvSteals();
        parks += probe.lvParks();
        polls += probe.lvPolls();
    }

    /**
     * Adds {@code other}'s sums.
     *
     * @param other sums to add
     */
    public void add(WorkerCounts other) {
        handled += other.handled;
        activations += other.activations;
        steals += other.steals;
        parks += other.parks;
        polls += other.polls;
    }

    /**
     * Adds {@code n} steals that a dispatcher counts its own way (the {@code ForkJoinPool}'s).
     *
     * @param n steals to add
     */
    public void addSteals(long n) {
        steals += n;
    }

    /** Sets every sum to zero. */
    public void clear() {
        handled = 0;
        activations = 0;
        steals = 0;
        parks = 0;
        polls = 0;
    }

    /**
     * Messages handled.
     *
     * @return the sum
     */
    public long handled() {
        return handled;
    }

    /**
     * Activations (turns of actors).
     *
     * @return the sum
     */
    public long activations() {
        return activations;
    }

    /**
     * Steals that found work.
     *
     * @return the sum
     */
    public long steals() {
        return steals;
    }

    /**
     * Parks with nothing to run.
     *
     * @return the sum
     */
    public long parks() {
        return parks;
    }

    /**
     * Polls of an attached poller (the I/O driver's selector).
     *
     * @return the sum
     */
    public long polls() {
        return polls;
    }
}
