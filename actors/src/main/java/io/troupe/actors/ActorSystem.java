package io.troupe.actors;

import io.troupe.actors.internal.ActivationProbe;
import io.troupe.actors.internal.Dispatcher;
import io.troupe.actors.internal.ForkJoinDispatcher;
import io.troupe.actors.internal.WorkStealingDispatcher;
import io.troupe.mailbox.OverflowPolicy;
import io.troupe.timers.Clock;
import io.troupe.timers.ManualClock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * A tree of actors and the threads that run them: dispatchers, a timer thread, a bounded
 * blocking pool. Create one per application with {@link #create} or {@link #builder}, spawn
 * top-level actors with {@link #spawn}, and stop everything either gracefully with
 * {@link #shutdown()} (phases with deadlines: stop accepting, let the actors drain, stop them;
 * see {@link GracefulShutdown}) or at once with {@link #close()}. A service that runs until the
 * process is told to stop opts in to a JVM shutdown hook
 * ({@link Builder#shutdownOnJvmExit(boolean)}) and waits for {@link #whenTerminated()}.
 *
 * <p>All methods may be called from any thread.
 *
 * <pre>{@code
 * try (ActorSystem system = ActorSystem.create("demo")) {
 *     ActorRef<Counter.Msg> counter = system.spawn(Counter::new, "counter");
 *     counter.tell(new Counter.Add(2));
 *     int total = counter.ask(Counter.Get::new, Duration.ofSeconds(1)).toCompletableFuture().join();
 * }
 * }</pre>
 */
public final class ActorSystem implements AutoCloseable {
    /*
     * Implementation overview
     *
     * Threading protocol. spawn() links a cell under the /user guardian (its monitor) from any
     * thread. The shutdown runs once, on the thread that moved `state` out of OPEN (the thread
     * shutdown() starts, the JVM hook's, or close()'s caller); concurrent callers wait for the
     * same outcome (`closed`). Dispatchers are created on first use under this object's monitor.
     *
     * Lifecycle (`state`):
     *   OPEN -> SHUTTING_DOWN      // shutdown() or the JVM hook: the service phases run; spawns still work
     *   OPEN -> STOPPING           // close(): the service phases are skipped
     *   SHUTTING_DOWN -> STOPPING  // phase STOP_USER_ACTORS begins: no more top-level spawns
     *   STOPPING -> (closed done)  // actors stopped (or given up on), threads shut down
     * close() during SHUTTING_DOWN completes the shutdown's `hurry`: the service phases end at once.
     *
     * Invariants. Every actor descends from /user or /system; a guardian terminates only after
     * its whole subtree did (ActorCell invariant 5).
     *
     * Shutdown. GracefulShutdown.runPhases: the service phases (graceful path only), then stop
     * /user, wait for it; stop /system, wait; then finishStop(): the watchdog, the timer thread,
     * the blocking pool and the dispatchers, each joined within what is left of the deadline.
     * Actors that did not stop are reported by path.
     *
     * References. Pekko's ActorSystemImpl and CoordinatedShutdown (phases, timeouts).
     */
    private static final System.Logger LOG = System.getLogger("io.troupe.actors.ActorSystem");

    static {
        io.troupe.actors.internal.SystemAccess.install(s -> s.dispatcher(DispatcherKind.DEFAULT));
        io.troupe.actors.internal.SystemAccess.installLivingUserActors(ActorSystem::livingUserActors);
        io.troupe.actors.internal.SystemAccess.installLifecycleInstaller((s, l) -> s.lifecycleListener = l);
        io.troupe.actors.internal.SystemAccess.installCounters(ActorSystem::counters);
        io.troupe.actors.internal.SystemAccess.installFence(ActorCell::fence);
        io.troupe.actors.internal.SystemAccess.installForeign(ActorCell::foreignTerminated, ActorSystem::resolve);
    }

    private final String name;
    private final Builder settings;
    private final DeadLetters deadLetters;
    private final AtomicLong uids = new AtomicLong();
    private final TimerService timerService;
    private final TimerService watchdogTimers;
    private final ThreadPoolExecutor blockingPool;
    /** Neither close() nor shutdown() has been called. */
    private static final int OPEN = 0;
    /** A graceful shutdown runs its service phases. */
    private static final int SHUTTING_DOWN = 1;
    /** The actors are being stopped (close(), or the graceful path reached STOP_USER_ACTORS). */
    private static final int STOPPING = 2;

    private final AtomicInteger state = new AtomicInteger(OPEN);
    private final CompletableFuture<ShutdownReport> closed = new CompletableFuture<>();
    private final GracefulShutdown gracefulShutdown;
    /** The JVM shutdown hook (Builder.shutdownOnJvmExit), or null. */
    private final Thread jvmHook;
    /** The default dispatcher, behind executor(). */
    private final Dispatcher defaultDispatcher;
    /** Set before the dispatchers shut down: executor() refuses tasks from then on. */
    private volatile boolean threadsStopping;
    private final CompletableFuture<Void> userTerminated = new CompletableFuture<>();
    private final CompletableFuture<Void> systemTerminated = new CompletableFuture<>();
    private Dispatcher workStealing;
    private Dispatcher forkJoin;
    private final ActorCell<Object> userGuardian;
    private final ActorCell<Object> systemGuardian;
    private final TimerService.Handle watchdog;
    /** The counters file (or memory) of this system (issue 15). */
    private final io.troupe.actors.internal.counters.SystemCounters counters;
    /** The slowest handler runs the watchdog saw (issue 15, the console). */
    private final SlowestHandlers slowest = new SlowestHandlers();
    /** This system's JMX MBean (issue 15), or null (Builder.jmx(false), or it could not register). */
    private final io.troupe.actors.internal.jmx.ActorSystemMBean mbean;
    /** Told of stops and restarts (the sync package's event stream); null until one is installed. */
    volatile io.troupe.actors.internal.LifecycleListener lifecycleListener;

    private ActorSystem(String name, Builder settings) {
        this.name = name;
        this.settings = settings;
        this.counters = io.troupe.actors.internal.counters.SystemCounters.open(name, settings.countersDirectory());
        if (settings.tracing) {
            TraceSpan.enableTracing();
        }
        this.deadLetters = new DeadLetters(settings.deadLetterLogsPerSecond, settings.clock, counters);
        this.timerService = new TimerService(settings.clock);
        counters.attach(this::dispatchers, timerService::pendingTimers);
        // The watchdog measures real time even when the system runs on a manual clock.
        this.watchdogTimers = settings.clock instanceof ManualClock ? new TimerService(Clock.system()) : timerService;
        final AtomicInteger blockingIds = new AtomicInteger();
        this.blockingPool = new ThreadPoolExecutor(settings.blockingPoolSize, settings.blockingPoolSize, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(settings.blockingQueueCapacity), r -> {
                    final Thread t = new Thread(r, name + "-blocking-" + blockingIds.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        blockingPool.allowCoreThreadTimeOut(true);
        final Supplier<Actor<Object>> guardian = () -> new Actor<>() {
            @Override
            protected void receive(Object message) {
                // guardians take no messages of their own
            }
        };
        final Dispatcher d = dispatcher(DispatcherKind.DEFAULT);
        this.defaultDispatcher = d;
        this.userGuardian = new ActorCell<>(this, null, "user", 0, d, guardian, 16, OverflowPolicy.DEAD_LETTER);
        this.systemGuardian = new ActorCell<>(this, null, "system", 0, d, guardian, 16, OverflowPolicy.DEAD_LETTER);
        userGuardian.traced = settings.tracing; // inherited by the actors below unless they choose
        userGuardian.start();
        systemGuardian.start();
        final long period = Math.max(1_000_000L, settings.slowHandlerThreshold.toNanos() / 2);
        this.watchdog = watchdogTimers.scheduleAtFixedRate(period, period, new SlowHandlerWatchdog());
        this.gracefulShutdown = new GracefulShutdown(this, settings.shutdownPhaseTimeouts);
        this.mbean = settings.jmx() ? io.troupe.actors.internal.jmx.ActorSystemMBean.register(this) : null;
        if (settings.shutdownOnJvmExit) {
            this.jvmHook = new Thread(this::runFromJvmHook, name + "-jvm-shutdown");
            Runtime.getRuntime().addShutdownHook(jvmHook);
        } else {
            this.jvmHook = null;
        }
    }

    /**
     * Creates a system with the default settings (one worker per core, work-stealing).
     *
     * @param name the system's name (letters, digits and {@code -_.~:@+=})
     * @return the running system
     */
    public static ActorSystem create(String name) {
        return builder(name).build();
    }

    /**
     * A builder for a system named {@code name}.
     *
     * @param name the system's name
     * @return a builder with the defaults
     */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /**
     * The system's name.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * Spawns a top-level actor under {@code /user} with this name. Any thread.
     *
     * @param factory creates the actor
     * @param name its name, unique under {@code /user}
     * @param <M> its message type
     * @return its ref
     * @throws IllegalArgumentException if the name is invalid or taken
     * @throws IllegalStateException if the system is closed
     */
    public <M> ActorRef<M> spawn(Supplier<? extends Actor<M>> factory, String name) {
        return spawn(factory, SpawnOptions.named(name));
    }

    /**
     * Spawns a top-level actor with a generated name. Any thread.
     *
     * @param factory creates the actor
     * @param <M> its message type
     * @return its ref
     */
    public <M> ActorRef<M> spawnAnonymous(Supplier<? extends Actor<M>> factory) {
        return spawn(factory, SpawnOptions.defaults());
    }

    /**
     * Spawns a top-level actor under {@code /user}. The factory runs on the actor's dispatcher.
     * Any thread; cost as {@link ActorContext#spawn(Supplier, SpawnOptions)}.
     *
     * @param factory creates the actor
     * @param options its name, mailbox, dispatcher and throughput
     * @param <M> its message type
     * @return its ref
     * @throws IllegalStateException if the system is closed
     */
    public <M> ActorRef<M> spawn(Supplier<? extends Actor<M>> factory, SpawnOptions options) {
        if (state.get() == STOPPING) {
            throw new IllegalStateException("actor system '" + name + "' is closed");
        }
        return userGuardian.spawnFromOutside(factory, options);
    }

    /**
     * Spawns a runtime-internal actor under {@code /system} (test probes, socket managers).
     *
     * @param factory creates the actor
     * @param options its name, mailbox, dispatcher and throughput
     * @param <M> its message type
     * @return its ref
     */
    public <M> ActorRef<M> spawnSystemActor(Supplier<? extends Actor<M>> factory, SpawnOptions options) {
        if (state.get() == STOPPING) {
            throw new IllegalStateException("actor system '" + name + "' is closed");
        }
        return systemGuardian.spawnFromOutside(factory, options);
    }

    /**
     * Stops an actor from outside, as if its parent stopped it (children first, then
     * {@code postStop}), and returns a stage completed once it has terminated: its
     * {@code postStop} has run and its watchers are being told. Stopping an actor that has
     * already terminated returns a completed stage. Cost: two system messages and a future.
     * Any thread; to wait from inside an actor, continue with {@code pipeToSelf} rather than
     * blocking.
     *
     * <p>Memory consistency effects: the actor's actions, {@code postStop} included,
     * happen-before the actions that depend on the returned stage.
     *
     * @param ref the actor to stop
     * @return completed once the actor has terminated
     * @throws IllegalArgumentException if {@code ref} is not an actor of this system
     */
    public CompletionStage<Void> stop(ActorRef<?> ref) {
        final ActorCell<?> cell = cellOf(ref, "stop");
        final CompletionStage<Void> terminated = cell.whenTerminated();
        cell.requestStop();
        return terminated;
    }

    /**
     * A stage completed once the actor behind {@code ref} has terminated, however it stopped
     * (itself, its parent, a failure, the system's shutdown); already completed if it has. The
     * stage never fails. Cost: one system message and a future. Any thread.
     *
     * @param ref an actor of this system
     * @return a stage completed when that actor has terminated
     * @throws IllegalArgumentException if {@code ref} is not an actor of this system
     */
    public CompletionStage<Void> whenTerminated(ActorRef<?> ref) {
        return cellOf(ref, "watch").whenTerminated();
    }

    private ActorCell<?> cellOf(ActorRef<?> ref, String verb) {
        Objects.requireNonNull(ref, "ref");
        if (!(ref instanceof ActorCell<?> cell) || cell.system != this) {
            throw new IllegalArgumentException("cannot " + verb + " " + ref + ": not an actor of actor system '" + name + "'");
        }
        return cell;
    }

    /**
     * The clock that timers, receive timeouts, ask timeouts and restart backoffs measure.
     *
     * @return the clock
     */
    public Clock clock() {
        return timerService.clock();
    }

    /**
     * The system's default dispatcher as an {@link Executor}: {@code stage.thenApplyAsync(f,
     * system.executor())} runs {@code f} on the workers that run the actors, instead of the
     * common pool (or, on a machine with fewer than 3 cores, a new thread per task). Tasks run
     * in no particular order, alongside actors; they must not block (use
     * {@link ActorContext#spawnBlocking} for that), and an exception a task throws is logged.
     * Cost: lock-free, one queue slot; from a worker the task goes to that worker's own queue.
     * Any thread.
     *
     * @return an executor that runs tasks on the default dispatcher
     * @throws RejectedExecutionException (from {@code execute}) once the system's threads are
     *     shutting down; a task accepted just before may not run
     */
    public Executor executor() {
        return this::executeOnDispatcher;
    }

    private void executeOnDispatcher(Runnable task) {
        Objects.requireNonNull(task, "task");
        if (threadsStopping) {
            throw new RejectedExecutionException("actor system '" + name + "' has stopped: its executor takes no more tasks");
        }
        defaultDispatcher.execute(task);
    }

    /**
     * Dead letters of this system.
     *
     * @return the dead letters
     */
    public DeadLetters deadLetters() {
        return deadLetters;
    }

    /**
     * Whether the system has begun stopping its actors: {@link #close()} was called, or a
     * graceful {@link #shutdown()} reached {@link ShutdownPhase#STOP_USER_ACTORS}. Top-level
     * spawns are refused from then on. Any thread.
     *
     * @return {@code true} once stopping has begun
     */
    public boolean isClosed() {
        return state.get() == STOPPING;
    }

    /**
     * The phases of this system's graceful shutdown, to add tasks to. Any thread.
     *
     * @return the one {@link GracefulShutdown} of this system
     */
    public GracefulShutdown gracefulShutdown() {
        return gracefulShutdown;
    }

    /**
     * Shuts the system down gracefully and returns at once: on a thread of its own, runs the
     * {@link ShutdownPhase}s in order, each within its deadline (stop accepting, tell the actors
     * with {@link ShuttingDown} and let them drain, stop the actors under {@code /user}, then
     * those under {@code /system}), then ends the system's threads. Idempotent: a later call (or
     * a call while {@link #close()} runs) returns the same stage. Any thread, an actor's
     * included.
     *
     * @return {@link #whenTerminated()}
     */
    public CompletionStage<ShutdownReport> shutdown() {
        if (state.compareAndSet(OPEN, SHUTTING_DOWN)) {
            final Thread t = new Thread(this::runGraceful, name + "-shutdown");
            t.setDaemon(false); // the JVM waits for the shutdown
            t.start();
        }
        return whenTerminated();
    }

    /**
     * A stage completed once the system has stopped, by {@link #shutdown()} or {@link #close()},
     * with what ran late and which actors did not stop. Its dependent actions run on the thread
     * that finished the shutdown. Any thread; a {@code main} that serves until SIGTERM waits on
     * it.
     *
     * @return a stage completed with the shutdown's report
     */
    public CompletionStage<ShutdownReport> whenTerminated() {
        return closed.minimalCompletionStage();
    }

    /**
     * Stops every actor (children first, see {@link ActorContext#stop}), then the system's
     * threads, waiting up to 10 seconds; logs the actors that did not stop. Idempotent; any
     * thread other than one of the system's own. See {@link #close(Duration)}.
     */
    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }

    /**
     * Stops the system quickly, on the calling thread, within {@code timeout}: the quick path of
     * {@link #shutdown()}. It skips the three service phases (their tasks do not run and no
     * {@link ShuttingDown} notice goes out) and runs {@link ShutdownPhase#STOP_USER_ACTORS} and
     * {@link ShutdownPhase#STOP_SYSTEM_ACTORS}: each phase's tasks (within the phase's timeout and
     * what is left of this one), then the stop of its actors, then the threads end. If a graceful
     * shutdown is running, its current service phase ends at once, the others are skipped, and
     * this call waits for it to finish (up to {@code timeout}). Idempotent; any thread other than
     * one of the system's own.
     *
     * @param timeout how long to wait for everything to stop
     * @return the paths of the actors that had not stopped when the timeout ran out (empty when
     *     everything stopped): first those holding the stop up (no child of theirs is left), then
     *     their ancestors, which only wait for them
     * @throws IllegalStateException if called from one of this system's actors (it would wait
     *     for itself): use {@link #shutdown()}, which does not wait
     */
    public List<String> close(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        final ActivationProbe probe = ActivationProbe.current();
        if (probe != null && probe.lvCurrent() instanceof ActorCell<?> running && running.system == this) {
            throw new IllegalStateException("close() called from actor " + running.path()
                    + ": it would wait for itself; call shutdown(), stop the actor instead, or close from another thread");
        }
        final long cap = System.nanoTime() + TimerService.clampedNanos(timeout);
        if (state.compareAndSet(OPEN, STOPPING)) {
            final ShutdownReport report = runShutdown(ShutdownPhase.STOP_USER_ACTORS, false, cap);
            return report.actorsNotStopped();
        }
        gracefulShutdown.hurry.complete(null);
        try {
            return closed.get(TimerService.clampedNanos(timeout), TimeUnit.NANOSECONDS).actorsNotStopped();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of("(interrupted while waiting for close)");
        } catch (ExecutionException | TimeoutException e) {
            return List.of("(close still in progress: " + e + ")");
        }
    }

    private void runGraceful() {
        runShutdown(ShutdownPhase.BEFORE_SERVICE_UNBIND, true,
                System.nanoTime() + gracefulShutdown.worstCaseNanos() + TimeUnit.SECONDS.toNanos(1));
    }

    /** The JVM hook: a graceful shutdown on the hook's thread, or a wait for the one running. */
    private void runFromJvmHook() {
        if (state.compareAndSet(OPEN, SHUTTING_DOWN)) {
            runGraceful();
            return;
        }
        try {
            closed.get(gracefulShutdown.worstCaseNanos() + TimeUnit.SECONDS.toNanos(1), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.log(System.Logger.Level.WARNING, "actor system ''{0}'' had not stopped when the JVM exited: {1}", name, e);
        }
    }

    /** Runs the phases from {@code first}, publishes the report. Called once. */
    private ShutdownReport runShutdown(ShutdownPhase first, boolean timed, long capNanos) {
        ShutdownReport report;
        try {
            report = gracefulShutdown.runPhases(first, timed, capNanos);
        } catch (RuntimeException | Error e) {
            report = new ShutdownReport(List.of("(shutdown failed: " + e + ")"), List.of());
            closed.complete(report);
            throw e;
        }
        closed.complete(report);
        return report;
    }

    // ---------------------------------------------------------------- steps of the shutdown (GracefulShutdown)

    /** The JVM shutdown hook, or null; for tests. */
    Thread jvmHook() {
        return jvmHook;
    }

    /** Phase STOP_USER_ACTORS begins: no more top-level spawns. */
    void beginStoppingActors() {
        state.set(STOPPING);
    }

    /** Sends ShuttingDown to every actor under /user; completed once each handled it (and its holds). */
    CompletableFuture<Void> notifyUserActors() {
        final List<CompletableFuture<Void>> acks = new ArrayList<>();
        final ArrayDeque<ActorCell<?>> todo = new ArrayDeque<>(userGuardian.childrenSnapshot());
        while (!todo.isEmpty()) {
            final ActorCell<?> c = todo.poll();
            acks.add(c.deliverShuttingDown());
            todo.addAll(c.childrenSnapshot());
        }
        return CompletableFuture.allOf(acks.toArray(new CompletableFuture<?>[0]));
    }

    /** The local actor at an absolute path, or null (see SystemAccess.resolve). */
    private static ActorRef<?> resolve(ActorSystem system, String path) {
        final String[] elements = path.split("/", -1);
        if (elements.length < 2 || !elements[0].isEmpty()) {
            return null;
        }
        final ActorCell<?> root = "user".equals(elements[1]) ? system.userGuardian
                : "system".equals(elements[1]) ? system.systemGuardian : null;
        return root == null ? null : ActorCell.resolve(root, elements, 2);
    }

    /** Requests the stop of /user or /system; the future completes when that guardian terminated. */
    CompletableFuture<Void> stopGuardian(boolean user) {
        (user ? userGuardian : systemGuardian).requestStop();
        return user ? userTerminated : systemTerminated;
    }

    /**
     * The last step: reports the actors left, ends the threads within {@code deadline} (a
     * {@link System#nanoTime()} value) and removes the JVM hook.
     *
     * @return the actors that had not stopped, and the dispatchers whose threads did not end
     */
    List<String> finishStop(long deadline) {
        final List<String> stuck = new ArrayList<>();
        final List<String> waiting = new ArrayList<>();
        collectLiving(userGuardian, stuck, waiting);
        collectLiving(systemGuardian, stuck, waiting);
        final List<String> leftovers = new ArrayList<>(stuck);
        leftovers.addAll(waiting);
        if (!leftovers.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "actor system ''{0}'' closed with actors that did not stop in time: {1};"
                    + " their ancestors waited for them: {2}", name, stuck, waiting);
        }
        if (jvmHook != null && Thread.currentThread() != jvmHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(jvmHook);
            } catch (IllegalStateException jvmExiting) {
                // the hook runs or has run: it waits for this shutdown
            }
        }
        threadsStopping = true;
        watchdog.cancel();
        timerService.close();
        if (watchdogTimers != timerService) {
            watchdogTimers.close();
        }
        blockingPool.shutdownNow();
        if (mbean != null) {
            mbean.unregister();
        }
        counters.close();
        final List<Dispatcher> ds;
        synchronized (this) {
            ds = new ArrayList<>(2);
            if (workStealing != null) {
                ds.add(workStealing);
            }
            if (forkJoin != null) {
                ds.add(forkJoin);
            }
        }
        for (Dispatcher d : ds) {
            d.shutdown();
        }
        try {
            blockingPool.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            for (Dispatcher d : ds) {
                if (!d.awaitTermination(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())))) {
                    leftovers.add("(threads of dispatcher " + d.name() + " did not end)");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return leftovers;
    }

    /**
     * Splits the actors under {@code root} that have not finished stopping into those that hold
     * the stop up (no unfinished child) and those that only wait for a descendant.
     */
    private static void collectLiving(ActorCell<?> root, List<String> stuck, List<String> waiting) {
        final ArrayDeque<ActorCell<?>> todo = new ArrayDeque<>();
        todo.add(root);
        while (!todo.isEmpty()) {
            final ActorCell<?> c = todo.poll();
            final List<ActorCell<?>> children = c.childrenSnapshot();
            if (!c.hasFinishedStopping()) {
                boolean childLeft = false;
                for (ActorCell<?> child : children) {
                    childLeft |= !child.hasFinishedStopping();
                }
                (childLeft ? waiting : stuck).add(c.path() + (childLeft ? "" : " (" + c.stateForDiagnostics() + ")"));
            }
            todo.addAll(children);
        }
    }

    // ---------------------------------------------------------------- runtime internals

    void onGuardianTerminated(ActorCell<?> guardian) {
        (guardian == userGuardian ? userTerminated : systemTerminated).complete(null);
    }

    /** Paths of the top-level user actors that have not terminated (SystemAccess, the test kit). */
    private List<String> livingUserActors() {
        final List<String> paths = new ArrayList<>();
        for (ActorCell<?> c : userGuardian.childrenSnapshot()) {
            if (!c.hasFinishedStopping()) {
                paths.add(c.path());
            }
        }
        return paths;
    }

    /** This system's counters. Any thread. */
    io.troupe.actors.internal.counters.SystemCounters counters() {
        return counters;
    }

    /** The span exporter, or null. Any thread. */
    SpanExporter spanExporter() {
        return settings.spanExporter;
    }

    /**
     * Where this system's counters file is, if it has one ({@link Builder#countersDirectory}):
     * the {@code troupe-stat} tool of {@code troupe-observe} prints it from another process.
     * Any thread.
     *
     * @return the file, or empty if the counters are in memory only
     */
    public java.util.Optional<java.nio.file.Path> countersFile() {
        return java.util.Optional.ofNullable(counters.file());
    }

    /**
     * The current values of this system's counters by label ("messages handled", "dead letters",
     * ...), as the counters file holds them: the watchdog folds the per-worker message counts in
     * every scan (half the slow-handler threshold). Any thread; a racy snapshot.
     *
     * @return label to value, in the file's order
     */
    public Map<String, Long> counterValues() {
        return counters.values();
    }

    /**
     * The name of this system's JMX MBean, {@code io.troupe:type=ActorSystem,name=<name>} (a
     * second system of the same name in the JVM gets {@code <name>#2}, and so on): its counters
     * as attributes and {@code dump()}, {@code dump(int)} as operations; registered in the
     * platform MBean server while the system runs (see {@link Builder#jmx}). Any thread.
     *
     * @return the MBean's object name, or empty if JMX is off or the registration failed
     */
    public java.util.Optional<String> jmxObjectName() {
        return mbean == null ? java.util.Optional.empty() : java.util.Optional.of(mbean.objectName().toString());
    }

    /**
     * The slowest handler runs seen since the system started, slowest first (at most 10): each
     * actor's path, the message type, how long it ran and whether it still runs. Kept by the
     * slow-handler watchdog, which sees the handlers that span one of its scans (half the
     * slow-handler threshold, 50 ms by default), so it costs nothing per message; a duration is
     * exact to one scan. Any thread.
     *
     * @return the runs, slowest first
     */
    public List<ActorDump.SlowHandler> slowestHandlers() {
        return slowest.snapshot();
    }

    /**
     * A snapshot of the actor tree, for finding a stuck actor in one call: see
     * {@link #dump(int)}, with at most 10,000 actors.
     *
     * @return the dump
     */
    public ActorDump dump() {
        return dump(10_000);
    }

    /**
     * A snapshot of the actor tree, breadth first from {@code /user} then {@code /system}: each
     * actor's path, class, state, mailbox depth and capacity and, for a running actor, the
     * message being handled and for how long (at least; measured by the slow-handler watchdog
     * to within one of its scans). Runs without stopping anything: it reads each actor racily
     * and takes each actor's children lock briefly. Cost: O(actors listed + workers). Any
     * thread, including a closing system's (it returns what is left).
     *
     * @param maxActors the most actors to list; the rest are counted in {@link ActorDump#omitted()}
     * @return the dump
     * @throws IllegalArgumentException if {@code maxActors} is negative
     */
    public ActorDump dump(int maxActors) {
        if (maxActors < 0) {
            throw new IllegalArgumentException("maxActors must not be negative, was " + maxActors);
        }
        final long now = System.nanoTime();
        final Map<ActorCell<?>, ActivationProbe> running = new IdentityHashMap<>();
        for (Dispatcher d : dispatchers()) {
            for (ActivationProbe p : d.probes()) {
                if (p.lvCurrent() instanceof ActorCell<?> c) {
                    running.put(c, p);
                }
            }
        }
        final List<ActorDump.Entry> entries = new ArrayList<>();
        long omitted = 0;
        final ArrayDeque<ActorCell<?>> todo = new ArrayDeque<>();
        todo.add(userGuardian);
        todo.add(systemGuardian);
        while (!todo.isEmpty()) {
            final ActorCell<?> c = todo.poll();
            if (entries.size() >= maxActors) {
                omitted++;
            } else {
                entries.add(c.dumpEntry(running.get(c), now));
            }
            todo.addAll(c.childrenSnapshot());
        }
        return new ActorDump(List.copyOf(entries), omitted);
    }

    /** The dispatchers created so far. Any thread. */
    private List<Dispatcher> dispatchers() {
        synchronized (this) {
            final List<Dispatcher> ds = new ArrayList<>(2);
            if (workStealing != null) {
                ds.add(workStealing);
            }
            if (forkJoin != null) {
                ds.add(forkJoin);
            }
            return ds;
        }
    }

    long nextUid() {
        return uids.incrementAndGet();
    }

    int defaultMailboxCapacity() {
        return settings.mailboxCapacity;
    }

    OverflowPolicy defaultOverflowPolicy() {
        return settings.overflowPolicy;
    }

    TimerService timerService() {
        return timerService;
    }

    ExecutorService blockingPool() {
        return blockingPool;
    }

    synchronized Dispatcher dispatcher(DispatcherKind kind) {
        final DispatcherKind k = kind == DispatcherKind.DEFAULT ? settings.dispatcher : kind;
        if (k == DispatcherKind.FORK_JOIN) {
            if (forkJoin == null) {
                forkJoin = new ForkJoinDispatcher(name, settings.parallelism, settings.throughput,
                        settings.forkJoinKeepAlive);
            }
            return forkJoin;
        }
        if (workStealing == null) {
            workStealing = new WorkStealingDispatcher(name, settings.parallelism, settings.throughput);
        }
        return workStealing;
    }

    /** Reports handlers that run past the threshold, once per handler run. */
    private final class SlowHandlerWatchdog implements Runnable {
        private final Map<ActivationProbe, long[]> seen = new IdentityHashMap<>();

        @Override
        public void run() {
            final List<Dispatcher> ds;
            synchronized (ActorSystem.this) {
                ds = new ArrayList<>(2);
                if (workStealing != null) {
                    ds.add(workStealing);
                }
                if (forkJoin != null) {
                    ds.add(forkJoin);
                }
            }
            final long now = System.nanoTime();
            for (Dispatcher d : ds) {
                for (ActivationProbe p : d.probes()) {
                    check(p, now);
                }
            }
            counters.fold(); // the per-worker counts and the timers pending, into the file
            counters.heartbeatMillis.setRelease(System.currentTimeMillis());
        }

        /**
         * seen[p] = {handled count, first seen at, reported (0/1), identity of the cell, samples
         * of the thread on the CPU (RUNNABLE), samples of it blocked or waiting}.
         */
        private void check(ActivationProbe p, long now) {
            final Object current = p.lvCurrent();
            final long handled = p.lvHandled();
            long[] s = seen.get(p);
            if (current == null) {
                seen.remove(p);
                return;
            }
            final long id = System.identityHashCode(current);
            if (s == null || s[0] != handled || s[3] != id) {
                seen.put(p, new long[] {handled, now, 0, id, 0, 0});
                p.soSeenSince(handled, now); // for the actor dump's time in handler
                return;
            }
            // Sample the worker's state each scan of one handler run (Go's sysmon looks the same way).
            if (p.thread().getState() == Thread.State.RUNNABLE) {
                s[4]++;
            } else {
                s[5]++;
            }
            final long elapsed = now - s[1];
            if (current instanceof ActorCell<?> running) {
                slowest.onScan(p, handled, running, elapsed);
            }
            if (s[2] == 0 && elapsed >= settings.slowHandlerThreshold.toNanos() && current instanceof ActorCell<?> cell) {
                s[2] = 1;
                recordSlowHandler(cell, p, elapsed);
                if (settings.onSlowHandler != null) {
                    settings.onSlowHandler.accept(cell.path(), Duration.ofNanos(elapsed));
                } else {
                    logSlowHandler(cell, elapsed, p.thread(), s[4], s[5]);
                }
            }
        }

        /** Counts a slow handler and emits troupe.SlowHandler, with the worker's stack, if a recording takes it. */
        private void recordSlowHandler(ActorCell<?> cell, ActivationProbe p, long elapsedNanos) {
            counters.slowHandlers.increment();
            if (io.troupe.actors.internal.jfr.TroupeEvents.SLOW_HANDLER_PROBE.isEnabled()) {
                final io.troupe.actors.internal.jfr.TroupeEvents.SlowHandler ev = new io.troupe.actors.internal.jfr.TroupeEvents.SlowHandler();
                final Thread worker = p.thread();
                ev.path = cell.path();
                final Class<?> m = cell.lvMessageType();
                ev.messageType = m == null ? null : m.getName();
                ev.runningNanos = elapsedNanos;
                ev.worker = worker;
                ev.workerState = worker.getState().name();
                final StringBuilder stack = new StringBuilder(1024);
                for (StackTraceElement f : worker.getStackTrace()) {
                    stack.append(f).append('\n');
                }
                ev.workerStack = stack.toString();
                ev.commit();
            }
        }

        /** The default report: busy on the CPU or blocked, and the advice that fits. */
        private void logSlowHandler(ActorCell<?> cell, long elapsedNanos, Thread worker, long onCpu, long blocked) {
            final long samples = onCpu + blocked;
            final String path = "this actor"; // the actor's own logger heads the record with its path
            final System.Logger log = cell.loggerForDiagnostics();
            if (blocked > onCpu) {
                log.log(System.Logger.Level.WARNING, "{0} has been running one handler for {1} ms, blocked"
                        + " (thread {2} was blocked or waiting in {3} of {4} samples, now {5}): a blocked handler holds a"
                        + " dispatcher thread; move the blocking call to context().spawnBlocking(task, mapper)",
                        path, elapsedNanos / 1_000_000, worker.getName(), blocked, samples, worker.getState());
            } else {
                log.log(System.Logger.Level.WARNING, "{0} has been running one handler for {1} ms, busy on the CPU"
                        + " (thread {2} was RUNNABLE in {3} of {4} samples; RUNNABLE includes native I/O): split the work"
                        + " into smaller messages (a message per chunk, sent to itself) or give the actor a dispatcher of"
                        + " its own; spawnBlocking is for blocking calls, not for CPU work",
                        path, elapsedNanos / 1_000_000, worker.getName(), onCpu, samples);
            }
        }
    }

    /**
     * The default slow-handler report: a warning through the actor's own logger (named after its
     * class, the record headed by its path), not a logger of the runtime's.
     */
    /**
     * Settings of an {@link ActorSystem}. Not thread safe: build on one thread.
     */
    public static final class Builder {
        private final String name;
        private DispatcherKind dispatcher = DispatcherKind.WORK_STEALING;
        private int parallelism = Runtime.getRuntime().availableProcessors();
        private int throughput = 64;
        private int mailboxCapacity = 10_000;
        private OverflowPolicy overflowPolicy = OverflowPolicy.DEAD_LETTER;
        private Duration slowHandlerThreshold = Duration.ofMillis(100);
        /** Null: the watchdog's own report, which says whether the handler was busy or blocked. */
        private BiConsumer<String, Duration> onSlowHandler;
        private int blockingPoolSize = 64;
        private int blockingQueueCapacity = 10_000;
        private int deadLetterLogsPerSecond = 10;
        private Clock clock = Clock.system();
        private final EnumMap<ShutdownPhase, Duration> shutdownPhaseTimeouts = new EnumMap<>(ShutdownPhase.class);
        private boolean shutdownOnJvmExit;
        /** Default: the system property troupe.tracing (for benchmarks and operations), else off. */
        private boolean tracing = Boolean.getBoolean("troupe.tracing");
        private SpanExporter spanExporter;
        /** Null: the system property troupe.counters.dir, else memory only. */
        private java.nio.file.Path countersDirectory;
        /** Null: on unless the system property troupe.jmx is false. */
        private Boolean jmx;
        /** How long the fork-join dispatcher's pool keeps an idle thread; package-private knob (tests). */
        private Duration forkJoinKeepAlive = ForkJoinDispatcher.DEFAULT_KEEP_ALIVE;

        private Builder(String name) {
            this.name = SpawnOptions.validateName(name);
            for (ShutdownPhase p : ShutdownPhase.values()) {
                shutdownPhaseTimeouts.put(p, p == ShutdownPhase.STOP_USER_ACTORS ? Duration.ofSeconds(10) : Duration.ofSeconds(5));
            }
        }

        /**
         * How long {@code phase} of a graceful shutdown may take before the next one starts
         * anyway (measured on the system's {@link #clock}). Default: 10 seconds for
         * {@link ShutdownPhase#STOP_USER_ACTORS}, 5 seconds for the others.
         *
         * @param phase the shutdown phase
         * @param timeout its deadline
         * @return this builder
         * @throws IllegalArgumentException if {@code timeout} is not within (0, 1 hour]
         */
        public Builder shutdownPhaseTimeout(ShutdownPhase phase, Duration timeout) {
            Objects.requireNonNull(phase, "phase");
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(Duration.ofHours(1)) > 0) {
                throw new IllegalArgumentException("shutdown phase timeout of " + phase + " must be within (0, 1 hour], was " + timeout);
            }
            shutdownPhaseTimeouts.put(phase, timeout);
            return this;
        }

        /**
         * Whether a JVM shutdown hook runs the graceful {@link ActorSystem#shutdown()} when the
         * process is told to stop (SIGTERM, Ctrl-C, {@code System.exit}); the JVM exits once it
         * has finished. The hook is removed when the system stops by other means. Default: off.
         *
         * @param enabled {@code true} to install the hook
         * @return this builder
         */
        public Builder shutdownOnJvmExit(boolean enabled) {
            this.shutdownOnJvmExit = enabled;
            return this;
        }

        /**
         * Tests only: how long the fork-join dispatcher's pool keeps a thread that has nothing to
         * run (once every thread is idle it ends one each period) before it ends it. Default: the
         * pool's own, 60 seconds.
         */
        Builder forkJoinKeepAlive(Duration keepAlive) {
            this.forkJoinKeepAlive = Objects.requireNonNull(keepAlive, "keepAlive");
            return this;
        }

        /**
         * The default dispatcher for actors that do not choose one. Default: work-stealing.
         *
         * @param kind the dispatcher
         * @return this builder
         */
        public Builder dispatcher(DispatcherKind kind) {
            Objects.requireNonNull(kind, "kind");
            this.dispatcher = kind == DispatcherKind.DEFAULT ? DispatcherKind.WORK_STEALING : kind;
            return this;
        }

        /**
         * Threads per dispatcher. Default: the number of cores.
         *
         * @param threads worker threads; must be positive
         * @return this builder
         */
        public Builder parallelism(int threads) {
            if (threads <= 0) {
                throw new IllegalArgumentException("parallelism must be positive, was " + threads);
            }
            this.parallelism = threads;
            return this;
        }

        /**
         * Messages an actor handles per activation before it yields its thread. Default: 64.
         *
         * @param messages the budget; must be positive
         * @return this builder
         */
        public Builder throughput(int messages) {
            if (messages <= 0) {
                throw new IllegalArgumentException("throughput must be positive, was " + messages);
            }
            this.throughput = messages;
            return this;
        }

        /**
         * The default mailbox of actors that do not choose one. Default: 10,000, dead letters.
         *
         * @param capacity messages per mailbox; must be positive
         * @param policy what a full mailbox does with a new message
         * @return this builder
         */
        public Builder defaultMailbox(int capacity, OverflowPolicy policy) {
            if (capacity <= 0) {
                throw new IllegalArgumentException("mailbox capacity must be positive, was " + capacity);
            }
            this.mailboxCapacity = capacity;
            this.overflowPolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * A handler running longer than this is reported. Default: 100 ms.
         *
         * @param threshold how long one handler may run; must be positive
         * @return this builder
         */
        public Builder slowHandlerThreshold(Duration threshold) {
            Objects.requireNonNull(threshold, "threshold");
            if (threshold.isNegative() || threshold.isZero()) {
                throw new IllegalArgumentException("slowHandlerThreshold must be positive, was " + threshold);
            }
            this.slowHandlerThreshold = threshold;
            return this;
        }

        /**
         * Called (on the timer thread; must be quick) with the actor's path and how long its
         * handler has been running, once per slow handler run. Default: a WARNING in the log
         * that says whether the handler was busy on the CPU or blocked (the worker thread's
         * state, sampled at each scan while the handler ran) and what to do about it:
         * {@code spawnBlocking} for a blocked handler, smaller messages for a busy one.
         *
         * @param listener receives the actor's path and the time its handler has run
         * @return this builder
         */
        public Builder onSlowHandler(BiConsumer<String, Duration> listener) {
            this.onSlowHandler = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Most threads of the blocking pool, and its queue bound. Default: 64 threads, 10,000 tasks.
         *
         * @param maxThreads the most threads; must be positive
         * @param queueCapacity the most waiting tasks; must be positive
         * @return this builder
         */
        public Builder blockingPool(int maxThreads, int queueCapacity) {
            if (maxThreads <= 0) {
                throw new IllegalArgumentException("blocking pool threads must be positive, was " + maxThreads);
            }
            if (queueCapacity <= 0) {
                throw new IllegalArgumentException("blocking pool queue capacity must be positive, was " + queueCapacity);
            }
            this.blockingPoolSize = maxThreads;
            this.blockingQueueCapacity = queueCapacity;
            return this;
        }

        /**
         * Dead letters logged per second at most (0 turns logging off). Default: 10.
         *
         * @param perSecond log lines per second; 0 for none
         * @return this builder
         */
        public Builder deadLetterLogsPerSecond(int perSecond) {
            if (perSecond < 0) {
                throw new IllegalArgumentException("deadLetterLogsPerSecond must not be negative, was " + perSecond);
            }
            this.deadLetterLogsPerSecond = perSecond;
            return this;
        }

        /**
         * The clock for actor timers, receive timeouts, ask timeouts and restart backoffs.
         * Default: the system clock. With a {@link ManualClock} nothing is timed by the wall
         * clock: {@link ManualClock#advance} fires exactly the timers that are due, in deadline
         * order, on the advancing thread, and their messages are in the actors' mailboxes before
         * {@code advance} returns (handling them is asynchronous: await the effects with a
         * {@link io.troupe.actors.testkit.TestProbe}). The slow-handler watchdog keeps real time.
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Whether every actor's messages are spans (tracing; see {@link SpawnOptions#withTracing}
         * for one subtree). A traced handler's sends ({@code tell}, {@code ask}, timers it starts,
         * {@code pipeToSelf}, socket writes, which are tells) carry its span, so the receiver's
         * span is its child: a request is followed across actors with no code in them. Spans go
         * to JFR ({@code troupe.Span}) and to the {@link #spanExporter}. Default: off; while no
         * system or subtree turned it on, a send pays one static read and a branch for it, and no
         * message grows. On: each send from a traced handler allocates a small envelope and each
         * handled message two ids and a span. The default for every system of a process can be
         * set with {@code -Dtroupe.tracing=true}.
         *
         * @param enabled whether to trace every actor
         * @return this builder
         */
        public Builder tracing(boolean enabled) {
            this.tracing = enabled;
            return this;
        }

        /**
         * Where spans go besides JFR (the OpenTelemetry bridge of {@code troupe-observe-otel},
         * say). Default: none.
         *
         * @param exporter the exporter
         * @return this builder
         */
        public Builder spanExporter(SpanExporter exporter) {
            this.spanExporter = Objects.requireNonNull(exporter, "exporter");
            return this;
        }

        /**
         * The directory for this system's counters file ({@code troupe-<pid>-<name>.counters}, an
         * Agrona counters file that the {@code troupe-stat} tool reads from another process); the
         * file is deleted when the system stops. A missing or read-only directory logs one
         * warning and keeps the counters in memory. Default: the system property
         * {@code troupe.counters.dir} if set, else memory only (so that tests and short programs
         * leave no files behind).
         *
         * @param directory an existing, writable directory
         * @return this builder
         */
        public Builder countersDirectory(java.nio.file.Path directory) {
            this.countersDirectory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /**
         * Whether the system registers its JMX MBean ({@code io.troupe:type=ActorSystem,name=<name>}:
         * the counters as attributes, the actor dump as operations) in the platform MBean server
         * while it runs. Cost: the platform server's creation the first time in the JVM (tens of
         * milliseconds), nothing per message. Default: on, unless the system property
         * {@code troupe.jmx} is {@code false}.
         *
         * @param enabled whether to register it
         * @return this builder
         */
        public Builder jmx(boolean enabled) {
            this.jmx = enabled;
            return this;
        }

        boolean jmx() {
            return jmx != null ? jmx : !"false".equalsIgnoreCase(System.getProperty("troupe.jmx"));
        }

        java.nio.file.Path countersDirectory() {
            if (countersDirectory != null) {
                return countersDirectory;
            }
            final String dir = System.getProperty("troupe.counters.dir");
            return dir == null || dir.isEmpty() ? null : java.nio.file.Path.of(dir);
        }

        /**
         * Creates and starts the system.
         *
         * @return the running system
         */
        public ActorSystem build() {
            return new ActorSystem(name, this);
        }
    }
}
