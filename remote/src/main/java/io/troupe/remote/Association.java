package io.troupe.remote;

import io.aeron.Publication;
import io.troupe.actors.ActorRef;
import io.troupe.remote.internal.PhiAccrualFailureDetector;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * This node's link to one other node (by address): its Aeron publication, the handshake, the
 * incarnation (uid) it is talking to, what waits to be sent, the failure detector and the remote
 * actors watched from here.
 */
final class Association {
    /*
     * Threading protocol. The node's agent thread owns everything not marked otherwise: the
     * handshake state, the control queue, the detector, creating the publication. Senders (any
     * thread) read `publication`, `peerUid` and `established` (volatile), offer to the publication
     * directly when nothing waits (`pendingCount` == 0), and otherwise append to `pending` (an
     * MPSC queue) with `pendingCount` raised first; only the agent removes from `pending`, and it
     * lowers `pendingCount` after the message is in the publication (or given up), so a sender
     * that sees 0 knows nothing of its own still waits: per-sender order holds. After close, any
     * thread may drain `pending` (poll is atomic: each message fails once).
     * `watches` is guarded by this object's monitor (watchers call in on their own threads; the
     * agent notifies).
     * Invariants. `established` implies `peerUid` != 0 and the peer proved the secret. A uid once
     * declared down is quarantined by the node and never trusted again.
     * Shutdown. The node's close fails what waits and drops the publication.
     */
    final NodeAddress address;
    final String channel;
    final int streamId;
    volatile Publication publication;
    /** Agent: the publication's position when the agent last looked (senders' writes are activity). */
    long lastPosition;
    /** The uid of the peer's incarnation this association talks to; 0 before the first handshake. */
    volatile long peerUid;
    /**
     * The peer's incarnation that refs resolved now belong to: the first one is created with the
     * association (its uid learned at the first handshake), a new one when the peer restarts.
     */
    volatile Incarnation incarnation = new Incarnation();
    /** Handshake done both ways with {@link #peerUid}: user frames may flow. */
    volatile boolean established;

    final ConcurrentLinkedQueue<Pending> pending = new ConcurrentLinkedQueue<>();
    final AtomicInteger pendingCount = new AtomicInteger();
    /** Senders inside the publication's offer right now (close() waits for none before unmapping). */
    final AtomicInteger offering = new AtomicInteger();
    /** Asks whose request went to this node and whose reply has not come (any thread adds). */
    final Set<RemoteNode.AskRef<?>> asks = java.util.concurrent.ConcurrentHashMap.newKeySet();

    // ---- agent thread only
    /** The nonce of our HELLO, while we wait for its HELLO_ACK; null otherwise. */
    byte[] helloNonce;
    /** Frames to send before anything else once the publication connects (handshake, control). */
    final ArrayDeque<byte[]> control = new ArrayDeque<>();
    /** When we started the handshake in progress (nanos), or 0. */
    long handshakeStartedNanos;
    long lastHelloNanos;
    long nextHeartbeatNanos;
    long lastHeartbeatNanos;
    PhiAccrualFailureDetector detector;
    /** Per peer uid, the nonce of our HELLO_ACK, waiting for its AUTH. */
    final Map<Long, byte[]> ackNonces = new HashMap<>(2);
    boolean inAgentList;
    /** Our AUTH for a verified HELLO_ACK is queued: once it is sent, the association is established. */
    boolean establishOnAuthSent;
    /** Paths of the current incarnation we sent WATCH for (and no UNWATCH or TERMINATED since). */
    final Set<String> watchSent = new HashSet<>();

    /** Remote actors of this node watched by local actors: path -> ref -> watchers. Guarded by this. */
    private final HashMap<String, HashMap<RemoteRef<?>, Set<ActorRef<?>>>> watches = new HashMap<>();

    Association(NodeAddress address, String channel, int streamId) {
        this.address = address;
        this.channel = channel;
        this.streamId = streamId;
    }

    /** One incarnation of the peer node; identity matters (refs compare it). */
    static final class Incarnation {
        /** Its uid; 0 until the first handshake with it. Written by the agent. */
        volatile long uid;
    }

    /** One message waiting for the handshake or for room in the publication. */
    record Pending(byte[] frame, byte verb, Object message, RemoteRef<?> target, CompletableFuture<Void> done) {}

    /**
     * Adds a watch; true if it is the first for that ref (that path on that incarnation: refs of
     * one incarnation and path are equal), so the node must look at it.
     */
    synchronized boolean addWatch(RemoteRef<?> ref, ActorRef<?> watcher) {
        final HashMap<RemoteRef<?>, Set<ActorRef<?>>> refs = watches.computeIfAbsent(ref.path, p -> new HashMap<>(2));
        final boolean first = !refs.containsKey(ref);
        refs.computeIfAbsent(ref, r -> new HashSet<>(2)).add(watcher);
        return first;
    }

    /** Removes a watch; true if it was the last for that ref (an UNWATCH frame may go). */
    synchronized boolean removeWatch(RemoteRef<?> ref, ActorRef<?> watcher) {
        final HashMap<RemoteRef<?>, Set<ActorRef<?>>> refs = watches.get(ref.path);
        if (refs == null) {
            return false;
        }
        final Set<ActorRef<?>> ws = refs.get(ref);
        boolean last = false;
        if (ws != null && ws.remove(watcher) && ws.isEmpty()) {
            refs.remove(ref);
            last = true;
        }
        if (refs.isEmpty()) {
            watches.remove(ref.path);
        }
        return last;
    }

    /** Whether some local actor watches {@code ref} (its path on its incarnation). */
    synchronized boolean isWatched(RemoteRef<?> ref) {
        final HashMap<RemoteRef<?>, Set<ActorRef<?>>> refs = watches.get(ref.path);
        return refs != null && refs.containsKey(ref);
    }

    /** Takes the watches of exactly {@code ref} (its path on its incarnation). */
    synchronized Map<RemoteRef<?>, Set<ActorRef<?>>> takeWatch(RemoteRef<?> ref) {
        final HashMap<RemoteRef<?>, Set<ActorRef<?>>> refs = watches.get(ref.path);
        final Map<RemoteRef<?>, Set<ActorRef<?>>> taken = new HashMap<>();
        if (refs == null) {
            return taken;
        }
        final Set<ActorRef<?>> ws = refs.remove(ref);
        if (ws != null) {
            taken.put(ref, ws);
        }
        if (refs.isEmpty()) {
            watches.remove(ref.path);
        }
        return taken;
    }

    /** Takes the watches of {@code path} for refs of incarnation {@code uid} (or unbound). */
    synchronized Map<RemoteRef<?>, Set<ActorRef<?>>> takeWatches(String path, long uid) {
        final HashMap<RemoteRef<?>, Set<ActorRef<?>>> refs = watches.get(path);
        final Map<RemoteRef<?>, Set<ActorRef<?>>> taken = new HashMap<>();
        if (refs == null) {
            return taken;
        }
        refs.entrySet().removeIf(e -> {
            if (e.getKey().incarnation.uid == 0 || e.getKey().incarnation.uid == uid) {
                taken.put(e.getKey(), e.getValue());
                return true;
            }
            return false;
        });
        if (refs.isEmpty()) {
            watches.remove(path);
        }
        return taken;
    }

    /** Takes every watch (the node is down). */
    synchronized Map<RemoteRef<?>, Set<ActorRef<?>>> takeAllWatches() {
        final Map<RemoteRef<?>, Set<ActorRef<?>>> taken = new HashMap<>();
        for (HashMap<RemoteRef<?>, Set<ActorRef<?>>> refs : watches.values()) {
            taken.putAll(refs);
        }
        watches.clear();
        return taken;
    }

    @Override
    public String toString() {
        return "Association[" + address + ", uid " + peerUid + (established ? ", established" : "") + "]";
    }
}
