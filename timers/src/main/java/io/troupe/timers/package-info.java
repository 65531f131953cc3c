/**
 * Schedule one-shot, fixed-delay and fixed-rate timers on a {@link io.troupe.timers.Scheduler}.
 *
 * <p>A scheduler made with the system clock ({@link io.troupe.timers.Scheduler#create()}) owns one
 * daemon thread named {@code troupe-timer} that drives a hierarchical timing wheel with a 1 ms
 * tick by default. A scheduler made with a {@link io.troupe.timers.ManualClock} owns no thread:
 * the thread that calls {@link io.troupe.timers.ManualClock#advance(java.time.Duration)} fires the
 * due timers, in deadline order, before {@code advance} returns.
 *
 * <pre>{@code
 * try (Scheduler scheduler = Scheduler.create()) {
 *     Cancellable timeout = scheduler.scheduleOnce(Duration.ofSeconds(30), () -> onTimeout());
 *     ...
 *     timeout.cancel();
 * }
 * }</pre>
 */
package io.troupe.timers;
