package io.troupe.benchmarks.peers.timers;

import io.netty.util.HashedWheelTimer;
import io.netty.util.Timeout;
import io.netty.util.TimerTask;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The peer of {@code io.troupe.benchmarks.timers.TimerScheduleCancelBenchmark}: schedule a 30 s
 * timeout on Netty's {@link HashedWheelTimer} (1 ms tick, as Troupe's default) and cancel it at
 * once. Compiled only with the Maven profile {@code peers}; run it in the same session as the
 * Troupe benchmark: {@code java -jar benchmarks/target/benchmarks.jar "ScheduleCancelBenchmark"
 * -f 1 -wi 3 -w 1s -i 5 -r 1s -t 1}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class NettyTimerScheduleCancelBenchmark {

    private static final TimerTask TASK = timeout -> { };

    private HashedWheelTimer timer;

    @Setup(Level.Trial)
    public void setUp() {
        ThreadFactory daemon = r -> {
            Thread thread = new Thread(r, "netty-timer");
            thread.setDaemon(true);
            return thread;
        };
        timer = new HashedWheelTimer(daemon, 1, TimeUnit.MILLISECONDS, 512);
        timer.start();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        timer.stop();
    }

    @Benchmark
    public boolean scheduleThenCancel() {
        Timeout timeout = timer.newTimeout(TASK, 30, TimeUnit.SECONDS);
        return timeout.cancel();
    }
}
