package io.troupe.benchmarks.actors;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.DispatcherKind;
import io.troupe.actors.Signal;
import io.troupe.actors.Terminated;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Spawn rate: a parent spawns {@link Workloads#SPAWNS} children, watches each and stops it at
 * once, and counts their {@code Terminated} signals; at most {@link Workloads#SPAWN_WINDOW}
 * children are alive at a time (each termination lets the parent spawn the next), so the
 * figure is the cost of churn, not of a parent with ten thousand children. Score: children
 * spawned and fully stopped per second (the parent has seen every termination before the
 * invocation ends).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class SpawnRateBenchmark {
    @Param({"WORK_STEALING", "FORK_JOIN"})
    public DispatcherKind dispatcher;

    private ActorSystem system;
    private ActorRef<Spawn> parent;

    /** Spawn, watch and stop {@code children}; count down {@code done} once all terminated. */
    record Spawn(int children, CountDownLatch done) {}

    static final class Child extends Actor<Object> {
        static final Supplier<Actor<Object>> FACTORY = Child::new;

        @Override
        protected void receive(Object message) {
            // spawned only to be stopped
        }
    }

    static final class Parent extends Actor<Spawn> {
        private int expected;
        private int spawned;
        private int terminated;
        private CountDownLatch done;

        @Override
        protected void receive(Spawn s) {
            expected = s.children();
            spawned = 0;
            terminated = 0;
            done = s.done();
            while (spawned < Math.min(expected, Workloads.SPAWN_WINDOW)) {
                spawnAndStopOne();
            }
        }

        @Override
        protected void onSignal(Signal signal) {
            if (signal instanceof Terminated) {
                if (++terminated == expected) {
                    done.countDown();
                } else if (spawned < expected) {
                    spawnAndStopOne();
                }
            }
        }

        private void spawnAndStopOne() {
            spawned++;
            final ActorRef<Object> child = context().spawnAnonymous(Child.FACTORY);
            context().watch(child);
            context().stop(child);
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        system = TroupeSupport.newSystem("spawn", dispatcher);
        parent = system.spawn(Parent::new, "parent");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        system.close();
    }

    @Benchmark
    @OperationsPerInvocation(Workloads.SPAWNS)
    public void spawnAndStop() {
        final CountDownLatch done = new CountDownLatch(1);
        parent.tell(new Spawn(Workloads.SPAWNS, done));
        Workloads.await(done, "spawn rate");
        TroupeSupport.checkNoDeadLetters(system);
    }
}
