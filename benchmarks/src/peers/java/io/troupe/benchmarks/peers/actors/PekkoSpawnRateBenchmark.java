package io.troupe.benchmarks.peers.actors;

import io.troupe.benchmarks.actors.Workloads;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SpawnProtocol;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
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

/** {@link io.troupe.benchmarks.actors.SpawnRateBenchmark} on Pekko typed. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class PekkoSpawnRateBenchmark {
    @Param({"5", "100"})
    public int throughput;

    private ActorSystem<SpawnProtocol.Command> system;
    private ActorRef<Spawn> parent;

    record Spawn(int children, CountDownLatch done) {}

    static final class Parent extends AbstractBehavior<Spawn> {
        private static final Behavior<Object> CHILD = Behaviors.empty();
        private int expected;
        private int spawned;
        private int terminated;
        private CountDownLatch done;

        Parent(ActorContext<Spawn> context) {
            super(context);
        }

        @Override
        public Receive<Spawn> createReceive() {
            return newReceiveBuilder().onMessage(Spawn.class, this::onSpawn).onSignal(Terminated.class, this::onTerminated).build();
        }

        private Behavior<Spawn> onSpawn(Spawn s) {
            expected = s.children();
            spawned = 0;
            terminated = 0;
            done = s.done();
            while (spawned < Math.min(expected, Workloads.SPAWN_WINDOW)) {
                spawnAndStopOne();
            }
            return this;
        }

        private Behavior<Spawn> onTerminated(Terminated t) {
            if (++terminated == expected) {
                done.countDown();
            } else if (spawned < expected) {
                spawnAndStopOne();
            }
            return this;
        }

        private void spawnAndStopOne() {
            spawned++;
            final ActorContext<Spawn> ctx = getContext();
            final ActorRef<Object> child = ctx.spawnAnonymous(CHILD);
            ctx.watch(child);
            ctx.stop(child);
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        system = PekkoSupport.newSystem("spawn", throughput);
        parent = PekkoSupport.spawn(system, Behaviors.setup(Parent::new), "parent");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        PekkoSupport.terminate(system);
    }

    @Benchmark
    @OperationsPerInvocation(Workloads.SPAWNS)
    public void spawnAndStop() {
        final CountDownLatch done = new CountDownLatch(1);
        parent.tell(new Spawn(Workloads.SPAWNS, done));
        Workloads.await(done, "spawn rate");
    }
}
