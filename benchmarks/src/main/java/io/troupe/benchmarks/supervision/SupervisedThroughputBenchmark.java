package io.troupe.benchmarks.supervision;

import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
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
 * What supervision costs when nothing fails: one sender tells a batch of messages to one
 * counter, then waits for a flush. {@code supervised=false} is the reference, {@code true} the
 * same actor from a {@code Supervise}-wrapped factory (target: under 5% slower). Peer:
 * {@code PekkoSupervisedThroughputBenchmark}. Run:
 * {@code java -jar benchmarks/target/benchmarks.jar 'supervision' -f 1 -wi 3 -w 1s -i 5 -r 1s}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class SupervisedThroughputBenchmark {
    @Param({"false", "true"})
    public boolean supervised;

    private ActorSystem system;
    private ActorRef<SupervisionBenchmarks.Msg> counter;

    @Setup(Level.Trial)
    public void setUp() {
        system = SupervisionBenchmarks.newSystem("supervised-throughput");
        counter = SupervisionBenchmarks.spawn(system, supervised, "counter");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        SupervisionBenchmarks.close(system);
    }

    /** Messages per microsecond through the counter. */
    @Benchmark
    @OperationsPerInvocation(SupervisionBenchmarks.BATCH)
    public long tellBatch() throws Exception {
        final ActorRef<SupervisionBenchmarks.Msg> c = counter;
        for (int i = 0; i < SupervisionBenchmarks.BATCH; i++) {
            c.tell(SupervisionBenchmarks.Msg.WORK);
        }
        return SupervisionBenchmarks.flush(c);
    }
}
