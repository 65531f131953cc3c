package io.troupe.remote;

import io.troupe.actors.ActorRef;
import io.troupe.actors.internal.ForeignRef;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * A ref to an actor on another node, reached over Aeron: the same verbs as a local
 * {@link ActorRef}, with what a network adds. Get one from {@link RemoteNode#resolve}, or inside a
 * message that carried a ref. Any thread may use it.
 *
 * <ul>
 *   <li>{@code tell}: encodes the message on the calling thread and hands it to the node's Aeron
 *       publication (lock-free); if Aeron back-pressures, or the node is unreachable, the message
 *       is a dead letter on this node naming the remote node ({@code REMOTE_BACK_PRESSURED},
 *       {@code REMOTE_UNREACHABLE}). At the other node it follows the receiver's overflow policy.
 *       While the first handshake with the node runs, messages wait (a bounded number).
 *   <li>{@code offer}: false if the message cannot be handed to Aeron now; at the other node it is
 *       offered, and a full mailbox there makes a dead letter there.
 *   <li>{@code send}: lossless: waits (without a thread) while Aeron back-pressures, and at the
 *       other node waits for room in the mailbox, which holds back this node's later messages to
 *       that node meanwhile (Aeron's flow control carries the pressure back).
 *   <li>{@code ask}: the reply ref travels in the request and the reply comes back over the wire;
 *       the stage fails on timeout, or when the remote node is declared down.
 * </ul>
 *
 * <p>Messages from one sender to one remote actor arrive in the order sent. A ref belongs to one
 * incarnation of its node: after that node restarts, messages through the old ref are dead
 * letters; resolve the address again. Two refs are equal when they name the same path on the
 * same incarnation. Watching a remote ref ({@code context.watch}) gives {@code Terminated} when
 * the actor stops or its node is declared down by the failure detector.
 *
 * @param <M> the type of message the remote actor accepts
 */
public final class RemoteRef<M> implements ActorRef<M>, ForeignRef {
    final RemoteNode node;
    final NodeAddress address;
    final String path;
    /** The path as the wire carries it (UTF-8), encoded once. */
    final byte[] pathBytes;
    /** The incarnation of its node this ref belongs to (whose uid may be learned later). */
    final Association.Incarnation incarnation;
    final Association association;

    RemoteRef(RemoteNode node, Association association, String path, Association.Incarnation incarnation) {
        this.node = node;
        this.association = association;
        this.address = association.address;
        this.path = path;
        this.pathBytes = path.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        this.incarnation = incarnation;
    }

    @Override
    public void tell(M message) {
        Objects.requireNonNull(message, "message");
        node.sendMessage(this, message, io.troupe.remote.internal.Wire.TELL, null);
    }

    @Override
    public boolean offer(M message) {
        Objects.requireNonNull(message, "message");
        return node.sendMessage(this, message, io.troupe.remote.internal.Wire.OFFER, null);
    }

    @Override
    public CompletionStage<Void> send(M message) {
        Objects.requireNonNull(message, "message");
        final java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
        node.sendMessage(this, message, io.troupe.remote.internal.Wire.SEND, done);
        return done;
    }

    @Override
    public <R> CompletionStage<R> ask(Function<ActorRef<R>, ? extends M> request, Duration timeout) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, was " + timeout);
        }
        return node.ask(this, request, timeout);
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public String name() {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /**
     * The node this actor lives on.
     *
     * @return its address
     */
    public NodeAddress node() {
        return address;
    }

    /**
     * The full address, {@code troupe://system@host:port/user/path}.
     *
     * @return the URI
     */
    public ActorUri uri() {
        return new ActorUri(address, path);
    }

    @Override
    public void watchedBy(ActorRef<?> watcher) {
        node.watch(this, watcher);
    }

    @Override
    public void unwatchedBy(ActorRef<?> watcher) {
        node.unwatch(this, watcher);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RemoteRef<?> r && r.incarnation == incarnation && r.path.equals(path) && r.node == node;
    }

    @Override
    public int hashCode() {
        return address.hashCode() * 31 + path.hashCode();
    }

    @Override
    public String toString() {
        return "ActorRef[" + address + path + "]";
    }
}
