package io.troupe.benchmarks.remote;

import java.util.Arrays;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * The secondary results of the remote ping-pong benchmarks: round-trip latency ({@code p50Micros},
 * {@code p99Micros}, {@code maxMicros}) and what went over loopback per message
 * ({@code wireBytesPerMsg}, {@code wirePacketsPerMsg}; a round trip is two messages). NOT thread
 * safe: the benchmark thread records, after the pingers have counted down the invocation's latch
 * (which orders their writes to the sample arrays before its reads).
 *
 * <p>How the figures read: as in {@code io.LatencyCounters}, JMH sums an {@code EVENTS} counter
 * over the measurement iterations, which is wrong for a percentile or a ratio; so the measurement
 * iterations are pooled and reported once, at the last one (the others report 0). Warmup
 * iterations report their own figures. The wire figures count everything on {@code lo} from the
 * start of the iteration to the end: Aeron's status messages, heartbeats and NAKs (or TCP's
 * acknowledgements), the transports' own control traffic, JMH's link to its forked VM, and any
 * other process on the host unless the run has a network namespace of its own.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.EVENTS)
public class RoundTripCounters {
    private long[] nanos = new long[1 << 20];
    private int count;
    private boolean measuring;
    private int measurementIterations;
    private int measurementIterationsDone;
    private long[] sorted;
    private long[] wireAtStart;
    private long roundTripsAtStart;
    private long roundTrips;
    private boolean wireReadThisIteration;
    private long pooledBytes;
    private long pooledPackets;
    private long pooledMessages;
    private double lastBytesPerMessage = Double.NaN;
    private double lastPacketsPerMessage = Double.NaN;

    /** Starts an iteration: warmup iterations start afresh, measurement iterations pool. */
    @Setup(Level.Iteration)
    public void startIteration(IterationParams iteration) {
        sorted = null;
        wireReadThisIteration = false;
        if (iteration.getType() == IterationType.WARMUP) {
            count = 0;
        } else {
            if (!measuring) {
                measuring = true;
                measurementIterations = iteration.getCount();
                count = 0;
            }
            measurementIterationsDone++;
        }
        roundTripsAtStart = roundTrips;
        wireAtStart = Loopback.tx();
    }

    /** Adds the first {@code n} round trips of {@code samples} (nanoseconds each). */
    public void record(long[] samples, int n) {
        if (count + n > nanos.length) {
            nanos = Arrays.copyOf(nanos, Math.max(nanos.length * 2, count + n));
        }
        System.arraycopy(samples, 0, nanos, count, n);
        count += n;
        roundTrips += n;
    }

    /** The median round trip in microseconds. */
    public double p50Micros() {
        return percentile(0.50);
    }

    /** The 99th percentile round trip in microseconds. */
    public double p99Micros() {
        return percentile(0.99);
    }

    /** The slowest round trip in microseconds. */
    public double maxMicros() {
        return percentile(1.0);
    }

    /** Bytes sent on loopback per message (two per round trip), all traffic included (see the class comment). */
    public double wireBytesPerMsg() {
        readWire();
        return notYet() ? 0 : measuring ? ratio(pooledBytes, pooledMessages) : lastBytesPerMessage;
    }

    /** Packets sent on loopback per message (two per round trip). */
    public double wirePacketsPerMsg() {
        readWire();
        return notYet() ? 0 : measuring ? ratio(pooledPackets, pooledMessages) : lastPacketsPerMessage;
    }

    private boolean notYet() {
        return measuring && measurementIterationsDone < measurementIterations;
    }

    private void readWire() {
        if (wireReadThisIteration) {
            return;
        }
        wireReadThisIteration = true;
        final long[] now = Loopback.tx();
        final long messages = 2 * (roundTrips - roundTripsAtStart);
        if (now[0] < 0 || wireAtStart[0] < 0) {
            lastBytesPerMessage = lastPacketsPerMessage = Double.NaN;
            return;
        }
        final long bytes = now[0] - wireAtStart[0];
        final long packets = now[1] - wireAtStart[1];
        if (measuring) {
            pooledBytes += bytes;
            pooledPackets += packets;
            pooledMessages += messages;
        } else {
            lastBytesPerMessage = ratio(bytes, messages);
            lastPacketsPerMessage = ratio(packets, messages);
        }
    }

    private static double ratio(long a, long b) {
        return b == 0 ? Double.NaN : (double) a / b;
    }

    private double percentile(double fraction) {
        if (notYet()) {
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
