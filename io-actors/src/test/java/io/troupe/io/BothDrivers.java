package io.troupe.io;

import io.troupe.actors.ActorSystem;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Runs a socket test class once per I/O driver: idle workers drive the selector
 * ({@link IoSettings.Driver#WORKERS}), and dedicated reactor threads
 * ({@link IoSettings.Driver#REACTOR_THREADS}). A test class extends it and starts its actor
 * systems with {@link #startSystem} or {@link #drivenBy}.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(IoSettings.Driver.class)
abstract class BothDrivers {
    /** Who drives the I/O in this run of the class. */
    @Parameter
    IoSettings.Driver driver;

    /** A fresh system whose I/O this run's driver drives. */
    ActorSystem startSystem(String name) {
        return drivenBy(ActorSystem.create(name), IoSettings.defaults().withDriver(driver));
    }

    /**
     * Starts {@code system}'s I/O with {@code settings} and checks that the driver asked for is
     * the one that runs, so that a silent fallback (to reactor threads) fails the test instead of
     * testing the same mode twice. Closes the system if the check fails.
     */
    static ActorSystem drivenBy(ActorSystem system, IoSettings settings) {
        try {
            Io.configure(system, settings);
            final IoSettings.Driver running = Io.driver(system);
            if (running != settings.driver()) {
                throw new AssertionError("asked for " + settings + " but the I/O of '" + system.name()
                        + "' is driven by " + running);
            }
            return system;
        } catch (RuntimeException | AssertionError e) {
            system.close();
            throw e;
        }
    }
}
