/**
 * Timers for Troupe: a hierarchical timing wheel driven by one timer thread, or, in tests, by a
 * {@link io.troupe.timers.ManualClock} that fires exactly the timers that are due when it is
 * advanced.
 *
 * <p>The API is the package {@code io.troupe.timers}; the wheel, the timer thread and the manual
 * driver live in {@code io.troupe.timers.internal}, which is not exported.
 */
module io.troupe.timers {
    requires org.jctools.core;
    exports io.troupe.timers;
}
