package io.troupe.io;

/**
 * Settings of an actor system's I/O runtime. Immutable; each {@code withX} returns a copy.
 * Apply them with {@link Io#configure} before the first socket of the system is opened.
 */
public final class IoSettings {
    private static final IoSettings DEFAULTS = new IoSettings(1);

    private final int reactorThreads;

    private IoSettings(int reactorThreads) {
        this.reactorThreads = reactorThreads;
    }

    /** One reactor thread. */
    public static IoSettings defaults() {
        return DEFAULTS;
    }

    /**
     * With {@code reactorThreads} reactors, each a thread owning one selector; channels are
     * spread over them round-robin. One is enough for most services: a reactor only detects
     * readiness, the reads and writes run on the dispatcher.
     *
     * @throws IllegalArgumentException if {@code reactorThreads} is not positive
     */
    public IoSettings withReactorThreads(int reactorThreads) {
        if (reactorThreads <= 0) {
            throw new IllegalArgumentException("reactorThreads must be positive, was " + reactorThreads);
        }
        return new IoSettings(reactorThreads);
    }

    /** The number of reactor threads. */
    public int reactorThreads() {
        return reactorThreads;
    }

    @Override
    public String toString() {
        return "IoSettings[reactorThreads=" + reactorThreads + "]";
    }
}
