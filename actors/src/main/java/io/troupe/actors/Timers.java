package io.troupe.actors;

import java.time.Duration;

/**
 * An actor's keyed timers: messages the actor sends itself later. Obtained from
 * {@link ActorContext#timers()}; only the actor's own thread may use it.
 *
 * <p>Starting a timer under a key that is in use replaces the old timer, and a message of a
 * cancelled or replaced timer that is already in the mailbox is discarded on receipt, never
 * handled. All timers are cancelled when the actor stops. Zero or negative delays fire at
 * once (on the next tick); delays longer than about 73 years (2^61 ns) are clamped to that, so
 * a "never" such as 1000 years does not overflow. Cost: one timer-wheel entry per active timer.
 *
 * @param <M> the type of message the actor accepts
 */
public interface Timers<M> {
    /** Sends {@code message} once, after {@code delay}. */
    void startSingleTimer(Object key, M message, Duration delay);

    /**
     * Sends {@code message} every {@code delay}, each {@code delay} measured from when the
     * previous message was taken from the mailbox (so ticks never pile up).
     */
    void startTimerWithFixedDelay(Object key, M message, Duration delay);

    /**
     * Sends {@code message} at a fixed rate on the original grid. If the actor falls behind, at
     * most one message of this timer waits in the mailbox: ticks due while one waits are skipped
     * (Tokio's {@code MissedTickBehavior::Skip}), so a slow actor is never flooded.
     */
    void startTimerAtFixedRate(Object key, M message, Duration interval);

    /** Whether a timer under {@code key} is active (a single timer stays active until handled). */
    boolean isTimerActive(Object key);

    /**
     * Cancels the timer under {@code key}; a message of it already in the mailbox is discarded.
     *
     * @return {@code false} if there was no active timer under that key
     */
    boolean cancel(Object key);

    /** Cancels every timer of this actor. */
    void cancelAll();
}
