package io.troupe.actors.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * How the work-stealing dispatcher's workers drive an {@link IdlePoller}, against a poller
 * that counts who is inside it: one worker at a time, a worker blocked in it woken through it
 * by work from outside, and none inside or entering once
 * {@link WorkStealingDispatcher#detachPoller} has returned.
 */
@Timeout(60)
class IdlePollerTest {
    private static final long WAIT_MILLIS = 10_000;

    /**
     * Blocks in {@link #pollBlocking} until {@link #wakeup} (a wake-up that came first makes it
     * return at once), finds nothing; counts the threads inside and the calls made after
     * {@link #detached} was set.
     */
    static final class CountingPoller implements IdlePoller {
        final AtomicInteger inside = new AtomicInteger();
        final AtomicInteger mostInside = new AtomicInteger();
        final AtomicInteger callsAfterDetach = new AtomicInteger();
        /** A permit per entry into {@link #pollBlocking}. */
        final Semaphore blocked = new Semaphore(0);
        private final Semaphore wakeups = new Semaphore(0);
        volatile boolean detached;
        private volatile boolean releasedForGood;

        @Override
        public int pollNow() {
            enter();
            inside.decrementAndGet();
            return 0;
        }

        @Override
        public int pollBlocking() {
            enter();
            blocked.release();
            wakeups.acquireUninterruptibly();
            if (!releasedForGood) {
                wakeups.drainPermits(); // several wake-ups before one poll end one poll
            }
            inside.decrementAndGet();
            return 0;
        }

        @Override
        public void wakeup() {
            wakeups.release();
        }

        /** From now on nobody blocks inside: for shutting down even after a failed detach. */
        void releaseForGood() {
            releasedForGood = true;
            wakeups.release(1 << 20);
        }

        private void enter() {
            if (detached) {
                callsAfterDetach.incrementAndGet();
            }
            mostInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
        }
    }

    @Test
    void detachPoller_workerBlockedInIt_returnsOnlyWhenNoWorkerIsInsideAndNoneEntersAfter() throws Exception {
        // detachPoller wakes the worker blocked in the poller and returns only after it left; then the workers, busy and
        // idle again, never call the poller.
        final WorkStealingDispatcher d = new WorkStealingDispatcher("detach-test", 2, 10);
        final CountingPoller p = new CountingPoller();
        try {
            assertTrue(d.attachPoller(p));
            d.execute(() -> { }); // the worker that runs it parks next: in the poller
            assertTrue(p.blocked.tryAcquire(WAIT_MILLIS, TimeUnit.MILLISECONDS), "an idle worker blocked in the poller");
            d.detachPoller(p);
            assertEquals(0, p.inside.get(), "a worker was still inside the poller when detachPoller returned");
            p.detached = true;
            final CountDownLatch ran = new CountDownLatch(1_000);
            for (int i = 0; i < 1_000; i++) {
                d.execute(ran::countDown);
            }
            assertTrue(ran.await(WAIT_MILLIS, TimeUnit.MILLISECONDS), "the workers run tasks without the poller");
            assertEquals(0, p.callsAfterDetach.get(), "calls into the poller after detachPoller returned");
        } finally {
            stop(d, p);
        }
    }

    @Test
    void execute_fromOutsideWhileTheOnlyWorkerIsBlockedInThePoller_wakesItThroughThePoller() throws Exception {
        // A task submitted from outside while the only worker is blocked in the poller runs: the worker is woken through
        // the poller's wakeup (unparking it would not do), 100 times in a row.
        final WorkStealingDispatcher d = new WorkStealingDispatcher("wake-test", 1, 10);
        final CountingPoller p = new CountingPoller();
        try {
            assertTrue(d.attachPoller(p));
            d.execute(() -> { }); // the worker parks next: in the poller
            for (int i = 0; i < 100; i++) {
                assertTrue(p.blocked.tryAcquire(WAIT_MILLIS, TimeUnit.MILLISECONDS), "the worker blocked in the poller");
                final CountDownLatch ran = new CountDownLatch(1);
                d.execute(ran::countDown);
                assertTrue(ran.await(WAIT_MILLIS, TimeUnit.MILLISECONDS), "task " + i + " ran");
            }
        } finally {
            stop(d, p);
        }
    }

    @Test
    void eventsFoundByOnePoll_runInTheOrderFound() throws Exception {
        // What one poll finds runs in the order found, as an event loop's batch: none jumps the queue (the LIFO slot would
        // run the last one found first), 200 polls of 1 to 8 events each, on one worker.
        final WorkStealingDispatcher d = new WorkStealingDispatcher("order-test", 1, 10);
        final java.util.List<Integer> ran = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        final java.util.concurrent.ConcurrentLinkedQueue<Integer> batches = new java.util.concurrent.ConcurrentLinkedQueue<>();
        final Semaphore done = new Semaphore(0);
        final AtomicInteger next = new AtomicInteger();
        final IdlePoller p = new IdlePoller() {
            @Override
            public int pollNow() {
                final Integer size = batches.poll();
                if (size == null) {
                    return 0;
                }
                for (int i = 0; i < size; i++) {
                    final int id = next.getAndIncrement();
                    d.execute(() -> ran.add(id)); // from inside the poll, as the reactor schedules a socket actor
                }
                d.execute(() -> { // the batch's end, found last: it runs last
                    ran.add(-1);
                    done.release();
                });
                return size + 1;
            }

            private final Semaphore wakeups = new Semaphore(0);

            @Override
            public int pollBlocking() {
                if (batches.isEmpty()) {
                    wakeups.acquireUninterruptibly();
                    wakeups.drainPermits();
                }
                return pollNow();
            }

            @Override
            public void wakeup() {
                wakeups.release();
            }
        };
        try {
            assertTrue(d.attachPoller(p));
            final java.util.Random random = new java.util.Random(42);
            final java.util.List<Integer> inOrder = new java.util.ArrayList<>();
            for (int b = 0; b < 200; b++) {
                final int size = 1 + random.nextInt(8);
                for (int i = 0; i < size; i++) {
                    inOrder.add(inOrder.size() - b); // the ids so far, less the batch ends
                }
                inOrder.add(-1);
                batches.add(size);
                d.execute(() -> { }); // from outside: the worker wakes, runs it, finds its queues empty and polls
                assertTrue(done.tryAcquire(WAIT_MILLIS, TimeUnit.MILLISECONDS), "batch " + b + " ran");
            }
            final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
            while (ran.size() < inOrder.size() && System.nanoTime() < deadline) {
                Thread.onSpinWait(); // a probe: with a wrong order, the last batch's events may still be running
            }
            final java.util.List<Integer> got = new java.util.ArrayList<>(ran);
            int first = 0;
            while (first < Math.min(got.size(), inOrder.size()) && got.get(first).equals(inOrder.get(first))) {
                first++;
            }
            assertEquals(inOrder.size(), first, "first out of order at " + first + ": "
                    + got.subList(Math.max(0, first - 3), Math.min(got.size(), first + 6)) + ", expected "
                    + inOrder.subList(Math.max(0, first - 3), Math.min(inOrder.size(), first + 6)));
            assertEquals(inOrder.size(), got.size(), "events run");
        } finally {
            d.shutdown(); // wakes the poller: the worker leaves it
            assertTrue(d.awaitTermination(Duration.ofMillis(WAIT_MILLIS)), "the worker ended");
        }
    }

    /** Shuts {@code d} down, releasing any worker still blocked in {@code p} (after a failed detach), and waits for its threads. */
    private static void stop(WorkStealingDispatcher d, CountingPoller p) throws InterruptedException {
        d.shutdown();
        p.releaseForGood();
        assertTrue(d.awaitTermination(Duration.ofMillis(WAIT_MILLIS)), "the workers ended");
    }

    @Test
    void idleWorkers_manyWakeUpsFromOutside_atMostOneInsideThePollerAndEveryTaskRuns() throws Exception {
        // Four workers going idle and being woken from outside 20,000 times: never two of them inside the poller at once,
        // and every task runs (a worker blocked in the poller is woken through it).
        final WorkStealingDispatcher d = new WorkStealingDispatcher("one-inside-test", 4, 10);
        final CountingPoller p = new CountingPoller();
        try {
            assertTrue(d.attachPoller(p));
            final int tasks = 20_000;
            final CountDownLatch ran = new CountDownLatch(tasks);
            for (int i = 0; i < tasks; i++) {
                d.execute(ran::countDown);
                if (i % 16 == 0) {
                    Thread.yield(); // let the workers run dry and go idle now and then
                }
            }
            assertTrue(ran.await(WAIT_MILLIS, TimeUnit.MILLISECONDS), "tasks still waiting: " + ran.getCount());
            assertEquals(1, p.mostInside.get(), "most workers inside the poller at once");
            d.detachPoller(p);
        } finally {
            stop(d, p);
        }
    }

    /**
     * A poller whose next non-blocking poll, once {@link #gate} is set, schedules {@link #busyTask}
     * on the polling worker (as readiness schedules a socket actor there) and holds the poller
     * until {@link #releaseNow} opens; blocking polls wait for a wake-up and are counted.
     */
    static final class GatedPoller implements IdlePoller {
        final java.util.concurrent.atomic.AtomicBoolean gate = new java.util.concurrent.atomic.AtomicBoolean();
        final CountDownLatch inNow = new CountDownLatch(1);
        final CountDownLatch releaseNow = new CountDownLatch(1);
        final Semaphore blockingEntered = new Semaphore(0);
        private final Semaphore wakeups = new Semaphore(0);
        volatile WorkStealingDispatcher dispatcher;
        volatile Runnable busyTask;
        volatile Thread holder;

        @Override
        public int pollNow() {
            if (gate.compareAndSet(true, false)) {
                holder = Thread.currentThread();
                inNow.countDown();
                try {
                    releaseNow.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                // What the poll found lands on this worker's queue, as a socket actor would; scheduled
                // last, so that nobody can take it before the test lets the poll end.
                dispatcher.execute(busyTask);
                return 0; // not counted: so only the hand-over (pollerWanted) can wake the parked worker
            }
            return 0;
        }

        /** Set when the test ends: from then on nobody blocks inside. */
        volatile boolean releasedForGood;

        @Override
        public int pollBlocking() {
            blockingEntered.release();
            if (!releasedForGood) {
                wakeups.acquireUninterruptibly();
                if (!releasedForGood) {
                    wakeups.drainPermits(); // several wake-ups before one poll end one poll
                }
            }
            return 0;
        }

        @Override
        public void wakeup() {
            wakeups.release();
        }
    }

    @Test
    void workerParkingWhileAnotherHoldsThePollerForANonBlockingPoll_isHandedThePollerWhenThatOneGetsBusy() throws Exception {
        // Worker X holds the poller for a non-blocking poll that finds work for X itself; meanwhile worker Y goes idle,
        // finds the poller taken and parks. When X leaves the poller to run its (long) task, Y must be woken to take the
        // poller over: some worker enters the blocking poll while X is still busy, so sockets stay polled.
        final WorkStealingDispatcher d = new WorkStealingDispatcher("handover-test", 2, 10);
        final GatedPoller p = new GatedPoller();
        p.dispatcher = d;
        final CountDownLatch finishBusy = new CountDownLatch(1);
        final CountDownLatch busyStarted = new CountDownLatch(1);
        p.busyTask = () -> {
            busyStarted.countDown();
            try {
                finishBusy.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        try {
            assertTrue(d.attachPoller(p));
            d.execute(() -> { }); // both workers go idle: one blocks in the poller, the other parks
            assertTrue(p.blockingEntered.tryAcquire(WAIT_MILLIS, TimeUnit.MILLISECONDS), "a worker blocked in the poller");
            p.gate.set(true);
            p.wakeup(); // the worker in the poller (X) comes out, finds nothing to run, polls again without blocking: gated
            assertTrue(p.inNow.await(WAIT_MILLIS, TimeUnit.MILLISECONDS), "X holds the poller in a non-blocking poll");
            final Thread[] y = new Thread[1];
            final CountDownLatch ranOnY = new CountDownLatch(1);
            d.execute(() -> { // wakes the other worker (Y): it runs this, finds the poller taken, and parks
                y[0] = Thread.currentThread();
                ranOnY.countDown();
            });
            assertTrue(ranOnY.await(WAIT_MILLIS, TimeUnit.MILLISECONDS), "Y ran a task");
            assertTrue(y[0] != p.holder, "the task ran on the other worker");
            final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
            while (y[0].getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
                Thread.onSpinWait(); // a probe of Y's state, not a sleep: Y parks as usual (the poller is taken)
            }
            assertEquals(Thread.State.WAITING, y[0].getState(), "Y parked");
            p.blockingEntered.drainPermits();
            p.releaseNow.countDown(); // X leaves the poller with a busy task found: X runs it, or Y steals it
            assertTrue(busyStarted.await(WAIT_MILLIS, TimeUnit.MILLISECONDS), "a worker is busy");
            assertTrue(p.blockingEntered.tryAcquire(5, TimeUnit.SECONDS),
                    "nobody took the poller over while X is busy: sockets would go unpolled");
        } finally {
            finishBusy.countDown();
            p.releaseNow.countDown(); // if an assertion above failed first, X is still held inside
            p.releasedForGood = true;
            d.shutdown();
            p.wakeups.release(1 << 20);
            assertTrue(d.awaitTermination(Duration.ofMillis(WAIT_MILLIS)), "the workers ended");
        }
    }
}
