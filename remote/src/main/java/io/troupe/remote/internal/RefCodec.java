package io.troupe.remote.internal;

import io.troupe.actors.ActorRef;

/**
 * How refs inside messages travel: the node that encodes or decodes a message provides this.
 * {@link #uriOf} turns any ref (a local actor, a message adapter, an ask's reply ref, a remote ref)
 * into a {@code troupe://system@host:port/path} string the other side can resolve;
 * {@link #resolve} turns such a string back into a usable ref (a remote ref, or the local actor
 * when it names this node). Called on the thread that encodes (the sender's) or decodes (the
 * node's receiving thread).
 */
public interface RefCodec {
    /**
     * The address of {@code ref} as seen from other nodes.
     *
     * @param ref any ref
     * @return its {@code troupe://} URI
     */
    String uriOf(ActorRef<?> ref);

    /**
     * The ref a {@code troupe://} URI names.
     *
     * @param uri the URI
     * @return a usable ref
     * @throws IllegalArgumentException if the URI is malformed
     */
    ActorRef<?> resolve(String uri);
}
