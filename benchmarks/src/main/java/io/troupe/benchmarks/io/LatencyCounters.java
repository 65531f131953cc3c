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
    /** The server measured, set by the benchmark at its first invocation; its CPU time is read per iteration. */
    private EchoServer server;
    private long cpuAtIterationStart = -1;
    private int countAtIterationStart;
    private long pooledCpuNanos;
    private long pooledRequests;
    private boolean cpuReadThisIteration;

    /** Starts an iteration: warmup iterations start afresh, measurement iterations pool. */
    @Setup(Level.Iteration)
    public void startIteration(IterationParams iteration) {
        sorted = null;
        cpuReadThisIteration = false;
        if (iteration.getType() == IterationType.WARMUP) {
            count = 0;
            markCpu();
            return;
        }
        if (!measuring) {
            measuring = true;
            measurementIterations = iteration.getCount();
            count = 0;
            pooledCpuNanos = 0;
            pooledRequests = 0;
        }
        measurementIterationsDone++;
        markCpu();
    }

    private void markCpu() {
        cpuAtIterationStart = server == null ? -1 : server.cpuNanos();
        countAtIterationStart = count;
    }

    /** Names the server whose CPU time {@link #serverCpuMicrosPerRequest} reports; cheap after the first call. */
    void measure(EchoServer s) {
        if (server == null) {
            server = s;
        }
    }

    /**
     * The server's CPU time per round trip, in microseconds: its threads' time on a CPU during
     * the iterations divided by the round trips in them, pooled over the measurement iterations
     * and reported at the last one, as the percentiles are. NaN when the server shares the
     * client's process (it cannot be told apart) or in the first warmup iteration. Less
     * sensitive to a loaded machine than the score: it counts the server's own work, not the
     * time it waited for a core.
     */
    public double serverCpuMicrosPerRequest() {
        if (!cpuReadThisIteration) {
            cpuReadThisIteration = true;
            final long now = server == null ? -1 : server.cpuNanos();
            if (now >= 0 && cpuAtIterationStart >= 0) {
                if (measuring) {
                    pooledCpuNanos += now - cpuAtIterationStart;
                    pooledRequests += count - countAtIterationStart;
                } else {
                    lastWarmupMicros = (now - cpuAtIterationStart) / 1_000.0 / Math.max(1, count - countAtIterationStart);
                }
            }
        }
        if (!measuring) {
            return lastWarmupMicros;
        }
        if (measurementIterationsDone < measurementIterations) {
            return 0; // reported once, pooled, at the last measurement iteration
        }
        return pooledRequests == 0 ? Double.NaN : pooledCpuNanos / 1_000.0 / pooledRequests;
    }

    private double lastWarmupMicros = Double.NaN;

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
