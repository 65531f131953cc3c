package io.troupe.supervision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.testkit.TestProbe;
import io.troupe.timers.ManualClock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Stopping a supervisor through the runtime keeps OTP's order: reverse start order, deadlines, then forced. */
class SupervisorRuntimeStopTest {
    private static final Duration T = Duration.ofSeconds(10);

    private static Supplier<Actor<String>> worker(String id, List<String> events, CountDownLatch stopGate) {
        return () -> new Actor<>() {
            @Override
            protected void preStart() {
                events.add(id + ".preStart");
            }

            @Override
            protected void receive(String message) {
            }

            @Override
            protected void postStop() {
                if (stopGate != null) {
                    try {
                        stopGate.await(T.toMillis(), TimeUnit.MILLISECONDS); // a child that is slow to stop
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                events.add(id + ".postStop");
            }
        };
    }

    @Test
    void systemStop_supervisor_stopsChildrenInReverseStartOrder() throws InterruptedException {
        // system.stop(supervisor) stops its children last-started first, one at a time, then the supervisor.
        try (ActorSystem system = ActorSystem.builder("rt-stop").deadLetterLogsPerSecond(0).build()) {
            final List<String> events = new CopyOnWriteArrayList<>();
            final ActorRef<Supervisor.Command> sup = system.spawn(Supervisor.builder(Supervisor.Strategy.ONE_FOR_ONE)
                    .child(ChildSpec.of("a", worker("a", events, null)))
                    .child(ChildSpec.of("b", worker("b", events, null)))
                    .child(ChildSpec.of("c", worker("c", events, null)))
                    .build(), "sup");
            awaitEvents(events, 3);
            final TestProbe<Object> probe = TestProbe.create(system);
            system.stop(sup);
            probe.expectTerminated(sup, T);
            assertEquals(List.of("c.postStop", "b.postStop", "a.postStop"), events.subList(3, events.size()));
        }
    }

    @Test
    void systemStop_childPastItsDeadline_isForcedAndTheNextOneStops() throws InterruptedException {
        // A child that does not stop within its shutdown deadline is left behind (forced) and the next child is stopped;
        // the supervisor still terminates only after that slow child has.
        final ManualClock clock = new ManualClock();
        try (ActorSystem system = ActorSystem.builder("rt-forced").clock(clock).deadLetterLogsPerSecond(0).build()) {
            final List<String> events = new CopyOnWriteArrayList<>();
            final CountDownLatch slowGate = new CountDownLatch(1);
            final ActorRef<Supervisor.Command> sup = system.spawn(Supervisor.builder(Supervisor.Strategy.ONE_FOR_ONE)
                    .child(ChildSpec.of("a", worker("a", events, null)))
                    .child(ChildSpec.of("slow", worker("slow", events, slowGate)).withShutdown(Duration.ofSeconds(5)))
                    .build(), "sup");
            awaitEvents(events, 2);
            final TestProbe<Object> probe = TestProbe.create(system);
            probe.watch(sup);
            final int idleTimers = clock.pendingTimers();
            system.stop(sup);
            assertTrue(clock.awaitPendingTimers(idleTimers + 1, T), "the shutdown deadline of 'slow' was scheduled");
            assertEquals(2, events.size(), "'a' waits until 'slow' stopped or was forced");
            clock.advance(Duration.ofSeconds(5)); // the deadline passes: 'slow' is forced, 'a' is stopped
            awaitEvents(events, 3);
            assertEquals("a.postStop", events.get(2));
            slowGate.countDown();
            probe.expectTerminated(sup, T);
            assertEquals("slow.postStop", events.get(3));
        }
    }

    private static void awaitEvents(List<String> events, int n) throws InterruptedException {
        final long deadline = System.nanoTime() + T.toNanos();
        while (events.size() < n) {
            assertTrue(System.nanoTime() < deadline, "waited for " + n + " events, have " + events);
            Thread.onSpinWait();
            Thread.yield();
        }
    }
}
