package io.troupe.actors;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The phases of an {@link ActorSystem}'s graceful shutdown and the tasks added to them, after
 * Pekko's CoordinatedShutdown. One per system ({@link ActorSystem#gracefulShutdown()}); thread
 * safe.
 *
 * <p>{@link ActorSystem#shutdown()} runs the {@link ShutdownPhase}s in order. Each phase starts
 * its tasks (in the order they were added, all at once), then waits until every task's stage
 * has completed or the phase's deadline ({@link ActorSystem.Builder#shutdownPhaseTimeout}) has
 * passed on the system's clock; a phase that runs late is logged at WARNING with the tasks still
 * running, and the next phase starts anyway. In the two stop phases the runtime's own step (stop
 * {@code /user}, stop {@code /system}) follows the phase's tasks and gets a deadline of its own,
 * so those phases can take up to twice their timeout.
 *
 * <p>Other modules hook in here: io-actors adds a task to {@link ShutdownPhase#SERVICE_UNBIND}
 * that unbinds the listeners, and one to {@link ShutdownPhase#SERVICE_REQUESTS_DONE} that tells
 * connection handlers; an application adds its own (deregister from service discovery, flush a
 * write-behind cache):
 *
 * <pre>{@code
 * system.gracefulShutdown().addTask(ShutdownPhase.BEFORE_SERVICE_UNBIND, "deregister",
 *         () -> discovery.deregister(serviceId));   // returns a CompletionStage
 * }</pre>
 *
 * <p>{@link ActorSystem#close()} is the quick path: it skips the three service phases (their
 * tasks do not run, no {@link ShuttingDown} notice goes out) and runs the two stop phases, tasks
 * included, within its own timeout.
 */
public final class GracefulShutdown {
    /*
     * Implementation overview
     *
     * Threading protocol. addTask and TaskHandle.remove run on any thread under this object's
     * monitor. The phases run on one thread: the one that runs the shutdown (the thread started
     * by ActorSystem.shutdown(), the JVM hook's, or the caller of close()). begin(phase) moves
     * `begun` forward and takes the phase's tasks under the monitor, so a task is either taken
     * by its phase (and runs exactly once) or refused by addTask with an exception: never both,
     * never neither (GracefulShutdownStressTest).
     *
     * Phase lifecycle (`begun`, the ordinal of the last phase begun, -1 before):
     *   -1 -> p     // the runner begins phase p (phases only move forward; skipped ones count as begun)
     *
     * Invariants. A phase's tasks start only after the previous phase ended (finished or late).
     * The runner never waits without a bound: every wait has a wall-clock cap besides the
     * phase's timer, so a manual clock nobody advances cannot hang a shutdown for ever.
     *
     * Memory ordering. The monitor orders addTask before the phase that takes the task; the
     * stages' completions reach the runner through CompletableFuture.
     *
     * Shutdown. `hurry` (set by close() during a graceful run) ends the current service phase
     * at once and skips the others; the stop phases then run as usual.
     *
     * References. Pekko's CoordinatedShutdown (phases, per-phase timeouts, tasks as stages).
     */
    private static final System.Logger LOG = System.getLogger("io.troupe.actors.GracefulShutdown");
    private static final String NOTICE_TASK = "troupe: ShuttingDown notice to the actors under /user";

    private final ActorSystem system;
    private final Map<ShutdownPhase, Duration> timeouts;
    private final EnumMap<ShutdownPhase, List<Task>> tasks = new EnumMap<>(ShutdownPhase.class);
    /** Ordinal of the last phase begun, or -1; guarded by this. */
    private int begun = -1;
    /** Completed by close() during a graceful run: the service phases end now. */
    final CompletableFuture<Void> hurry = new CompletableFuture<>();

    GracefulShutdown(ActorSystem system, Map<ShutdownPhase, Duration> timeouts) {
        this.system = system;
        this.timeouts = new EnumMap<>(timeouts);
        for (ShutdownPhase p : ShutdownPhase.values()) {
            tasks.put(p, new ArrayList<>(2));
        }
    }

    /**
     * Adds a task to {@code phase}. When the phase runs, {@code task.get()} is called on the
     * shutdown thread (it must return quickly: start the work and return its stage) and the
     * phase waits for the stage, up to its deadline. A task that throws or whose stage fails is
     * logged; it counts as finished. Cost: a small object under a monitor. Any thread.
     *
     * @param phase the phase to run in
     * @param name a name for logs and for {@link ShutdownReport#lateTasks()}
     * @param task starts the work and returns a stage completed when it is done
     * @return a handle that removes the task (for example when the listener it would unbind has
     *     already closed)
     * @throws IllegalStateException if {@code phase} has already begun (or was skipped by
     *     {@link ActorSystem#close()}): the task would never run
     */
    public TaskHandle addTask(ShutdownPhase phase, String name, Supplier<? extends CompletionStage<?>> task) {
        Objects.requireNonNull(phase, "phase");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(task, "task");
        if (name.isBlank()) {
            throw new IllegalArgumentException("shutdown task name must not be blank");
        }
        synchronized (this) {
            if (phase.ordinal() <= begun) {
                throw new IllegalStateException("shutdown phase " + phase + " of actor system '" + system.name()
                        + "' has already begun; task '" + name + "' would never run");
            }
            final Task t = new Task(phase, name, task);
            tasks.get(phase).add(t);
            return t;
        }
    }

    /**
     * The deadline of {@code phase}, as configured on the builder. Any thread.
     *
     * @param phase the shutdown phase
     * @return its deadline
     */
    public Duration timeout(ShutdownPhase phase) {
        return timeouts.get(Objects.requireNonNull(phase, "phase"));
    }

    /** Removes a task added with {@link #addTask}. Thread safe. */
    public interface TaskHandle {
        /**
         * Removes the task if its phase has not begun. Any thread.
         *
         * @return {@code true} if the task was removed and will not run; {@code false} if its
         *     phase has begun (it runs or ran) or it was already removed
         */
        boolean remove();
    }

    // ---------------------------------------------------------------- the runner

    /**
     * Runs the phases from {@code first} on, then shuts the system's threads down. Called once,
     * by the thread that won the system's state change.
     *
     * @param timed whether the phases are timed by their deadlines on the system clock (the
     *     graceful path); otherwise (close) the tasks of a stop phase get the phase's timeout in
     *     wall time and the actors what is left of {@code capNanos}
     * @param capNanos a {@link System#nanoTime()} deadline no wait goes past
     */
    ShutdownReport runPhases(ShutdownPhase first, boolean timed, long capNanos) {
        final List<String> late = new ArrayList<>();
        for (ShutdownPhase phase : ShutdownPhase.values()) {
            final List<Task> phaseTasks = begin(phase); // skipped phases count as begun: addTask refuses them
            if (phase.ordinal() < first.ordinal()) {
                continue;
            }
            if (phase == ShutdownPhase.STOP_USER_ACTORS) {
                system.beginStoppingActors();
            }
            if (phase.isServicePhase() && hurry.isDone()) {
                continue; // close() cut the graceful path short
            }
            final long timeoutNanos = timeouts.get(phase).toNanos();
            final List<String> unfinished = new ArrayList<>();
            final List<String> names = new ArrayList<>(phaseTasks.size() + 1);
            final List<CompletableFuture<Void>> running = new ArrayList<>(phaseTasks.size() + 1);
            final Deadline deadline = new Deadline(timed, timeoutNanos, capNanos);
            if (phase == ShutdownPhase.SERVICE_REQUESTS_DONE) {
                names.add(NOTICE_TASK);
                running.add(system.notifyUserActors());
            }
            for (Task t : phaseTasks) {
                names.add(t.name);
                running.add(t.start());
            }
            if (!running.isEmpty()) {
                deadline.await(CompletableFuture.allOf(running.toArray(new CompletableFuture<?>[0])),
                        phase.isServicePhase() ? hurry : null);
                for (int i = 0; i < running.size(); i++) {
                    if (!running.get(i).isDone()) {
                        unfinished.add(names.get(i));
                    }
                }
            }
            deadline.cancel();
            if (!phase.isServicePhase()) {
                final boolean user = phase == ShutdownPhase.STOP_USER_ACTORS;
                // The actors get a deadline of their own, so that a late task does not cost them theirs;
                // on close() they get what is left of its timeout, as before phases existed.
                final Deadline stopDeadline = new Deadline(timed, timed ? timeoutNanos : Long.MAX_VALUE, capNanos);
                final CompletableFuture<Void> stopped = system.stopGuardian(user);
                stopDeadline.await(stopped, null);
                stopDeadline.cancel();
                if (!stopped.isDone()) {
                    unfinished.add(user ? "troupe: stopping the actors under /user" : "troupe: stopping the actors under /system");
                }
            }
            if (!unfinished.isEmpty()) {
                for (String u : unfinished) {
                    late.add(phase + ": " + u);
                }
                final String why = phase.isServicePhase() && hurry.isDone() ? "was cut short by close()"
                        : "did not finish within " + (timed ? timeouts.get(phase) : "its time");
                LOG.log(System.Logger.Level.WARNING, "shutdown of actor system ''{0}'': phase {1} {2}; still running: {3};"
                        + " going on with the next phase", system.name(), phase, why, unfinished);
            }
        }
        return new ShutdownReport(late, system.finishStop(timed ? System.nanoTime() + timeouts.get(ShutdownPhase.STOP_SYSTEM_ACTORS).toNanos() : capNanos));
    }

    /** Marks {@code phase} begun and takes its tasks. */
    private synchronized List<Task> begin(ShutdownPhase phase) {
        begun = phase.ordinal();
        final List<Task> taken = new ArrayList<>(tasks.get(phase));
        tasks.get(phase).clear();
        return taken;
    }

    /** The phase begun last, or null before the shutdown; for tests. */
    synchronized ShutdownPhase currentPhase() {
        return begun < 0 ? null : ShutdownPhase.values()[begun];
    }

    /** The sum of the phases' timeouts (twice for the stop phases), for the wall-clock cap. */
    long worstCaseNanos() {
        long sum = 0;
        for (ShutdownPhase p : ShutdownPhase.values()) {
            final long t = timeouts.get(p).toNanos();
            sum += p.isServicePhase() ? t : 2 * t; // each at most an hour (the builder checks): no overflow
        }
        return sum;
    }

    /** A stage completed (normally) when {@code stage} completes in any way. */
    static CompletableFuture<Void> settled(CompletionStage<?> stage) {
        final CompletableFuture<Void> f = new CompletableFuture<>();
        stage.whenComplete((v, t) -> f.complete(null));
        return f;
    }

    /** One wait of the runner: a phase timer on the system clock (graceful) and a wall-clock cap. */
    private final class Deadline {
        private final CompletableFuture<Void> timer = new CompletableFuture<>();
        private final TimerService.Handle handle;
        private final long wallNanos;

        Deadline(boolean timed, long timeoutNanos, long capNanos) {
            if (timed) {
                handle = system.timerService().schedule(timeoutNanos, () -> timer.complete(null));
                wallNanos = capNanos;
            } else {
                handle = null;
                final long now = System.nanoTime();
                wallNanos = capNanos - now < timeoutNanos ? capNanos : now + timeoutNanos;
            }
        }

        /** Waits until {@code work} or {@code cut} completes, the timer fires or the wall cap passes. */
        void await(CompletableFuture<?> work, CompletableFuture<?> cut) {
            final CompletableFuture<Object> any = cut == null
                    ? CompletableFuture.anyOf(work, timer) : CompletableFuture.anyOf(work, timer, cut);
            try {
                any.get(Math.max(0, wallNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                // late: reported by the caller
            }
        }

        void cancel() {
            if (handle != null) {
                handle.cancel();
            }
        }
    }

    /** A task added to a phase. */
    private final class Task implements TaskHandle {
        final ShutdownPhase phase;
        final String name;
        final Supplier<? extends CompletionStage<?>> body;

        Task(ShutdownPhase phase, String name, Supplier<? extends CompletionStage<?>> body) {
            this.phase = phase;
            this.name = name;
            this.body = body;
        }

        @Override
        public boolean remove() {
            synchronized (GracefulShutdown.this) {
                return phase.ordinal() > begun && tasks.get(phase).remove(this);
            }
        }

        /** Starts the task on the runner's thread; failures are logged and count as finished. */
        CompletableFuture<Void> start() {
            final CompletionStage<?> stage;
            try {
                stage = Objects.requireNonNull(body.get(), "the task returned a null stage");
            } catch (VirtualMachineError vme) {
                throw vme;
            } catch (Throwable t) {
                LOG.log(System.Logger.Level.WARNING, "shutdown task ''" + name + "'' of phase " + phase + " threw", t);
                return CompletableFuture.completedFuture(null);
            }
            final CompletableFuture<Void> done = new CompletableFuture<>();
            stage.whenComplete((v, t) -> {
                if (t != null) {
                    LOG.log(System.Logger.Level.WARNING, "shutdown task ''" + name + "'' of phase " + phase + " failed", t);
                }
                done.complete(null);
            });
            return done;
        }
    }
}
