package io.troupe.services;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.ActorSystem;
import io.troupe.services.internal.HedgeService;
import io.troupe.services.internal.P2cBalancer;
import io.troupe.timers.ManualClock;
import io.troupe.timers.Scheduler;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Buffer (a bounded actor in front of a service), hedged requests and the p2c balancer. */
class BufferHedgeBalanceTest {
    private final ManualClock clock = new ManualClock(1_000_000_000L);
    private final Scheduler scheduler = Scheduler.create(clock, Runnable::run);

    @AfterEach
    void close() {
        scheduler.close();
    }

    /** Polls until {@code condition} holds (the buffer's actor runs on other threads); bounded. */
    static void awaitTrue(String what, BooleanSupplier condition) {
        final long deadline = System.nanoTime() + TestSupport.TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out waiting until " + what);
            }
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(200));
        }
    }

    // ---------------------------------------------------------------- buffer

    @Test
    void buffer_boundedQueue_waitsForReadinessBelow_notReadyWhenFull() {
        // Buffer of 2 over a limit of 1: one call in flight, two wait in the buffer, the fourth is
        // refused at once; each completion lets the next waiting call through, in order.
        try (ActorSystem system = TestSupport.system()) {
            final TestSupport.Manual<String, String> inner = new TestSupport.Manual<>();
            final Service<String, String> svc = Services.<String, String>builder()
                    .buffer(system, 2).concurrencyLimit(1).build(inner);
            final CompletionStage<String> a = svc.call("a");
            awaitTrue("a reaches the service", () -> inner.count() == 1);
            final CompletionStage<String> b = svc.call("b");
            final CompletionStage<String> c = svc.call("c");
            assertFalse(svc.isReady());
            final CompletionStage<Void> ready = svc.ready();
            assertInstanceOf(NotReadyException.class, TestSupport.failureNow(svc.call("d")));
            inner.call(0).complete("A");
            assertEquals("A", TestSupport.join(a));
            awaitTrue("b reaches the service", () -> inner.count() == 2);
            TestSupport.join(ready);
            inner.call(1).complete("B");
            awaitTrue("c reaches the service", () -> inner.count() == 3);
            inner.call(2).complete("C");
            assertEquals("B", TestSupport.join(b));
            assertEquals("C", TestSupport.join(c));
            assertEquals(List.of("a", "b", "c"), inner.requests());
            assertTrue(svc.isReady());
        }
    }

    // ---------------------------------------------------------------- hedge

    @Test
    void hedge_sendsASecondCopyAfterThePercentileLatency_firstSuccessWins() {
        // After 10 calls of 10 ms, a call still pending at 10 ms is sent again; the copy's answer
        // wins and the first copy is cancelled. Before that many samples nothing is hedged.
        final TestSupport.Manual<String, String> inner = new TestSupport.Manual<>();
        final HedgeService<String, String> svc = new HedgeService<>(inner, scheduler, 0.9, 10, Duration.ZERO,
                RetryBudget.create(clock, Duration.ofSeconds(10), 10, 0.2));
        for (int i = 0; i < 10; i++) {
            final CompletionStage<String> r = svc.call("warm" + i);
            assertEquals(0, clock.pendingTimers(), "no hedge before 10 samples");
            clock.advance(Duration.ofMillis(10));
            inner.call(i).complete("W" + i);
            assertEquals("W" + i, TestSupport.join(r));
        }
        assertEquals(Duration.ofMillis(10).toNanos(), svc.delayNanos());
        final CompletionStage<String> r = svc.call("x");
        clock.advance(Duration.ofMillis(9));
        assertEquals(11, inner.count());
        clock.advance(Duration.ofMillis(1));
        assertEquals(12, inner.count(), "the hedge was sent at the p90 latency");
        assertEquals("x", inner.requests().get(11));
        inner.call(11).complete("second");
        assertEquals("second", TestSupport.join(r));
        assertTrue(inner.call(10).isCancelled(), "the slower copy is cancelled");
    }

    @Test
    void hedge_aFailureBeforeTheHedgeIsTheCallsFailure_andNoCopyIsSent() {
        // Hedging is for latency, not errors: a quick failure ends the call and cancels the hedge.
        final TestSupport.Manual<String, String> inner = new TestSupport.Manual<>();
        final HedgeService<String, String> svc = new HedgeService<>(inner, scheduler, 0.5, 1, Duration.ZERO,
                RetryBudget.defaults(clock));
        final CompletionStage<String> warm = svc.call("w");
        clock.advance(Duration.ofMillis(10));
        inner.call(0).complete("W");
        TestSupport.join(warm);
        final CompletionStage<String> r = svc.call("x");
        inner.call(1).completeExceptionally(new IllegalStateException("boom"));
        assertEquals("boom", TestSupport.failureNow(r).getMessage());
        clock.advance(Duration.ofSeconds(1));
        assertEquals(2, inner.count());
    }

    @Test
    void hedge_pendingCallsShareOneSweep_noTimerPerCall_allHedgedAtTheDelay() {
        // 50 calls pending at once put one sweep on the clock, not 50 timers; each is hedged once
        // the 10 ms delay has passed (never before) and at most one sweep interval later, and
        // when all are answered the sweep stops.
        final TestSupport.Manual<String, String> inner = new TestSupport.Manual<>();
        final HedgeService<String, String> svc = new HedgeService<>(inner, scheduler, 0.9, 10, Duration.ZERO,
                RetryBudget.create(clock, Duration.ofSeconds(10), 10, 0.2));
        for (int i = 0; i < 10; i++) {
            final CompletionStage<String> r = svc.call("warm" + i);
            clock.advance(Duration.ofMillis(10));
            inner.call(i).complete("W" + i);
            TestSupport.join(r);
        }
        final List<CompletionStage<String>> calls = new java.util.ArrayList<>();
        for (int i = 0; i < 50; i++) {
            calls.add(svc.call("c" + i));
        }
        assertEquals(1, clock.pendingTimers(), "one sweep for all the pending calls");
        clock.advance(Duration.ofMillis(9));
        assertEquals(60, inner.count(), "no hedge before the delay");
        clock.advance(Duration.ofMillis(1));
        assertEquals(61, inner.count(), "the first call into the idle sweep is hedged exactly at the delay");
        clock.advance(Duration.ofMillis(1));
        assertEquals(110, inner.count(), "the others at most one sweep interval (1 ms) later");
        // the hedges of calls swept in one batch count as simultaneous: any order, each once
        final List<String> hedged = inner.requests().subList(60, 110);
        assertEquals(java.util.stream.IntStream.range(0, 50).mapToObj(i -> "c" + i).sorted().toList(),
                hedged.stream().sorted().toList());
        for (int k = 0; k < 50; k++) {
            final int i = Integer.parseInt(hedged.get(k).substring(1));
            inner.call(60 + k).complete("H" + i);
            assertEquals("H" + i, TestSupport.join(calls.get(i)));
            assertTrue(inner.call(10 + i).isCancelled(), "the slower copy is cancelled");
        }
        clock.advance(Duration.ofMillis(10));
        assertEquals(0, clock.pendingTimers());
        assertFalse(svc.isArmed());
    }

    // ---------------------------------------------------------------- balance

    /** Picks the given indices in turn (each draw of p2c takes one). */
    private static IntUnaryOperator draws(int... picks) {
        final ArrayDeque<Integer> q = new ArrayDeque<>();
        for (int p : picks) {
            q.add(p);
        }
        return bound -> q.isEmpty() ? 0 : Math.min(q.poll(), bound - 1);
    }

    @Test
    void balance_outstanding_picksTheLessLoadedOfTwo() {
        // With a (3 in flight) and b (0) drawn, b gets the call; the counts follow completions.
        final TestSupport.Manual<String, String> a = new TestSupport.Manual<>();
        final TestSupport.Manual<String, String> b = new TestSupport.Manual<>();
        // draws: 3 calls forced to a (single draws i=0, j=0 -> j adjusted to 1, so load decides);
        final P2cBalancer<String, String, String> bal = new P2cBalancer<>(Balancer.Load.OUTSTANDING, clock,
                Duration.ofSeconds(10), draws(0, 0, 0, 0, 0, 0, 0, 0));
        bal.add("a", a);
        for (int i = 0; i < 3; i++) {
            bal.call("r" + i); // one endpoint: it gets them all
        }
        bal.add("b", b);
        assertEquals(3, bal.outstanding("a"));
        bal.call("r3");
        assertEquals(List.of("r3"), b.requests(), "the less loaded endpoint was chosen");
        assertEquals(1, bal.outstanding("b"));
        a.call(0).complete("x");
        assertEquals(2, bal.outstanding("a"));
    }

    @Test
    void balance_peakEwma_avoidsTheSlowEndpoint() {
        // After one 500 ms answer from a and one 10 ms answer from b, b is cheaper even with a call
        // in flight.
        final TestSupport.Manual<String, String> a = new TestSupport.Manual<>();
        final TestSupport.Manual<String, String> b = new TestSupport.Manual<>();
        final P2cBalancer<String, String, String> bal = new P2cBalancer<>(Balancer.Load.PEAK_EWMA, clock,
                Duration.ofSeconds(10), draws(0, 0, 1, 0, 0, 0, 0, 0, 0, 0));
        bal.add("a", a);
        bal.add("b", b);
        bal.call("1"); // draws 0,0 -> a vs b, equal cost: a
        clock.advance(Duration.ofMillis(500));
        a.call(0).complete("A");
        bal.call("2"); // draws 1,0 -> b vs a: b (a is now 500 ms)
        clock.advance(Duration.ofMillis(10));
        b.call(0).complete("B");
        bal.call("3");
        bal.call("4");
        assertEquals(List.of("1"), a.requests());
        assertEquals(List.of("2", "3", "4"), b.requests());
    }

    @Test
    void balance_endpointsAddedAndRemovedAtRunTime() {
        // A removed endpoint gets no new call but its call in flight completes; with none left a
        // call fails at once.
        final P2cBalancer<String, String, String> bal = new P2cBalancer<>(Balancer.Load.OUTSTANDING, clock,
                Duration.ofSeconds(10), P2cBalancer.threadLocalRandom());
        assertInstanceOf(NotReadyException.class, TestSupport.failureNow(bal.call("none")));
        final TestSupport.Manual<String, String> a = new TestSupport.Manual<>();
        bal.add("a", a);
        final CompletionStage<String> inFlight = bal.call("1");
        bal.add("b", Services.sync(r -> "b:" + r));
        assertEquals(List.of("a", "b"), bal.endpoints());
        assertTrue(bal.remove("a"));
        assertFalse(bal.remove("a"));
        for (int i = 0; i < 20; i++) {
            assertEquals("b:" + i, TestSupport.join(bal.call(String.valueOf(i))));
        }
        assertEquals(1, a.count());
        a.call(0).complete("A");
        assertEquals("A", TestSupport.join(inFlight));
        assertEquals(-1, bal.outstanding("a"));
    }

    @Test
    void balance_prefersAReadyEndpoint() {
        // Of two drawn, the ready one is chosen even if it has more calls in flight.
        final TestSupport.Manual<String, String> busy = new TestSupport.Manual<>();
        final Service<String, String> limited = Services.<String, String>builder().concurrencyLimit(1).build(busy);
        final TestSupport.Manual<String, String> other = new TestSupport.Manual<>();
        final P2cBalancer<String, String, String> bal = new P2cBalancer<>(Balancer.Load.OUTSTANDING, clock,
                Duration.ofSeconds(10), draws(0, 0, 0, 0, 0, 0));
        bal.add("limited", limited);
        bal.call("1"); // the only endpoint: fills its limit
        bal.add("other", other);
        other.call("pre"); // not through the balancer
        bal.call("2");
        bal.call("3");
        assertEquals(List.of("1"), busy.requests());
        assertEquals(List.of("pre", "2", "3"), other.requests());
    }
}
