package io.troupe.benchmarks.timers;

import io.troupe.timers.Scheduler;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Lateness of 10 ms timers on the system clock, on an otherwise idle machine: the time from a
 * timer's deadline to the start of its task, for one timer at a time. Prints p50, p99 and max for
 * Troupe's scheduler (1 ms tick) and, for reference, {@link ScheduledThreadPoolExecutor}. Each
 * timer is scheduled after a random pause of up to 2 ms, so that its deadline falls anywhere
 * within a tick (scheduling right after the previous timer fired would lock onto tick boundaries
 * and always pay a whole tick of rounding).
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar io.troupe.benchmarks.timers.TimerLateness
 * [samples]}.
 */
public final class TimerLateness {

    private static final long DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private TimerLateness() {
    }

    interface Timer {
        void schedule(Runnable task) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        int samples = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        try (Scheduler scheduler = Scheduler.create()) {
            measure("troupe", samples, task -> scheduler.scheduleOnce(Duration.ofNanos(DELAY_NANOS), task));
        }
        ScheduledThreadPoolExecutor stpe = new ScheduledThreadPoolExecutor(1);
        try {
            measure("stpe", samples, task -> stpe.schedule(task, DELAY_NANOS, TimeUnit.NANOSECONDS));
        } finally {
            stpe.shutdownNow();
        }
    }

    static void measure(String impl, int samples, Timer timer) throws Exception {
        int warmup = Math.max(20, samples / 10);
        long[] lateness = new long[samples];
        for (int i = -warmup; i < samples; i++) {
            CountDownLatch fired = new CountDownLatch(1);
            long[] firedAt = new long[1];
            LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(2_000_000));
            long deadline = System.nanoTime() + DELAY_NANOS;
            timer.schedule(() -> {
                firedAt[0] = System.nanoTime();
                fired.countDown();
            });
            if (!fired.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException(impl + ": timer did not fire");
            }
            if (i >= 0) {
                lateness[i] = firedAt[0] - deadline;
            }
        }
        Arrays.sort(lateness);
        System.out.printf("%-7s 10 ms timers, %d samples: lateness p50 %.3f ms, p99 %.3f ms, max %.3f ms"
                        + " (min %.3f ms)%n", impl, samples, millis(lateness[samples / 2]),
                millis(lateness[(int) Math.min(samples - 1, Math.ceil(samples * 0.99) - 1)]),
                millis(lateness[samples - 1]), millis(lateness[0]));
    }

    static double millis(long nanos) {
        return nanos / 1e6;
    }
}
