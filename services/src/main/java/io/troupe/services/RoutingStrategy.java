package io.troupe.services;

import io.troupe.services.internal.Checks;
import io.troupe.services.internal.RoutingSpec;
import java.util.Objects;
import java.util.function.Function;

/**
 * How a {@link Router} picks the member that gets a message. Immutable; obtain one from the
 * static factories. Choosing costs what each factory says and runs on the sending thread (the
 * router adds no hop: the message goes straight into the chosen member's mailbox).
 *
 * @param <M> the message type
 */
public final class RoutingStrategy<M> {
    /** What the router machinery reads (package-private: {@link Routers} hands it over). */
    final RoutingSpec spec;

    @SuppressWarnings("unchecked")
    private RoutingStrategy(RoutingSpec.Kind kind, Function<? super M, ?> key, int virtualNodes) {
        // the router applies the key only to its own messages, of type M
        this.spec = new RoutingSpec(kind, (Function<Object, ?>) key, virtualNodes);
    }

    /**
     * Each member in turn. One atomic increment per message.
     *
     * @param <M> the message type
     * @return the strategy
     */
    public static <M> RoutingStrategy<M> roundRobin() {
        return new RoutingStrategy<>(RoutingSpec.Kind.ROUND_ROBIN, null, 0);
    }

    /**
     * A member drawn at random ({@code ThreadLocalRandom}). No shared write per message.
     *
     * @param <M> the message type
     * @return the strategy
     */
    public static <M> RoutingStrategy<M> random() {
        return new RoutingStrategy<>(RoutingSpec.Kind.RANDOM, null, 0);
    }

    /**
     * The member that owns {@code key(message)} on a hash ring with {@code virtualNodes} points
     * per member: messages with equal keys go to the same member while the membership holds, and
     * when a member leaves or joins only the keys of that member move. One hash and a binary
     * search per message; the ring is rebuilt when members change.
     *
     * @param key extracts the key (for example a user id); its {@code hashCode} is used
     * @param virtualNodes points per member on the ring, 1 to 10,000 (100 spreads keys evenly)
     * @param <M> the message type
     * @return the strategy
     */
    public static <M> RoutingStrategy<M> consistentHashing(Function<? super M, ?> key, int virtualNodes) {
        Objects.requireNonNull(key, "key");
        Checks.positive(virtualNodes, "virtualNodes");
        if (virtualNodes > 10_000) {
            throw new IllegalArgumentException("virtualNodes must be at most 10000, was " + virtualNodes);
        }
        return new RoutingStrategy<>(RoutingSpec.Kind.CONSISTENT_HASHING, key, virtualNodes);
    }

    /**
     * The member with the fewest queued messages (a scan of all members' mailbox sizes, one
     * volatile read each; ties go to the first). A member whose mailbox cannot be seen (not a
     * local actor) counts as busy.
     *
     * @param <M> the message type
     * @return the strategy
     */
    public static <M> RoutingStrategy<M> smallestMailbox() {
        return new RoutingStrategy<>(RoutingSpec.Kind.SMALLEST_MAILBOX, null, 0);
    }

    @Override
    public String toString() {
        return spec.toString();
    }
}
