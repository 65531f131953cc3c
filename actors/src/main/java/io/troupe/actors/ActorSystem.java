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
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
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
 * top-level actors with {@link #spawn}, and {@link #close()} it to stop everything.
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
     * thread. close() runs once (CAS on `closing`); concurrent callers wait for the same
     * outcome. Dispatchers are created on first use under this object's monitor.
     *
     * Lifecycle: OPEN -> CLOSING (close() called: no more top-level spawns) -> CLOSED (threads
     * stopped).
     *
     * Invariants. Every actor descends from /user or /system; a guardian terminates only after
     * its whole subtree did (ActorCell invariant 5).
     *
     * Shutdown. Stop /user, wait for it; stop /system, wait; then the watchdog, the timer
     * thread, the blocking pool and the dispatchers, each joined within what is left of the
     * timeout. Actors that did not stop are reported by path.
     *
     * References. Pekko's ActorSystemImpl and CoordinatedShutdown (phases, timeouts).
     */
    private static final System.Logger LOG = System.getLogger("io.troupe.actors.ActorSystem");

    static {
        io.troupe.actors.internal.SystemAccess.install(s -> s.dispatcher(DispatcherKind.DEFAULT));
        io.troupe.actors.internal.SystemAccess.installLifecycleInstaller((s, l) -> s.lifecycleListener = l);
    }

    private final String name;
    private final Builder settings;
    private final DeadLetters deadLetters;
    private final AtomicLong uids = new AtomicLong();
    private final TimerService timerService;
    private final TimerService watchdogTimers;
    private final ThreadPoolExecutor blockingPool;
    private final AtomicInteger closing = new AtomicInteger();
    private final CompletableFuture<List<String>> closed = new CompletableFuture<>();
    private final CompletableFuture<Void> userTerminated = new CompletableFuture<>();
    private final CompletableFuture<Void> systemTerminated = new CompletableFuture<>();
    private Dispatcher workStealing;
    private Dispatcher forkJoin;
    private final ActorCell<Object> userGuardian;
    private final ActorCell<Object> systemGuardian;
    private final TimerService.Handle watchdog;
    /** Told of stops and restarts (the sync package's event stream); null until one is installed. */
    volatile io.troupe.actors.internal.LifecycleListener lifecycleListener;

    private ActorSystem(String name, Builder settings) {
        this.name = name;
        this.settings = settings;
        this.deadLetters = new DeadLetters(settings.deadLetterLogsPerSecond, settings.clock);
        this.timerService = new TimerService(settings.clock);
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
        this.userGuardian = new ActorCell<>(this, null, "user", 0, d, guardian, 16, OverflowPolicy.DEAD_LETTER);
        this.systemGuardian = new ActorCell<>(this, null, "system", 0, d, guardian, 16, OverflowPolicy.DEAD_LETTER);
        userGuardian.start();
        systemGuardian.start();
        final long period = Math.max(1_000_000L, settings.slowHandlerThreshold.toNanos() / 2);
        this.watchdog = watchdogTimers.scheduleAtFixedRate(period, period, new SlowHandlerWatchdog());
    }

    /** Creates a system with the default settings (one worker per core, work-stealing). */
    public static ActorSystem create(String name) {
        return builder(name).build();
    }

    /** A builder for a system named {@code name}. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** The system's name. */
    public String name() {
        return name;
    }

    /**
     * Spawns a top-level actor under {@code /user} with this name. Any thread.
     *
     * @throws IllegalArgumentException if the name is invalid or taken
     * @throws IllegalStateException if the system is closed
     */
    public <M> ActorRef<M> spawn(Supplier<? extends Actor<M>> factory, String name) {
        return spawn(factory, SpawnOptions.named(name));
    }

    /** Spawns a top-level actor with a generated name. Any thread. */
    public <M> ActorRef<M> spawnAnonymous(Supplier<? extends Actor<M>> factory) {
        return spawn(factory, SpawnOptions.defaults());
    }

    /**
     * Spawns a top-level actor under {@code /user}. The factory runs on the actor's dispatcher.
     * Any thread; cost as {@link ActorContext#spawn(Supplier, SpawnOptions)}.
     *
     * @throws IllegalStateException if the system is closed
     */
    public <M> ActorRef<M> spawn(Supplier<? extends Actor<M>> factory, SpawnOptions options) {
        if (closing.get() != 0) {
            throw new IllegalStateException("actor system '" + name + "' is closed");
        }
        return userGuardian.spawnFromOutside(factory, options);
    }

    /** Spawns a runtime-internal actor under {@code /system} (test probes, socket managers). */
    public <M> ActorRef<M> spawnSystemActor(Supplier<? extends Actor<M>> factory, SpawnOptions options) {
        if (closing.get() != 0) {
            throw new IllegalStateException("actor system '" + name + "' is closed");
        }
        return systemGuardian.spawnFromOutside(factory, options);
    }

    /** Stops a top-level actor (or any actor) from outside: as if its parent stopped it. Any thread. */
    public void stop(ActorRef<?> ref) {
        Objects.requireNonNull(ref, "ref");
        if (!(ref instanceof ActorCell<?> cell)) {
            throw new IllegalArgumentException("cannot stop " + ref + ": not an actor of this system");
        }
        cell.requestStop();
    }

    /** The clock that timers, receive timeouts, ask timeouts and restart backoffs measure. */
    public Clock clock() {
        return timerService.clock();
    }

    /** Dead letters of this system. */
    public DeadLetters deadLetters() {
        return deadLetters;
    }

    /** Whether {@link #close()} has been called. */
    public boolean isClosed() {
        return closing.get() != 0;
    }

    /**
     * Stops every actor (children first, see {@link ActorContext#stop}), then the system's
     * threads, waiting up to 10 seconds; logs the actors that did not stop. Idempotent; any
     * thread other than one of the system's own.
     */
    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }

    /**
     * Like {@link #close()} with a timeout.
     *
     * @return the paths of the actors that had not stopped when the timeout ran out (empty when
     *     everything stopped): first those holding the stop up (no child of theirs is left), then
     *     their ancestors, which only wait for them
     */
    public List<String> close(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        final ActivationProbe probe = ActivationProbe.current();
        if (probe != null && probe.lvCurrent() instanceof ActorCell<?> running && running.system == this) {
            throw new IllegalStateException("close() called from actor " + running.path()
                    + ": it would wait for itself; stop the actor instead, or close from another thread");
        }
        if (closing.compareAndSet(0, 1)) {
            final List<String> leftovers = doClose(timeout);
            closed.complete(leftovers);
            return leftovers;
        }
        try {
            return closed.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of("(interrupted while waiting for close)");
        } catch (ExecutionException | TimeoutException e) {
            return List.of("(close still in progress: " + e + ")");
        }
    }

    private List<String> doClose(Duration timeout) {
        final long deadline = System.nanoTime() + timeout.toNanos();
        userGuardian.requestStop();
        await(userTerminated, deadline);
        systemGuardian.requestStop();
        await(systemTerminated, deadline);
        final List<String> stuck = new ArrayList<>();
        final List<String> waiting = new ArrayList<>();
        collectLiving(userGuardian, stuck, waiting);
        collectLiving(systemGuardian, stuck, waiting);
        final List<String> leftovers = new ArrayList<>(stuck);
        leftovers.addAll(waiting);
        if (!leftovers.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "actor system ''{0}'' closed with actors that did not stop within {1}: {2};"
                    + " their ancestors waited for them: {3}", name, timeout, stuck, waiting);
        }
        watchdog.cancel();
        timerService.close();
        if (watchdogTimers != timerService) {
            watchdogTimers.close();
        }
        blockingPool.shutdownNow();
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

    private static void await(CompletableFuture<Void> f, long deadline) {
        try {
            f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // reported as leftovers
        }
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
                forkJoin = new ForkJoinDispatcher(name, settings.parallelism, settings.throughput);
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
        }

        /** seen[p] = {handled count, first seen at, reported (0/1), identity of the cell}. */
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
                seen.put(p, new long[] {handled, now, 0, id});
                return;
            }
            final long elapsed = now - s[1];
            if (s[2] == 0 && elapsed >= settings.slowHandlerThreshold.toNanos() && current instanceof ActorCell<?> cell) {
                s[2] = 1;
                settings.onSlowHandler.accept(cell.path(), Duration.ofNanos(elapsed));
            }
        }
    }

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
        private BiConsumer<String, Duration> onSlowHandler = (path, elapsed) -> LOG.log(System.Logger.Level.WARNING,
                "actor {0} has been running one handler for {1} ms: handlers must not block the dispatcher;"
                        + " move blocking work to spawnBlocking", path, elapsed.toMillis());
        private int blockingPoolSize = 64;
        private int blockingQueueCapacity = 10_000;
        private int deadLetterLogsPerSecond = 10;
        private Clock clock = Clock.system();

        private Builder(String name) {
            this.name = SpawnOptions.validateName(name);
        }

        /** The default dispatcher for actors that do not choose one. Default: work-stealing. */
        public Builder dispatcher(DispatcherKind kind) {
            Objects.requireNonNull(kind, "kind");
            this.dispatcher = kind == DispatcherKind.DEFAULT ? DispatcherKind.WORK_STEALING : kind;
            return this;
        }

        /** Threads per dispatcher. Default: the number of cores. */
        public Builder parallelism(int threads) {
            if (threads <= 0) {
                throw new IllegalArgumentException("parallelism must be positive, was " + threads);
            }
            this.parallelism = threads;
            return this;
        }

        /** Messages an actor handles per activation before it yields its thread. Default: 64. */
        public Builder throughput(int messages) {
            if (messages <= 0) {
                throw new IllegalArgumentException("throughput must be positive, was " + messages);
            }
            this.throughput = messages;
            return this;
        }

        /** The default mailbox of actors that do not choose one. Default: 10,000, dead letters. */
        public Builder defaultMailbox(int capacity, OverflowPolicy policy) {
            if (capacity <= 0) {
                throw new IllegalArgumentException("mailbox capacity must be positive, was " + capacity);
            }
            this.mailboxCapacity = capacity;
            this.overflowPolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /** A handler running longer than this is reported. Default: 100 ms. */
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
         * handler has been running, once per slow handler run. Default: a warning in the log.
         */
        public Builder onSlowHandler(BiConsumer<String, Duration> listener) {
            this.onSlowHandler = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** Most threads of the blocking pool, and its queue bound. Default: 64 threads, 10,000 tasks. */
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

        /** Dead letters logged per second at most (0 turns logging off). Default: 10. */
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
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Creates and starts the system. */
        public ActorSystem build() {
            return new ActorSystem(name, this);
        }
    }
}
