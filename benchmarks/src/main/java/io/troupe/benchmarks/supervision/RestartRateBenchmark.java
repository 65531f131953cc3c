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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Restarts per second of a crashing actor: a batch of messages that each throw, to an actor
 * whose {@code Supervise} strategy restarts it in place without limit or backoff, then a flush.
 * Each operation is one failure handled: fresh instance from the factory, {@code postRestart},
 * same ref and mailbox. Peer: {@code PekkoRestartRateBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class RestartRateBenchmark {
    private static final int CRASHES = 1_000;

    private ActorSystem system;
    private ActorRef<SupervisionBenchmarks.Msg> crasher;

    @Setup(Level.Trial)
    public void setUp() {
        system = SupervisionBenchmarks.newSystem("restart-rate");
        crasher = SupervisionBenchmarks.spawn(system, true, "crasher");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        SupervisionBenchmarks.close(system);
    }

    /** Restarts per microsecond. */
    @Benchmark
    @OperationsPerInvocation(CRASHES)
    public long crashBatch() throws Exception {
        final ActorRef<SupervisionBenchmarks.Msg> c = crasher;
        for (int i = 0; i < CRASHES; i++) {
            c.tell(SupervisionBenchmarks.Msg.CRASH);
        }
        return SupervisionBenchmarks.flush(c);
    }
}
