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
    /**
     * Sends {@code message} once, after {@code delay}.
     *
     * @param key the timer's key; a timer under the same key is replaced
     * @param message what is sent
     * @param delay after how long
     */
    void startSingleTimer(Object key, M message, Duration delay);

    /**
     * Sends {@code message} every {@code delay}, each {@code delay} measured from when the
     * previous message was taken from the mailbox (so ticks never pile up).
     *
     * @param key the timer's key; a timer under the same key is replaced
     * @param message what is sent
     * @param delay the delay between one message's handling and the next; must be positive
     */
    void startTimerWithFixedDelay(Object key, M message, Duration delay);

    /**
     * Sends {@code message} at a fixed rate on the original grid. If the actor falls behind, at
     * most one message of this timer waits in the mailbox: ticks due while one waits are skipped
     * (Tokio's {@code MissedTickBehavior::Skip}), so a slow actor is never flooded.
     *
     * @param key the timer's key; a timer under the same key is replaced
     * @param message what is sent
     * @param interval the period; must be positive
     */
    void startTimerAtFixedRate(Object key, M message, Duration interval);

    /**
     * Whether a timer under {@code key} is active (a single timer stays active until handled).
     *
     * @param key the timer's key
     * @return {@code true} if active
     */
    boolean isTimerActive(Object key);

    /**
     * Cancels the timer under {@code key}; a message of it already in the mailbox is discarded.
     *
     * @param key the timer's key
     * @return {@code false} if there was no active timer under that key
     */
    boolean cancel(Object key);

    /** Cancels every timer of this actor. */
    void cancelAll();
}
