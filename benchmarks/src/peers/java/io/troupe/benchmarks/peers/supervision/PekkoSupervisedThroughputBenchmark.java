package io.troupe.benchmarks.peers.supervision;

import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
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
 * The peer of {@code io.troupe.benchmarks.supervision.SupervisedThroughputBenchmark}: a batch of
 * tells to a Pekko typed counter, plain or under {@code Behaviors.supervise(...).onFailure(restart())},
 * then a flush. Compiled only with the Maven profile {@code peers}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class PekkoSupervisedThroughputBenchmark {
    @Param({"false", "true"})
    public boolean supervised;

    private ActorSystem<PekkoSupervision.Msg> counter;

    @Setup(Level.Trial)
    public void setUp() {
        counter = PekkoSupervision.system(supervised ? PekkoSupervision.supervised() : PekkoSupervision.counter(),
                "pekko-supervised-throughput");
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        PekkoSupervision.close(counter);
    }

    /** Messages per microsecond through the counter. */
    @Benchmark
    @OperationsPerInvocation(PekkoSupervision.BATCH)
    public long tellBatch() throws Exception {
        final ActorSystem<PekkoSupervision.Msg> c = counter;
        for (int i = 0; i < PekkoSupervision.BATCH; i++) {
            c.tell(PekkoSupervision.Msg.WORK);
        }
        return PekkoSupervision.flush(c);
    }
}
