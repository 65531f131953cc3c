package io.troupe.timers;

import java.time.Duration;
import java.util.concurrent.Executor;

/**
 * Runs tasks after a delay or periodically, on a hierarchical timing wheel (Varghese &amp; Lauck,
 * scheme 7) with O(1) schedule and cancel.
 *
 * <p>Thread safe: every method may be called from any thread, including from a task. With the
 * system clock, one daemon thread named {@code troupe-timer} drives the wheel; schedule and cancel
 * calls reach it through a lock-free queue and wake it only when it is parked. With a
 * {@link ManualClock}, there is no thread: schedule and cancel change the wheel directly and
 * {@link ManualClock#advance(Duration)} fires the due timers on the advancing thread.
 *
 * <p>Timing: a timer never fires before its deadline. With the system clock it fires at the first
 * tick (1 ms by default, see {@link SchedulerBuilder#tick(Duration)}) at or after the deadline,
 * plus the time the operating system takes to wake the timer thread. A zero or negative delay
 * makes the timer due at once: the timer thread runs it as soon as it picks the command up (with
 * a manual clock, at the next {@code advance}, even {@code advance(Duration.ZERO)}). Delays too
 * large for a {@code long} of nanoseconds (about 292 years) saturate: such a timer stays pending
 * until it is cancelled or the scheduler is closed.
 *
 * <p>Tasks: a task that throws is reported through {@link System.Logger} (logger
 * {@code io.troupe.timers}) and does not stop the timer thread or a periodic timer; a
 * {@link VirtualMachineError} is rethrown. Tasks run on the task executor; by default (see
 * {@link #create()}) that is the timer thread itself, so tasks must be short and must not block
 * (framework tasks that only enqueue a message are the intended use).
 *
 * <p>Memory consistency effects: actions in a thread before a {@code schedule} call
 * happen-before the task runs.
 */
public interface Scheduler extends AutoCloseable {

    /**
     * Creates a scheduler on the system clock with a 1 ms tick that runs tasks inline on its
     * {@code troupe-timer} thread, and starts that thread.
     *
     * @return a new running scheduler; close it to stop its thread
     */
    static Scheduler create() {
        return builder().build();
    }

    /**
     * Creates a scheduler on {@code clock} whose tasks run on {@code taskExecutor}. Pass
     * {@code Runnable::run} to run tasks inline on the timer thread (or, with a
     * {@link ManualClock}, on the thread that advances the clock). With a {@code ManualClock} the
     * tick is 1 ns, so that {@code advance} fires exactly the timers whose deadline has passed;
     * with any other clock it is 1 ms and a {@code troupe-timer} thread is started. A clock other
     * than {@code ManualClock} must advance at the pace of real time.
     *
     * @param clock the clock that deadlines are measured on
     * @param taskExecutor runs each task; a rejected task is logged (and a periodic timer whose
     *     task is rejected is cancelled)
     * @return a new scheduler
     * @throws NullPointerException if an argument is null
     */
    static Scheduler create(Clock clock, Executor taskExecutor) {
        return builder().clock(clock).taskExecutor(taskExecutor).build();
    }

    /**
     * Returns a builder for a scheduler with other settings (tick length).
     *
     * @return a builder with the defaults of {@link #create()}
     */
    static SchedulerBuilder builder() {
        return new SchedulerBuilder();
    }

    /**
     * Returns the clock that this scheduler measures deadlines on.
     *
     * @return the clock given at creation
     */
    Clock clock();

    /**
     * Runs {@code task} once, {@code delay} from now. Costs one small allocation and one lock-free
     * enqueue; never blocks.
     *
     * @param delay how long from now; zero or negative means due at once
     * @param task what to run
     * @return a handle to cancel the timer
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if the scheduler is closed
     */
    Cancellable scheduleOnce(Duration delay, Runnable task);

    /**
     * Runs {@code task} first {@code initialDelay} from now and then, each time, {@code delay}
     * after the previous run finished (when tasks run on an executor: after the executor ran
     * it). Runs never overlap.
     *
     * @param initialDelay how long from now the first run is; zero or negative means at once
     * @param delay the pause between the end of a run and the start of the next; positive
     * @param task what to run
     * @return a handle to cancel the timer
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code delay} is zero or negative
     * @throws IllegalStateException if the scheduler is closed
     */
    Cancellable scheduleWithFixedDelay(Duration initialDelay, Duration delay, Runnable task);

    /**
     * Runs {@code task} first {@code initialDelay} from now and then on a grid of
     * {@code period}: at {@code initialDelay + n * period}. Runs never overlap: the next run is
     * scheduled when the previous one finished, and {@code missed} says what happens when it
     * finished too late for the next tick.
     *
     * @param initialDelay how long from now the first run is; zero or negative means at once
     * @param period the distance between ticks; positive
     * @param task what to run
     * @param missed what to do about missed ticks
     * @return a handle to cancel the timer
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code period} is zero or negative
     * @throws IllegalStateException if the scheduler is closed
     */
    Cancellable scheduleAtFixedRate(Duration initialDelay, Duration period, Runnable task,
                                    MissedTickBehavior missed);

    /**
     * Returns how many timers are pending: scheduled, and neither fired nor cancelled (a periodic
     * timer counts once until it is cancelled). With a {@link ManualClock} the count is exact;
     * on the timer thread's scheduler it is the count as of that thread's last turn, so a timer
     * scheduled or cancelled since is counted once the thread next wakes (at the latest by the
     * earliest deadline before it). Cost: one load (a lock with a {@code ManualClock}). Any
     * thread; for diagnostics and counters.
     *
     * @return the timers pending, as of the timer thread's last turn
     */
    int pendingCount();

    /**
     * Cancels every pending timer, stops the timer thread and waits (up to 10 s) for it to end.
     * A task already running finishes. Later {@code schedule} calls throw
     * {@link IllegalStateException}; a call racing with {@code close} either throws or returns a
     * timer that {@code close} cancels. Idempotent. Called from a task on the timer thread, it does
     * not wait for that thread.
     */
    @Override
    void close();
}
