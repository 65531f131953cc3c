package io.troupe.actors.testkit;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorContext;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.Signal;
import io.troupe.actors.SpawnOptions;
import io.troupe.actors.Stash;
import io.troupe.actors.Timers;
import io.troupe.actors.internal.ActorAccess;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Runs an actor's handlers synchronously on the test thread, with no actor system, no
 * dispatcher and no timer thread, and records what they did: children spawned, actors stopped
 * or watched, timers started and cancelled ({@link Effect}s), and messages sent to
 * {@link TestInbox}es (its children, itself, or inboxes the test hands it). NOT thread safe:
 * one test thread drives it.
 *
 * <pre>{@code
 * BehaviorTestKit<Msg> kit = BehaviorTestKit.create(Session::new);   // factory and preStart run here
 * kit.run(new Login("ann"));                                        // receive runs here
 * assertEquals(List.of(new Effect.TimerStarted("idle", new Idle(), Duration.ofMinutes(5), SINGLE)),
 *              kit.retrieveAllEffects());
 * kit.fireTimer("idle");                                             // its message, handled now
 * assertFalse(kit.isAlive());
 * }</pre>
 *
 * <p>What differs from a real system: children are not started (each is a {@link TestInbox},
 * see {@link #childInbox}); messages the actor sends itself ({@code self().tell}, message
 * adapters, {@code pipeToSelf} results) wait in {@link #selfInbox()} until the test runs them
 * ({@link #runOne()}); timers never fire by themselves ({@link #fireTimer}); {@code
 * spawnBlocking} runs its task at once on the test thread; {@code system()} throws. A handler's
 * exception reaches the test as is.
 *
 * @param <M> the actor's message type
 */
public final class BehaviorTestKit<M> {
    private final String path;
    private final Actor<M> actor;
    private final ActorAccess.Accessor access;
    private final Context context = new Context();
    private final TestInbox<M> selfInbox;
    private final TestInbox<Object> parentInbox = TestInbox.at("/user");
    private final List<Effect> effects = new ArrayList<>();
    private final LinkedHashMap<String, TestInbox<?>> children = new LinkedHashMap<>();
    private final Map<Object, Effect.TimerStarted> timers = new HashMap<>();
    private final ArrayDeque<M> unstashed = new ArrayDeque<>();
    private final Map<Class<?>, Function<Object, ? extends M>> adapters = new HashMap<>();
    private Stash<M> stash;
    private boolean alive = true;
    private int anonymous;

    private BehaviorTestKit(Supplier<? extends Actor<M>> factory, String name) {
        this.path = "/user/" + SpawnOptions.named(name).name();
        this.selfInbox = TestInbox.at(path);
        this.actor = Objects.requireNonNull(factory.get(), "the actor factory returned null");
        this.access = ActorAccess.get();
        access.attach(actor, context);
        access.preStart(actor);
        drainUnstashed();
    }

    /**
     * Creates the actor with {@code factory} and runs its {@code preStart}, on this thread; its
     * path is {@code /user/testkit}.
     *
     * @param factory creates the actor
     * @param <M> its message type
     * @return the kit
     */
    public static <M> BehaviorTestKit<M> create(Supplier<? extends Actor<M>> factory) {
        return create(factory, "testkit");
    }

    /**
     * As {@link #create(Supplier)}, with the path {@code /user/<name>}.
     *
     * @param factory creates the actor
     * @param name the actor's name
     * @param <M> its message type
     * @return the kit
     */
    public static <M> BehaviorTestKit<M> create(Supplier<? extends Actor<M>> factory, String name) {
        Objects.requireNonNull(factory, "factory");
        return new BehaviorTestKit<>(factory, name);
    }

    /**
     * Hands {@code message} to the actor's current handler on this thread, then the messages
     * it unstashed meanwhile. If the handler stopped the actor, {@code postStop} runs before
     * this returns.
     *
     * @param message the message
     * @throws IllegalStateException if the actor has stopped
     */
    public void run(M message) {
        Objects.requireNonNull(message, "message");
        checkAlive();
        access.handle(actor, message);
        drainUnstashed();
    }

    /**
     * Runs the oldest message the actor sent itself (see {@link #selfInbox()}).
     *
     * @throws AssertionError if there is none
     */
    public void runOne() {
        run(selfInbox.receiveMessage());
    }

    /**
     * Hands {@code signal} (a {@link io.troupe.actors.Terminated} or
     * {@link io.troupe.actors.ChildFailed} the test makes up) to {@code onSignal}.
     *
     * @param signal the signal
     */
    public void signal(Signal signal) {
        Objects.requireNonNull(signal, "signal");
        checkAlive();
        access.onSignal(actor, signal);
        drainUnstashed();
    }

    /**
     * Fires the timer under {@code key} now: its message is handled as by {@link #run}; a
     * single timer is then no longer active.
     *
     * @param key the timer's key
     * @throws AssertionError if no timer is active under {@code key}
     */
    @SuppressWarnings("unchecked")
    public void fireTimer(Object key) {
        final Effect.TimerStarted t = timers.get(key);
        if (t == null) {
            throw new AssertionError("no active timer under " + key + "; active: " + timers.keySet());
        }
        if (t.kind() == Effect.TimerKind.SINGLE) {
            timers.remove(key);
        }
        run((M) t.message());
    }

    /**
     * Takes the effects recorded since the last call, in the order they happened.
     *
     * @return the effects (empty if none)
     */
    public List<Effect> retrieveAllEffects() {
        final List<Effect> all = List.copyOf(effects);
        effects.clear();
        return all;
    }

    /**
     * Takes the oldest recorded effect and checks its class.
     *
     * @param type the class expected
     * @param <E> the effect type
     * @return the effect
     * @throws AssertionError if there is none or it is of another class
     */
    public <E extends Effect> E expectEffectClass(Class<E> type) {
        if (effects.isEmpty()) {
            throw new AssertionError("no effect recorded; expected a " + type.getSimpleName());
        }
        final Effect e = effects.remove(0);
        if (!type.isInstance(e)) {
            throw new AssertionError("expected a " + type.getSimpleName() + " but the next effect was " + e);
        }
        return type.cast(e);
    }

    /**
     * Whether effects were recorded and not yet taken.
     *
     * @return {@code true} if some were
     */
    public boolean hasEffects() {
        return !effects.isEmpty();
    }

    /**
     * Messages the actor sent itself: through {@code self()}, its message adapters (already
     * converted), and {@code pipeToSelf}/{@code spawnBlocking} results.
     *
     * @return the actor's own inbox
     */
    public TestInbox<M> selfInbox() {
        return selfInbox;
    }

    /**
     * The inbox standing for the child named {@code name}: what the actor sent it.
     *
     * @param name the child's name (generated names are {@code $1}, {@code $2}, ...)
     * @param <C> the child's message type
     * @return its inbox
     * @throws AssertionError if the actor spawned no child of that name
     */
    @SuppressWarnings("unchecked")
    public <C> TestInbox<C> childInbox(String name) {
        final TestInbox<?> inbox = children.get(name);
        if (inbox == null) {
            throw new AssertionError("no child named " + name + "; children: " + children.keySet());
        }
        return (TestInbox<C>) inbox;
    }

    /**
     * What the actor sent its parent.
     *
     * @return the parent's inbox
     */
    public TestInbox<Object> parentInbox() {
        return parentInbox;
    }

    /**
     * The actor's ref (sends land in {@link #selfInbox()}).
     *
     * @return the ref
     */
    public ActorRef<M> ref() {
        return selfInbox.ref();
    }

    /**
     * Whether the actor has not stopped itself.
     *
     * @return {@code true} while it lives
     */
    public boolean isAlive() {
        return alive;
    }

    /**
     * Whether a timer is active under {@code key} (started, not cancelled, and, for a single
     * timer, not fired).
     *
     * @param key the key
     * @return {@code true} if active
     */
    public boolean isTimerActive(Object key) {
        return timers.containsKey(key);
    }

    private void checkAlive() {
        if (!alive) {
            throw new IllegalStateException("the actor " + path + " has stopped");
        }
    }

    private void drainUnstashed() {
        while (alive && !unstashed.isEmpty()) {
            access.handle(actor, unstashed.pollFirst());
        }
    }

    private void stopSelf() {
        if (!alive) {
            return;
        }
        alive = false;
        effects.add(new Effect.Stopped(selfInbox.ref()));
        children.clear();
        timers.clear();
        access.postStop(actor);
    }

    /** The context the actor sees: records instead of acting. */
    private final class Context implements ActorContext<M> {
        private final Timers<M> recordingTimers = new RecordingTimers();

        @Override
        public ActorRef<M> self() {
            return selfInbox.ref();
        }

        @Override
        public ActorRef<?> parent() {
            return parentInbox.ref();
        }

        @Override
        public List<ActorRef<?>> children() {
            final List<ActorRef<?>> refs = new ArrayList<>();
            for (TestInbox<?> inbox : children.values()) {
                refs.add(inbox.ref());
            }
            return Collections.unmodifiableList(refs);
        }

        @Override
        public Optional<ActorRef<?>> child(String name) {
            final TestInbox<?> inbox = children.get(Objects.requireNonNull(name, "name"));
            return inbox == null ? Optional.empty() : Optional.of(inbox.ref());
        }

        @Override
        public <C> ActorRef<C> spawn(Supplier<? extends Actor<C>> factory, String name) {
            return spawn(factory, SpawnOptions.named(name));
        }

        @Override
        public <C> ActorRef<C> spawnAnonymous(Supplier<? extends Actor<C>> factory) {
            return spawn(factory, SpawnOptions.defaults());
        }

        @Override
        public <C> ActorRef<C> spawn(Supplier<? extends Actor<C>> factory, SpawnOptions options) {
            Objects.requireNonNull(factory, "factory");
            Objects.requireNonNull(options, "options");
            checkAlive();
            final String name = options.name() != null ? options.name() : "$" + (++anonymous);
            if (children.containsKey(name)) {
                throw new IllegalArgumentException("actor name '" + name + "' is not unique under " + path);
            }
            final TestInbox<C> inbox = TestInbox.at(path + "/" + name);
            children.put(name, inbox);
            effects.add(new Effect.Spawned(name, inbox.ref()));
            return inbox.ref();
        }

        @Override
        public void stop(ActorRef<?> ref) {
            Objects.requireNonNull(ref, "ref");
            if (ref == selfInbox.ref()) {
                stopSelf();
                return;
            }
            final TestInbox<?> inbox = children.get(ref.name());
            if (inbox == null || inbox.ref() != ref) {
                throw new IllegalArgumentException("an actor can stop only itself and its children; "
                        + ref.path() + " is not a child of " + path);
            }
            children.remove(ref.name());
            effects.add(new Effect.Stopped(ref));
        }

        @Override
        public void watch(ActorRef<?> ref) {
            effects.add(new Effect.Watched(Objects.requireNonNull(ref, "ref")));
        }

        @Override
        public void unwatch(ActorRef<?> ref) {
            effects.add(new Effect.Unwatched(Objects.requireNonNull(ref, "ref")));
        }

        @Override
        public Timers<M> timers() {
            return recordingTimers;
        }

        @Override
        public void setReceiveTimeout(Duration timeout, M message) {
            effects.add(new Effect.ReceiveTimeoutSet(Objects.requireNonNull(timeout, "timeout"),
                    Objects.requireNonNull(message, "message")));
        }

        @Override
        public void cancelReceiveTimeout() {
            effects.add(new Effect.ReceiveTimeoutCancelled());
        }

        @Override
        public <T> void pipeToSelf(CompletionStage<T> stage, BiFunction<? super T, Throwable, ? extends M> mapper) {
            Objects.requireNonNull(stage, "stage");
            Objects.requireNonNull(mapper, "mapper");
            stage.whenComplete((value, error) -> {
                final Throwable cause = error instanceof CompletionException ce && ce.getCause() != null ? ce.getCause() : error;
                final M m = mapper.apply(cause == null ? value : null, cause);
                if (m != null) {
                    selfInbox.ref().tell(m);
                }
            });
        }

        @Override
        public <T> void spawnBlocking(Callable<T> task, BiFunction<? super T, Throwable, ? extends M> mapper) {
            Objects.requireNonNull(task, "task");
            Objects.requireNonNull(mapper, "mapper");
            T value = null;
            Throwable error = null;
            try {
                value = task.call();
            } catch (Exception e) {
                error = e;
            }
            final M m = mapper.apply(value, error);
            if (m != null) {
                selfInbox.ref().tell(m);
            }
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> ActorRef<T> messageAdapter(Class<T> type, Function<? super T, ? extends M> adapter) {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(adapter, "adapter");
            final boolean known = adapters.containsKey(type);
            adapters.put(type, (Function<Object, ? extends M>) adapter);
            if (known) {
                return (ActorRef<T>) adapterRefs.get(type);
            }
            final ActorRef<T> ref = new AdapterRef<>(type, path + "/$adapter-" + type.getSimpleName());
            adapterRefs.put(type, ref);
            return ref;
        }

        private final Map<Class<?>, ActorRef<?>> adapterRefs = new HashMap<>();

        @Override
        public Stash<M> stash(int capacity) {
            if (capacity <= 0) {
                throw new IllegalArgumentException("stash capacity must be positive, was " + capacity);
            }
            if (stash == null) {
                stash = access.newStash(capacity, path, batch -> {
                    final List<M> rest = new ArrayList<>(unstashed);
                    unstashed.clear();
                    unstashed.addAll(batch);
                    unstashed.addAll(rest);
                }, m -> { });
            } else if (stash.capacity() != capacity) {
                throw new IllegalArgumentException("the stash of " + path + " has capacity " + stash.capacity()
                        + "; asked again with " + capacity);
            }
            return stash;
        }

        @Override
        public System.Logger log() {
            return System.getLogger(actor.getClass().getName());
        }

        @Override
        public ActorSystem system() {
            throw new UnsupportedOperationException("BehaviorTestKit runs the actor without an ActorSystem");
        }
    }

    /** A message adapter's ref in the kit: converts with the adapter registered now, into the self inbox. */
    private final class AdapterRef<T> implements ActorRef<T> {
        private final Class<T> type;
        private final String adapterPath;

        AdapterRef(Class<T> type, String adapterPath) {
            this.type = type;
            this.adapterPath = adapterPath;
        }

        @Override
        public void tell(T message) {
            Objects.requireNonNull(message, "message");
            final M m = adapters.get(type).apply(message);
            if (m != null) {
                selfInbox.ref().tell(m);
            }
        }

        @Override
        public boolean offer(T message) {
            tell(message);
            return true;
        }

        @Override
        public CompletionStage<Void> send(T message) {
            tell(message);
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }

        @Override
        public <R> CompletionStage<R> ask(Function<ActorRef<R>, ? extends T> request, Duration timeout) {
            throw new UnsupportedOperationException("an adapter in BehaviorTestKit cannot be asked");
        }

        @Override
        public String path() {
            return adapterPath;
        }

        @Override
        public String name() {
            return adapterPath.substring(adapterPath.lastIndexOf('/') + 1);
        }
    }

    /** Timers that record instead of scheduling. */
    private final class RecordingTimers implements Timers<M> {
        @Override
        public void startSingleTimer(Object key, M message, Duration delay) {
            start(key, message, delay, Effect.TimerKind.SINGLE);
        }

        @Override
        public void startTimerWithFixedDelay(Object key, M message, Duration delay) {
            start(key, message, delay, Effect.TimerKind.FIXED_DELAY);
        }

        @Override
        public void startTimerAtFixedRate(Object key, M message, Duration interval) {
            start(key, message, interval, Effect.TimerKind.FIXED_RATE);
        }

        private void start(Object key, M message, Duration delay, Effect.TimerKind kind) {
            final Effect.TimerStarted t = new Effect.TimerStarted(Objects.requireNonNull(key, "key"),
                    Objects.requireNonNull(message, "message"), Objects.requireNonNull(delay, "delay"), kind);
            timers.put(key, t);
            effects.add(t);
        }

        @Override
        public boolean isTimerActive(Object key) {
            return timers.containsKey(Objects.requireNonNull(key, "key"));
        }

        @Override
        public boolean cancel(Object key) {
            final boolean was = timers.remove(Objects.requireNonNull(key, "key")) != null;
            effects.add(new Effect.TimerCancelled(key));
            return was;
        }

        @Override
        public void cancelAll() {
            for (Object key : new ArrayList<>(timers.keySet())) {
                cancel(key);
            }
        }
    }
}
