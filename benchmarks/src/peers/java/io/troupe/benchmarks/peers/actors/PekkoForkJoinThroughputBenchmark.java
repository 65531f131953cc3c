package io.troupe.benchmarks.peers.actors;

import io.troupe.benchmarks.actors.Workloads;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SpawnProtocol;
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
import org.openjdk.jmh.infra.Blackhole;

/** {@link io.troupe.benchmarks.actors.ForkJoinThroughputBenchmark} on Pekko typed. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class PekkoForkJoinThroughputBenchmark {
    @Param({"5", "100"})
    public int throughput;

    private ActorSystem<SpawnProtocol.Command> system;
    private ActorRef<Work>[] actors;
    private double[] results;

    record Work(CountDownLatch done) {}

    static final class Worker extends AbstractBehavior<Work> {
        private final double[] results;
        private final int index;
        private int handled;
        private double acc;

        Worker(ActorContext<Work> context, double[] results, int index) {
            super(context);
            this.results = results;
            this.index = index;
            this.acc = index;
        }

        @Override
        public Receive<Work> createReceive() {
            return newReceiveBuilder().onAnyMessage(this::onWork).build();
        }

        private Behavior<Work> onWork(Work w) {
            acc = Workloads.work(acc + 1);
            if (++handled == Workloads.FJT_PER_ACTOR) {
                handled = 0;
                results[index] = acc;
                w.done().countDown();
            }
            return this;
        }
    }

    @Setup(Level.Trial)
    @SuppressWarnings("unchecked")
    public void setUp() {
        system = PekkoSupport.newSystem("fjt", throughput);
        results = new double[Workloads.FJT_ACTORS];
        actors = new ActorRef[Workloads.FJT_ACTORS];
        for (int i = 0; i < actors.length; i++) {
            final int index = i;
            actors[i] = PekkoSupport.spawn(system, Behaviors.<Work>setup(ctx -> new Worker(ctx, results, index)), "worker-" + i);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        PekkoSupport.terminate(system);
    }

    @Benchmark
    @OperationsPerInvocation(Workloads.FJT_MESSAGES)
    public void forkJoinThroughput(Blackhole bh) {
        final CountDownLatch done = new CountDownLatch(Workloads.FJT_ACTORS);
        final Work work = new Work(done);
        final ActorRef<Work>[] as = actors;
        for (int m = 0; m < Workloads.FJT_PER_ACTOR; m++) {
            for (ActorRef<Work> a : as) {
                a.tell(work);
            }
        }
        Workloads.await(done, "fork-join throughput");
        bh.consume(results);
    }
}
