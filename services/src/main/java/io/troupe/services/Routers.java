package io.troupe.services;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.services.internal.BalancingPool;
import io.troupe.services.internal.Checks;
import io.troupe.services.internal.RouterImpl;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Routers: the actor-world face of balancing. A pool (members spawned by the router) or a group
 * (members given) behind one {@link ActorRef}, with a {@link RoutingStrategy}; and a balancing
 * pool whose workers share one queue. Every factory spawns a manager actor named {@code name} at
 * the top level of {@code system}; any thread may call them.
 */
public final class Routers {
    private Routers() {}

    /**
     * A pool of {@code size} actors made by {@code factory}, children of the router's manager
     * (named {@code member-1}, {@code member-2}, ...), behind one ref. A member that stops (or
     * fails) is removed and not replaced; {@link Router#resize} spawns or stops members.
     *
     * @param system the actor system
     * @param name the manager's name (a valid actor name, unique at the top level)
     * @param size how many members to start with; zero or more
     * @param factory makes a member
     * @param strategy how a member is chosen for each message
     * @param <M> the message type
     * @return the router
     * @throws IllegalArgumentException if {@code size} is negative or the name is not valid or taken
     */
    public static <M> Router<M> pool(ActorSystem system, String name, int size, Supplier<? extends Actor<M>> factory,
                                     RoutingStrategy<? super M> strategy) {
        Objects.requireNonNull(system, "system");
        Checks.notNegative(size, "size");
        Objects.requireNonNull(factory, "factory");
        Objects.requireNonNull(strategy, "strategy");
        return new RouterImpl<>(system, name, strategy.spec, size, factory, null);
    }

    /**
     * A group: existing actors behind one ref. The router watches them: a member that stops is
     * removed; {@link Router#add} and {@link Router#remove} change the membership.
     *
     * @param system the actor system
     * @param name the manager's name
     * @param members the first members
     * @param strategy how a member is chosen for each message
     * @param <M> the message type
     * @return the router
     */
    public static <M> Router<M> group(ActorSystem system, String name, List<ActorRef<M>> members,
                                      RoutingStrategy<? super M> strategy) {
        Objects.requireNonNull(system, "system");
        Objects.requireNonNull(strategy, "strategy");
        final List<ActorRef<M>> copy = List.copyOf(Objects.requireNonNull(members, "members"));
        return new RouterImpl<>(system, name, strategy.spec, 0, null, copy);
    }

    /**
     * A balancing pool: {@code size} workers that share one bounded queue, so that a message
     * waits only until some worker is free, never behind a slow message on a busy worker (Pekko's
     * BalancingPool). Each worker is an actor that runs its own handler, made by
     * {@code handlerFactory}, one message at a time on the worker's thread (the handler may keep
     * state: it is confined to its worker). A handler that throws stops its worker, which is
     * removed. Sending costs one lock-free queue offer, a fence and a scan of the workers' idle
     * flags (one CAS and one message to wake an idle worker). When the queue is full a
     * {@code tell} goes to dead letters and an {@code offer} returns false.
     *
     * <p>Why handlers, not actors: an actor's {@code receive} runs only through its own mailbox;
     * sharing one mailbox between actors would change the core's one-consumer invariant. See the
     * class comment of the implementation.
     *
     * @param system the actor system
     * @param name the manager's name
     * @param size how many workers; positive
     * @param queueCapacity the shared queue's capacity; positive (rounded up to a power of two)
     * @param handlerFactory makes each worker's handler
     * @param <M> the message type
     * @return the router ({@link Router#resize} is not supported)
     */
    public static <M> Router<M> balancingPool(ActorSystem system, String name, int size, int queueCapacity,
                                              Supplier<? extends Consumer<? super M>> handlerFactory) {
        Objects.requireNonNull(system, "system");
        Checks.positive(size, "size");
        Checks.positive(queueCapacity, "queueCapacity");
        Objects.requireNonNull(handlerFactory, "handlerFactory");
        return new BalancingPool<>(system, name, size, queueCapacity, handlerFactory);
    }
}
