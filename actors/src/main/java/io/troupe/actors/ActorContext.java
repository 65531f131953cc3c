package io.troupe.actors;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * What an actor sees of the runtime. Only the actor's own thread may call these methods (from
 * {@code receive}, {@code preStart}, {@code postStop}, {@code onSignal} or a {@code become}
 * handler); {@link #self()} may be handed to other threads.
 *
 * @param <M> the type of message the actor accepts
 */
public interface ActorContext<M> {
    /**
     * This actor's ref.
     *
     * @return this actor's ref
     */
    ActorRef<M> self();

    /**
     * The parent's ref (a guardian's for top-level actors).
     *
     * @return the parent's ref
     */
    ActorRef<?> parent();

    /**
     * A snapshot of the children that have not yet terminated. Allocates the list.
     *
     * @return the living children, oldest first
     */
    List<ActorRef<?>> children();

    /**
     * The child with this name, if it has not yet terminated.
     *
     * @param name the child's name
     * @return the child, or empty
     */
    Optional<ActorRef<?>> child(String name);

    /**
     * Spawns a child with this name; see {@link #spawn(Supplier, SpawnOptions)}.
     *
     * @param factory creates the child (and, under a supervisor, recreates it)
     * @param name the child's name, unique among its siblings
     * @param <C> the child's message type
     * @return the child's ref
     */
    <C> ActorRef<C> spawn(Supplier<? extends Actor<C>> factory, String name);

    /**
     * Spawns a child with a generated name ({@code $} and a number).
     *
     * @param factory creates the child
     * @param <C> the child's message type
     * @return the child's ref
     */
    <C> ActorRef<C> spawnAnonymous(Supplier<? extends Actor<C>> factory);

    /**
     * Spawns a child. The factory runs on the child's dispatcher before its {@code preStart};
     * if it throws, the child fails. Cost: a few small objects (about 200 bytes) and one
     * scheduling of the child.
     *
     * @param factory creates the child
     * @param options its name, mailbox, dispatcher and throughput
     * @param <C> the child's message type
     * @return the child's ref
     * @throws IllegalArgumentException if the name is taken by a living sibling
     * @throws IllegalStateException if this actor is stopping or the system is closed
     */
    <C> ActorRef<C> spawn(Supplier<? extends Actor<C>> factory, SpawnOptions options);

    /**
     * Stops {@code ref}, which must be this actor or one of its children: it finishes the
     * message in hand, stops its children, runs {@code postStop}, and its watchers get
     * {@link Terminated}. Its queued messages go to dead letters.
     *
     * @param ref this actor or one of its children
     * @throws IllegalArgumentException if {@code ref} is neither this actor nor a child
     */
    void stop(ActorRef<?> ref);

    /**
     * Watches {@code ref}: when it stops this actor gets {@link Terminated} (or
     * {@link ChildFailed} for a failed child) exactly once. Watching a stopped actor delivers
     * it at once. Watching twice is the same as once.
     *
     * @param ref the actor to watch (or a message adapter of it)
     */
    void watch(ActorRef<?> ref);

    /**
     * Stops watching {@code ref}: no {@link Terminated} for it arrives after this call.
     *
     * @param ref the actor no longer watched
     */
    void unwatch(ActorRef<?> ref);

    /**
     * This actor's timers: keyed single and periodic messages to itself.
     *
     * @return the timers
     */
    Timers<M> timers();

    /**
     * Sets a receive timeout: if no message arrives for {@code timeout}, {@code message} is sent
     * to this actor. Every handled message (other than the timeout message) restarts the
     * countdown. Replaces any previous receive timeout.
     *
     * @param timeout how long without messages; must be positive
     * @param message what is sent when it runs out
     */
    void setReceiveTimeout(Duration timeout, M message);

    /** Cancels the receive timeout. */
    void cancelReceiveTimeout();

    /**
     * When {@code stage} completes, hands its result or failure to {@code mapper} on this
     * actor's thread and handles what it returns as a message. The result arrives through the
     * mailbox like any message.
     *
     * @param stage the stage to wait for
     * @param mapper turns its value or failure into a message; runs on this actor's thread; a null result sends nothing
     * @param <T> the stage's value type
     */
    <T> void pipeToSelf(CompletionStage<T> stage, BiFunction<? super T, Throwable, ? extends M> mapper);

    /**
     * Runs {@code task} on the system's bounded blocking pool, away from the dispatcher, and
     * handles {@code mapper}'s message on this actor's thread when it ends. If the pool is
     * saturated the mapper receives a {@link java.util.concurrent.RejectedExecutionException}.
     *
     * @param task the blocking work
     * @param mapper turns its result or failure into a message; runs on this actor's thread
     * @param <T> the task's result type
     */
    <T> void spawnBlocking(Callable<T> task, BiFunction<? super T, Throwable, ? extends M> mapper);

    /**
     * A ref through which other actors, sockets and callbacks that speak protocol {@code T} reach
     * this actor: each {@code T} sent to it is converted by {@code adapter} into an {@code M} on
     * this actor's thread, in its own turn, and handled like any message (by {@code receive} or
     * the current {@code become} handler). There is no extra actor and no extra hop: the
     * message waits, wrapped, in this actor's mailbox, in order with the others, under its
     * capacity and overflow policy; {@code tell}, {@code offer}, {@code send} and {@code ask}
     * on the adapter behave as on {@link #self()}. Works for any {@code T}, including a sealed
     * interface such as a socket's event protocol.
     *
     * <p>The adapter lives as long as this actor (its ref stays valid across restarts, like the
     * mailbox; a restarted instance must register again, usually in {@code preStart}, or
     * messages for it become dead letters with reason {@link DeadLetter.Reason#NO_ADAPTER}).
     * Registering {@code type} again replaces the conversion and returns the same ref; messages
     * already queued are converted by the conversion registered when they are handled. A
     * conversion that throws fails this actor as a throwing {@code receive} would; one that
     * returns {@code null} drops the message. Watching the adapter watches this actor, and the
     * watcher's {@link Terminated} names the adapter.
     *
     * <p>Cost: the first registration allocates the ref; each message sent through it allocates
     * one small wrapper (besides the mailbox node). Only this actor's thread may call it; the
     * returned ref may be used from any thread.
     *
     * @param type the class of the messages the adapter accepts (matched by registration, not
     *     checked on send)
     * @param adapter converts a {@code T} into this actor's message type; runs on this actor's thread
     * @param <T> the protocol the adapter accepts
     * @return the adapter's ref; the same ref each time {@code type} is registered
     */
    <T> ActorRef<T> messageAdapter(Class<T> type, java.util.function.Function<? super T, ? extends M> adapter);

    /**
     * This actor's bounded {@link Stash}, created with {@code capacity} on the first call; later
     * calls (also from a restarted instance) return the same stash. Only this actor's thread may
     * call it or use the stash.
     *
     * @param capacity the most messages the stash holds; must be positive
     * @return this actor's stash
     * @throws IllegalArgumentException if {@code capacity} is not positive, or differs from the
     *     capacity the stash was created with
     */
    Stash<M> stash(int capacity);

    /**
     * This actor's logger: named after the actor's class (so levels and routing are set per
     * class; {@link Actor#of} lambdas log as {@code io.troupe.actors.Actor}), and every record
     * starts with the actor's path in brackets, {@code [/user/rooms/lobby] ...}. The
     * slow-handler warning about this actor goes through the same logger. Created on first use
     * and kept; the returned logger is thread safe and may be handed to callbacks.
     *
     * @return the actor's logger
     */
    System.Logger log();

    /**
     * The actor system.
     *
     * @return the system
     */
    ActorSystem system();
}
