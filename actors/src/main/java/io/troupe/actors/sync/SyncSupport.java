package io.troupe.actors.sync;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.Signal;
import io.troupe.actors.SpawnOptions;
import io.troupe.actors.Terminated;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;
import java.util.function.Function;

/**
 * What the sync toolbox keeps per {@link ActorSystem}: one watcher actor under {@code /system}
 * that runs callbacks when watched actors stop, and the named objects (topics, receptionist,
 * event stream). Thread safe.
 */
final class SyncSupport {
    /*
     * Threading protocol: of() and named() take this class's / the instance's monitor (rare
     * calls: creating a topic, the receptionist). watch() and unwatch() only tell the watcher
     * actor, which runs each callback on its own thread, once, when the watched actor stops.
     * Invariants: one SyncSupport per system while it runs; the watcher removes it when the
     * system closes (the map's values refer to their keys, so a weak map alone would keep
     * every system ever made); a named object is created once and handed out again.
     * Shutdown: the watcher stops with /system when the system closes; callbacks registered
     * after that never run (their actors are stopping too).
     * References: Pekko's ActorSystem extensions (one instance per system, created on first use).
     */
    private static final Map<ActorSystem, SyncSupport> SUPPORT = new WeakHashMap<>();

    private final ActorSystem system;
    private final ActorRef<WatcherMsg> watcher;
    private final Map<String, Object> named = new HashMap<>();

    private SyncSupport(ActorSystem system) {
        this.system = system;
        this.watcher = system.spawnSystemActor(() -> new Watcher(system), SpawnOptions.named("troupe-sync-watcher"));
    }

    static SyncSupport of(ActorSystem system) {
        Objects.requireNonNull(system, "system");
        synchronized (SUPPORT) {
            return SUPPORT.computeIfAbsent(system, SyncSupport::new);
        }
    }

    ActorSystem system() {
        return system;
    }

    /**
     * The object registered under {@code key}, created by {@code create} on first use. The caller
     * checks that what comes back is what it expected (its type, its settings).
     */
    synchronized Object named(String key, Function<String, Object> create) {
        return named.computeIfAbsent(key, create);
    }

    /**
     * Runs {@code onStop} on the watcher's thread once {@code ref} has stopped (at once if it
     * already has). Closing the returned handle cancels it. Any thread.
     */
    AutoCloseable watch(ActorRef<?> ref, Runnable onStop) {
        Objects.requireNonNull(ref, "ref");
        final Object token = new Object();
        watcher.tell(new Watch(ref, onStop, token));
        return () -> watcher.tell(new Unwatch(ref, token));
    }

    sealed interface WatcherMsg {}

    private record Watch(ActorRef<?> ref, Runnable onStop, Object token) implements WatcherMsg {}

    private record Unwatch(ActorRef<?> ref, Object token) implements WatcherMsg {}

    /** Watches actors for the sync objects; one per system. Not thread safe: an actor. */
    private static final class Watcher extends Actor<WatcherMsg> {
        private final Map<ActorRef<?>, List<Watch>> watched = new HashMap<>();
        private final ActorSystem system;

        Watcher(ActorSystem system) {
            this.system = system;
        }

        /**
         * The system is closing (/system stops last): forget its support, which refers to the
         * system, so the weak map does not keep a closed system alive.
         */
        @Override
        protected void postStop() {
            synchronized (SUPPORT) {
                SUPPORT.remove(system);
            }
        }

        @Override
        protected void receive(WatcherMsg message) {
            if (message instanceof Watch w) {
                final List<Watch> list = watched.computeIfAbsent(w.ref(), r -> new ArrayList<>(2));
                list.add(w);
                if (list.size() == 1) {
                    context().watch(w.ref()); // a stopped actor: Terminated comes at once
                }
            } else if (message instanceof Unwatch u) {
                final List<Watch> list = watched.get(u.ref());
                if (list != null) {
                    list.removeIf(w -> w.token() == u.token());
                    if (list.isEmpty()) {
                        watched.remove(u.ref());
                        context().unwatch(u.ref());
                    }
                }
            }
        }

        @Override
        protected void onSignal(Signal signal) {
            if (signal instanceof Terminated t) {
                final List<Watch> list = watched.remove(t.ref());
                if (list != null) {
                    for (Watch w : list) {
                        try {
                            w.onStop().run();
                        } catch (VirtualMachineError e) {
                            throw e;
                        } catch (Throwable e) {
                            context().log().log(System.Logger.Level.WARNING, "a stop callback for " + t.ref().path() + " failed", e);
                        }
                    }
                }
            }
        }
    }
}
