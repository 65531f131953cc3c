package io.troupe.timers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Deterministic tests of the scheduler contract on a {@link ManualClock}. */
class ManualClockSchedulerTest {

    private final ManualClock clock = new ManualClock();
    private final Scheduler scheduler = Scheduler.create(clock, Runnable::run);
    /** What fired, as "name@millis" of the clock reading when it ran. */
    private final List<String> log = new ArrayList<>();

    @AfterEach
    void closeScheduler() {
        scheduler.close();
    }

    private Runnable record(String name) {
        return () -> log.add(name + "@" + clock.nanoTime() / 1_000_000);
    }

    private static Duration ms(long millis) {
        return Duration.ofMillis(millis);
    }

    @Test
    void advance_pastSeveralDeadlines_firesExactlyTheDueTimersInDeadlineOrder() {
        // advance fires every timer whose deadline is <= the new time, earliest first, and no other.
        scheduler.scheduleOnce(ms(30), record("c"));
        scheduler.scheduleOnce(ms(10), record("a"));
        scheduler.scheduleOnce(ms(50), record("e"));
        scheduler.scheduleOnce(ms(20), record("b"));
        scheduler.scheduleOnce(ms(40), record("d"));

        clock.advance(ms(35));
        assertEquals(List.of("a@10", "b@20", "c@30"), log);
        assertEquals(35_000_000L, clock.nanoTime());

        clock.advance(ms(15));
        assertEquals(List.of("a@10", "b@20", "c@30", "d@40", "e@50"), log);
    }

    @Test
    void advance_toExactlyTheDeadline_firesIt_butOneNanosecondShortDoesNot() {
        // A deadline equal to the new time counts as due; one nanosecond earlier does not.
        scheduler.scheduleOnce(Duration.ofNanos(1_000_001), record("t"));
        clock.advance(Duration.ofNanos(1_000_000));
        assertEquals(List.of(), log);
        clock.advance(Duration.ofNanos(1));
        assertEquals(List.of("t@1"), log);
    }

    @Test
    void scheduleOnce_equalDeadlines_fireInScheduleOrder() {
        // Timers with the same deadline fire in the order they were scheduled.
        for (int i = 0; i < 10; i++) {
            scheduler.scheduleOnce(ms(5), record("t" + i));
        }
        clock.advance(ms(5));
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            expected.add("t" + i + "@5");
        }
        assertEquals(expected, log);
    }

    @Test
    void scheduleOnce_equalDeadlinesScheduledAtDifferentTimes_fireInScheduleOrder() {
        // Schedule order wins ties even when the earlier timer sat on a higher wheel level.
        scheduler.scheduleOnce(Duration.ofSeconds(100), record("early"));
        clock.advance(Duration.ofSeconds(99));
        scheduler.scheduleOnce(Duration.ofSeconds(1), record("late"));
        clock.advance(Duration.ofSeconds(1));
        assertEquals(List.of("early@100000", "late@100000"), log);
    }

    @ParameterizedTest
    @EnumSource(MissedTickBehavior.class)
    void scheduleAtFixedRate_advanceOverManyPeriods_firesOncePerPeriodInterleavedWithOthers(
            MissedTickBehavior missed) {
        // With a manual clock no tick is missed: each period fires once, at its own time,
        // between the one-shot timers that fall between ticks, whatever the missed-tick behavior.
        // At the tie at 30, y goes first: it was scheduled at 0, the tick at 30 when run 20 ended.
        scheduler.scheduleAtFixedRate(ms(10), ms(10), record("p"), missed);
        scheduler.scheduleOnce(ms(25), record("x"));
        scheduler.scheduleOnce(ms(30), record("y"));
        clock.advance(ms(50));
        assertEquals(List.of("p@10", "p@20", "x@25", "y@30", "p@30", "p@40", "p@50"), log);
    }

    @Test
    void scheduleWithFixedDelay_advanceOverManyDelays_firesOncePerDelay() {
        // A fixed-delay timer inside one long advance runs every `delay`, since each run ends at once.
        scheduler.scheduleWithFixedDelay(ms(5), ms(10), record("d"));
        clock.advance(ms(40));
        assertEquals(List.of("d@5", "d@15", "d@25", "d@35"), log);
    }

    @Test
    void scheduleOnce_fromTaskWithinTheAdvancedSpan_firesInTheSameAdvance() {
        // A timer scheduled by a task and due before the advance's target fires in that advance.
        scheduler.scheduleOnce(ms(10), () -> {
            log.add("outer@" + clock.nanoTime() / 1_000_000);
            scheduler.scheduleOnce(ms(5), record("inner"));
        });
        clock.advance(ms(20));
        assertEquals(List.of("outer@10", "inner@15"), log);
    }

    @Test
    void advance_twoSchedulersOnOneClock_firesBothInDeadlineOrder() {
        // Timers of all schedulers attached to a clock fire interleaved in deadline order.
        try (Scheduler other = Scheduler.create(clock, Runnable::run)) {
            scheduler.scheduleOnce(ms(10), record("a1"));
            other.scheduleOnce(ms(5), record("b0"));
            other.scheduleOnce(ms(15), record("b2"));
            scheduler.scheduleOnce(ms(20), record("a3"));
            clock.advance(ms(20));
            assertEquals(List.of("b0@5", "a1@10", "b2@15", "a3@20"), log);
        }
    }

    @Test
    void cancel_beforeTheDeadline_returnsTrueAndTheTimerNeverFires() {
        // Cancelling a pending timer stops it and says so.
        Cancellable timer = scheduler.scheduleOnce(ms(10), record("t"));
        assertTrue(timer.cancel());
        assertTrue(timer.isCancelled());
        clock.advance(ms(100));
        assertEquals(List.of(), log);
    }

    @Test
    void cancel_afterTheTimerFired_returnsFalse() {
        // A one-shot timer that already fired cannot be cancelled.
        Cancellable timer = scheduler.scheduleOnce(ms(10), record("t"));
        clock.advance(ms(10));
        assertFalse(timer.cancel());
        assertFalse(timer.isCancelled());
        assertEquals(List.of("t@10"), log);
    }

    @Test
    void cancel_twice_secondCallReturnsFalse() {
        // Only the call that stopped the timer returns true.
        Cancellable timer = scheduler.scheduleOnce(ms(10), record("t"));
        assertTrue(timer.cancel());
        assertFalse(timer.cancel());
    }

    @Test
    void cancel_periodicBetweenRuns_stopsLaterRuns() {
        // Cancelling a periodic timer after some runs stops the remaining ones.
        Cancellable timer = scheduler.scheduleAtFixedRate(ms(10), ms(10), record("p"),
                MissedTickBehavior.BURST);
        clock.advance(ms(25));
        assertTrue(timer.cancel());
        clock.advance(ms(100));
        assertEquals(List.of("p@10", "p@20"), log);
    }

    @Test
    void cancel_fromInsideTheTimersOwnTask_stopsLaterRuns() {
        // A periodic task may cancel its own timer; no run follows.
        Cancellable[] self = new Cancellable[1];
        self[0] = scheduler.scheduleWithFixedDelay(ms(10), ms(10), () -> {
            log.add("p@" + clock.nanoTime() / 1_000_000);
            if (log.size() == 3) {
                assertTrue(self[0].cancel());
            }
        });
        clock.advance(ms(100));
        assertEquals(List.of("p@10", "p@20", "p@30"), log);
    }

    @Test
    void cancel_ofAnotherTimerFromATaskAtTheSameTime_preventsItFromFiring() {
        // A task that cancels a timer due at the same instant, later in order, stops it.
        Cancellable[] victim = new Cancellable[1];
        scheduler.scheduleOnce(ms(10), () -> victim[0].cancel());
        victim[0] = scheduler.scheduleOnce(ms(10), record("victim"));
        clock.advance(ms(10));
        assertEquals(List.of(), log);
        assertTrue(victim[0].isCancelled());
    }

    @Test
    void replaceByCancel_oldTimerCancelledNewOneScheduled_onlyTheNewOneFires() {
        // The actor-timer pattern: cancel the old timer under a key, schedule its replacement.
        Cancellable old = scheduler.scheduleOnce(ms(10), record("old"));
        clock.advance(ms(5));
        assertTrue(old.cancel());
        scheduler.scheduleOnce(ms(10), record("new"));
        clock.advance(ms(20));
        assertEquals(List.of("new@15"), log);
    }

    @Test
    void scheduleOnce_daysAway_firesExactlyAtItsDeadline() {
        // A timer days away needs no overflowing arithmetic and fires at its nanosecond.
        long threeDaysNanos = Duration.ofDays(3).toNanos();
        scheduler.scheduleOnce(Duration.ofDays(3), record("far"));
        scheduler.scheduleOnce(Duration.ofHours(5), record("near"));
        clock.advance(Duration.ofNanos(threeDaysNanos - 1));
        assertEquals(List.of("near@" + Duration.ofHours(5).toMillis()), log);
        clock.advance(Duration.ofNanos(1));
        assertEquals(2, log.size());
        assertEquals("far@" + Duration.ofDays(3).toMillis(), log.get(1));
    }

    @Test
    void scheduleOnce_hugeDelay_saturatesAndStaysPending() {
        // A delay beyond a long of nanoseconds saturates instead of overflowing into the past.
        Cancellable timer = scheduler.scheduleOnce(Duration.ofSeconds(Long.MAX_VALUE), record("x"));
        Cancellable rate = scheduler.scheduleAtFixedRate(Duration.ofDays(365 * 1000L),
                Duration.ofSeconds(Long.MAX_VALUE), record("r"), MissedTickBehavior.SKIP);
        clock.advance(Duration.ofDays(365 * 200L));
        assertEquals(List.of(), log);
        assertTrue(timer.cancel());
        assertTrue(rate.cancel());
    }

    @Test
    void scheduleOnce_zeroOrNegativeDelay_firesAtTheNextAdvanceEvenByZero() {
        // A zero or negative delay is due at once: the next advance, even of zero, fires it.
        clock.advance(ms(7));
        scheduler.scheduleOnce(Duration.ZERO, record("zero"));
        scheduler.scheduleOnce(ms(-5), record("negative"));
        assertEquals(List.of(), log);
        clock.advance(Duration.ZERO);
        assertEquals(List.of("zero@7", "negative@7"), log);
    }

    @Test
    void schedule_nullArguments_throwNullPointerExceptionNamingTheParameter() {
        // Null arguments fail fast, naming the parameter.
        Runnable task = () -> { };
        assertEquals("delay", assertThrows(NullPointerException.class,
                () -> scheduler.scheduleOnce(null, task)).getMessage());
        assertEquals("task", assertThrows(NullPointerException.class,
                () -> scheduler.scheduleOnce(ms(1), null)).getMessage());
        assertEquals("initialDelay", assertThrows(NullPointerException.class,
                () -> scheduler.scheduleWithFixedDelay(null, ms(1), task)).getMessage());
        assertEquals("delay", assertThrows(NullPointerException.class,
                () -> scheduler.scheduleWithFixedDelay(ms(1), null, task)).getMessage());
        assertEquals("period", assertThrows(NullPointerException.class,
                () -> scheduler.scheduleAtFixedRate(ms(1), null, task, MissedTickBehavior.SKIP))
                .getMessage());
        assertEquals("missed", assertThrows(NullPointerException.class,
                () -> scheduler.scheduleAtFixedRate(ms(1), ms(1), task, null)).getMessage());
        assertEquals("by", assertThrows(NullPointerException.class,
                () -> clock.advance(null)).getMessage());
    }

    @Test
    void schedulePeriodic_nonPositivePeriod_throwsIllegalArgumentExceptionNamingParameterAndValue() {
        // A zero or negative period or delay is rejected with its name and value.
        Runnable task = () -> { };
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                () -> scheduler.scheduleAtFixedRate(ms(1), Duration.ZERO, task,
                        MissedTickBehavior.BURST));
        assertEquals("period must be positive, was PT0S", zero.getMessage());
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> scheduler.scheduleWithFixedDelay(ms(1), ms(-3), task));
        assertEquals("delay must be positive, was PT-0.003S", negative.getMessage());
        assertThrows(IllegalArgumentException.class, () -> clock.advance(ms(-1)));
        assertThrows(IllegalArgumentException.class,
                () -> Scheduler.builder().tick(Duration.ZERO));
    }

    @Test
    void scheduleOnce_taskThrows_laterTimersStillFire() {
        // A failing task is contained: the other timers of the same advance still fire.
        scheduler.scheduleOnce(ms(1), () -> {
            throw new IllegalStateException("boom (expected by the test)");
        });
        scheduler.scheduleOnce(ms(2), record("after"));
        clock.advance(ms(5));
        assertEquals(List.of("after@2"), log);
    }

    @Test
    void scheduleAtFixedRate_taskThrows_keepsRunning() {
        // A periodic task that throws is reported and runs again at its next tick.
        scheduler.scheduleAtFixedRate(ms(1), ms(1), () -> {
            log.add("run");
            throw new IllegalStateException("boom (expected by the test)");
        }, MissedTickBehavior.BURST);
        clock.advance(ms(3));
        assertEquals(List.of("run", "run", "run"), log);
    }

    @Test
    void close_withPendingTimers_cancelsThemAndLaterSchedulesThrow() {
        // Closing cancels what is pending; cancel() then answers false; scheduling throws.
        Cancellable once = scheduler.scheduleOnce(ms(10), record("once"));
        Cancellable periodic = scheduler.scheduleWithFixedDelay(ms(1), ms(1), record("p"));
        scheduler.close();
        assertTrue(once.isCancelled());
        assertTrue(periodic.isCancelled());
        assertFalse(once.cancel());
        clock.advance(ms(100));
        assertEquals(List.of(), log);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> scheduler.scheduleOnce(ms(1), record("late")));
        assertEquals("scheduler is closed", e.getMessage());
        scheduler.close();
    }

    @Test
    void builderTick_coarserThanTheDelay_roundsTheDeadlineUpToATick() {
        // With an explicit 1 ms tick, a 0.5 ms timer fires when the clock reaches 1 ms, not before.
        try (Scheduler coarse = Scheduler.builder().clock(clock).tick(ms(1)).build()) {
            coarse.scheduleOnce(Duration.ofNanos(500_000), record("t"));
            clock.advance(Duration.ofNanos(900_000));
            assertEquals(List.of(), log);
            clock.advance(Duration.ofNanos(100_000));
            assertEquals(List.of("t@1"), log);
        }
    }

    /** An executor that queues tasks until the test runs them: runs that finish late. */
    private static final class DeferredExecutor implements Executor {
        final Queue<Runnable> tasks = new ArrayDeque<>();

        @Override
        public void execute(Runnable command) {
            tasks.add(command);
        }

        /** Runs the queued tasks; tells whether there were any. */
        boolean runAll() {
            boolean ran = false;
            for (Runnable task = tasks.poll(); task != null; task = tasks.poll()) {
                task.run();
                ran = true;
            }
            return ran;
        }
    }

    /** Fires and runs everything due at the current time, until nothing more is. */
    private void settle(DeferredExecutor executor) {
        do {
            clock.advance(Duration.ZERO);
        } while (executor.runAll());
    }

    /** Runs the fixed-rate scenario whose first run (tick 10) finishes at 35; returns fire times. */
    private List<String> lateRunScenario(MissedTickBehavior missed) {
        DeferredExecutor executor = new DeferredExecutor();
        try (Scheduler late = Scheduler.create(clock, executor)) {
            late.scheduleAtFixedRate(ms(10), ms(10), record("p"), missed);
            clock.advance(ms(10));      // tick 10 is handed to the executor
            clock.advance(ms(25));      // the run has not happened yet: no re-arm, nothing fires
            settle(executor);           // runs tick 10 late, at 35, and what that makes due at 35
            for (int i = 0; i < 25; i++) {
                clock.advance(ms(1));
                settle(executor);
            }
        }
        return log;
    }

    @Test
    void scheduleAtFixedRate_burstAfterALateRun_runsTheMissedTicksBackToBack() {
        // BURST: after a run that finished at 35, ticks 20 and 30 run at once, then 40, 50, 60.
        assertEquals(List.of("p@35", "p@35", "p@35", "p@40", "p@50", "p@60"),
                lateRunScenario(MissedTickBehavior.BURST));
    }

    @Test
    void scheduleAtFixedRate_delayAfterALateRun_restartsThePeriodFromTheLateRun() {
        // DELAY: after a run that finished at 35, the next runs are at 45 and 55.
        assertEquals(List.of("p@35", "p@45", "p@55"), lateRunScenario(MissedTickBehavior.DELAY));
    }

    @Test
    void scheduleAtFixedRate_skipAfterALateRun_staysOnTheOriginalGrid() {
        // SKIP: after a run that finished at 35, ticks 20 and 30 are dropped; next are 40, 50, 60.
        assertEquals(List.of("p@35", "p@40", "p@50", "p@60"), lateRunScenario(MissedTickBehavior.SKIP));
    }

    @Test
    void scheduleWithFixedDelay_onAnExecutor_nextRunIsDelayAfterThePreviousRunReturned() {
        // Fixed delay counts from the end of the run on the executor, not from the deadline.
        DeferredExecutor executor = new DeferredExecutor();
        try (Scheduler onExecutor = Scheduler.create(clock, executor)) {
            onExecutor.scheduleWithFixedDelay(ms(10), ms(10), record("d"));
            clock.advance(ms(10));
            clock.advance(ms(7));
            executor.runAll();               // the run happens at 17
            clock.advance(ms(9));            // 26: not yet due (27)
            executor.runAll();
            clock.advance(ms(1));            // 27
            executor.runAll();
        }
        assertEquals(List.of("d@17", "d@27"), log);
    }
}
