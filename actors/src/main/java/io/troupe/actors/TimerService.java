package io.troupe.actors;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The actor runtime's view of time: one-shot and periodic framework tasks (timer messages, ask
 * timeouts, the slow-handler watchdog). Tasks run on the timer thread and must only enqueue.
 */
final class TimerService {
    /*
     * Threading protocol: any thread schedules and cancels; tasks run on the single timer thread.
     * Invariants: a cancelled handle's task does not start after cancel() returned true.
     * Memory ordering: the executor's; scheduling happens-before the task runs.
     * Shutdown: close() cancels everything and stops the thread.
     * References: java.util.concurrent.ScheduledThreadPoolExecutor (remove-on-cancel).
     */

    /** A scheduled task. */
    interface Handle {
        /** Cancels the task; {@code true} if it had not run yet and now never will. */
        boolean cancel();
    }

    private final ScheduledThreadPoolExecutor executor;

    TimerService(String systemName) {
        executor = new ScheduledThreadPoolExecutor(1, r -> {
            final Thread t = new Thread(r, systemName + "-timer");
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    Handle schedule(long delayNanos, Runnable task) {
        final ScheduledFuture<?> f = executor.schedule(task, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
        return () -> f.cancel(false);
    }

    Handle scheduleAtFixedRate(long initialNanos, long periodNanos, Runnable task) {
        final ScheduledFuture<?> f = executor.scheduleAtFixedRate(task, Math.max(0, initialNanos), periodNanos, TimeUnit.NANOSECONDS);
        return () -> f.cancel(false);
    }

    long nanoTime() {
        return System.nanoTime();
    }

    void close() {
        executor.shutdownNow();
    }

    boolean awaitTermination(long nanos) throws InterruptedException {
        return executor.awaitTermination(nanos, TimeUnit.NANOSECONDS);
    }
}
