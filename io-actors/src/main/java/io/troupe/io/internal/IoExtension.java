package io.troupe.io.internal;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.SpawnOptions;
import io.troupe.io.Tcp;
import io.troupe.io.TcpOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * One actor system's I/O runtime: its reactors and the {@code /system/troupe-io} manager actor
 * that owns them. Thread safe; found with {@link #of}.
 */
public final class IoExtension {
    /*
     * Threading protocol. of()/start() run under the class monitor (rare); bind/connect from
     * any thread only send to the manager; nextReactor() is lock-free.
     * Invariants. At most one extension per running system; it is removed when its manager
     * stops (the system is closing), after its reactors are closed.
     * Memory ordering. The map is guarded by the class monitor; `reactors` is final.
     * Shutdown. The manager's postStop runs after every socket actor (its descendants) has
     * stopped; it closes the reactors, which close any channel left and their selectors.
     * Counters. Reactors with threads of their own count their polls themselves; each is a poll
     * source of the system's counters from the manager's start until the reactor has closed
     * (its last count is kept then). Worker-driven polls are the workers' own count.
     * References. Pekko's ActorSystem extensions (IO(Tcp) is one).
     */
    private static final Map<ActorSystem, IoExtension> RUNNING = new HashMap<>();
    private static final long REACTOR_CLOSE_MILLIS = 5_000;

    private final ActorSystem system;
    private final io.troupe.io.IoSettings settings;
    private final Reactor[] reactors;
    /** The reactor threads' poll counts given to the system's counters (empty when workers drive the I/O). */
    private final java.util.List<java.util.function.LongSupplier> pollSources;
    private final AtomicInteger nextReactor = new AtomicInteger();
    private final AtomicInteger names = new AtomicInteger();
    private ActorRef<Object> manager;
    private io.troupe.actors.GracefulShutdown.TaskHandle unbindTask;
    private io.troupe.actors.GracefulShutdown.TaskHandle closeTask;
    private io.troupe.actors.GracefulShutdown.TaskHandle notifyTask;
    private io.troupe.actors.GracefulShutdown.TaskHandle closeOwnedTask;

    private IoExtension(ActorSystem system, io.troupe.io.IoSettings settings, Reactor[] reactors) {
        this.system = system;
        this.settings = settings;
        this.reactors = reactors;
        final java.util.List<java.util.function.LongSupplier> sources = new java.util.ArrayList<>();
        for (Reactor r : reactors) {
            if (!r.isDrivenByWorkers()) {
                sources.add(r::threadPolls);
            }
        }
        this.pollSources = java.util.List.copyOf(sources); // final: seen by the manager's thread at postStop
    }

    /** The system's runtime, started with one reactor if it is not running. Any thread. */
    public static IoExtension of(ActorSystem system) {
        synchronized (IoExtension.class) {
            final IoExtension e = RUNNING.get(system);
            return e != null ? e : start(system, io.troupe.io.IoSettings.defaults());
        }
    }

    /**
     * Starts the system's runtime with {@code settings}, or returns the running one if it runs
     * with equal settings. Any thread.
     *
     * @throws IllegalStateException if it runs with other settings, or the system is closed
     */
    public static IoExtension start(ActorSystem system, io.troupe.io.IoSettings settings) {
        synchronized (IoExtension.class) {
            final IoExtension running = RUNNING.get(system);
            if (running != null) {
                if (!running.settings.equals(settings)) {
                    throw new IllegalStateException("the I/O runtime of '" + system.name() + "' already runs with "
                            + running.settings + ", not " + settings + "; call Io.configure before the first socket");
                }
                return running;
            }
            if (system.isClosed()) {
                throw new IllegalStateException("actor system '" + system.name() + "' is closed");
            }
            final Reactor[] rs;
            try {
                rs = openReactors(system, settings);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open a selector for the I/O runtime of '" + system.name() + "'", e);
            }
            final IoExtension ext = new IoExtension(system, settings, rs);
            try {
                ext.manager = system.spawnSystemActor(() -> new IoManager(ext), SpawnOptions.named("troupe-io"));
            } catch (RuntimeException e) {
                closeAll(rs);
                throw e;
            }
            ext.countPolls();
            ext.addShutdownTasks();
            RUNNING.put(system, ext);
            return ext;
        }
    }

    /**
     * Hooks the sockets into the system's shutdown: in SERVICE_UNBIND (graceful shutdown only)
     * every listener stops accepting; in STOP_SYSTEM_ACTORS (close() too), before the socket
     * actors and handlers are stopped, every connection flushes, closes and tells its handler
     * (ConnectionClosed, or a stage's onClosed), and the task waits, up to a grace of at most 2 s,
     * for the listeners' connections and handlers to stop (a handler that stops itself on
     * ConnectionClosed, as the recipes do, has handled it). Outgoing connections' and UDP
     * sockets' handlers are the application's own actors, stopped in STOP_USER_ACTORS: in that
     * phase's tasks, before they are stopped, those sockets close and tell them (ConnectionClosed,
     * Unbound), again waiting up to a grace of at most 2 s.
     */
    private void addShutdownTasks() {
        final io.troupe.actors.GracefulShutdown gs = system.gracefulShutdown();
        final io.troupe.actors.ShutdownPhase unbind = io.troupe.actors.ShutdownPhase.SERVICE_UNBIND;
        final io.troupe.actors.ShutdownPhase stopSystem = io.troupe.actors.ShutdownPhase.STOP_SYSTEM_ACTORS;
        try {
            unbindTask = gs.addTask(unbind, "troupe-io: listeners stop accepting",
                    () -> manager.ask(IoManager.UnbindAll::new, gs.timeout(unbind)));
        } catch (IllegalStateException begun) {
            // already shutting down past that phase: nothing to unbind in it
        }
        final io.troupe.actors.ShutdownPhase requestsDone = io.troupe.actors.ShutdownPhase.SERVICE_REQUESTS_DONE;
        try {
            notifyTask = gs.addTask(requestsDone, "troupe-io: handlers told ShuttingDown, connections drain", () -> {
                final Duration deadline = gs.timeout(requestsDone);
                return manager.ask(r -> new IoManager.NotifyAll(r, deadline), deadline.plusSeconds(1))
                        .handle((v, e) -> null); // connections still open then are closed in STOP_SYSTEM_ACTORS
            });
        } catch (IllegalStateException begun) {
            // likewise
        }
        final io.troupe.actors.ShutdownPhase stopUser = io.troupe.actors.ShutdownPhase.STOP_USER_ACTORS;
        try {
            closeOwnedTask = gs.addTask(stopUser, "troupe-io: outgoing connections and UDP sockets close and tell their handlers", () -> {
                final Duration grace = min(gs.timeout(stopUser), Duration.ofSeconds(2));
                return manager.ask(IoManager.CloseOwnedByUser::new, grace)
                        .handle((v, e) -> null); // handlers still running then are stopped with the user actors
            });
        } catch (IllegalStateException begun) {
            // likewise
        }
        try {
            closeTask = gs.addTask(stopSystem, "troupe-io: connections close and tell their handlers", () -> {
                final Duration grace = min(gs.timeout(stopSystem), Duration.ofSeconds(2));
                return manager.ask(r -> new IoManager.CloseAll(r, grace), grace.plusSeconds(1))
                        .handle((v, e) -> null); // handlers still running then are stopped with the system actors
            });
        } catch (IllegalStateException begun) {
            // likewise
        }
    }

    /** Adds each reactor thread's polls to the system's "selector polls" (issue 15). Under the class monitor. */
    private void countPolls() {
        final io.troupe.actors.internal.counters.SystemCounters counters =
                io.troupe.actors.internal.SystemAccess.counters(system);
        for (java.util.function.LongSupplier polls : pollSources) {
            counters.addPollSource(polls);
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** Worker-driven if asked and the dispatcher can; otherwise reactor threads. */
    private static Reactor[] openReactors(ActorSystem system, io.troupe.io.IoSettings settings) throws IOException {
        if (settings.driver() == io.troupe.io.IoSettings.Driver.WORKERS) {
            final Reactor driven = Reactor.onWorkers(system.name() + "-io",
                    io.troupe.actors.internal.SystemAccess.defaultDispatcher(system));
            if (driven != null) {
                return new Reactor[] {driven};
            }
        }
        final Reactor[] rs = new Reactor[settings.reactorThreads()];
        try {
            for (int i = 0; i < rs.length; i++) {
                rs[i] = Reactor.withThread(system.name() + "-io-reactor-" + (i + 1));
            }
        } catch (IOException e) {
            closeAll(rs);
            throw e;
        }
        return rs;
    }

    private static void closeAll(Reactor[] rs) {
        for (Reactor r : rs) {
            if (r != null) {
                r.close(REACTOR_CLOSE_MILLIS);
            }
        }
    }

    /** The reactors, for tests of this package. */
    java.util.List<Reactor> reactors() {
        return java.util.List.of(reactors);
    }

    /** The number of reactor threads; 0 when workers drive the I/O. */
    public int reactorThreadCount() {
        return reactors[0].isDrivenByWorkers() ? 0 : reactors.length;
    }

    /** Who drives the I/O. */
    public io.troupe.io.IoSettings.Driver driver() {
        return reactors[0].isDrivenByWorkers() ? io.troupe.io.IoSettings.Driver.WORKERS
                : io.troupe.io.IoSettings.Driver.REACTOR_THREADS;
    }

    /** The next reactor, round-robin. Any thread. */
    Reactor nextReactor() {
        return reactors[Math.floorMod(nextReactor.getAndIncrement(), reactors.length)];
    }

    /** Asks the manager to spawn a listener. Any thread. */
    public void bind(SocketAddress address, TcpOptions options, Supplier<? extends Actor<Tcp.Event>> handlerFactory,
                     ActorRef<? super Tcp.BindResult> replyTo) {
        manager.send(new IoManager.SpawnListener(address, options, handlerFactory, null, null, replyTo));
    }

    /** Like {@link #bind}, answering through a stage. Any thread. */
    public CompletionStage<Tcp.BindResult> bind(SocketAddress address, TcpOptions options,
                                                Supplier<? extends Actor<Tcp.Event>> handlerFactory) {
        return manager.<Tcp.BindResult>ask(replyTo -> new IoManager.SpawnListener(address, options, handlerFactory, null, null,
                        replyTo), Duration.ofSeconds(30));
    }

    /** Like {@link #bind}, for handlers of protocol {@code M} reached through {@code adapter}. Any thread. */
    public <M> CompletionStage<Tcp.BindResult> bind(SocketAddress address, TcpOptions options,
                                                    Supplier<? extends Actor<M>> handlerFactory,
                                                    java.util.function.Function<? super Tcp.Event, ? extends M> adapter) {
        @SuppressWarnings("unchecked")
        final java.util.function.Function<Object, Object> erased = (java.util.function.Function<Object, Object>) adapter;
        @SuppressWarnings("unchecked")
        final Supplier<? extends Actor<Tcp.Event>> erasedFactory = (Supplier<? extends Actor<Tcp.Event>>) (Supplier<?>) handlerFactory;
        return manager.<Tcp.BindResult>ask(replyTo -> new IoManager.SpawnListener(address, options, erasedFactory, erased,
                        null, replyTo), Duration.ofSeconds(30));
    }

    /** A ref that converts socket events with {@code adapter} and enqueues them in {@code handler}'s mailbox. */
    public static <E, M> ActorRef<E> adapt(ActorRef<M> handler, java.util.function.Function<? super E, ? extends M> adapter) {
        return new AdaptingRef<>(handler, adapter);
    }

    /** Like {@link #bind}, with a stage per connection instead of a handler actor. Any thread. */
    public CompletionStage<Tcp.BindResult> serve(SocketAddress address, TcpOptions options,
                                                 Supplier<? extends io.troupe.io.ConnectionStage> stageFactory) {
        return manager.<Tcp.BindResult>ask(replyTo -> new IoManager.SpawnListener(address, options, null, null, stageFactory,
                        replyTo), Duration.ofSeconds(30));
    }

    /** Asks the manager to spawn an outgoing connection handled by a stage. Any thread. */
    public void connect(SocketAddress address, TcpOptions options, Duration timeout, io.troupe.io.ConnectionStage stage) {
        manager.send(new IoManager.SpawnConnection(address, options, timeout, null, stage));
    }

    /** Asks the manager to spawn an outgoing connection. Any thread. */
    public void connect(SocketAddress address, TcpOptions options, Duration timeout, ActorRef<Tcp.Event> handler) {
        manager.send(new IoManager.SpawnConnection(address, options, timeout, handler, null));
    }

    /** Asks the manager to spawn a UDP socket. Any thread. */
    public void bindUdp(SocketAddress address, io.troupe.io.UdpOptions options, ActorRef<io.troupe.io.Udp.Event> handler) {
        manager.send(new IoManager.SpawnUdp(address, options, handler));
    }

    /** A fresh name suffix for a child of the manager. */
    long nextName() {
        return names.incrementAndGet();
    }

    /** Called by the manager's postStop: closes the reactors and forgets this runtime. */
    void onManagerStopped() {
        if (unbindTask != null) {
            unbindTask.remove();
        }
        if (closeTask != null) {
            closeTask.remove();
        }
        if (closeOwnedTask != null) {
            closeOwnedTask.remove();
        }
        if (notifyTask != null) {
            notifyTask.remove();
        }
        closeAll(reactors);
        final io.troupe.actors.internal.counters.SystemCounters counters =
                io.troupe.actors.internal.SystemAccess.counters(system);
        for (java.util.function.LongSupplier polls : pollSources) {
            counters.removePollSource(polls); // the reactor threads have ended: their last counts stay in the sum
        }
        synchronized (IoExtension.class) {
            RUNNING.remove(system, this);
        }
    }
}
