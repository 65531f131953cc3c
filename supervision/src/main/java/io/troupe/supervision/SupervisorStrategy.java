package io.troupe.supervision;

import java.time.Duration;
import java.util.Objects;

/**
 * What to do when a supervised actor's handler throws: {@link #resume()}, {@link #restart()},
 * {@link #stop()} or {@link #escalate()}, with a restart intensity and an exponential backoff
 * for restarts. Immutable; each {@code withX} returns a copy. Thread safe.
 *
 * <pre>{@code
 * SupervisorStrategy.restart()
 *     .withLimit(3, Duration.ofSeconds(10))          // at most 3 restarts in 10 s, then stop
 *     .withBackoff(Duration.ofMillis(100), Duration.ofSeconds(5), 0.2)
 * }</pre>
 */
public final class SupervisorStrategy {
    /** The four directives. */
    public enum Directive {
        /** Keep the instance and its state; drop the failing message. */
        RESUME,
        /** Stop the children, then replace the instance with a fresh one; same ref, same mailbox, queued messages kept. */
        RESTART,
        /** Stop the actor; its parent gets {@link io.troupe.actors.ChildFailed}. */
        STOP,
        /** Stop the actor and fail its parent with the same cause. */
        ESCALATE
    }

    private final Directive directive;
    private final int maxRestarts;
    private final Duration within;
    private final boolean escalateWhenExhausted;
    private final Duration minBackoff;
    private final Duration maxBackoff;
    private final double jitter;
    private final Duration resetAfter;

    private SupervisorStrategy(Directive directive, int maxRestarts, Duration within, boolean escalateWhenExhausted,
                               Duration minBackoff, Duration maxBackoff, double jitter, Duration resetAfter) {
        this.directive = directive;
        this.maxRestarts = maxRestarts;
        this.within = within;
        this.escalateWhenExhausted = escalateWhenExhausted;
        this.minBackoff = minBackoff;
        this.maxBackoff = maxBackoff;
        this.jitter = jitter;
        this.resetAfter = resetAfter;
    }

    private static SupervisorStrategy of(Directive d) {
        return new SupervisorStrategy(d, -1, Duration.ZERO, false, Duration.ZERO, Duration.ZERO, 0, Duration.ZERO);
    }

    /**
     * Keep going with the same instance; the failing message is dropped.
     *
     * @return the strategy
     */
    public static SupervisorStrategy resume() {
        return of(Directive.RESUME);
    }

    /**
     * Restart without limit and without delay (add {@link #withLimit} and {@link #withBackoff}).
     *
     * @return the strategy
     */
    public static SupervisorStrategy restart() {
        return of(Directive.RESTART);
    }

    /**
     * Stop the actor (the default without supervision).
     *
     * @return the strategy
     */
    public static SupervisorStrategy stop() {
        return of(Directive.STOP);
    }

    /**
     * Stop the actor and fail its parent with the same cause.
     *
     * @return the strategy
     */
    public static SupervisorStrategy escalate() {
        return of(Directive.ESCALATE);
    }

    /**
     * At most {@code maxRestarts} restarts within any window of {@code within}; the failure
     * after that stops the actor (or escalates, see {@link #withEscalateWhenExhausted()}).
     *
     * @param maxRestarts the most restarts within the window; not negative
     * @param within the window; must be positive
     * @return a copy with the limit
     * @throws IllegalArgumentException if {@code maxRestarts} is negative or {@code within} is not positive
     */
    public SupervisorStrategy withLimit(int maxRestarts, Duration within) {
        if (maxRestarts < 0) {
            throw new IllegalArgumentException("maxRestarts must not be negative, was " + maxRestarts);
        }
        positive(within, "within");
        return new SupervisorStrategy(directive, maxRestarts, within, escalateWhenExhausted, minBackoff, maxBackoff, jitter, resetAfter);
    }

    /**
     * When the restart limit is exhausted, escalate instead of stopping.
     *
     * @return a copy that escalates when exhausted
     */
    public SupervisorStrategy withEscalateWhenExhausted() {
        return new SupervisorStrategy(directive, maxRestarts, within, true, minBackoff, maxBackoff, jitter, resetAfter);
    }

    /**
     * Restarts wait {@code min * 2^(n-1)} for the n-th consecutive restart, capped at
     * {@code max}, each delay spread by a random factor in {@code [1, 1 + jitter)}. The count of
     * consecutive restarts goes back to zero once a restarted instance has run for {@code max}
     * (or {@link #withResetAfter}) without failure, counted from when it started, not from the
     * failure.
     *
     * @param min the first delay; must be positive
     * @param max the cap; not below {@code min}
     * @param jitter the random part, between 0 and 1
     * @return a copy with the backoff
     * @throws IllegalArgumentException if a duration is not positive, {@code min > max}, or jitter is outside [0, 1]
     */
    public SupervisorStrategy withBackoff(Duration min, Duration max, double jitter) {
        positive(min, "min");
        positive(max, "max");
        if (min.compareTo(max) > 0) {
            throw new IllegalArgumentException("min backoff " + min + " must not exceed max backoff " + max);
        }
        if (!(jitter >= 0 && jitter <= 1)) {
            throw new IllegalArgumentException("jitter must be within [0, 1], was " + jitter);
        }
        return new SupervisorStrategy(directive, maxRestarts, within, escalateWhenExhausted, min, max, jitter,
                resetAfter.isZero() ? max : resetAfter);
    }

    /**
     * After a restarted instance ran this long without failure, the backoff starts again from its minimum.
     *
     * @param stablePeriod how long an instance must run without failing; must be positive
     * @return a copy with that reset
     */
    public SupervisorStrategy withResetAfter(Duration stablePeriod) {
        positive(stablePeriod, "stablePeriod");
        return new SupervisorStrategy(directive, maxRestarts, within, escalateWhenExhausted, minBackoff, maxBackoff, jitter, stablePeriod);
    }

    /**
     * The directive.
     *
     * @return the directive
     */
    public Directive directive() {
        return directive;
    }

    /**
     * The restart limit, or -1 for none.
     *
     * @return the limit, or -1
     */
    public int maxRestarts() {
        return maxRestarts;
    }

    /**
     * The window of the restart limit.
     *
     * @return the window
     */
    public Duration within() {
        return within;
    }

    /**
     * Whether an exhausted limit escalates (else it stops).
     *
     * @return {@code true} if it escalates
     */
    public boolean escalateWhenExhausted() {
        return escalateWhenExhausted;
    }

    /**
     * The first backoff delay, zero for none.
     *
     * @return the first delay, or zero
     */
    public Duration minBackoff() {
        return minBackoff;
    }

    /**
     * The backoff cap.
     *
     * @return the cap
     */
    public Duration maxBackoff() {
        return maxBackoff;
    }

    /**
     * The backoff jitter factor.
     *
     * @return the jitter factor
     */
    public double jitter() {
        return jitter;
    }

    /**
     * The stable period after which the backoff resets.
     *
     * @return the stable period
     */
    public Duration resetAfter() {
        return resetAfter;
    }

    @Override
    public String toString() {
        return "SupervisorStrategy[" + directive + (maxRestarts >= 0 ? ", limit " + maxRestarts + " in " + within : "")
                + (minBackoff.isZero() ? "" : ", backoff " + minBackoff + ".." + maxBackoff + " jitter " + jitter) + "]";
    }

    private static void positive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + d);
        }
    }
}
