package io.troupe.actors.internal;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.TimeUnit;

/**
 * The alternative dispatcher: a {@link ForkJoinPool} in async (FIFO) mode. {@link #execute}
 * from a pool thread pushes to that thread's work queue; from any other thread it submits to
 * the pool's shared queues. Each submission allocates the pool's task adapter.
 */
public final class ForkJoinDispatcher implements Dispatcher {
    /*
     * Threading protocol: delegated to ForkJoinPool; tasks may be submitted from any thread.
     * Invariants: the pool has at most `parallelism` threads unless a task blocks in a managed
     * way (we never use ManagedBlocker, so it does not grow); when every thread is idle the
     * pool ends one each `keepAlive` (the last to go idle first) and starts new ones when work
     * comes.
     * Counts (issue 15): each thread's ActivationProbe is in `probes` from onStart until its
     * onTermination, which the ending thread runs itself after its last task (the JDK's hook:
     * ForkJoinWorkerThread.run calls it in a finally); there it adds its final counts to
     * `retired` and leaves `probes`, both under the `retired` monitor. addCounts sums `probes`
     * and `retired` under the same monitor, so each ended thread's counts are in the sums exactly
     * once, and (its final counts being at least what any earlier sum read of its probe) the
     * sums never go down when the pool retires a thread.
     * Memory ordering: ForkJoinPool's: submission happens-before execution. `retired` is
     * guarded by its monitor; probes are read with opaque loads (one writer each).
     * Fairness: a pool thread drains its own FIFO queue before it looks at the shared
     * submission queues, so actors that keep re-scheduling themselves on every thread (a
     * flooder's yield, a ping-pong pair) would starve every submission from outside the pool:
     * timer messages, ask timeouts, a tell from the application, even the guardian's Stop at
     * close(). So on each yield, and every SUBMISSION_INTERVAL local schedules, the scheduling
     * thread first moves one outside submission to its own queue, ahead of the task it pushes
     * (the work-stealing dispatcher's GLOBAL_INTERVAL rule).
     * Shutdown: shutdownNow() interrupts idle threads; queued tasks are dropped (actors are
     * stopped before the dispatcher is shut down).
     * References: java.util.concurrent.ForkJoinPool (asyncMode); Pekko's ForkJoinExecutorConfigurator.
     */
    /** Local schedules between two forced looks at the outside submissions. */
    static final int SUBMISSION_INTERVAL = 61;
    /** The {@code ForkJoinPool}'s own default keep-alive of idle threads. */
    public static final Duration DEFAULT_KEEP_ALIVE = Duration.ofSeconds(60);

    private final String name;
    private final int throughput;
    private final FairPool pool;
    private final List<ActivationProbe> probes = new CopyOnWriteArrayList<>();
    /** The counts of the pool threads that have ended; guarded by its own monitor (with `probes`' removals). */
    private final WorkerCounts retired = new WorkerCounts();

    /**
     * Creates the pool; an idle thread ends after the {@code ForkJoinPool}'s default keep-alive
     * (60 seconds).
     *
     * @param name used in thread names
     * @param parallelism threads; positive
     * @param throughput messages per actor activation; positive
     */
    public ForkJoinDispatcher(String name, int parallelism, int throughput) {
        this(name, parallelism, throughput, DEFAULT_KEEP_ALIVE);
    }

    /**
     * Creates the pool.
     *
     * @param name used in thread names
     * @param parallelism threads; positive
     * @param throughput messages per actor activation; positive
     * @param keepAlive how long the pool keeps a thread that has nothing to run (when all are
     *     idle) before it ends it; positive (the pool rounds it up to its own minimum, 20 ms)
     */
    public ForkJoinDispatcher(String name, int parallelism, int throughput, Duration keepAlive) {
        if (parallelism <= 0) {
            throw new IllegalArgumentException("parallelism must be positive, was " + parallelism);
        }
        if (throughput <= 0) {
            throw new IllegalArgumentException("throughput must be positive, was " + throughput);
        }
        if (java.util.Objects.requireNonNull(keepAlive, "keepAlive").isNegative() || keepAlive.isZero()) {
            throw new IllegalArgumentException("keepAlive must be positive, was " + keepAlive);
        }
        this.name = name;
        this.throughput = throughput;
        this.pool = new FairPool(parallelism, keepAlive, p -> {
            final Thread t = new ProbedThread(p, this);
            t.setName(name + "-fj-" + t.getName().replaceAll("\\D+", ""));
            t.setDaemon(true);
            return (ForkJoinWorkerThread) t;
        });
    }

    @Override
    public void execute(Runnable task) {
        if (Thread.currentThread() instanceof ProbedThread t && t.owner == this
                && ++t.localSchedules % SUBMISSION_INTERVAL == 0) {
            pool.admitOneSubmission();
        }
        pool.execute(task);
    }

    @Override
    public void yieldTask(Runnable task) {
        if (Thread.currentThread() instanceof ProbedThread t && t.owner == this) {
            pool.admitOneSubmission(); // the yielding task goes behind one outside submission
        }
        pool.execute(task);
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

    /**
     * The live threads' probes and the counts of the threads the pool has ended; steals are the
     * pool's own count ({@link ForkJoinPool#getStealCount()}, an estimate it keeps per thread,
     * keeps for ended threads too, and sums on read); parks are not counted (the pool parks
     * inside itself, with no hook). Any thread.
     */
    @Override
    public void addCounts(WorkerCounts into) {
        synchronized (retired) {
            for (ActivationProbe p : probes) {
                into.add(p);
            }
            into.add(retired);
        }
        into.addSteals(pool.getStealCount());
    }

    /** The ending thread itself, after its last task: its counts move from `probes` to `retired`. */
    private void retire(ActivationProbe probe) {
        synchronized (retired) {
            retired.add(probe); // its own counts, read by its own thread: exact
            probes.remove(probe);
        }
    }

    @Override
    public void shutdown() {
        pool.shutdownNow();
    }

    @Override
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return pool.awaitTermination(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** A ForkJoinPool that lets its own threads pull an outside submission into their queue. */
    private static final class FairPool extends ForkJoinPool {
        FairPool(int parallelism, Duration keepAlive, ForkJoinWorkerThreadFactory factory) {
            // The defaults of the four-argument constructor (core size 0 acts as `parallelism`,
            // the pool's maximum, at least one runnable thread, no saturation predicate), with
            // the keep-alive of idle threads.
            super(parallelism, factory, null, true, 0, MAX_THREADS, 1, null, Math.max(1, keepAlive.toMillis()),
                    TimeUnit.MILLISECONDS);
        }

        /** More than the pool's limit (32767), which the pool then uses. */
        private static final int MAX_THREADS = 0x7fff;

        /** Pool thread only: moves the oldest outside submission, if any, to this thread's queue. */
        void admitOneSubmission() {
            final ForkJoinTask<?> submitted = pollSubmission();
            if (submitted != null) {
                execute(submitted); // from a pool thread: pushed to its own (FIFO) queue
            }
        }
    }

    private static final class ProbedThread extends ForkJoinWorkerThread implements ActivationProbe.ProbeHolder {
        private final ActivationProbe probe = new ActivationProbe(this, true);
        private final ForkJoinDispatcher owner;
        /** Local schedules made by this thread; owner thread only. */
        private int localSchedules;

        ProbedThread(ForkJoinPool pool, ForkJoinDispatcher owner) {
            super(pool);
            this.owner = owner;
        }

        @Override
        protected void onStart() {
            super.onStart();
            owner.probes.add(probe);
        }

        @Override
        protected void onTermination(Throwable exception) {
            owner.retire(probe);
            super.onTermination(exception);
        }

        @Override
        public ActivationProbe probe() {
            return probe;
        }
    }
}
