package io.troupe.io;

import java.util.Objects;

/**
 * Settings of an actor system's I/O runtime. Immutable; each {@code withX} returns a copy.
 * Apply them with {@link Io#configure} before the first socket of the system is opened.
 */
public final class IoSettings {
    /** Who waits for socket readiness. */
    public enum Driver {
        /**
         * The dispatcher's idle workers poll one selector themselves, as Tokio's workers drive
         * its I/O driver: readiness is found on the worker that then runs the socket actor, so a
         * request costs no thread hand-off. Needs the work-stealing dispatcher; on the
         * {@code ForkJoinPool} dispatcher the runtime uses one reactor thread instead.
         */
        WORKERS,
        /**
         * Reactor threads of their own, each owning a selector: I/O readiness is detected apart
         * from actor work (isolation), at the cost of a hand-off per readiness event.
         */
        REACTOR_THREADS
    }

    private static final IoSettings DEFAULTS = new IoSettings(Driver.WORKERS, 1);

    private final Driver driver;
    private final int reactorThreads;

    private IoSettings(Driver driver, int reactorThreads) {
        this.driver = driver;
        this.reactorThreads = reactorThreads;
    }

    /**
     * Workers drive the I/O ({@link Driver#WORKERS}).
     *
     * @return the default settings
     */
    public static IoSettings defaults() {
        return DEFAULTS;
    }

    /**
     * With {@code reactorThreads} dedicated reactors ({@link Driver#REACTOR_THREADS}), each a
     * thread owning one selector; channels are spread over them round-robin. One is enough for
     * most services: a reactor only detects readiness, the reads and writes run on the
     * dispatcher.
     *
     * @param reactorThreads the number of reactor threads; positive
     * @return new settings
     * @throws IllegalArgumentException if {@code reactorThreads} is not positive
     */
    public IoSettings withReactorThreads(int reactorThreads) {
        if (reactorThreads <= 0) {
            throw new IllegalArgumentException("reactorThreads must be positive, was " + reactorThreads);
        }
        return new IoSettings(Driver.REACTOR_THREADS, reactorThreads);
    }

    /**
     * With {@code driver}; {@link Driver#REACTOR_THREADS} keeps the reactor thread count (one
     * unless set), {@link Driver#WORKERS} uses one selector.
     *
     * @param driver who waits for readiness
     * @return new settings
     */
    public IoSettings withDriver(Driver driver) {
        Objects.requireNonNull(driver, "driver");
        return new IoSettings(driver, driver == Driver.WORKERS ? 1 : reactorThreads);
    }

    /**
     * Who waits for readiness.
     *
     * @return the driver
     */
    public Driver driver() {
        return driver;
    }

    /**
     * The number of reactor threads ({@link Driver#REACTOR_THREADS}), or selectors the workers drive (1).
     *
     * @return the reactor thread or selector count
     */
    public int reactorThreads() {
        return reactorThreads;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IoSettings s && s.driver == driver && s.reactorThreads == reactorThreads;
    }

    @Override
    public int hashCode() {
        return driver.hashCode() * 31 + reactorThreads;
    }

    @Override
    public String toString() {
        return "IoSettings[driver=" + driver + ", reactorThreads=" + reactorThreads + "]";
    }
}
