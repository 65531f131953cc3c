package io.troupe.benchmarks.timers;

import io.troupe.timers.Scheduler;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Heap bytes per pending timer with 1,000,000 pending (one shared task, handles not kept by the
 * caller): used heap after {@code System.gc()} before and after scheduling, median of a few rounds.
 * Troupe's scheduler and, for reference, {@link ScheduledThreadPoolExecutor}.
 *
 * <p>Run: {@code java -Xmx2g -cp benchmarks/target/benchmarks.jar
 * io.troupe.benchmarks.timers.TimerFootprint [timers] [rounds]}.
 */
public final class TimerFootprint {

    private TimerFootprint() {
    }

    public static void main(String[] args) throws Exception {
        int timers = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        report("troupe", timers, rounds, TimerFootprint::troupeRound);
        report("stpe", timers, rounds, TimerFootprint::stpeRound);
    }

    interface Round {
        double bytesPerTimer(int timers) throws Exception;
    }

    static void report(String impl, int timers, int rounds, Round round) throws Exception {
        double[] results = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            results[r] = round.bytesPerTimer(timers);
        }
        Arrays.sort(results);
        System.out.printf("%-7s %,d pending: %.1f bytes/timer (median of %d; min %.1f, max %.1f)%n",
                impl, timers, results[rounds / 2], rounds, results[0], results[rounds - 1]);
    }

    static double troupeRound(int timers) throws Exception {
        Runnable task = () -> { };
        try (Scheduler scheduler = Scheduler.create()) {
            // let the timer thread settle before the baseline
            awaitTurn(scheduler);
            long before = usedHeap();
            for (int i = 0; i < timers; i++) {
                scheduler.scheduleOnce(Duration.ofHours(1), task);
            }
            // commands are FIFO: once this fires, every schedule above is in the wheel
            awaitTurn(scheduler);
            long after = usedHeap();
            return (after - before) / (double) timers;
        }
    }

    static double stpeRound(int timers) throws Exception {
        Runnable task = () -> { };
        ScheduledThreadPoolExecutor stpe = new ScheduledThreadPoolExecutor(1);
        stpe.setRemoveOnCancelPolicy(true);
        try {
            stpe.schedule(task, 0, TimeUnit.SECONDS).get();
            long before = usedHeap();
            for (int i = 0; i < timers; i++) {
                stpe.schedule(task, 1, TimeUnit.HOURS);
            }
            long after = usedHeap();
            return (after - before) / (double) timers;
        } finally {
            stpe.shutdownNow();
            stpe.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    static void awaitTurn(Scheduler scheduler) throws InterruptedException {
        CountDownLatch turn = new CountDownLatch(1);
        scheduler.scheduleOnce(Duration.ZERO, turn::countDown);
        if (!turn.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("timer thread did not take its commands");
        }
    }

    static long usedHeap() throws InterruptedException {
        Runtime runtime = Runtime.getRuntime();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(50); // let the collector finish; a measurement tool, not a test
            used = Math.min(used, runtime.totalMemory() - runtime.freeMemory());
        }
        return used;
    }
}
