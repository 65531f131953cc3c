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
     * Invariants: the pool has exactly `parallelism` threads unless a task blocks in a managed
     * way (we never use ManagedBlocker, so it does not grow).
     * Memory ordering: ForkJoinPool's: submission happens-before execution.
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

    private final String name;
    private final int throughput;
    private final FairPool pool;
    private final List<ActivationProbe> probes = new CopyOnWriteArrayList<>();

    /**
     * Creates the pool.
     *
     * @param name used in thread names
     * @param parallelism threads; positive
     * @param throughput messages per actor activation; positive
     */
    public ForkJoinDispatcher(String name, int parallelism, int throughput) {
        if (parallelism <= 0) {
            throw new IllegalArgumentException("parallelism must be positive, was " + parallelism);
        }
        if (throughput <= 0) {
            throw new IllegalArgumentException("throughput must be positive, was " + throughput);
        }
        this.name = name;
        this.throughput = throughput;
        this.pool = new FairPool(parallelism, p -> {
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
     * Tasks stolen between the pool's threads, as {@link ForkJoinPool#getStealCount()} counts
     * them (an estimate the pool keeps per thread and sums on read). Any thread.
     *
     * @return the pool's steal count
     */
    public long stealCount() {
        return pool.getStealCount();
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
        FairPool(int parallelism, ForkJoinWorkerThreadFactory factory) {
            super(parallelism, factory, null, true);
        }

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
            owner.probes.remove(probe);
            super.onTermination(exception);
        }

        @Override
        public ActivationProbe probe() {
            return probe;
        }
    }
}
