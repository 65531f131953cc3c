package io.troupe.benchmarks.timers;

import io.troupe.benchmarks.timers.WheelComparisonBenchmark.Timers;
import java.lang.ref.Reference;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Heap bytes per pending timer of the two timer services of {@link WheelComparisonBenchmark}:
 * used heap after {@code System.gc()} with the service holding {@code timers} pending timers,
 * minus used heap before it was created, divided by {@code timers}; median of a few rounds. The
 * figure includes the service's fixed structures (Agrona's preallocated wheel array, Troupe's
 * slot sentinels) and, for Agrona, the id-to-task map a service needs beside the wheel. All
 * timers share one task, which is not counted, and the caller keeps no handle or id.
 *
 * <p>Deadlines are spread uniformly over the next 30 s ({@code spread}, the steady state of 30 s
 * timeouts), or all fall in one tick ({@code sameTick}, a burst of timeouts set within one
 * millisecond). Agrona sizes every spoke for the fullest one, so its footprint depends on the
 * spread; Troupe's handles are intrusive, 40 bytes each wherever they sit.
 *
 * <p>Run: {@code java -Xms2g -Xmx2g -cp benchmarks/target/benchmarks.jar
 * io.troupe.benchmarks.timers.WheelFootprint [timers] [spread|sameTick] [rounds]
 * [agronaTicksPerWheel]}; defaults 1000000, spread, 5, 32768.
 */
public final class WheelFootprint {

    private static final long SPREAD_NANOS = TimeUnit.SECONDS.toNanos(30);

    private WheelFootprint() {
    }

    public static void main(String[] args) throws Exception {
        final int timers = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        final String distribution = args.length > 1 ? args[1] : "spread";
        final int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        final int ticksPerWheel = args.length > 3 ? Integer.parseInt(args[3]) : 32768;
        if (!distribution.equals("spread") && !distribution.equals("sameTick")) {
            throw new IllegalArgumentException(
                    "distribution must be spread or sameTick, was " + distribution);
        }
        for (String impl : new String[] {"troupe", "agrona"}) {
            round(impl, timers, distribution, ticksPerWheel); // warm-up, not counted
            final double[] results = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                results[r] = round(impl, timers, distribution, ticksPerWheel);
            }
            Arrays.sort(results);
            System.out.printf("%-7s %,d pending (%s, agronaTicksPerWheel=%d): %.1f bytes/timer"
                            + " (median of %d; min %.1f, max %.1f)%n", impl, timers, distribution,
                    ticksPerWheel, results[rounds / 2], rounds, results[0], results[rounds - 1]);
        }
    }

    static double round(String impl, int timers, String distribution, int ticksPerWheel)
            throws InterruptedException {
        final long before = TimerFootprint.usedHeap();
        final Timers service = Timers.create(impl, ticksPerWheel);
        final SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < timers; i++) {
            final long delayNanos = distribution.equals("spread")
                    ? 1 + random.nextLong(SPREAD_NANOS)
                    : SPREAD_NANOS;
            service.schedule(delayNanos);
        }
        if (service.pending() != timers) {
            throw new IllegalStateException(impl + ": " + service.pending() + " pending, expected "
                    + timers);
        }
        final long after = TimerFootprint.usedHeap();
        Reference.reachabilityFence(service);
        service.close();
        return (after - before) / (double) timers;
    }
}
