package io.troupe.actors;

import static io.troupe.actors.Testing.await;
import static io.troupe.actors.Testing.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.internal.Dispatcher;
import io.troupe.actors.internal.IdlePoller;
import io.troupe.actors.internal.SystemAccess;
import io.troupe.timers.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The counters the dispatcher and the timers keep (issue 15) move when, and only when, their
 * event happens: steals when one worker holds queued work another takes, parks when workers go
 * idle, selector polls with each poll of the attached I/O driver, timers pending as timers are
 * scheduled, fire and are cancelled; and the fork-join dispatcher's per-thread counts stay in
 * the sums when its pool ends idle threads.
 */
@Timeout(60)
class CountersMoveTest {

    /** Takes {@code n} permits, failing after {@link Testing#TIMEOUT}. */
    private static void take(Semaphore s, int n) {
        try {
            assertTrue(s.tryAcquire(n, Testing.TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS), "timed out");
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static long counter(ActorSystem system, String label) {
        return system.counterValues().get(label);
    }

    /** The work-stealing workers of {@code system} (threads named {@code <system>-worker-<i>}). */
    private static List<Thread> workers(ActorSystem system) {
        final List<Thread> ws = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(system.name() + "-worker-")) {
                ws.add(t);
            }
        }
        return ws;
    }

    private static boolean allWaiting(List<Thread> threads) {
        for (Thread t : threads) {
            if (t.getState() != Thread.State.WAITING) {
                return false;
            }
        }
        return true;
    }

    @Test
    void steals_rise_whenAnotherWorkerTakesQueuedWork() {
        // A handler wakes 8 actors on its own worker, then blocks until 7 of them were handled: only a steal by the
        // other worker can run them (the 8th sits in the LIFO slot, which is never stolen). Steals rise, and the 7 ran
        // on the other worker.
        try (ActorSystem system = Testing.builder(DispatcherKind.WORK_STEALING).build()) {
            final int n = 8;
            final CountDownLatch sevenHandled = new CountDownLatch(n - 1);
            final Set<String> threadsOfTheSeven = ConcurrentHashMap.newKeySet();
            final List<ActorRef<String>> idle = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                idle.add(system.spawn(Actor.<String>of((ctx, m) -> {
                    if (!m.equals("last")) {
                        threadsOfTheSeven.add(Thread.currentThread().getName());
                        sevenHandled.countDown();
                    }
                }), "idle-" + i));
            }
            final AtomicLong stealsBefore = new AtomicLong(-1);
            final String[] blockerThread = new String[1];
            final CountDownLatch blockerDone = new CountDownLatch(1);
            final ActorRef<String> blocker = system.spawn(Actor.<String>of((ctx, m) -> {
                blockerThread[0] = Thread.currentThread().getName();
                stealsBefore.set(counter(system, "steals"));
                for (int i = 0; i < n; i++) {
                    idle.get(i).tell(i == n - 1 ? "last" : "go"); // each lands in this worker's queue (the last in its LIFO slot)
                }
                await(sevenHandled, "the 7 queued actors, which only a steal can run");
                blockerDone.countDown();
            }), "blocker");
            blocker.tell("start");
            await(blockerDone, "the blocker");
            final long stolen = counter(system, "steals") - stealsBefore.get();
            assertTrue(stolen >= 1 && stolen <= n - 1, "steals rose by " + stolen);
            assertEquals(1, threadsOfTheSeven.size(), "one thief: " + threadsOfTheSeven);
            assertFalse(threadsOfTheSeven.contains(blockerThread[0]), threadsOfTheSeven + " vs the blocker's " + blockerThread[0]);
        }
    }

    @Test
    void parks_rise_whenWorkersGoIdle_andHoldStillWhileTheyStayIdle() {
        // Each round wakes a worker with one message; once both are parked again the count rose. Parked, it holds still.
        try (ActorSystem system = Testing.builder(DispatcherKind.WORK_STEALING).build()) {
            final AtomicInteger handled = new AtomicInteger();
            final ActorRef<String> a = system.spawn(Actor.<String>of((ctx, m) -> handled.incrementAndGet()), "a");
            final List<Thread> workers = workers(system);
            assertEquals(2, workers.size(), workers.toString());
            awaitTrue("both workers parked", () -> allWaiting(workers) && counter(system, "parks") >= 2);
            long previous = counter(system, "parks");
            assertEquals(previous, counter(system, "parks"), "parked workers do not count again");
            final List<Long> rises = new ArrayList<>();
            for (int round = 1; round <= 5; round++) {
                final int expected = round;
                a.tell("wake up");
                final long before = previous;
                awaitTrue("round " + round + " handled and both workers parked again",
                        () -> handled.get() == expected && allWaiting(workers) && counter(system, "parks") > before);
                final long now = counter(system, "parks");
                rises.add(now - previous);
                previous = now;
            }
            assertTrue(rises.stream().allMatch(r -> r >= 1 && r <= 2), "each round parks one or both workers once: " + rises);
        }
    }

    /** Counts every poll; a blocking poll waits for {@link #wakeup}. */
    static final class CountingPoller implements IdlePoller {
        final AtomicLong polls = new AtomicLong();
        final AtomicInteger blockedInside = new AtomicInteger();
        private final Semaphore wakeups = new Semaphore(0);

        @Override
        public int pollNow() {
            polls.incrementAndGet();
            return 0;
        }

        @Override
        public int pollBlocking() {
            polls.incrementAndGet();
            blockedInside.incrementAndGet();
            wakeups.acquireUninterruptibly();
            wakeups.drainPermits();
            blockedInside.decrementAndGet();
            return 0;
        }

        @Override
        public void wakeup() {
            wakeups.release();
        }
    }

    @Test
    void selectorPolls_countEveryPollOfTheAttachedDriver() {
        // The workers poll the attached driver (the I/O driver's selector, here a counting fake) when idle and every
        // 61 activations; once both are idle again the counter equals the polls the driver saw.
        try (ActorSystem system = Testing.builder(DispatcherKind.WORK_STEALING).build()) {
            final CountingPoller poller = new CountingPoller();
            final var dispatcher = SystemAccess.defaultDispatcher(system);
            final List<Thread> workers = workers(system);
            awaitTrue("both workers parked", () -> allWaiting(workers));
            assertEquals(0L, counter(system, "selector polls"), "no driver, no polls");
            assertTrue(dispatcher.attachPoller(poller));
            try {
                final CountDownLatch done = new CountDownLatch(500);
                final ActorRef<String> a = system.spawn(Actor.<String>of((ctx, m) -> done.countDown()), "a");
                for (int i = 0; i < 500; i++) {
                    a.tell("m" + i);
                }
                await(done, "500 messages");
                awaitTrue("a worker blocked in the driver, the other parked",
                        () -> poller.blockedInside.get() == 1 && allWaiting(workers));
                final long polls = poller.polls.get();
                assertTrue(polls >= 2, "polled " + polls);
                assertEquals(polls, counter(system, "selector polls"));
            } finally {
                dispatcher.detachPoller(poller);
            }
        }
    }

    @Test
    void forkJoin_messagesHandled_stayExact_whenThePoolEndsIdleThreads() {
        // A fork-join pool that ends a thread after 50 ms idle: 1,000 messages raise "messages handled" by exactly
        // 1,000; once the pool has ended every thread (their probes gone), it still reads that, it never went down
        // while they ended, and activations did not go down either.
        try (ActorSystem system = Testing.builder(DispatcherKind.FORK_JOIN).forkJoinKeepAlive(Duration.ofMillis(50)).build()) {
            final Dispatcher dispatcher = SystemAccess.defaultDispatcher(system);
            final int n = 1_000;
            final CountDownLatch warm = new CountDownLatch(1);
            final CountDownLatch done = new CountDownLatch(n);
            final ActorRef<String> a = system.spawn(Actor.<String>of((ctx, m) -> {
                if (m.equals("warm")) {
                    warm.countDown();
                } else {
                    done.countDown();
                }
            }), "a");
            a.tell("warm");
            await(warm, "the first message");
            final List<Long> seen = new ArrayList<>();
            awaitRetired(system, dispatcher, seen);
            final long base = counter(system, "messages handled");
            assertTrue(base >= 1, "the first message was counted and kept: " + base);

            for (int i = 0; i < n; i++) {
                a.tell("m" + i);
            }
            await(done, n + " messages");
            awaitTrue("the last message counted", () -> counter(system, "messages handled") == base + n);
            final long activationsBefore = counter(system, "activations");
            assertEquals(base + n, counter(system, "messages handled"), "before the pool ends its threads");

            seen.clear();
            awaitRetired(system, dispatcher, seen);
            assertEquals(base + n, counter(system, "messages handled"), "after the pool ended every thread");
            for (int i = 1; i < seen.size(); i++) {
                assertTrue(seen.get(i) >= seen.get(i - 1), "messages handled went down as threads ended: " + seen);
            }
            final long activationsAfter = counter(system, "activations");
            assertTrue(activationsAfter >= activationsBefore, activationsBefore + " activations, then " + activationsAfter);
        }
    }

    /** Waits until the fork-join pool has ended every thread, recording "messages handled" at each look. */
    private static void awaitRetired(ActorSystem system, Dispatcher dispatcher, List<Long> seen) {
        awaitTrue("the pool to end its idle threads", () -> {
            seen.add(counter(system, "messages handled"));
            return dispatcher.probes().isEmpty() && forkJoinThreads(system).isEmpty();
        });
    }

    /** The live fork-join threads of {@code system} (named {@code <system>-fj-<n>}). */
    private static List<Thread> forkJoinThreads(ActorSystem system) {
        final List<Thread> ts = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(system.name() + "-fj-") && t.isAlive()) {
                ts.add(t);
            }
        }
        return ts;
    }

    @Test
    void timersPending_isScheduledMinusFiredMinusCancelled() {
        // On a manual clock: 5 timers started, 2 fire, 1 is cancelled, 1 replaced (still one): pending goes 0, 5, 3, 2, 2, 0.
        final ManualClock clock = new ManualClock();
        try (ActorSystem system = Testing.builder(DispatcherKind.WORK_STEALING).clock(clock).build()) {
            final List<Long> pending = new ArrayList<>();
            pending.add(counter(system, "timers pending"));
            final AtomicInteger fired = new AtomicInteger();
            final Semaphore commandsDone = new Semaphore(0);
            final ActorRef<String> a = system.spawn(Actor.<String>of((ctx, m) -> {
                switch (m) {
                    case "start" -> {
                        for (int i = 1; i <= 5; i++) {
                            ctx.timers().startSingleTimer("k" + i, "fired", Duration.ofSeconds(i));
                        }
                    }
                    case "cancel k5" -> ctx.timers().cancel("k5");
                    case "replace k3" -> ctx.timers().startSingleTimer("k3", "fired", Duration.ofSeconds(30));
                    case "cancel all" -> ctx.timers().cancelAll();
                    case "fired" -> fired.incrementAndGet();
                    default -> throw new IllegalArgumentException(m);
                }
                commandsDone.release();
            }), "a");
            a.tell("start");
            take(commandsDone, 1);
            pending.add(counter(system, "timers pending"));
            clock.advance(Duration.ofMillis(2500));
            awaitTrue("the 2 due timers handled", () -> fired.get() == 2);
            pending.add(counter(system, "timers pending"));
            a.tell("cancel k5");
            take(commandsDone, 3); // two firings and the cancel
            pending.add(counter(system, "timers pending"));
            a.tell("replace k3");
            take(commandsDone, 1);
            pending.add(counter(system, "timers pending"));
            a.tell("cancel all");
            take(commandsDone, 1);
            pending.add(counter(system, "timers pending"));
            assertEquals(List.of(0L, 5L, 3L, 2L, 2L, 0L), pending);
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(value = DispatcherKind.class, names = {"WORK_STEALING", "FORK_JOIN"})
    void activations_countTurns_notMessages(DispatcherKind kind) throws InterruptedException {
        // Ten messages queued while the actor is inside a handler run in that same turn: messages handled rise by
        // ten, activations by at most one (the runtime's own short tasks may add one). Twenty messages each sent
        // after the last was handled are twenty turns: activations rise by twenty (the runtime's tasks may add two).
        try (ActorSystem system = Testing.builder(kind).parallelism(1).build()) {
            final CountDownLatch entered = new CountDownLatch(1);
            final CountDownLatch gate = new CountDownLatch(1);
            final CountDownLatch tenDone = new CountDownLatch(10);
            final Semaphore each = new Semaphore(0);
            final ActorRef<String> actor = system.spawn(Actor.<String>of((ctx, m) -> {
                if (m.equals("block")) {
                    entered.countDown();
                    await(gate, "the gate");
                } else if (m.equals("batch")) {
                    tenDone.countDown();
                } else {
                    each.release();
                }
            }), "turns");
            actor.tell("block");
            await(entered, "the blocking handler");
            for (int i = 0; i < 10; i++) {
                actor.tell("batch");
            }
            final long handledBefore = counter(system, "messages handled");
            final long before = counter(system, "activations");
            gate.countDown();
            await(tenDone, "the batch");
            awaitTrue("the batch counted as handled", () -> counter(system, "messages handled") >= handledBefore + 11);
            final long batchTurns = counter(system, "activations") - before;
            assertTrue(batchTurns <= 1, "a batch of ten in one turn counted " + batchTurns + " activations");

            final long seqBefore = counter(system, "activations");
            for (int i = 0; i < 20; i++) {
                // the last turn has ended (else this message would join it): the dump reads the actor racily, no message
                awaitTrue("the actor idle", () -> system.dump().find("/user/turns").map(e -> e.state() == ActorDump.State.IDLE).orElse(false));
                actor.tell("one");
                take(each, 1);
            }
            // each turn is counted as it starts, before its handler releases `each`: all twenty are visible now
            final long turns = counter(system, "activations") - seqBefore;
            assertTrue(turns >= 20 && turns <= 22, "twenty turns counted as " + turns + " activations");
        }
    }
}
