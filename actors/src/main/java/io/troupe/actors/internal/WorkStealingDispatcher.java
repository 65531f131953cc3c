package io.troupe.actors.internal;

import io.troupe.actors.internal.jfr.TroupeEvents;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.jctools.queues.MpmcUnboundedXaddArrayQueue;

/**
 * The default dispatcher: a fixed set of workers, each with a bounded local run queue and a
 * LIFO slot, a shared injection queue, stealing, and parking. Modelled on Tokio's
 * multi-thread scheduler.
 *
 * <p>{@link #execute} and {@link #yieldTask} may be called from any thread; they take no lock
 * and allocate nothing on a worker thread (an external submission allocates at most a slot of
 * the injection queue's chunk).
 */
public final class WorkStealingDispatcher implements Dispatcher {
    /*
     * Implementation overview
     *
     * Threading protocol. Each Worker owns its SpmcRunQueue and its LIFO slot. A task scheduled
     * from a worker goes to that worker's LIFO slot (the previous occupant moves to the back of
     * the local queue); a task that used its budget goes to the back of the local queue; a task
     * from any other thread goes to the injection queue (JCTools MPMC). A full local queue
     * overflows half of itself to the injection queue. Every GLOBAL_INTERVAL activations a
     * worker polls the injection queue first, so injected work is not starved by local work. At
     * most MAX_LIFO_IN_A_ROW activations in a row come from the LIFO slot, so two actors
     * ping-ponging cannot starve the local queue.
     *
     * An idle worker searches (steals half of a victim's queue, polls the injection queue);
     * at most half of the workers (at least one) search at once. A worker that finds nothing
     * registers as idle and parks. Work that is pushed wakes one idle worker, but only when no
     * worker is searching: a searcher will find it. A searcher that finds work and was the last
     * searcher wakes another worker, so the wake-up chain continues (Tokio's rule).
     *
     * Idle workers drive an attached IdlePoller (the I/O driver, as in Tokio): a worker whose
     * queues are empty polls it without blocking before it steals, a busy worker polls it every
     * EVENT_INTERVAL activations so readiness is seen under full load, and a worker about to
     * park blocks in it instead of LockSupport.park (only one thread is inside the poller at a
     * time: `polling`; the others park as usual). What the poller finds it schedules on the
     * polling worker, at the back of its local queue in the order found (an event loop's batch
     * order: the LIFO slot would let the last one found, and events found by a busy worker's
     * mid-batch poll, jump ahead of older work and stretch the latency tail; the local queue also
     * lets an idle worker steal half of a large batch), so readiness -> read -> handler -> write
     * run on one thread. A worker that found events leaves the idle stack and wakes one idle worker,
     * which takes the poller over (or steals), so a long handler never leaves it unpolled; so
     * does a worker that wake() called out of the poller to run work. A worker about to park
     * that finds the poller taken (perhaps only for another's non-blocking poll, after which that
     * one gets busy) sets `pollerWanted` and parks as usual; whoever leaves the poller then wakes
     * an idle worker to take it over, so the poller is never left with nobody to block in it.
     * wake() of a worker blocked in the poller is the poller's wakeup().
     *
     * Invariants.
     *  - A task is in at most one place: a LIFO slot, a local queue, or the injection queue.
     *  - At most one worker is inside the poller (`polling` is 1 while it is).
     *  - searching <= max(1, workers / 2).
     *  - A worker in `idle` has parked or is about to park, and re-checks every queue after
     *    registering, so a push that saw it idle either wakes it or is seen by it.
     *
     * Memory ordering. Dekker pair: a pusher publishes the task, issues a full fence, then
     * reads `searching` and the idle count; a parking worker registers as idle (a volatile write
     * under the idle lock), issues a full fence, then re-reads every queue. Second Dekker pair,
     * for a worker parking in the poller: it writes `pollingOn`, then reads `notified`; wake()
     * writes `notified`, then reads `pollingOn` and wakes the poller (all volatile), so a wake
     * is never lost; a poller wake-up that arrives early makes the next blocking poll return.
     * Third: a worker that found the poller taken writes `pollerWanted`, then tries to acquire
     * `polling` again; releasePolling writes `polling` = 0, then reads `pollerWanted`: either the
     * parker gets the poller or the releaser wakes an idle worker.
     *
     * Shutdown. shutdown() sets `shutdown`, unparks everybody and wakes the poller; workers leave their loops
     * after the task in hand; queued tasks are dropped (the actor system stops every actor
     * before it shuts its dispatchers down).
     *
     * Counters (issue 15). Steals, parks and polls of the poller are counted in each worker's
     * ActivationProbe with plain reads and opaque stores (one writer each; no atomic), under
     * TroupeEvents.HOOKS, and summed on read by SystemCounters.fold.
     *
     * References. Tokio runtime/scheduler/multi_thread/{worker.rs, queue.rs, idle.rs};
     * "Making the Tokio scheduler 10x faster" (Lerche, 2019).
     */
    static final int GLOBAL_INTERVAL = 61;
    static final int MAX_LIFO_IN_A_ROW = 3;
    /** A busy worker polls the attached poller every this many activations (Tokio's event_interval). */
    static final int EVENT_INTERVAL = 61;

    private final String name;
    private final int throughput;
    private final Worker[] workers;
    private final MpmcUnboundedXaddArrayQueue<Runnable> injector = new MpmcUnboundedXaddArrayQueue<>(1024);
    private final List<ActivationProbe> probes;
    /** Idle workers, a stack guarded by {@code this}. */
    private final Worker[] idle;
    private int idleCount;
    private volatile int idleSize;
    private volatile int searching;
    private volatile boolean shutdown;
    /** The event source idle workers drive (the I/O driver), or null. */
    private volatile IdlePoller poller;
    /**
     * A worker found the poller taken when it was about to park in it; the worker inside clears
     * it on leaving and wakes an idle worker. Volatile: the Dekker pair (write it, then retry the
     * acquire; release, then read it).
     */
    private volatile boolean pollerWanted;
    /** 1 while a worker is inside the poller. */
    private volatile int polling;

    /**
     * Creates and starts the workers.
     *
     * @param name used in thread names
     * @param parallelism worker threads; positive
     * @param throughput messages per actor activation; positive
     */
    public WorkStealingDispatcher(String name, int parallelism, int throughput) {
        if (parallelism <= 0) {
            throw new IllegalArgumentException("parallelism must be positive, was " + parallelism);
        }
        if (throughput <= 0) {
            throw new IllegalArgumentException("throughput must be positive, was " + throughput);
        }
        this.name = name;
        this.throughput = throughput;
        this.workers = new Worker[parallelism];
        this.idle = new Worker[parallelism];
        final List<ActivationProbe> ps = new ArrayList<>(parallelism);
        for (int i = 0; i < parallelism; i++) {
            workers[i] = new Worker(this, i, name + "-worker-" + i);
            ps.add(workers[i].probe);
        }
        this.probes = List.copyOf(ps);
        for (Worker w : workers) {
            w.start();
        }
    }

    @Override
    public void execute(Runnable task) {
        final Thread t = Thread.currentThread();
        if (t instanceof Worker w && w.dispatcher == this) {
            w.scheduleLocal(task);
        } else {
            inject(task);
        }
    }

    @Override
    public void yieldTask(Runnable task) {
        final Thread t = Thread.currentThread();
        if (t instanceof Worker w && w.dispatcher == this) {
            w.pushBack(task);
        } else {
            inject(task);
        }
    }

    @Override
    public int throughput() {
        return throughput;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<ActivationProbe> probes() {
        return probes;
    }

    @Override
    public boolean attachPoller(IdlePoller p) {
        return POLLER.compareAndSet(this, null, java.util.Objects.requireNonNull(p, "poller"));
    }

    @Override
    public void detachPoller(IdlePoller p) {
        if (!POLLER.compareAndSet(this, p, null)) {
            return;
        }
        // A worker may be inside it: wake it until we hold `polling`; whoever takes it after us
        // sees `poller` changed and leaves it alone.
        while (!tryAcquirePolling()) {
            p.wakeup();
            Thread.yield();
        }
        releasePolling();
    }

    @Override
    public void shutdown() {
        shutdown = true;
        for (Worker w : workers) {
            LockSupport.unpark(w);
        }
        final IdlePoller p = poller;
        if (p != null) {
            p.wakeup();
        }
    }

    @Override
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        final long deadline = System.nanoTime() + timeout.toNanos();
        for (Worker w : workers) {
            final long left = deadline - System.nanoTime();
            if (left <= 0) {
                return !anyAlive();
            }
            TimeUnit.NANOSECONDS.timedJoin(w, left);
        }
        return !anyAlive();
    }

    private boolean anyAlive() {
        for (Worker w : workers) {
            if (w.isAlive()) {
                return true;
            }
        }
        return false;
    }

    /** Snapshot counters for diagnostics: activations, steals, parks per worker. */
    public String metrics() {
        final StringBuilder sb = new StringBuilder(name).append(": injector=").append(injector.size());
        for (Worker w : workers) {
            sb.append(" [").append(w.index).append(" local=").append(w.local.size())
                    .append(" runs=").append(w.probe.lvActivations()).append(" steals=").append(w.probe.lvSteals())
                    .append(" parks=").append(w.probe.lvParks()).append(']');
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- shared machinery

    void inject(Runnable task) {
        injector.offer(task);
        VarHandle.fullFence();
        notifyOne();
    }

    /** Wakes one idle worker if nobody is searching. */
    void notifyOne() {
        if (searching != 0 || idleSize == 0) {
            return;
        }
        final Worker w;
        synchronized (this) {
            if (idleCount == 0) {
                return;
            }
            w = idle[--idleCount];
            idle[idleCount] = null;
            idleSize = idleCount;
        }
        w.wake();
    }

    boolean tryStartSearching() {
        for (;;) {
            final int s = searching;
            if (2 * s >= Math.max(2, workers.length)) {
                return false;
            }
            if (SEARCHING.compareAndSet(this, s, s + 1)) {
                return true;
            }
        }
    }

    /** Returns {@code true} if the caller was the last searcher. */
    boolean stopSearching() {
        return (int) SEARCHING.getAndAdd(this, -1) == 1;
    }

    /** Registers {@code w} as idle; returns {@code false} if shut down. */
    void registerIdle(Worker w) {
        synchronized (this) {
            idle[idleCount++] = w;
            idleSize = idleCount;
        }
    }

    /** Removes {@code w} from the idle stack if it is still there; returns whether it was. */
    boolean unregisterIdle(Worker w) {
        synchronized (this) {
            for (int i = 0; i < idleCount; i++) {
                if (idle[i] == w) {
                    idle[i] = idle[--idleCount];
                    idle[idleCount] = null;
                    idleSize = idleCount;
                    return true;
                }
            }
            return false;
        }
    }

    boolean anyWorkVisible() {
        if (!injector.isEmpty()) {
            return true;
        }
        for (Worker w : workers) {
            if (!w.local.isEmpty()) {
                return true;
            }
        }
        return false;
    }

    Runnable pollInjector() {
        return injector.relaxedPoll();
    }

    Runnable steal(Worker thief) {
        final int n = workers.length;
        final int start = ThreadLocalRandom.current().nextInt(n);
        for (int i = 0; i < n; i++) {
            final Worker victim = workers[(start + i) % n];
            if (victim == thief) {
                continue;
            }
            final Runnable task = victim.local.stealHalfInto(thief.local);
            if (task != null) {
                if (TroupeEvents.HOOKS) {
                    thief.probe.onSteal(); // counters (issue 15): a plain per-worker count, no atomic
                }
                return task;
            }
        }
        return pollInjector();
    }

    boolean isShutdown() {
        return shutdown;
    }

    boolean tryAcquirePolling() {
        return polling == 0 && POLLING.compareAndSet(this, 0, 1);
    }

    /**
     * Leaves the poller; if a worker wanted to park in it meanwhile and parked as usual instead
     * (pollerWanted), wakes an idle worker to take it over: otherwise, with this worker busy
     * next, nobody would be in the poller (the Dekker pair with pollOnce's retry).
     */
    void releasePolling() {
        polling = 0;
        if (pollerWanted) { // read after writing `polling`
            pollerWanted = false;
            notifyOne();
        }
    }

    /** A worker thread. */
    static final class Worker extends Thread implements ActivationProbe.ProbeHolder, ThreadSlot {
        final WorkStealingDispatcher dispatcher;
        final int index;
        final SpmcRunQueue local = new SpmcRunQueue();
        final ActivationProbe probe = new ActivationProbe(this);
        private Runnable lifo;
        private int lifoInARow;
        private int tick;
        private volatile boolean notified;
        /** Another module's per-thread state (ThreadSlot); this thread only. */
        private Object slot;
        /**
         * This worker is inside the poller: what the poll schedules here needs no wake-up each,
         * as the poll's end wakes one idle worker for all of it. This thread only.
         */
        private boolean inPoll;
        /** The poller this worker is blocked in (or about to block in), or null. */
        private volatile IdlePoller pollingOn;

        Worker(WorkStealingDispatcher dispatcher, int index, String name) {
            super(name);
            this.dispatcher = dispatcher;
            this.index = index;
            setDaemon(true);
        }

        @Override
        public ActivationProbe probe() {
            return probe;
        }

        /**
         * A task woken by the task this worker is running: the LIFO slot. Inside a poll, the
         * back of the local queue instead (found order; see the overview).
         */
        void scheduleLocal(Runnable task) {
            if (inPoll) {
                pushBack(task);
                return;
            }
            final Runnable previous = lifo;
            lifo = task;
            if (previous != null) {
                pushBack(previous);
            }
        }

        /** The back of the local queue; half of it overflows to the injector when full. */
        void pushBack(Runnable task) {
            if (!local.push(task)) {
                local.drainTo(dispatcher.injector::offer, SpmcRunQueue.CAPACITY / 2);
                local.push(task);
            }
            if (inPoll) {
                return; // the poll's end wakes one idle worker for all it found (pollEventsNow, parkInPoller)
            }
            VarHandle.fullFence();
            dispatcher.notifyOne();
        }

        @Override
        public Object threadSlot() {
            return slot;
        }

        @Override
        public void threadSlot(Object value) {
            slot = value;
        }

        void wake() {
            notified = true;
            final IdlePoller p = pollingOn; // after writing `notified`: the Dekker pair with parkInPoller
            if (p != null) {
                p.wakeup();
            }
            LockSupport.unpark(this);
        }

        @Override
        public void run() {
            try {
                while (!dispatcher.isShutdown()) {
                    Runnable task = next();
                    if (task == null) {
                        pollEventsNow();
                        task = next(); // what the poll scheduled is in this worker's local queue
                    }
                    if (task == null) {
                        task = search();
                    }
                    if (task == null) {
                        park();
                        continue;
                    }
                    runTask(task);
                    if (probe.activations() % EVENT_INTERVAL == 0) {
                        pollEventsNow(); // under full load too, readiness is seen within a bounded number of turns
                    }
                }
            } finally {
                probe.soCurrent(null);
            }
        }

        private void runTask(Runnable task) {
            probe.onActivation(); // the counters' activations, and this worker's event interval
            try {
                task.run();
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable t) {
                // Actor cells contain their users' failures; this is a framework task's failure.
                System.getLogger("io.troupe.actors.dispatcher").log(System.Logger.Level.ERROR,
                        "task failed on " + getName(), t);
            }
        }

        private Runnable next() {
            if (++tick % GLOBAL_INTERVAL == 0) {
                final Runnable injected = dispatcher.pollInjector();
                if (injected != null) {
                    return injected;
                }
            }
            final Runnable slot = lifo;
            if (slot != null) {
                lifo = null;
                if (lifoInARow < MAX_LIFO_IN_A_ROW) {
                    lifoInARow++;
                    return slot;
                }
                pushBack(slot); // let the local queue have a turn
            }
            lifoInARow = 0;
            final Runnable task = local.pop();
            return task != null ? task : dispatcher.pollInjector();
        }

        private Runnable search() {
            if (!dispatcher.tryStartSearching()) {
                return null;
            }
            Runnable task = dispatcher.steal(this);
            if (dispatcher.stopSearching() && task != null) {
                dispatcher.notifyOne(); // we were the last searcher: hand the baton on
            }
            return task;
        }

        /**
         * Polls the attached poller without blocking, if there is one and no other worker is
         * inside it; what it finds lands in this worker's queues. Returns the events found.
         */
        private int pollEventsNow() {
            final int found = pollOnce(false);
            if (found > 0) {
                dispatcher.notifyOne(); // this worker is busy now: an idle one takes the poller over
            }
            return Math.max(found, 0);
        }

        /**
         * Parks by blocking in the attached poller, if there is one and no other worker is in
         * it. Called registered as idle. Returns {@code false} if it did not (park as usual).
         */
        private boolean parkInPoller() {
            final int found = pollOnce(true);
            if (found < 0) {
                return false;
            }
            if (found > 0) {
                dispatcher.unregisterIdle(this);
                dispatcher.notifyOne(); // this worker is busy now: an idle one takes the poller over
            } else if (notified) {
                dispatcher.notifyOne(); // woken out of the poller to run work: likewise
            }
            return true;
        }

        /**
         * One poll of the attached poller, blocking or not, if there is one and no other worker
         * is inside it. A poller failure is logged and the worker goes on.
         *
         * @return the events found, or -1 if this worker could not poll
         */
        private int pollOnce(boolean block) {
            final WorkStealingDispatcher d = dispatcher;
            final IdlePoller p = d.poller;
            if (p == null) {
                return -1;
            }
            if (!d.tryAcquirePolling()) {
                if (!block) {
                    return -1;
                }
                // About to park while another worker is inside, perhaps only for a non-blocking
                // poll after which it gets busy: ask it to hand the poller on, then look again.
                d.pollerWanted = true;
                if (!d.tryAcquirePolling()) {
                    return -1;
                }
            }
            int found = 0;
            inPoll = true;
            try {
                if (d.poller != p) {
                    return 0; // detached meanwhile
                }
                if (!block) {
                    if (TroupeEvents.HOOKS) {
                        probe.onPoll();
                    }
                    found = p.pollNow();
                } else {
                    pollingOn = p;
                    if (!notified && !d.isShutdown()) { // read after writing pollingOn: the Dekker pair with wake()
                        if (TroupeEvents.HOOKS) {
                            probe.onPoll();
                        }
                        found = p.pollBlocking();
                    }
                }
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable t) {
                logPollerFailure(t);
            } finally {
                inPoll = false;
                pollingOn = null;
                d.releasePolling();
            }
            return found;
        }

        private void logPollerFailure(Throwable t) {
            System.getLogger("io.troupe.actors.dispatcher").log(System.Logger.Level.ERROR,
                    "the poller failed on " + getName() + "; the worker goes on", t);
        }

        private void park() {
            dispatcher.registerIdle(this);
            VarHandle.fullFence();
            if (dispatcher.anyWorkVisible() || dispatcher.isShutdown()) {
                if (!dispatcher.unregisterIdle(this)) {
                    notified = false; // someone popped us and will unpark: consume that later
                }
                return;
            }
            if (TroupeEvents.HOOKS) {
                probe.onPark(); // counters (issue 15): a plain per-worker count, no atomic
            }
            if (!parkInPoller()) {
                while (!notified && !dispatcher.isShutdown()) {
                    LockSupport.park(dispatcher);
                }
            }
            notified = false;
            // A late wake() from a notifier that popped us during an earlier park can end this
            // one while we are still on the idle stack; leave it, or the next registerIdle
            // would push us twice (and overflow the stack array).
            dispatcher.unregisterIdle(this);
        }
    }

    private static final VarHandle SEARCHING;
    private static final VarHandle POLLER;
    private static final VarHandle POLLING;

    static {
        try {
            final MethodHandles.Lookup l = MethodHandles.lookup();
            SEARCHING = l.findVarHandle(WorkStealingDispatcher.class, "searching", int.class);
            POLLER = l.findVarHandle(WorkStealingDispatcher.class, "poller", IdlePoller.class);
            POLLING = l.findVarHandle(WorkStealingDispatcher.class, "polling", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
