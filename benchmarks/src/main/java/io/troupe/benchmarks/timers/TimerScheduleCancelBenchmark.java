package io.troupe.benchmarks.timers;

import io.troupe.timers.Cancellable;
import io.troupe.timers.Scheduler;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Throughput of the timeout pattern: schedule a 30 s timer and cancel it at once, so it never
 * fires. Troupe's {@link Scheduler} against {@link ScheduledThreadPoolExecutor} with its best
 * setting for this pattern ({@code setRemoveOnCancelPolicy(true)}), in the same run. Netty's
 * {@code HashedWheelTimer} is measured by {@code NettyTimerScheduleCancelBenchmark} (profile
 * {@code peers}).
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar TimerScheduleCancelBenchmark
 * -f 1 -wi 3 -w 1s -i 5 -r 1s -t 1}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class TimerScheduleCancelBenchmark {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Runnable TASK = () -> { };

    @Param({"troupe", "stpe"})
    public String impl;

    private Scheduler scheduler;
    private ScheduledThreadPoolExecutor stpe;

    @Setup(Level.Trial)
    public void setUp() {
        switch (impl) {
            case "troupe" -> scheduler = Scheduler.create();
            case "stpe" -> {
                stpe = new ScheduledThreadPoolExecutor(1);
                stpe.setRemoveOnCancelPolicy(true);
            }
            default -> throw new IllegalArgumentException("impl must be troupe or stpe, was " + impl);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        if (scheduler != null) {
            scheduler.close();
        }
        if (stpe != null) {
            stpe.shutdownNow();
            stpe.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    @Benchmark
    public boolean scheduleThenCancel() {
        if (scheduler != null) {
            Cancellable timeout = scheduler.scheduleOnce(TIMEOUT, TASK);
            return timeout.cancel();
        }
        ScheduledFuture<?> timeout = stpe.schedule(TASK, 30, TimeUnit.SECONDS);
        return timeout.cancel(false);
    }
}
