package io.troupe.benchmarks.actors;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.DispatcherKind;
import io.troupe.actors.SpawnOptions;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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

/**
 * Savina "fjt" (fork-join throughput): the benchmark thread sends
 * {@link Workloads#FJT_PER_ACTOR} messages to each of {@link Workloads#FJT_ACTORS} actors, round
 * robin; each message costs a small computation ({@link Workloads#work}). Score: messages per
 * second. Measures external submission and many runnable actors sharing the workers.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class ForkJoinThroughputBenchmark {
    @Param({"WORK_STEALING", "FORK_JOIN"})
    public DispatcherKind dispatcher;

    private ActorSystem system;
    private ActorRef<Work>[] actors;
    private double[] results;

    /** One unit of work; the actor counts down {@code done} after its last one. */
    record Work(CountDownLatch done) {}

    static final class Worker extends Actor<Work> {
        private final double[] results;
        private final int index;
        private int handled;
        private double acc;

        Worker(double[] results, int index) {
            this.results = results;
            this.index = index;
            this.acc = index;
        }

        @Override
        protected void receive(Work w) {
            acc = Workloads.work(acc + 1);
            if (++handled == Workloads.FJT_PER_ACTOR) {
                handled = 0;
                results[index] = acc; // published to the benchmark thread by the latch
                w.done().countDown();
            }
        }
    }

    @Setup(Level.Trial)
    @SuppressWarnings("unchecked")
    public void setUp() {
        system = TroupeSupport.newSystem("fjt", dispatcher);
        results = new double[Workloads.FJT_ACTORS];
        actors = new ActorRef[Workloads.FJT_ACTORS];
        for (int i = 0; i < actors.length; i++) {
            final int index = i;
            actors[i] = system.spawn(() -> new Worker(results, index), SpawnOptions.defaults());
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        system.close();
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
        TroupeSupport.checkNoDeadLetters(system);
        bh.consume(results);
    }
}
