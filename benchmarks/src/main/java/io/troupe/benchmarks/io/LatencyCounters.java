package io.troupe.benchmarks.io;

import java.util.Arrays;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * Round-trip latencies, reported as secondary results next to the requests per second:
 * {@code p50Micros}, {@code p99Micros} and {@code maxMicros}. A plain array of samples, sorted
 * when JMH reads the counters at the end of an iteration; no histogram library. NOT thread safe:
 * one client thread records.
 *
 * <p>How the figures read. JMH sums an {@code EVENTS} counter over the measurement iterations
 * in its final table, which is wrong for a percentile. So the samples of all measurement
 * iterations are pooled, and their percentiles are reported once, at the last measurement
 * iteration; the other measurement iterations report 0. The final table (and {@code -rf csv})
 * then shows the percentiles of every round trip measured. Warmup iterations report their own
 * percentiles, for a look at how they settle.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.EVENTS)
public class LatencyCounters {
    private int[] nanos = new int[1 << 22];
    private int count;
    private boolean measuring;
    private int measurementIterations;
    private int measurementIterationsDone;
    private int[] sorted;

    /** Starts an iteration: warmup iterations start afresh, measurement iterations pool. */
    @Setup(Level.Iteration)
    public void startIteration(IterationParams iteration) {
        sorted = null;
        if (iteration.getType() == IterationType.WARMUP) {
            count = 0;
            return;
        }
        if (!measuring) {
            measuring = true;
            measurementIterations = iteration.getCount();
            count = 0;
        }
        measurementIterationsDone++;
    }

    /** Adds one round trip of {@code latencyNanos}. */
    void record(long latencyNanos) {
        if (count == nanos.length) {
            nanos = Arrays.copyOf(nanos, nanos.length * 2);
        }
        nanos[count++] = (int) Math.min(Integer.MAX_VALUE, latencyNanos);
    }

    /** The median round trip in microseconds (see the class comment for which samples). */
    public double p50Micros() {
        return reported(0.50);
    }

    /** The 99th percentile round trip in microseconds (see the class comment for which samples). */
    public double p99Micros() {
        return reported(0.99);
    }

    /** The slowest round trip in microseconds (see the class comment for which samples). */
    public double maxMicros() {
        return reported(1.0);
    }

    private double reported(double fraction) {
        if (measuring && measurementIterationsDone < measurementIterations) {
            return 0; // reported once, pooled, at the last measurement iteration
        }
        if (count == 0) {
            return Double.NaN;
        }
        if (sorted == null) {
            sorted = Arrays.copyOf(nanos, count);
            Arrays.sort(sorted);
        }
        final int index = (int) Math.ceil(fraction * count) - 1;
        return sorted[Math.max(0, index)] / 1_000.0;
    }
}
