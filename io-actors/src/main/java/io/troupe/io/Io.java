package io.troupe.io;

import io.troupe.actors.ActorSystem;
import io.troupe.io.internal.IoExtension;
import java.util.Objects;

/**
 * The I/O runtime of an actor system: its reactor threads and the {@code /system/troupe-io}
 * actor that owns them and every socket actor. It starts on the first use of {@link Tcp} or
 * {@link Udp} (or here) and stops when the system closes, closing every socket and selector.
 */
public final class Io {
    private Io() {}

    /**
     * Starts the system's I/O runtime with {@code settings}. Any thread; idempotent for equal
     * settings.
     *
     * @param system the actor system
     * @param settings the settings to start the runtime with
     * @throws IllegalStateException if the runtime already runs with other settings, or the
     *     system is closed
     */
    public static void configure(ActorSystem system, IoSettings settings) {
        Objects.requireNonNull(system, "system");
        Objects.requireNonNull(settings, "settings");
        IoExtension.start(system, settings);
    }

    /**
     * The number of reactor threads of the system's I/O runtime (starting it with the defaults); 0 when workers drive the I/O.
     *
     * @param system the actor system
     * @return the reactor thread count, or 0
     */
    public static int reactorThreads(ActorSystem system) {
        Objects.requireNonNull(system, "system");
        return IoExtension.of(system).reactorThreadCount();
    }

    /**
     * Who drives the system's I/O (starting it with the defaults): on the ForkJoinPool dispatcher always reactor threads.
     *
     * @param system the actor system
     * @return the I/O driver
     */
    public static IoSettings.Driver driver(ActorSystem system) {
        Objects.requireNonNull(system, "system");
        return IoExtension.of(system).driver();
    }
}
