package io.troupe.benchmarks.sync;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.sync.LatestValue;
import io.troupe.benchmarks.actors.Workloads;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
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
 * A latest-value cell with one reader: the benchmark thread sets {@link #SETS} values, the reader
 * takes the newest whenever it is told of a change, and the invocation ends when the reader has
 * seen the last value. Score: sets per second. {@code impl=latestValue}: Troupe's
 * {@link LatestValue} with a subscriber actor; {@code impl=atomicReference}: the hand-rolled
 * reference, an {@link AtomicReference} plus a reader thread that parks until the writer
 * unparks it, then reads the newest value (a notify loop). Both skip intermediate values.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class LatestValueBenchmark {
    /** Values set per invocation. */
    public static final int SETS = 100_000;

    @Param({"latestValue", "atomicReference"})
    public String impl;

    private ActorSystem system;
    private LatestValue<Integer> cell;
    private final AtomicReference<Integer> ref = new AtomicReference<>(0);
    private Thread reader;
    private volatile boolean running;
    private volatile CountDownLatch sawLast;
    private int round;

    final class Reader extends Actor<Object> {
        @Override
        protected void receive(Object message) {
            final LatestValue.Changed<?> c = (LatestValue.Changed<?>) message;
            if (((Integer) c.value()) == last()) {
                sawLast.countDown();
            }
        }
    }

    private volatile int last = -1;

    int last() {
        return last;
    }

    @Setup(Level.Trial)
    public void setUp() {
        if (impl.equals("latestValue")) {
            system = ActorSystem.create("latest-value");
            cell = LatestValue.create(system, 0);
            final ActorRef<Object> r = system.spawn(Reader::new, "reader");
            cell.subscribe(r, c -> c);
        } else {
            running = true;
            reader = new Thread(() -> {
                Integer seen = null;
                while (running) {
                    final Integer v = ref.get();
                    if (v.equals(seen)) {
                        LockSupport.park(this);
                        continue;
                    }
                    seen = v;
                    if (v == last) {
                        sawLast.countDown();
                    }
                }
            }, "atomic-reference-reader");
            reader.setDaemon(true);
            reader.start();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (system != null) {
            system.close();
        } else {
            running = false;
            LockSupport.unpark(reader);
        }
    }

    @Benchmark
    @OperationsPerInvocation(SETS)
    public void setMany() {
        final int base = ++round * SETS; // fresh values each invocation: the last one is recognised
        sawLast = new CountDownLatch(1);
        last = base + SETS - 1;
        if (cell != null) {
            for (int i = 0; i < SETS; i++) {
                cell.set(base + i);
            }
        } else {
            final Thread r = reader;
            for (int i = 0; i < SETS; i++) {
                ref.set(base + i);
                LockSupport.unpark(r);
            }
        }
        Workloads.await(sawLast, "latest value " + impl);
    }
}
