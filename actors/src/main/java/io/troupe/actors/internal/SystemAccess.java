package io.troupe.actors.internal;

import io.troupe.actors.ActorSystem;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * The runtime's back door into an {@link ActorSystem} for sibling modules (io-actors), without
 * public API: the system installs an accessor when its class initialises (the JDK's
 * {@code SharedSecrets} pattern). Thread safe.
 */
public final class SystemAccess {
    private static volatile Function<ActorSystem, Dispatcher> defaultDispatcher;
    private static volatile Function<ActorSystem, List<String>> livingUserActors;
    private static volatile java.util.function.BiConsumer<ActorSystem, LifecycleListener> lifecycleInstaller;

    private static volatile Function<ActorSystem, io.troupe.actors.internal.counters.SystemCounters> counters;

    private SystemAccess() {}

    /** Installed once by {@link ActorSystem}'s static initialiser. */
    public static void installCounters(Function<ActorSystem, io.troupe.actors.internal.counters.SystemCounters> accessor) {
        counters = Objects.requireNonNull(accessor, "accessor");
    }

    /** The counters of {@code system} (the socket actors count sockets and bytes). Any thread. */
    public static io.troupe.actors.internal.counters.SystemCounters counters(ActorSystem system) {
        Objects.requireNonNull(system, "system");
        return counters.apply(system);
    }

    /** Installed once by {@link ActorSystem}'s static initialiser. */
    public static void install(Function<ActorSystem, Dispatcher> accessor) {
        defaultDispatcher = Objects.requireNonNull(accessor, "accessor");
    }

    /**
     * Installed once by {@link ActorSystem}'s static initialiser.
     *
     * @param accessor the paths of the top-level user actors that have not terminated
     */
    public static void installLivingUserActors(Function<ActorSystem, List<String>> accessor) {
        livingUserActors = Objects.requireNonNull(accessor, "accessor");
    }

    /**
     * The paths of the actors under {@code /user} (top level) that have not terminated, for the
     * test kit's leftover check. Any thread; a snapshot.
     *
     * @param system the system
     * @return the paths, oldest first
     */
    public static List<String> livingUserActors(ActorSystem system) {
        Objects.requireNonNull(system, "system");
        return livingUserActors.apply(system);
    }

    private static volatile Function<io.troupe.actors.ActorRef<?>, java.util.concurrent.CompletionStage<Void>> fence;

    /** Installed once by {@link ActorSystem}'s static initialiser. */
    public static void installFence(Function<io.troupe.actors.ActorRef<?>, java.util.concurrent.CompletionStage<Void>> accessor) {
        fence = Objects.requireNonNull(accessor, "accessor");
    }

    /**
     * Completes once the actor behind {@code ref} has taken every message queued before this call
     * (a marker in its user lane); at once for a ref that is no local actor; never if the marker
     * is not delivered (full mailbox, actor stopped first): bound the wait. Any thread.
     *
     * @param ref an actor or a message adapter's ref
     * @return completes when the marker is taken
     */
    public static java.util.concurrent.CompletionStage<Void> fence(io.troupe.actors.ActorRef<?> ref) {
        Objects.requireNonNull(ref, "ref");
        return fence.apply(ref); // a ref exists, so an ActorSystem exists and its class installed it
    }

    /** Installed once by {@link ActorSystem}'s static initialiser. */
    public static void installLifecycleInstaller(java.util.function.BiConsumer<ActorSystem, LifecycleListener> installer) {
        lifecycleInstaller = Objects.requireNonNull(installer, "installer");
    }

    /**
     * Makes {@code listener} the one {@code system} tells about stops and restarts (replacing
     * any before it; null removes it). Any thread.
     */
    public static void installLifecycleListener(ActorSystem system, LifecycleListener listener) {
        Objects.requireNonNull(system, "system");
        lifecycleInstaller.accept(system, listener); // an ActorSystem exists, so its class installed the installer
    }

    /** The dispatcher that runs {@code system}'s actors unless told otherwise. Any thread. */
    public static Dispatcher defaultDispatcher(ActorSystem system) {
        Objects.requireNonNull(system, "system");
        return defaultDispatcher.apply(system); // an ActorSystem exists, so its class installed the accessor
    }

    private static volatile java.util.function.BiConsumer<io.troupe.actors.ActorRef<?>, io.troupe.actors.ActorRef<?>> foreignTerminated;
    private static volatile java.util.function.BiFunction<ActorSystem, String, io.troupe.actors.ActorRef<?>> resolver;

    /** Installed once by {@link ActorSystem}'s static initialiser. */
    public static void installForeign(java.util.function.BiConsumer<io.troupe.actors.ActorRef<?>, io.troupe.actors.ActorRef<?>> terminated,
            java.util.function.BiFunction<ActorSystem, String, io.troupe.actors.ActorRef<?>> resolve) {
        foreignTerminated = Objects.requireNonNull(terminated, "terminated");
        resolver = Objects.requireNonNull(resolve, "resolve");
    }

    /**
     * Tells {@code watcher} (a local actor that watched the {@link ForeignRef} {@code who}) that
     * {@code who} ended: it gets {@link io.troupe.actors.Terminated} once, on its own thread, if it
     * still watches and runs. A no-op for a watcher that is no local actor. Any thread.
     *
     * @param watcher the local actor given to {@link ForeignRef#watchedBy}
     * @param who the foreign ref it watched
     */
    public static void foreignTerminated(io.troupe.actors.ActorRef<?> watcher, io.troupe.actors.ActorRef<?> who) {
        Objects.requireNonNull(who, "who");
        foreignTerminated.accept(Objects.requireNonNull(watcher, "watcher"), who); // a ref exists, so ActorSystem's class did install it
    }

    /**
     * The local actor of {@code system} at {@code path} ({@code /user/a/b} or {@code /system/x}),
     * or null if there is none (never spawned, or stopped and unlinked). Any thread; one hash probe
     * under each ancestor's monitor per path element.
     *
     * @param system the system
     * @param path an absolute actor path
     * @return the actor, or null
     */
    public static io.troupe.actors.ActorRef<?> resolve(ActorSystem system, String path) {
        Objects.requireNonNull(system, "system");
        Objects.requireNonNull(path, "path");
        return resolver.apply(system, path);
    }
}
