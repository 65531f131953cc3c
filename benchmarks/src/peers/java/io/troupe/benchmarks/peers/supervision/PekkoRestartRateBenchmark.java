package io.troupe.benchmarks.peers.supervision;

import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The peer of {@code io.troupe.benchmarks.supervision.RestartRateBenchmark}: restarts per second
 * of a Pekko typed behavior under {@code Behaviors.supervise(...).onFailure(SupervisorStrategy.restart())}
 * (logging off) that throws on every message. Compiled only with the Maven profile {@code peers}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class PekkoRestartRateBenchmark {
    private static final int CRASHES = 1_000;

    private ActorSystem<PekkoSupervision.Msg> crasher;

    @Setup(Level.Trial)
    public void setUp() {
        crasher = PekkoSupervision.system(PekkoSupervision.supervised(), "pekko-restart-rate");
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        PekkoSupervision.close(crasher);
    }

    /** Restarts per microsecond. */
    @Benchmark
    @OperationsPerInvocation(CRASHES)
    public long crashBatch() throws Exception {
        final ActorSystem<PekkoSupervision.Msg> c = crasher;
        for (int i = 0; i < CRASHES; i++) {
            c.tell(PekkoSupervision.Msg.CRASH);
        }
        return PekkoSupervision.flush(c);
    }
}
