package io.troupe.io;

import static io.troupe.io.TestHandlers.ANY_LOCAL_PORT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.troupe.actors.ActorSystem;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.TreeSet;
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
    /** The number of workers of a system built with the default parallelism (one per core). */
    static final int DEFAULT_WORKERS = Runtime.getRuntime().availableProcessors();

    /** Who drives the I/O in this run of the class. */
    @Parameter
    IoSettings.Driver driver;

    /** A fresh system whose I/O this run's driver drives. */
    ActorSystem startSystem(String name) {
        return drivenBy(ActorSystem.create(name), IoSettings.defaults().withDriver(driver));
    }

    /** A fresh system with {@code workers} dispatcher threads whose I/O this run's driver drives. */
    ActorSystem startSystem(String name, int workers) {
        return drivenBy(ActorSystem.builder(name).parallelism(workers).build(), IoSettings.defaults().withDriver(driver));
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

    /** The names of the live threads of {@code system}: those whose name starts with the system's name and a dash. */
    static Set<String> threadNamesOf(ActorSystem system) {
        final Set<String> names = new TreeSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(system.name() + "-") && t.isAlive()) {
                names.add(t.getName());
            }
        }
        return names;
    }

    /**
     * Checks that {@code system} still serves sockets and that none of its {@code workers}
     * dispatcher threads has died: a fresh echo listener answers a round trip, and every worker
     * thread is alive.
     */
    static void assertStillServing(ActorSystem system, int workers) throws IOException {
        final Tcp.Bound bound = Tcp.bind(system, ANY_LOCAL_PORT, TcpOptions.defaults(), TestHandlers.Echo::new)
                .toCompletableFuture().join();
        try (Socket s = TestHandlers.client(bound.localAddress())) {
            final byte[] hello = "still serving".getBytes(StandardCharsets.UTF_8);
            s.getOutputStream().write(hello);
            assertArrayEquals(hello, TestHandlers.readFully(s.getInputStream(), hello.length));
        }
        final Set<String> expected = new TreeSet<>();
        for (int i = 0; i < workers; i++) {
            expected.add(system.name() + "-worker-" + i);
        }
        final Set<String> alive = threadNamesOf(system);
        alive.retainAll(expected);
        assertEquals(expected, alive, "every worker thread is alive");
    }
}
