package io.troupe.services;

import io.troupe.services.internal.Checks;
import java.time.Duration;
import java.util.Objects;

/**
 * How a circuit breaker decides. Immutable; each {@code withX} returns a copy and checks its
 * argument at once, naming it.
 *
 * <p>The breaker counts the outcomes of calls in a tumbling window of {@link #windowCalls()}
 * calls. Once at least {@link #minimumCalls()} are counted, the circuit opens when the share of
 * failures reaches {@link #failureRatePercent()} or the share of calls that took at least
 * {@link #slowCallDuration()} reaches {@link #slowCallRatePercent()}. Open, it refuses every call
 * with {@link CircuitOpenException} for {@link #openDuration()}; then it is half-open and lets
 * {@link #halfOpenCalls()} trial calls through: if their failure and slow rates are under the
 * thresholds it closes, otherwise it opens again.
 */
public final class CircuitBreakerSettings {
    private static final CircuitBreakerSettings DEFAULTS =
            new CircuitBreakerSettings(50, 100, Duration.ofSeconds(60), 100, 10, Duration.ofSeconds(60), 10);

    private final int failureRatePercent;
    private final int slowCallRatePercent;
    private final Duration slowCallDuration;
    private final int windowCalls;
    private final int minimumCalls;
    private final Duration openDuration;
    private final int halfOpenCalls;

    private CircuitBreakerSettings(int failureRatePercent, int slowCallRatePercent, Duration slowCallDuration,
                                   int windowCalls, int minimumCalls, Duration openDuration, int halfOpenCalls) {
        this.failureRatePercent = failureRatePercent;
        this.slowCallRatePercent = slowCallRatePercent;
        this.slowCallDuration = slowCallDuration;
        this.windowCalls = windowCalls;
        this.minimumCalls = minimumCalls;
        this.openDuration = openDuration;
        this.halfOpenCalls = halfOpenCalls;
    }

    /**
     * The defaults (as resilience4j's): open at 50% failures, slow calls (60 s) at 100%, a window of
     * 100 calls judged from 10, 60 s open, 10 trial calls.
     *
     * @return the default settings
     */
    public static CircuitBreakerSettings defaults() {
        return DEFAULTS;
    }

    /**
     * With this failure-rate threshold.
     *
     * @param percent the share of failed calls that opens the circuit, 1 to 100
     * @return a copy with it
     */
    public CircuitBreakerSettings withFailureRatePercent(int percent) {
        checkPercent(percent, "failureRatePercent");
        return new CircuitBreakerSettings(percent, slowCallRatePercent, slowCallDuration, windowCalls, minimumCalls,
                openDuration, halfOpenCalls);
    }

    /**
     * With this slow-call threshold: calls that take at least {@code duration} are slow, and the
     * circuit opens when slow calls reach {@code percent} of the window.
     *
     * @param percent the share of slow calls that opens the circuit, 1 to 100
     * @param duration how long a call must take to be slow; positive
     * @return a copy with them
     */
    public CircuitBreakerSettings withSlowCalls(int percent, Duration duration) {
        checkPercent(percent, "slowCallRatePercent");
        Checks.positive(duration, "slowCallDuration");
        return new CircuitBreakerSettings(failureRatePercent, percent, duration, windowCalls, minimumCalls,
                openDuration, halfOpenCalls);
    }

    /**
     * With this window.
     *
     * @param windowCalls how many calls the tumbling window counts before it starts afresh;
     *     1 to 1,000,000
     * @param minimumCalls how many calls must be counted before the rates are judged; 1 to windowCalls
     * @return a copy with them
     */
    public CircuitBreakerSettings withWindow(int windowCalls, int minimumCalls) {
        Checks.positive(windowCalls, "windowCalls");
        if (windowCalls > 1_000_000) {
            throw new IllegalArgumentException("windowCalls must be at most 1000000, was " + windowCalls);
        }
        Checks.positive(minimumCalls, "minimumCalls");
        if (minimumCalls > windowCalls) {
            throw new IllegalArgumentException("minimumCalls must be at most windowCalls (" + windowCalls + "), was "
                    + minimumCalls);
        }
        return new CircuitBreakerSettings(failureRatePercent, slowCallRatePercent, slowCallDuration, windowCalls,
                minimumCalls, openDuration, halfOpenCalls);
    }

    /**
     * With this time in the open state.
     *
     * @param openDuration how long the circuit stays open before it lets trial calls through; positive
     * @return a copy with it
     */
    public CircuitBreakerSettings withOpenDuration(Duration openDuration) {
        Checks.positive(openDuration, "openDuration");
        return new CircuitBreakerSettings(failureRatePercent, slowCallRatePercent, slowCallDuration, windowCalls,
                minimumCalls, openDuration, halfOpenCalls);
    }

    /**
     * With this many trial calls in the half-open state.
     *
     * @param halfOpenCalls the trial calls; 1 to 1,000,000
     * @return a copy with it
     */
    public CircuitBreakerSettings withHalfOpenCalls(int halfOpenCalls) {
        Checks.positive(halfOpenCalls, "halfOpenCalls");
        if (halfOpenCalls > 1_000_000) {
            throw new IllegalArgumentException("halfOpenCalls must be at most 1000000, was " + halfOpenCalls);
        }
        return new CircuitBreakerSettings(failureRatePercent, slowCallRatePercent, slowCallDuration, windowCalls,
                minimumCalls, openDuration, halfOpenCalls);
    }

    private static void checkPercent(int percent, String name) {
        if (percent < 1 || percent > 100) {
            throw new IllegalArgumentException(name + " must be between 1 and 100, was " + percent);
        }
    }

    /** @return the failure-rate threshold, in percent */
    public int failureRatePercent() {
        return failureRatePercent;
    }

    /** @return the slow-call-rate threshold, in percent */
    public int slowCallRatePercent() {
        return slowCallRatePercent;
    }

    /** @return how long a call must take to count as slow */
    public Duration slowCallDuration() {
        return slowCallDuration;
    }

    /** @return the size of the tumbling window, in calls */
    public int windowCalls() {
        return windowCalls;
    }

    /** @return how many calls are needed before the rates are judged */
    public int minimumCalls() {
        return minimumCalls;
    }

    /** @return how long the circuit stays open */
    public Duration openDuration() {
        return openDuration;
    }

    /** @return how many trial calls the half-open state lets through */
    public int halfOpenCalls() {
        return halfOpenCalls;
    }

    @Override
    public String toString() {
        return "CircuitBreakerSettings[failures>=" + failureRatePercent + "%, slow(" + slowCallDuration + ")>="
                + slowCallRatePercent + "%, window=" + windowCalls + "/" + minimumCalls + ", open=" + openDuration
                + ", halfOpenCalls=" + halfOpenCalls + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CircuitBreakerSettings s && s.toString().equals(toString());
    }

    @Override
    public int hashCode() {
        return Objects.hash(toString());
    }
}
