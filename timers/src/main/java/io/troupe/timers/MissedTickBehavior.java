package io.troupe.timers;

/**
 * What a fixed-rate timer does when a tick is missed, that is when a run finishes (or, on the
 * timer thread, when a tick is handled) at or after the time the next tick was due. Ticks are
 * missed when the timer thread or the task executor falls behind, or a run takes longer than the
 * period. The names and meanings follow Tokio's {@code MissedTickBehavior}.
 *
 * <p>Example, period 10 ms starting at 0, a run at tick 10 that finishes at 35:
 * {@code BURST} runs at 35 (tick 20), at once again (tick 30), then at 40, 50, ...;
 * {@code DELAY} runs at 45, 55, ...; {@code SKIP} runs at 40, 50, ....
 */
public enum MissedTickBehavior {
    /**
     * Run the missed ticks back to back, as fast as possible, until the timer has caught up with
     * its original schedule; then keep that schedule. The number of runs matches the elapsed time.
     * This is what {@link java.util.concurrent.ScheduledExecutorService#scheduleAtFixedRate} does.
     */
    BURST,
    /**
     * Drop the missed ticks and restart the period from the time the late run finished: the next
     * run is one period after it, and the schedule has shifted by the delay.
     */
    DELAY,
    /**
     * Drop the missed ticks and stay on the original grid: the next run is the first tick of the
     * original schedule that lies after the time the late run finished.
     */
    SKIP
}
