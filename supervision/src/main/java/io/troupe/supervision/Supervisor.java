package io.troupe.supervision;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Supervisor actors after Erlang/OTP's {@code supervisor}: an actor whose only job is to start
 * an ordered list of children, watch them, restart them by a strategy, and stop them in order.
 *
 * <pre>{@code
 * Supplier<Actor<Supervisor.Command>> tree = Supervisor.builder(Supervisor.Strategy.ONE_FOR_ONE)
 *     .restarts(SupervisorStrategy.restart()
 *         .withLimit(3, Duration.ofSeconds(5))                              // OTP intensity and period
 *         .withBackoff(Duration.ofMillis(10), Duration.ofSeconds(1), 0.2))
 *     .child(ChildSpec.of("cache", Cache::new))
 *     .child(ChildSpec.of("worker", Worker::new).withRestart(ChildSpec.RestartType.TRANSIENT))
 *     .build();
 * ActorRef<Supervisor.Command> sup = system.spawn(tree, "sup");
 * List<Supervisor.ChildInfo> kids = sup.<List<Supervisor.ChildInfo>>ask(Supervisor.WhichChildren::new,
 *     Duration.ofSeconds(1)).toCompletableFuture().join();
 * sup.tell(new Supervisor.Shutdown());                                      // children stop last-started first
 * }</pre>
 *
 * <h2>Restarts</h2>
 * The supervisor watches its children: it hears of a failure through
 * {@link io.troupe.actors.ChildFailed} and of a normal stop through
 * {@link io.troupe.actors.Terminated}. Whether a terminated child is restarted depends on its
 * {@link ChildSpec.RestartType}; which siblings restart with it depends on the
 * {@link Strategy}. A restart stops the siblings concerned (last-started first, each within its
 * deadline), waits the backoff, then spawns a fresh actor for each from its factory, in start
 * order: a new ref, like a new pid in OTP. {@link WhichChildren} tells the current refs. Spawning
 * is asynchronous (unlike OTP's {@code start_link}): the children's {@code preStart}s may run
 * concurrently, but messages sent to a ref just returned are queued, never lost.
 *
 * <h2>Restart limit</h2>
 * Every restart (one per strategy decision, however many siblings it restarts) counts against
 * {@link SupervisorStrategy#withLimit}, supervisor-wide, as OTP's intensity. The restart past
 * the limit is refused: the supervisor stops all its children in order and then fails with
 * {@link RestartIntensityExceededException}: its parent sees {@link io.troupe.actors.ChildFailed}
 * (a parent supervisor restarts the whole subtree), or, with
 * {@link SupervisorStrategy#withEscalateWhenExhausted()}, the parent fails too.
 *
 * <h2>Stopping, and what "forced" means</h2>
 * {@link Shutdown} stops the children in reverse start order. Each is asked to stop (its
 * {@linkplain ChildSpec#withStopMessage stop message} if it has one, else a system-lane stop,
 * which lets it finish the handler in hand) and given its {@linkplain ChildSpec#withShutdown
 * shutdown deadline}. Past the deadline the stop is <em>forced</em>: the supervisor sends a
 * system-lane stop if it had not yet, stops waiting for that child, and moves on to the next. It
 * cannot do more: no runtime can safely interrupt a running handler, and Java threads cannot be
 * killed. A forced child still stops when its handler returns, and the runtime still guarantees
 * that the supervisor terminates after all its children (its {@code postStop}, and its watchers'
 * {@link io.troupe.actors.Terminated}, come after theirs). Then the supervisor stops itself.
 *
 * <p>Stopping a supervisor the plain way ({@link io.troupe.actors.ActorContext#stop},
 * {@link io.troupe.actors.ActorSystem#stop}, its parent stopping, closing the system) keeps the
 * same order: the runtime stops its children in reverse start order, each within its shutdown
 * deadline and then forced, before the supervisor's own {@code postStop}. The difference from
 * {@link Shutdown} is that the runtime stops each child on the system lane instead of sending
 * the child's stop message.
 *
 * <h2>Backoff</h2>
 * A restart waits {@link SupervisorStrategy#withBackoff}'s delay, counted per child (the failing
 * one's for a group restart). Meanwhile the children concerned are
 * {@link ChildState#RESTARTING}. A {@link Shutdown} or {@link RemoveChild} during the wait
 * cancels the pending restart: the factory is not called again.
 *
 * <p>This class is the namespace of the API: the builder, the protocol and the replies.
 */
public final class Supervisor {
    private Supervisor() {}

    /** Which children restart when one terminates and is to be restarted (OTP's strategies). */
    public enum Strategy {
        /** Only that child. */
        ONE_FOR_ONE,
        /** All children: the others are stopped (last-started first), then all start again in order. */
        ALL_FOR_ONE,
        /** That child and the children started after it: those stopped (last first), then all restarted in order. */
        REST_FOR_ONE
    }

    /** What a child is doing, as {@link WhichChildren} reports it. */
    public enum ChildState {
        /** The current incarnation was spawned and has not terminated. */
        RUNNING,
        /** Being restarted: its siblings are being stopped, or the backoff runs; a fresh incarnation follows. */
        RESTARTING,
        /** Terminated and not to be restarted: a transient child that stopped normally, or the supervisor is shutting down. */
        STOPPED
    }

    /**
     * The supervisor's protocol. Users send {@link AddChild}, {@link RemoveChild},
     * {@link WhichChildren} and {@link Shutdown}; the other implementations are internal.
     */
    public sealed interface Command permits AddChild, RemoveChild, WhichChildren, Shutdown, SupervisorActor.Internal {}

    /**
     * Adds a child at the end of the start order and spawns it. Answered with
     * {@link ChildAdded}, or {@link ChildRejected} if the id is taken or the supervisor is
     * shutting down.
     */
    public record AddChild(ChildSpec<?> spec, ActorRef<ChildReply> replyTo) implements Command {
        /**
         * Checks the components.
         *
         * @param spec the child to add
         * @param replyTo receives the outcome
         */
        public AddChild {
            Objects.requireNonNull(spec, "spec");
            Objects.requireNonNull(replyTo, "replyTo");
        }
    }

    /**
     * Stops the child (as {@link Shutdown} would: within its deadline, then forced) and forgets
     * its specification; a pending restart of it is cancelled. Answered with
     * {@link ChildRemoved} once the child terminated or its stop was forced, or
     * {@link ChildRejected} if there is no such child.
     */
    public record RemoveChild(String id, ActorRef<ChildReply> replyTo) implements Command {
        /**
         * Checks the components.
         *
         * @param id the child's id
         * @param replyTo receives the outcome
         */
        public RemoveChild {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(replyTo, "replyTo");
        }
    }

    /** Asks for the children in start order: ids, current refs, restart types and states. */
    public record WhichChildren(ActorRef<List<ChildInfo>> replyTo) implements Command {
        /**
         * Checks the components.
         *
         * @param replyTo receives the children
         */
        public WhichChildren {
            Objects.requireNonNull(replyTo, "replyTo");
        }
    }

    /**
     * Stops the children in reverse start order, each within its deadline (then forced), then
     * the supervisor. Watch the supervisor to know when it is done.
     */
    public record Shutdown() implements Command {}

    /** One child, as {@link WhichChildren} reports it. */
    public record ChildInfo(String id, ActorRef<?> ref, ChildSpec.RestartType restartType, ChildState state) {}

    /** The answer to {@link AddChild} and {@link RemoveChild}. */
    public sealed interface ChildReply permits ChildAdded, ChildRemoved, ChildRejected {
        /**
         * The child's id.
         *
         * @return the child's id
         */
        String id();
    }

    /** The child was added and spawned as {@code ref}. */
    public record ChildAdded(String id, ActorRef<?> ref) implements ChildReply {}

    /** The child terminated (or its stop was forced) and its specification is gone. */
    public record ChildRemoved(String id) implements ChildReply {}

    /** Nothing was done, because of {@code reason}. */
    public record ChildRejected(String id, String reason) implements ChildReply {}

    /**
     * Starts a builder for a supervisor with this strategy.
     *
     * @param strategy one-for-one, all-for-one or rest-for-one
     * @return the builder
     */
    public static Builder builder(Strategy strategy) {
        return new Builder(Objects.requireNonNull(strategy, "strategy"));
    }

    /**
     * Settings of a supervisor. NOT thread safe: build on one thread; the factory it builds is
     * immutable and thread safe.
     */
    public static final class Builder {
        private final Strategy strategy;
        private SupervisorStrategy restarts = SupervisorStrategy.restart().withLimit(3, Duration.ofSeconds(5));
        private final List<ChildSpec<?>> children = new ArrayList<>();
        private final HashSet<String> ids = new HashSet<>();
        private LongSupplier nanoClock; // null: the actor system's clock

        private Builder(Strategy strategy) {
            this.strategy = strategy;
        }

        /**
         * The restart limit and backoff of all children. Default: at most 3 restarts in 5 s
         * (OTP's default intensity and period), no backoff.
         *
         * @param restarts a restart strategy with its limit (and backoff)
         * @return this builder
         * @throws IllegalArgumentException if {@code restarts} is not a {@link SupervisorStrategy#restart()} strategy
         */
        public Builder restarts(SupervisorStrategy restarts) {
            Objects.requireNonNull(restarts, "restarts");
            if (restarts.directive() != SupervisorStrategy.Directive.RESTART) {
                throw new IllegalArgumentException("a supervisor's strategy must be SupervisorStrategy.restart() with"
                        + " settings; the restart types of the child specs choose what is not restarted, was " + restarts);
            }
            this.restarts = restarts;
            return this;
        }

        /**
         * Adds a child after those added before.
         *
         * @param spec the child
         * @return this builder
         * @throws IllegalArgumentException if the id is already used
         */
        public Builder child(ChildSpec<?> spec) {
            Objects.requireNonNull(spec, "spec");
            if (!ids.add(spec.id())) {
                throw new IllegalArgumentException("child id '" + spec.id() + "' is used twice; ids must be unique");
            }
            children.add(spec);
            return this;
        }

        /**
         * The clock of the restart limit, in nanoseconds. Default: the actor system's clock
         * ({@link io.troupe.actors.ActorSystem#clock()}, so a system on a
         * {@link io.troupe.timers.ManualClock} drives the limit's window too); a test may inject
         * another. Called on the supervisor's thread. Backoff delays run on the system's timers.
         *
         * @param nanoClock the clock, in nanoseconds
         * @return this builder
         */
        public Builder nanoClock(LongSupplier nanoClock) {
            this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
            return this;
        }

        /**
         * The supervisor's factory: spawn it like any actor. Each instance starts the children.
         *
         * @return the supervisor's factory
         */
        public Supplier<Actor<Command>> build() {
            return new SupervisorActor.Factory(strategy, restarts, List.copyOf(children), nanoClock);
        }
    }
}
