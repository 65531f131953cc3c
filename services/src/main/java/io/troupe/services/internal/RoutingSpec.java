package io.troupe.services.internal;

import java.util.function.Function;

/**
 * What a {@code RoutingStrategy} says, in the form the router machinery reads: the kind of
 * choice and its settings. Immutable; any thread.
 *
 * @param kind how a member is chosen
 * @param key the key of a message (consistent hashing only, else {@code null}); applied only to
 *     messages of the router's type
 * @param virtualNodes points per member on the hash ring (consistent hashing only, else 0)
 */
public record RoutingSpec(Kind kind, Function<Object, ?> key, int virtualNodes) {

    /** The kinds of choice. */
    public enum Kind {
        /** Each member in turn. */
        ROUND_ROBIN,
        /** A member drawn at random. */
        RANDOM,
        /** The owner of the message's key on a hash ring. */
        CONSISTENT_HASHING,
        /** The member with the fewest queued messages. */
        SMALLEST_MAILBOX
    }

    @Override
    public String toString() {
        return "RoutingStrategy[" + kind + "]";
    }
}
