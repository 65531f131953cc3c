package io.troupe.benchmarks.timers;

import io.troupe.timers.Cancellable;
import io.troupe.timers.ManualClock;
import io.troupe.timers.Scheduler;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.agrona.DeadlineTimerWheel;
import org.agrona.collections.Long2ObjectHashMap;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
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
 * Troupe's hierarchical timing wheel against Agrona's {@link DeadlineTimerWheel} (issue #3),
 * single-threaded, in the same JMH run, as the data structure a timer thread drives.
 *
 * <p>What is compared. Troupe's {@code TimerWheel} and {@code TimerHandle} are package-private,
 * so the {@code troupe} side goes through the public {@link Scheduler} on a {@link ManualClock}:
 * no timer thread, schedule and cancel change the wheel directly on the calling thread and
 * {@link ManualClock#advance(Duration)} fires the due timers on it. That path costs more than the
 * bare wheel: per schedule a 40-byte handle, three uncontended {@link ReentrantLock} round trips
 * in all (the open check, the insert, the cancel), one uncontended monitor with a
 * {@code notifyAll} (the manual clock's "scheduled" signal) and one CAS on the handle's state for
 * the cancel; per fired timer one lock round trip and one CAS. The {@code agrona} side is the
 * least a timer service needs around Agrona's wheel, which stores only deadlines and hands out
 * {@code long} ids: a {@link Long2ObjectHashMap} from id to task, a deadline computed from the
 * current time, and a poll loop that runs each expired timer's task. The {@code agronaLocked}
 * side is a control: the same Agrona service with the synchronisation the manual scheduler adds
 * (the lock round trips and the monitor; not the handle or its CAS, which are Troupe's design),
 * so that the difference between {@code agronaLocked} and {@code troupe} is the data structures
 * and their handles, not the locking around them.
 *
 * <p>Both wheels tick every 2^20 ns (1.048576 ms; Agrona needs a power of two). Agrona's wheel
 * has 2^15 spokes by default (one revolution is 34.4 s, so a 30 s timeout lands in its first
 * revolution: Agrona at its best for the timeout case); {@code -p agronaTicksPerWheel=1024}
 * measures a smaller wheel, where the spokes hold timers of several revolutions.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar WheelComparison -f 1 -wi 3 -w 1s
 * -i 5 -r 1s}. Memory per pending timer: {@link WheelFootprint}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class WheelComparisonBenchmark {

    /** The tick of both wheels: 2^20 ns, about 1 ms. */
    static final long TICK_NANOS = 1L << 20;
    /** The timeout of the schedule-then-cancel case. */
    static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);
    /** Timers already pending in the wheel during schedule-then-cancel. */
    static final int PENDING_TIMERS = 100_000;
    /** Timers scheduled and then expired by one invocation of schedule-then-expire. */
    static final int EXPIRING_TIMERS = 100_000;
    /** The span over which the expiring timers' deadlines are spread. */
    static final long EXPIRY_SPAN_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Ticks one invocation advances: the span, plus one tick for rounding up, plus one spare. */
    static final int EXPIRY_TICKS = (int) (EXPIRY_SPAN_NANOS / TICK_NANOS) + 2;

    /**
     * A wheel with {@link #PENDING_TIMERS} timers pending, due uniformly over the next 30 s, as
     * when a steady stream of 30 s timeouts has been running for 30 s. Time does not move.
     */
    @State(Scope.Thread)
    public static class Pending {
        @Param({"troupe", "agrona", "agronaLocked"})
        public String impl;
        @Param({"32768"})
        public int agronaTicksPerWheel;

        Timers timers;

        @Setup(Level.Trial)
        public void setUp() {
            timers = Timers.create(impl, agronaTicksPerWheel);
            final SplittableRandom random = new SplittableRandom(42);
            for (int i = 0; i < PENDING_TIMERS; i++) {
                timers.schedule(1 + random.nextLong(TIMEOUT_NANOS));
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            final int pending = timers.pending();
            timers.close();
            if (pending != PENDING_TIMERS) {
                throw new IllegalStateException(impl + ": " + pending + " timers pending, expected "
                        + PENDING_TIMERS);
            }
        }
    }

    /**
     * An empty wheel whose time moves on by whole ticks; each invocation schedules
     * {@link #EXPIRING_TIMERS} timers due uniformly over the next second, in random order, and
     * advances until they have all fired.
     */
    @State(Scope.Thread)
    public static class Expiring {
        @Param({"troupe", "agrona", "agronaLocked"})
        public String impl;
        @Param({"32768"})
        public int agronaTicksPerWheel;

        Timers timers;
        long[] delaysNanos;

        @Setup(Level.Trial)
        public void setUp() {
            timers = Timers.create(impl, agronaTicksPerWheel);
            final SplittableRandom random = new SplittableRandom(42);
            delaysNanos = new long[EXPIRING_TIMERS];
            for (int i = 0; i < EXPIRING_TIMERS; i++) {
                delaysNanos[i] = 1 + random.nextLong(EXPIRY_SPAN_NANOS);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            timers.close();
        }
    }

    /**
     * One 30 s timeout scheduled and cancelled at once (the common case: timeouts that never
     * fire), with {@link #PENDING_TIMERS} other timers pending. The score is schedule+cancel
     * pairs per second.
     */
    @Benchmark
    public boolean scheduleThenCancel(Pending state) {
        return state.timers.scheduleThenCancel();
    }

    /**
     * Schedules {@link #EXPIRING_TIMERS} timers spread over 1 s and advances the wheel tick by
     * tick until every one has fired; checks the count. The score is timers scheduled and fired
     * per second.
     */
    @Benchmark
    @OperationsPerInvocation(EXPIRING_TIMERS)
    public long scheduleThenExpire(Expiring state) {
        final Timers timers = state.timers;
        final long[] delaysNanos = state.delaysNanos;
        final long firedBefore = timers.fired;
        for (int i = 0; i < delaysNanos.length; i++) {
            timers.schedule(delaysNanos[i]);
        }
        for (int tick = 0; tick < EXPIRY_TICKS; tick++) {
            timers.advanceOneTick();
        }
        final long fired = timers.fired - firedBefore;
        if (fired != EXPIRING_TIMERS || timers.pending() != 0) {
            throw new IllegalStateException(state.impl + ": fired " + fired + " of "
                    + EXPIRING_TIMERS + ", " + timers.pending() + " still pending");
        }
        return fired;
    }

    /**
     * A single-threaded timer service over one of the wheels, as seen by the benchmarks. NOT
     * thread safe. Every timer runs the same task, which counts in {@link #fired}.
     */
    abstract static class Timers {

        /** Timers fired so far. */
        long fired;
        final Runnable task = () -> fired++;

        static Timers create(String impl, int agronaTicksPerWheel) {
            return switch (impl) {
                case "troupe" -> new TroupeTimers();
                case "agrona" -> new AgronaTimers(agronaTicksPerWheel);
                case "agronaLocked" -> new LockedAgronaTimers(agronaTicksPerWheel);
                default -> throw new IllegalArgumentException(
                        "impl must be troupe, agrona or agronaLocked, was " + impl);
            };
        }

        /** Schedules a timer {@code delayNanos} from now and forgets its handle. */
        abstract void schedule(long delayNanos);

        /** Schedules a {@link #TIMEOUT_NANOS} timer and cancels it; true if the cancel won. */
        abstract boolean scheduleThenCancel();

        /** Moves time on by one tick and fires every timer then due. */
        abstract void advanceOneTick();

        /** Returns the number of pending timers. */
        abstract int pending();

        abstract void close();
    }

    /** Troupe's scheduler on a manual clock: its wheel, driven on the calling thread. */
    static final class TroupeTimers extends Timers {
        private static final Duration TIMEOUT = Duration.ofNanos(TIMEOUT_NANOS);
        private static final Duration TICK = Duration.ofNanos(TICK_NANOS);

        private final ManualClock clock = new ManualClock();
        private final Scheduler scheduler =
                Scheduler.builder().clock(clock).tick(TICK).build();

        @Override
        void schedule(long delayNanos) {
            scheduler.scheduleOnce(Duration.ofNanos(delayNanos), task);
        }

        @Override
        boolean scheduleThenCancel() {
            final Cancellable timeout = scheduler.scheduleOnce(TIMEOUT, task);
            return timeout.cancel();
        }

        @Override
        void advanceOneTick() {
            clock.advance(TICK);
        }

        @Override
        int pending() {
            return clock.pendingTimers();
        }

        @Override
        void close() {
            scheduler.close();
        }
    }

    /**
     * Agrona's wheel plus what a timer service needs beside it: the tasks by timer id (the wheel
     * holds only deadlines) and the current time. Ids are reused by Agrona once a timer is gone,
     * so a real service would also guard against a late cancel of a reused id; not counted here.
     */
    static class AgronaTimers extends Timers implements DeadlineTimerWheel.TimerHandler {
        private final DeadlineTimerWheel wheel;
        private final Long2ObjectHashMap<Runnable> tasks = new Long2ObjectHashMap<>();
        private long nowNanos;

        AgronaTimers(int ticksPerWheel) {
            wheel = new DeadlineTimerWheel(TimeUnit.NANOSECONDS, 0L, TICK_NANOS, ticksPerWheel);
        }

        /** Schedules a timer and returns its id. */
        long schedule(long delayNanos, Runnable task) {
            final long timerId = wheel.scheduleTimer(nowNanos + delayNanos);
            tasks.put(timerId, task);
            return timerId;
        }

        /** Cancels a pending timer; false if it is not pending. */
        boolean cancel(long timerId) {
            if (!wheel.cancelTimer(timerId)) {
                return false;
            }
            tasks.remove(timerId);
            return true;
        }

        @Override
        void schedule(long delayNanos) {
            schedule(delayNanos, task);
        }

        @Override
        boolean scheduleThenCancel() {
            final long timeoutId = schedule(TIMEOUT_NANOS, task);
            return cancel(timeoutId);
        }

        @Override
        void advanceOneTick() {
            nowNanos += TICK_NANOS;
            expire(nowNanos);
        }

        /** Polls until the wheel has processed every tick up to {@code now}. */
        void expire(long now) {
            // poll() looks at one spoke per call and moves on a tick only once that spoke is done
            do {
                wheel.poll(now, this, Integer.MAX_VALUE);
            } while (now >= wheel.currentTickTime());
        }

        @Override
        public boolean onTimerExpiry(TimeUnit timeUnit, long now, long timerId) {
            final Runnable expired = tasks.remove(timerId);
            expired.run();
            return true;
        }

        @Override
        int pending() {
            return (int) wheel.timerCount();
        }

        @Override
        void close() {
            wheel.clear();
            tasks.clear();
        }
    }

    /**
     * The control: {@link AgronaTimers} with the synchronisation that Troupe's manual scheduler
     * adds around its wheel, call for call (see the class javadoc).
     */
    static final class LockedAgronaTimers extends AgronaTimers {
        private final ReentrantLock lock = new ReentrantLock();
        private final ReentrantLock advanceLock = new ReentrantLock();
        private final Object scheduledSignal = new Object();

        LockedAgronaTimers(int ticksPerWheel) {
            super(ticksPerWheel);
        }

        @Override
        long schedule(long delayNanos, Runnable task) {
            lock.lock(); // the open check
            lock.unlock();
            final long timerId;
            lock.lock();
            try {
                timerId = super.schedule(delayNanos, task);
            } finally {
                lock.unlock();
            }
            synchronized (scheduledSignal) {
                scheduledSignal.notifyAll();
            }
            return timerId;
        }

        @Override
        boolean cancel(long timerId) {
            lock.lock();
            try {
                return super.cancel(timerId);
            } finally {
                lock.unlock();
            }
        }

        @Override
        void advanceOneTick() {
            advanceLock.lock();
            try {
                super.advanceOneTick();
            } finally {
                advanceLock.unlock();
            }
        }

        @Override
        public boolean onTimerExpiry(TimeUnit timeUnit, long now, long timerId) {
            lock.lock(); // the manual scheduler takes its lock once per fired timer
            lock.unlock();
            return super.onTimerExpiry(timeUnit, now, timerId);
        }
    }
}
