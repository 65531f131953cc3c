package io.troupe.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Tasks added while the shutdown runs, racing with shutdown() and close() from other threads:
 * a task is either refused or taken by its phase, never lost in between and never run twice.
 */
class GracefulShutdownStressTest {
    private static final int ITERATIONS = 150 * Testing.SCALE;
    private static final int TASKS_PER_THREAD = 40;

    @Test
    @Timeout(120)
    void addTask_racingWithShutdown_everyAcceptedTaskRunsExactlyOnce_refusedOnesNever() throws Exception {
        // Without close(), every phase runs: each accepted task runs once.
        run(false);
    }

    @Test
    @Timeout(120)
    void addTask_racingWithShutdownAndClose_acceptedStopPhaseTasksRunOnce_noneTwice() throws Exception {
        // close() may skip the service phases, but a stop-phase task that was accepted always runs, once.
        run(true);
    }

    private static void run(boolean withClose) throws Exception {
        for (int it = 0; it < ITERATIONS; it++) {
            final ActorSystem system = Testing.builder(DispatcherKind.WORK_STEALING).build();
            final ConcurrentHashMap<String, AtomicInteger> runs = new ConcurrentHashMap<>();
            final List<String> accepted = java.util.Collections.synchronizedList(new ArrayList<>());
            final List<String> refused = java.util.Collections.synchronizedList(new ArrayList<>());
            final int adders = 2;
            final CyclicBarrier start = new CyclicBarrier(adders + (withClose ? 2 : 1));
            final List<Thread> threads = new ArrayList<>();
            for (int a = 0; a < adders; a++) {
                final int id = a;
                threads.add(new Thread(() -> {
                    await(start);
                    final ShutdownPhase[] phases = ShutdownPhase.values();
                    for (int i = 0; i < TASKS_PER_THREAD; i++) {
                        final ShutdownPhase p = phases[ThreadLocalRandom.current().nextInt(phases.length)];
                        final String name = p + "#" + id + "." + i;
                        try {
                            system.gracefulShutdown().addTask(p, name, () -> {
                                runs.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
                                return CompletableFuture.completedFuture(null);
                            });
                            accepted.add(name);
                        } catch (IllegalStateException e) {
                            refused.add(name);
                        }
                    }
                }));
            }
            threads.add(new Thread(() -> {
                await(start);
                system.shutdown();
            }));
            if (withClose) {
                threads.add(new Thread(() -> {
                    await(start);
                    system.close(Testing.TIMEOUT);
                }));
            }
            threads.forEach(Thread::start);
            for (Thread t : threads) {
                t.join(Testing.TIMEOUT.toMillis());
                assertTrue(!t.isAlive(), "a racing thread did not finish");
            }
            Testing.join(system.whenTerminated());

            assertEquals(adders * TASKS_PER_THREAD, accepted.size() + refused.size());
            for (String name : refused) {
                assertEquals(null, runs.get(name), "refused task ran: " + name);
            }
            for (String name : accepted) {
                final AtomicInteger n = runs.get(name);
                final boolean mustRun = !withClose || name.startsWith("STOP_");
                if (mustRun) {
                    assertEquals(1, n == null ? 0 : n.get(), "accepted task " + name + " ran " + n + " times");
                } else {
                    assertTrue(n == null || n.get() == 1, "accepted task " + name + " ran " + n + " times");
                }
            }
        }
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
