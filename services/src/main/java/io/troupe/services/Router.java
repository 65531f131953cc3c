package io.troupe.services;

import io.troupe.actors.ActorRef;
import java.util.List;

/**
 * A pool or group of actors behind one {@link ActorRef}: what is sent to {@link #ref()} goes to
 * one member, chosen by the router's strategy on the sending thread (no extra hop). Obtain one
 * from {@link Routers}. Members that stop are removed (the router watches them); a pool can be
 * resized. Thread safe: any thread may use every method.
 *
 * <p>A message sent while the router has no member goes to dead letters (through the router's
 * manager actor, so it is counted, never silent).
 *
 * @param <M> the message type
 */
public interface Router<M> {

    /**
     * The router's ref: {@code tell}, {@code offer}, {@code send} and {@code ask} go to one member.
     * Its path is the manager actor's. Watch {@link #manager()} to learn when the router stops.
     *
     * @return the routing ref
     */
    ActorRef<M> ref();

    /**
     * The actor that owns the pool's members (their parent), watches the members, and applies
     * resizes and membership changes. Stopping it stops a pool's members.
     *
     * @return the manager
     */
    ActorRef<?> manager();

    /**
     * The current members, in the order they joined. A snapshot; membership changes (a member
     * stopped, a resize) are applied by the manager soon after they happen.
     *
     * @return the members
     */
    List<ActorRef<M>> members();

    /**
     * Resizes a pool to {@code size} members: spawns new ones, or stops the newest ones (which
     * the router stops choosing at once; messages still queued in a stopped member's mailbox go to
     * dead letters, as with any stop). Applied asynchronously by the manager.
     *
     * @param size the new size; zero or more
     * @throws UnsupportedOperationException for a group (its members are added and removed)
     * @throws IllegalArgumentException if {@code size} is negative
     */
    void resize(int size);

    /**
     * Adds a member to a group (watched from now on). Applied asynchronously by the manager.
     *
     * @param member the actor
     * @throws UnsupportedOperationException for a pool
     */
    void add(ActorRef<M> member);

    /**
     * Removes a member from a group (it is not stopped). Applied asynchronously by the manager.
     *
     * @param member the actor
     * @throws UnsupportedOperationException for a pool
     */
    void remove(ActorRef<M> member);
}
