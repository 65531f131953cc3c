package io.troupe.remote;

import io.aeron.Aeron;
import io.aeron.ControlledFragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.logbuffer.ControlledFragmentHandler;
import io.aeron.logbuffer.Header;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.ActorTerminatedException;
import io.troupe.actors.DeadLetter;
import io.troupe.actors.internal.SystemAccess;
import io.troupe.remote.internal.CodecEngine;
import io.troupe.remote.internal.DeepeningIdleStrategy;
import io.troupe.remote.internal.Handshake;
import io.troupe.remote.internal.PhiAccrualFailureDetector;
import io.troupe.remote.internal.RefCodec;
import io.troupe.remote.internal.Wire;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.IoUtil;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.AgentTerminationException;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One {@link ActorSystem} made reachable from other processes and hosts over Aeron, and able to
 * reach theirs: its actors get addresses {@code troupe://system@host:port/user/path}, and
 * {@link #resolve} turns such an address into a {@link RemoteRef} with the usual verbs.
 *
 * <pre>{@code
 * try (ActorSystem system = ActorSystem.create("a");
 *      RemoteNode node = RemoteNode.start(system, RemoteSettings.udp(25520).withSecret("s3cret-cookie"))) {
 *     ActorRef<String> echo = node.resolve("troupe://b@127.0.0.1:25521/user/echo");
 *     echo.tell("hello");
 * }
 * }</pre>
 *
 * <p>What runs: one thread of this node (named {@code troupe-remote-<system>}) that runs the
 * duty cycle of an embedded Aeron media driver (unless {@link RemoteSettings#withAeronDirectory}
 * names a driver that runs already) and of the Aeron client, polls the node's one subscription
 * for every peer, runs handshakes, heartbeats and the failure detector, and hands messages to
 * local actors: what the driver receives is handed on in the same turn, with no thread between.
 * Senders encode on their own thread and write to the peer's Aeron publication directly,
 * lock-free. Idle, the thread backs off to sleeping 1 ms at a time, then deeper
 * ({@link RemoteSettings#withDeepIdle}).
 *
 * <p>Security: only nodes that prove they know the shared secret are heard (an HMAC handshake;
 * the secret never travels); only classes registered in the {@link Codecs} are ever decoded; a
 * frame larger than the maximum message size is refused. The node binds to loopback unless told
 * otherwise. Frames are not encrypted: across untrusted networks, run it over a VPN or tunnel.
 *
 * <p>Thread safety: all methods may be called from any thread.
 */
public final class RemoteNode implements AutoCloseable {
    /*
     * Threading protocol. One agent thread (AgentRunner, DeepeningIdleStrategy) runs the embedded
     * driver's agents (ThreadingMode.INVOKER) and the Aeron client's conductor (an agent invoker;
     * nothing else ever invokes them while it runs: client calls that wait for the driver are made
     * on this thread, or before it starts, or after it stopped), polls the
     * subscription, runs `commands` (an MPSC queue other threads add to), flushes associations'
     * control frames and pending messages, and every TICK runs handshake retries, heartbeats, the
     * failure detector and ask deadlines. Senders write to publications from their own thread
     * (Aeron's concurrent publication). Maps read by any thread are concurrent; `byUid`,
     * `quarantined`, `watchedLocals` and `askDeadlines` belong to the agent.
     * Invariants. A frame is acted on only if its sender's uid completed the handshake (HELLO,
     * HELLO_ACK, AUTH are the only frames heard from strangers) and it is addressed to this
     * incarnation. A quarantined uid (declared down) is never heard again.
     * A sender writes straight to the publication only when `established` (read first), nothing
     * waits, and `peerUid` (read second) is the uid of the target ref's incarnation: the agent
     * writes the incarnation's uid, then `peerUid`, then `established`, so a sender that raced a
     * restart never addresses the new incarnation with a message for the old one.
     * Watches: callers change Association.watches, then queue reconcileWatch; the agent sends
     * WATCH/UNWATCH so that `watchSent` follows the watches held when it runs.
     * Shutdown. close() (under `closeLock`: a second caller must not pass AgentRunner.close(), which
     * returns at once to it, and close Aeron under the running thread) sets `closed`, stops the
     * agent and waits for its thread to end (it fails what waits and tells watchers), fails what
     * was queued meanwhile, then closes Aeron and the embedded driver (on the closing thread: the
     * node thread is gone), and deletes the driver's directory. If the agent stops without close()
     * (its thread interrupted, an Error out of a turn, which AgentRunner rethrows without
     * onClose, or the Aeron client or driver closed itself), the agent sets `closed` and fails what waits itself; Aeron stays open until
     * close(). Senders, asks and watches check `closed` after queueing (and fail what they queued
     * themselves if it is set): either they or the agent/close() see the other's write.
     * Test hooks (`*Hook` fields): package-private, null in production, read once where used.
     */
    private static final System.Logger LOG = System.getLogger(RemoteNode.class.getName());
    /** The Aeron stream of UDP nodes. */
    static final int UDP_STREAM = 10;
    private static final long TICK_NANOS = 5_000_000L;
    private static final long HELLO_RETRY_NANOS = 200_000_000L;
    private static final int FRAGMENT_LIMIT = 64;
    private static final int MAX_TEMPS = 1 << 16;
    private static final long ASK_LINGER_NANOS = 5_000_000_000L;
    /** Extra bytes a frame carries beyond the message: header, path, codec id. */
    private static final int FRAME_OVERHEAD = Wire.HEADER + 2 + Wire.MAX_STRING + 8;

    private final ActorSystem system;
    private final RemoteSettings settings;
    private final CodecEngine codecs;
    private final byte[] secret;
    /** This incarnation: random, never 0. */
    final long uid;
    private final NodeAddress address;
    private final String termLength;
    private final MediaDriver driver;
    private final Aeron aeron;
    private final Subscription subscription;
    private final ControlledFragmentAssembler assembler;
    private final AgentRunner runner;
    /** The embedded driver's duty cycle (null with an external driver) and the Aeron client's: the node's thread runs both. */
    private final AgentInvoker driverInvoker;
    private final AgentInvoker clientInvoker;
    private final DeepeningIdleStrategy idle;

    private final ConcurrentHashMap<NodeAddress, Association> associations = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();
    private final ConcurrentHashMap<String, ActorRef<?>> temps = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<ActorRef<?>, String> exported = new ConcurrentHashMap<>();
    /**
     * Local actors messages were addressed to, by path: one map probe per message instead of a walk
     * down the tree; an entry leaves when its actor terminates (a message in between goes to the
     * terminated actor: a dead letter, as it would have been a moment earlier).
     */
    private final ConcurrentHashMap<String, ActorRef<?>> resolved = new ConcurrentHashMap<>();
    private final AtomicLong tempIds = new AtomicLong();
    private final ThreadLocal<ExpandableArrayBuffer> encodeBuffers = ThreadLocal.withInitial(() -> new ExpandableArrayBuffer(512));
    private final RefCodec refs = new Refs();
    private final AtomicLong refusedFrames = new AtomicLong();
    /**
     * Set by close() before the agent stops, and by the agent when it stops for any other reason
     * (its thread died of an Error, or was interrupted): whoever queues work for the agent checks
     * it after queueing.
     */
    private volatile boolean closed;
    /** Held by close() while it runs. */
    private final Object closeLock = new Object();

    // ---- test hooks (package-private, null unless a test sets them; one volatile read where used)
    /** Runs on the node thread at the start of each turn: a test holds the thread there, or makes it fail. */
    volatile Runnable agentTurnHook;
    /** Runs on the node thread with a pending message just before flush offers it to the publication. */
    volatile java.util.function.Consumer<Object> beforePendingOfferHook;
    /** Runs on the unwatching thread after the watches changed and before the reconcile is queued. */
    volatile Runnable afterUnwatchChangeHook;

    // ---- agent thread only
    private final ArrayList<Association> agentAssociations = new ArrayList<>();
    private final HashMap<Long, Association> byUid = new HashMap<>();
    private final Set<Long> quarantined = new HashSet<>();
    private final HashMap<String, LocalWatch> watchedLocals = new HashMap<>();
    private final PriorityQueue<AskRef<?>> askDeadlines = new PriorityQueue<>((a, b) -> Long.compare(a.deadlineNanos, b.deadlineNanos));
    /** Finished asks whose reply refs stay resolvable a while (late replies: dead letters with a reason). */
    private final java.util.ArrayDeque<AskRef<?>> lingering = new java.util.ArrayDeque<>();
    private final ExpandableArrayBuffer controlBuffer = new ExpandableArrayBuffer(256);
    private long nextTickNanos;
    /** Heartbeat frames among those polled in this turn (not activity for the idle strategy). */
    private int heartbeatsPolled;
    private final HashMap<String, Long> lastRefusalLog = new HashMap<>();

    private RemoteNode(ActorSystem system, RemoteSettings settings) {
        this.system = system;
        this.settings = settings;
        this.secret = settings.secret();
        this.codecs = CodecEngine.of(settings.codecs != null ? settings.codecs : Codecs.builder().build());
        long u;
        do {
            u = ThreadLocalRandom.current().nextLong();
        } while (u == 0);
        this.uid = u;
        this.termLength = termLength(settings.maxMessageSize);
        MediaDriver d = null;
        Aeron a = null;
        try {
            final String dir;
            if (settings.aeronDirectory == null) {
                final Path base = Files.isDirectory(Path.of("/dev/shm")) ? Path.of("/dev/shm") : Path.of(System.getProperty("java.io.tmpdir"));
                dir = base.resolve("troupe-aeron-" + system.name() + "-" + Long.toHexString(u)).toString();
                d = MediaDriver.launchEmbedded(new MediaDriver.Context()
                        .aeronDirectoryName(dir)
                        // no threads of its own: the node's thread runs the driver's duty cycle
                        .threadingMode(ThreadingMode.INVOKER)
                        // the conductor's timer checks (liveness, linger: timeouts of seconds) every
                        // 100 ms, not every 1 ms, so that an idle driver does not wake the node
                        .timerIntervalNs(settings.deepIdleAfter == null ? 1_000_000L
                                : Long.getLong("troupe.remote.driverTimerNs", 100_000_000L))
                        .termBufferSparseFile(true)
                        .dirDeleteOnStart(true)
                        .dirDeleteOnShutdown(true)
                        .errorHandler(t -> LOG.log(System.Logger.Level.WARNING, "Aeron media driver of " + system.name(), t)));
            } else {
                dir = settings.aeronDirectory.toString();
            }
            // the client's conductor runs on the node's thread too (and, while it waits for the
            // driver's answer, runs the embedded driver's duty cycle itself)
            a = Aeron.connect(new Aeron.Context().aeronDirectoryName(dir)
                    .useConductorAgentInvoker(true)
                    .driverAgentInvoker(d != null ? d.sharedAgentInvoker() : null)
                    .errorHandler(t -> LOG.log(System.Logger.Level.WARNING, "Aeron client of " + system.name(), t)));
            final Subscription sub;
            final int port;
            if (settings.transport == RemoteSettings.Transport.IPC) {
                sub = a.addSubscription("aeron:ipc", settings.port);
                port = settings.port;
            } else {
                sub = a.addSubscription("aeron:udp?endpoint=" + hostForUri(settings.host) + ":" + settings.port, UDP_STREAM);
                port = settings.port != 0 ? settings.port : boundPort(sub, d, a);
            }
            this.subscription = sub;
            this.address = new NodeAddress(system.name(), settings.host, port);
            this.driver = d;
            this.aeron = a;
            this.driverInvoker = d != null ? d.sharedAgentInvoker() : null;
            this.clientInvoker = a.conductorAgentInvoker();
            this.assembler = new ControlledFragmentAssembler(this::onFragment);
            this.idle = idleStrategy(settings);
            this.runner = new AgentRunner(idle,
                    t -> LOG.log(System.Logger.Level.ERROR, "remote node " + address + " agent", t), null, new NodeAgent());
            // if this fails (no thread to be had), the node thread never ran: this thread alone
            // has invoked the driver and the client, so the catch below may close them
            AgentRunner.startOnThread(runner, r -> {
                final Thread t = new Thread(r, "troupe-remote-" + system.name());
                t.setDaemon(true);
                return t;
            });
        } catch (RuntimeException | Error e) {
            CloseHelper.quietClose(a);
            CloseHelper.quietClose(d);
            throw e;
        }
    }

    /**
     * Starts a node for {@code system}: an embedded media driver (unless the settings name one),
     * the node's subscription on its address, and its thread. Blocks until bound (milliseconds).
     *
     * @param system the actor system whose actors become reachable
     * @param settings transport, address, secret, codecs
     * @return the running node; close it before the system (or let close() of the node run first)
     * @throws IllegalStateException if the settings have no secret
     * @throws io.aeron.exceptions.AeronException if Aeron cannot start or bind (port in use)
     */
    public static RemoteNode start(ActorSystem system, RemoteSettings settings) {
        Objects.requireNonNull(system, "system");
        Objects.requireNonNull(settings, "settings");
        if (settings.secret == null) {
            throw new IllegalStateException("a remote node needs a shared secret: RemoteSettings.withSecret(...)");
        }
        try {
            new NodeAddress(system.name(), settings.host, Math.max(1, settings.port));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("actor system '" + system.name() + "' cannot be a remote node: " + e.getMessage(), e);
        }
        return new RemoteNode(system, settings);
    }

    /**
     * This node's address, such as {@code troupe://system@127.0.0.1:25520}.
     *
     * @return the address (with the port the system picked, if the settings said 0)
     */
    public NodeAddress address() {
        return address;
    }

    /**
     * The address other nodes reach a local actor by: {@code troupe://system@host:port/user/path}.
     * A ref that is not a spawned actor (a message adapter, an ask's reply ref) gets a temporary
     * path under {@code /temp}. Cheap; any thread.
     *
     * @param ref a local actor, or a remote ref (its own address)
     * @return its URI
     */
    public ActorUri uriOf(ActorRef<?> ref) {
        return ActorUri.parse(refs.uriOf(ref));
    }

    /**
     * The ref of the actor at {@code uri}: a {@link RemoteRef} for another node (no network
     * traffic until it is used: the first use starts the handshake), or the local actor for this
     * node (or a ref whose messages become dead letters, if none is there).
     *
     * @param uri such as {@code troupe://b@127.0.0.1:25521/user/echo}
     * @param <M> the message type the caller expects the actor to accept (not checked)
     * @return the ref
     * @throws IllegalArgumentException if the URI is malformed
     */
    @SuppressWarnings("unchecked")
    public <M> ActorRef<M> resolve(String uri) {
        return (ActorRef<M>) refs.resolve(uri);
    }

    /**
     * The ref of the actor at {@code uri}; see {@link #resolve(String)}.
     *
     * @param uri the address
     * @param <M> the message type
     * @return the ref
     */
    public <M> ActorRef<M> resolve(ActorUri uri) {
        return resolve(uri.toString());
    }

    /**
     * The nodes this node is associated with now: the handshake done both ways, and not declared
     * down; none once the node is closed. A snapshot; any thread.
     *
     * @return their addresses
     */
    public Set<NodeAddress> connectedNodes() {
        final Set<NodeAddress> connected = new HashSet<>();
        if (closed) {
            return connected; // closed (or its thread ended): associated with nobody
        }
        for (Association a : associations.values()) {
            if (a.established) {
                connected.add(a.address);
            }
        }
        return connected;
    }

    /**
     * How many frames this node refused (garbage, unauthenticated senders, unknown codecs,
     * oversized). Any thread.
     *
     * @return the count since start
     */
    public long refusedFrames() {
        return refusedFrames.get();
    }

    /**
     * Stops the node: its thread, Aeron, and the embedded driver. What waited to be sent becomes
     * dead letters; local watchers of remote actors get {@code Terminated}. Idempotent; blocks
     * for up to a few seconds; a second caller returns once the first one's close is done.
     *
     * @throws IllegalStateException on the node's own thread (a dead-letter subscriber or a codec
     *     run by it): the thread cannot wait for itself to stop
     */
    @Override
    public void close() {
        if (Thread.currentThread() == runner.thread()) {
            throw new IllegalStateException("a remote node cannot be closed from its own thread (" + Thread.currentThread().getName() + ")");
        }
        closed = true;
        // one closer at a time: AgentRunner.close() returns at once to a second caller while the
        // first still waits for the node thread to stop; that caller would then close Aeron and
        // the driver under the running thread (two threads in the driver's agents, unmapped buffers)
        synchronized (closeLock) {
            closeOnce();
        }
    }

    private void closeOnce() {
        CloseHelper.quietClose(runner);
        // no sender may be inside a publication's offer when Aeron unmaps its log (see sendMessage)
        final long deadline = System.nanoTime() + 5_000_000_000L;
        for (Association a : associations.values()) {
            while (a.offering.get() != 0 && System.nanoTime() - deadline < 0) {
                Thread.yield();
            }
        }
        // what was queued while or after the agent stopped (senders check `closed` after queueing)
        for (Association a : associations.values()) {
            failAfterClose(a);
        }
        CloseHelper.quietClose(aeron);
        CloseHelper.quietClose(driver);
        if (driver != null) {
            IoUtil.delete(new java.io.File(driver.aeronDirectoryName()), true);
        }
    }

    @Override
    public String toString() {
        return "RemoteNode[" + address + "]";
    }

    /** Tests: the deep parks the node's thread has taken (it is idle in the deep sense). Any thread. */
    long deepParks() {
        return idle.deepParks();
    }

    // ===================================================================== sending (any thread)

    /** Fails what waits on {@code a} once the node is closed (the agent no longer runs). Any thread, idempotent. */
    private void failAfterClose(Association a) {
        failPending(a, "remote node " + address + " closed");
        notifyTerminated(a.takeAllWatches());
        for (AskRef<?> ask : a.asks) {
            ask.fail(new ActorTerminatedException("remote node " + address + " closed before " + ask.target + " replied"));
        }
    }

    /** Encodes and sends; true if handed to Aeron or queued for the handshake (send/tell). */
    boolean sendMessage(RemoteRef<?> target, Object message, byte verb, CompletableFuture<Void> done) {
        final Association a = target.association;
        if (closed) {
            return undeliverable(target, message, done, DeadLetter.Reason.REMOTE_UNREACHABLE, "remote node " + address + " closed");
        }
        if (target.incarnation != a.incarnation) {
            return undeliverable(target, message, done, DeadLetter.Reason.REMOTE_UNREACHABLE,
                    "node " + a.address + " restarted: this ref was for an earlier incarnation");
        }
        final ExpandableArrayBuffer buffer = encodeBuffers.get();
        int offset = Wire.header(buffer, 0, Wire.MESSAGE, verb, uid, 0); // the receiver's uid is written when sent
        offset = Wire.putStringBytes(buffer, offset, target.pathBytes);
        final int length;
        try {
            length = offset + codecs.encode(message, buffer, offset, settings.maxMessageSize, refs);
        } catch (CodecException e) {
            LOG.log(System.Logger.Level.WARNING, "not sent to " + target + ": " + e.getMessage());
            return undeliverable(target, message, done, DeadLetter.Reason.REMOTE_NOT_ENCODABLE, e.getMessage());
        }
        // `established` is read before `peerUid` (the agent writes them in the other order), and
        // the frame goes straight out only if addressed to the target's own incarnation: a sender
        // that passed the check above before the peer restarted must not reach the new incarnation
        final long peer;
        if (a.established && a.pendingCount.get() == 0 && (peer = a.peerUid) == target.incarnation.uid) {
            final Publication p = a.publication;
            buffer.putLong(16, peer);
            long r;
            // close() unmaps the publication's log once no sender is inside offer: announce
            // ourselves, then look at `closed` (a Dekker pair with close()); offering into an
            // unmapped log would crash the JVM
            a.offering.getAndIncrement();
            try {
                if (closed) {
                    return undeliverable(target, message, done, DeadLetter.Reason.REMOTE_UNREACHABLE, "remote node " + address + " closed");
                }
                r = p.offer(buffer, 0, length);
                if (r == Publication.ADMIN_ACTION) {
                    r = p.offer(buffer, 0, length);
                }
            } finally {
                a.offering.getAndDecrement();
            }
            if (r > 0) {
                if (done != null) {
                    done.complete(null);
                }
                return true;
            }
            if (r == Publication.CLOSED || r == Publication.MAX_POSITION_EXCEEDED) {
                return undeliverable(target, message, done, DeadLetter.Reason.REMOTE_UNREACHABLE, "publication to " + a.address + " closed");
            }
            if (verb == Wire.OFFER) {
                return false;
            }
            if (verb == Wire.TELL) {
                return undeliverable(target, message, done, r == Publication.NOT_CONNECTED
                        ? DeadLetter.Reason.REMOTE_UNREACHABLE : DeadLetter.Reason.REMOTE_BACK_PRESSURED,
                        "node " + a.address + (r == Publication.NOT_CONNECTED ? " not connected" : " back-pressured"));
            }
            // SEND: wait below
        } else if (target.incarnation != a.incarnation) {
            return undeliverable(target, message, done, DeadLetter.Reason.REMOTE_UNREACHABLE,
                    "node " + a.address + " restarted: this ref was for an earlier incarnation");
        } else if (verb == Wire.OFFER) {
            if (!a.established) {
                connect(a);
            }
            return false;
        }
        if (a.pendingCount.incrementAndGet() > settings.pendingPerNode) {
            a.pendingCount.decrementAndGet();
            return undeliverable(target, message, done, DeadLetter.Reason.REMOTE_BACK_PRESSURED,
                    settings.pendingPerNode + " messages already wait for node " + a.address);
        }
        final byte[] frame = new byte[length];
        buffer.getBytes(0, frame);
        a.pending.add(new Association.Pending(frame, verb, message, target, done));
        if (closed) {
            failPending(a, "remote node " + address + " closed"); // the agent may have stopped before seeing it
            return true;
        }
        if (!a.established) {
            connect(a);
        }
        return true;
    }

    private boolean undeliverable(RemoteRef<?> target, Object message, CompletableFuture<Void> done, DeadLetter.Reason reason, String why) {
        system.deadLetters().publish(new DeadLetter(message, null, target, reason));
        if (done != null) {
            done.completeExceptionally(new RemoteDeliveryException(why));
        }
        return false;
    }

    /** Makes sure the agent knows the association and runs its handshake. Any thread. */
    private void connect(Association a) {
        commands.add(() -> startHandshake(a));
    }

    <R> CompletionStage<R> ask(RemoteRef<?> target, Function<? super ActorRef<R>, ?> request, Duration timeout) {
        final String name = "/temp/$ask-" + tempIds.incrementAndGet();
        final AskRef<R> reply = new AskRef<>(this, name, target);
        temps.put(name, reply);
        final Object message;
        try {
            message = Objects.requireNonNull(request.apply(reply), "the request built by ask");
        } catch (RuntimeException | Error e) {
            temps.remove(name);
            throw e;
        }
        final long nanos = Math.min(timeout.toNanos(), 1L << 61);
        reply.deadlineNanos = System.nanoTime() + nanos;
        reply.timeout = timeout;
        target.association.asks.add(reply);
        commands.add(() -> askDeadlines.add(reply));
        if (!sendMessage(target, message, Wire.TELL, null)) {
            reply.fail(new RemoteDeliveryException("the request to " + target + " was not sent (see dead letters)"));
        } else if (closed) {
            reply.fail(new ActorTerminatedException("remote node " + address + " closed before " + target + " replied"));
        }
        return reply.future;
    }

    void watch(RemoteRef<?> ref, ActorRef<?> watcher) {
        final Association a = ref.association;
        if (a.addWatch(ref, watcher)) {
            commands.add(() -> reconcileWatch(a, ref));
        }
        if (closed) {
            notifyTerminated(a.takeAllWatches()); // the agent may have stopped before seeing it
        }
    }

    void unwatch(RemoteRef<?> ref, ActorRef<?> watcher) {
        final Association a = ref.association;
        if (a.removeWatch(ref, watcher)) {
            final Runnable hook = afterUnwatchChangeHook;
            if (hook != null) {
                hook.run();
            }
            commands.add(() -> reconcileWatch(a, ref));
        }
    }

    /**
     * Agent: makes what the peer was told (WATCH/UNWATCH of the path) follow the watches held now.
     * Callers change the watches and then queue this, so the last run sees the last change, even
     * when a watch and an unwatch queue their commands in the other order than they changed them.
     */
    private void reconcileWatch(Association a, RemoteRef<?> ref) {
        if (ref.incarnation != a.incarnation) {
            notifyTerminated(a.takeWatch(ref)); // an earlier incarnation: gone
            return;
        }
        final boolean wanted = a.isWatched(ref);
        if (wanted && a.watchSent.add(ref.path)) {
            control(a, Wire.WATCH, ref.path);
            startHandshake(a);
        } else if (!wanted && a.watchSent.remove(ref.path)) {
            control(a, Wire.UNWATCH, ref.path); // goes after the WATCH, once established
        }
    }

    // ===================================================================== refs in messages

    private Association association(NodeAddress node) {
        return associations.computeIfAbsent(node, n -> settings.transport == RemoteSettings.Transport.IPC
                ? new Association(n, "aeron:ipc?term-length=" + termLength, n.port())
                : new Association(n, "aeron:udp?endpoint=" + hostForUri(n.host()) + ":" + n.port() + "|term-length=" + termLength, UDP_STREAM));
    }

    private final class Refs implements RefCodec {
        @Override
        public String uriOf(ActorRef<?> ref) {
            Objects.requireNonNull(ref, "ref");
            if (ref instanceof RemoteRef<?> r) {
                return r.address + r.path;
            }
            if (ref instanceof AskRef<?> ask && ask.node == RemoteNode.this) {
                return address + ask.path();
            }
            final String path = ref.path();
            if (SystemAccess.resolve(system, path) == ref) {
                return address + path;
            }
            String name = exported.get(ref);
            if (name == null) {
                if (temps.size() >= MAX_TEMPS) {
                    throw new CodecException("more than " + MAX_TEMPS + " refs that are not actors were sent from " + address);
                }
                final String fresh = "/temp/$ref-" + tempIds.incrementAndGet();
                name = exported.putIfAbsent(ref, fresh);
                if (name == null) {
                    name = fresh;
                    temps.put(name, ref);
                    forgetWhenGone(ref, fresh);
                }
            }
            return address + name;
        }

        @Override
        public ActorRef<?> resolve(String uri) {
            final ActorUri parsed = ActorUri.parse(uri);
            if (parsed.node().equals(address)) {
                final ActorRef<?> local = localRef(parsed.path());
                return local != null ? local : new MissingRef(parsed.path(), system);
            }
            final Association a = association(parsed.node());
            return new RemoteRef<>(RemoteNode.this, a, parsed.path(), a.incarnation);
        }
    }

    /**
     * Drops an exported ref once its actor (an anonymous actor, or the owner of a message
     * adapter) has terminated; refs of neither kind stay until the node closes (at most
     * MAX_TEMPS).
     */
    private void forgetWhenGone(ActorRef<?> ref, String name) {
        final String path = ref.path();
        ActorRef<?> actor = ref;
        if (path.contains("/$adapter-")) {
            actor = SystemAccess.resolve(system, path.substring(0, path.lastIndexOf('/')));
        }
        if (actor == null) {
            return;
        }
        try {
            system.whenTerminated(actor).whenComplete((v, t) -> {
                temps.remove(name, ref);
                exported.remove(ref, name);
            });
        } catch (IllegalArgumentException notAnActorOfThisSystem) {
            // kept until close
        }
    }

    private ActorRef<?> localRef(String path) {
        if (path.startsWith("/temp/")) {
            return temps.get(path);
        }
        final ActorRef<?> cached = resolved.get(path);
        if (cached != null) {
            return cached;
        }
        final ActorRef<?> found = SystemAccess.resolve(system, path);
        if (found != null && resolved.size() < MAX_TEMPS && resolved.putIfAbsent(path, found) == null) {
            try {
                system.whenTerminated(found).whenComplete((v, t) -> resolved.remove(path, found));
            } catch (IllegalArgumentException guardian) {
                resolved.remove(path, found); // /user itself: not cached
            }
        }
        return found;
    }

    // ===================================================================== the agent

    private final class NodeAgent implements Agent {
        @Override
        public int doWork() {
            try {
                return turn();
            } catch (Error e) {
                // AgentRunner rethrows an Error and the thread ends without onClose: nothing would
                // ever run the driver, fail asks or tell watchers again. Treat it as a close (the
                // resources stay for close()), then let the Error go on.
                try {
                    onClose();
                } catch (Throwable suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
        }

        private int turn() {
            final Runnable hook = agentTurnHook;
            if (hook != null) {
                hook.run();
            }
            // the driver's and the client's duty cycles first: what the driver received is then
            // polled below in the same turn; their own periodic work (heartbeats, status messages,
            // timer checks) keeps the backoff short but does not keep the node out of deep idle
            int driverWork = driverInvoker != null ? driverInvoker.invoke() : 0;
            driverWork += clientInvoker.invoke();
            if (clientInvoker.isClosed() || (driverInvoker != null && driverInvoker.isClosed())) {
                // the client's conductor or the driver closed itself (the thread stalled past the
                // client liveness timeout, the driver went away, an interrupt): the subscription
                // and the publications are gone for good, so the node stops (onClose: closed)
                throw new AgentTerminationException("the Aeron client or media driver of remote node " + address + " closed");
            }
            int work = 0;
            Runnable c;
            while ((c = commands.poll()) != null) {
                c.run();
                work++;
            }
            heartbeatsPolled = 0;
            final int polled = subscription.controlledPoll(assembler, FRAGMENT_LIMIT);
            work += polled;
            // heartbeats (the peer's, polled here, and ours, sent in tick) are not activity: an
            // idle pair exchanging them must still reach its deep parks
            boolean moved = polled > heartbeatsPolled;
            final ArrayList<Association> list = agentAssociations;
            for (int i = 0, n = list.size(); i < n; i++) {
                final Association a = list.get(i);
                work += flush(a);
                final Publication p = a.publication;
                if (p != null) { // senders write to it from their own threads: activity too
                    final long position = p.position();
                    if (position != a.lastPosition) {
                        a.lastPosition = position;
                        moved = true;
                    }
                }
            }
            if (moved || work > polled) { // a message moved, or a command ran or a frame was flushed
                idle.activity();
            }
            final long now = System.nanoTime();
            if (now - nextTickNanos >= 0) {
                nextTickNanos = now + TICK_NANOS;
                tick(now);
            }
            return work + driverWork;
        }

        @Override
        public void onClose() {
            // the agent stops: by close(), or its thread was interrupted or died; either way
            // nothing runs the node any more, so whoever queues from now on fails what it queued
            if (!closed) {
                closed = true;
                LOG.log(System.Logger.Level.ERROR, "remote node " + address + " stopped without close(): what is sent to it"
                        + " now fails; close it to free Aeron and its media driver");
            }
            for (Association a : associations.values()) {
                failAfterClose(a);
            }
        }

        @Override
        public String roleName() {
            return "troupe-remote-" + system.name();
        }
    }

    private void register(Association a) {
        if (!a.inAgentList) {
            a.inAgentList = true;
            agentAssociations.add(a);
        }
        if (a.publication == null) {
            a.publication = aeron.addPublication(a.channel, a.streamId);
        }
    }

    private void startHandshake(Association a) {
        register(a);
        if (a.established || a.helloNonce != null) {
            return;
        }
        a.helloNonce = Handshake.newNonce();
        a.handshakeStartedNanos = System.nanoTime();
        sendHello(a);
    }

    private void sendHello(Association a) {
        a.lastHelloNanos = System.nanoTime();
        final ExpandableArrayBuffer b = controlBuffer;
        int o = Wire.header(b, 0, Wire.HELLO, (byte) 0, uid, 0);
        b.putBytes(o, a.helloNonce);
        o += Wire.NONCE;
        o = Wire.putString(b, o, address.toString());
        o = Wire.putString(b, o, a.address.system());
        queueControl(a, b, o, true);
    }

    /** Queues a control frame (handshake frames first, as they are needed before anything). */
    private void queueControl(Association a, ExpandableArrayBuffer b, int length, boolean handshake) {
        final byte[] frame = new byte[length];
        b.getBytes(0, frame);
        if (handshake) {
            a.control.addFirst(frame);
        } else {
            a.control.addLast(frame);
        }
    }

    private void control(Association a, byte type, String path) {
        register(a);
        final ExpandableArrayBuffer b = controlBuffer;
        int o = Wire.header(b, 0, type, (byte) 0, uid, a.peerUid);
        o = Wire.putString(b, o, path);
        queueControl(a, b, o, false);
    }

    /** Sends what waits: control frames, then (once established) pending messages. */
    private int flush(Association a) {
        final Publication p = a.publication;
        if (p == null) {
            return 0;
        }
        int work = 0;
        byte[] frame;
        while ((frame = a.control.peekFirst()) != null) {
            final byte type = frame[4];
            final boolean handshake = type == Wire.HELLO || type == Wire.HELLO_ACK || type == Wire.AUTH;
            if (!handshake && !a.established) {
                break;
            }
            if (!handshake) {
                putLong(frame, 16, a.peerUid);
            }
            if (p.offer(new UnsafeBuffer(frame)) < 0) {
                return work;
            }
            a.control.pollFirst();
            work++;
            if (type == Wire.AUTH && a.establishOnAuthSent) {
                a.establishOnAuthSent = false;
                established(a);
            }
        }
        if (!a.established) {
            return work;
        }
        Association.Pending m;
        while ((m = a.pending.peek()) != null) {
            if (m.target().incarnation != a.incarnation) {
                a.pending.poll();
                a.pendingCount.decrementAndGet();
                undeliverable(m.target(), m.message(), m.done(), DeadLetter.Reason.REMOTE_UNREACHABLE,
                        "node " + a.address + " restarted: this ref was for an earlier incarnation");
                continue;
            }
            putLong(m.frame(), 16, a.peerUid);
            final java.util.function.Consumer<Object> hook = beforePendingOfferHook;
            if (hook != null) {
                hook.accept(m.message());
            }
            final long r = p.offer(new UnsafeBuffer(m.frame()));
            if (r < 0) {
                if (r == Publication.CLOSED || r == Publication.MAX_POSITION_EXCEEDED) {
                    failPending(a, "publication to " + a.address + " closed");
                }
                return work;
            }
            a.pending.poll();
            a.pendingCount.decrementAndGet();
            work++;
            if (m.done() != null) {
                final CompletableFuture<Void> done = m.done();
                system.executor().execute(() -> done.complete(null));
            }
        }
        return work;
    }

    private static void putLong(byte[] frame, int index, long value) {
        new UnsafeBuffer(frame).putLong(index, value);
    }

    private void failPending(Association a, String why) {
        Association.Pending m;
        while ((m = a.pending.poll()) != null) {
            a.pendingCount.decrementAndGet();
            undeliverable(m.target(), m.message(), m.done(), DeadLetter.Reason.REMOTE_UNREACHABLE, why);
        }
    }

    private void tick(long now) {
        for (Association a : agentAssociations) {
            if (!a.established && a.helloNonce != null) {
                if (now - a.handshakeStartedNanos > settings.handshakeTimeout.toNanos()) {
                    LOG.log(System.Logger.Level.WARNING, "no handshake with " + a.address + " within " + settings.handshakeTimeout
                            + "; what waited for it became dead letters");
                    a.helloNonce = null;
                    a.control.removeIf(f -> f[4] == Wire.HELLO);
                    failPending(a, "no handshake with " + a.address + " within " + settings.handshakeTimeout);
                    for (AskRef<?> ask : a.asks) {
                        ask.fail(new RemoteDeliveryException("no handshake with " + a.address));
                    }
                    // unreachable: its watchers hear Terminated, and the WATCHes queued for it go
                    a.control.removeIf(f -> f[4] == Wire.WATCH || f[4] == Wire.UNWATCH);
                    a.watchSent.clear();
                    notifyTerminated(a.takeAllWatches());
                } else if (now - a.lastHelloNanos > HELLO_RETRY_NANOS) {
                    a.control.removeIf(f -> f[4] == Wire.HELLO);
                    sendHello(a);
                }
            }
            if (a.established) {
                if (now - a.nextHeartbeatNanos >= 0) {
                    a.nextHeartbeatNanos = now + settings.heartbeatInterval.toNanos();
                    final ExpandableArrayBuffer b = controlBuffer;
                    final int o = Wire.header(b, 0, Wire.HEARTBEAT, (byte) 0, uid, a.peerUid);
                    if (a.control.isEmpty()) {
                        final long before = a.publication.position();
                        if (a.publication.offer(b, 0, o) > 0 && before == a.lastPosition) { // a lost heartbeat is what the detector is for
                            a.lastPosition = a.publication.position(); // our heartbeat is not activity (a sender's message since the turn's look still is)
                        }
                    }
                }
                if (a.detector != null && !a.detector.isAvailable(now)) {
                    declareDown(a, "no heartbeat for " + Duration.ofNanos(now - a.lastHeartbeatNanos).toMillis() + " ms (phi "
                            + String.format("%.1f", a.detector.phi(now)) + ")");
                }
            }
        }
        AskRef<?> done;
        while ((done = lingering.peekFirst()) != null && now - done.lingerUntilNanos >= 0) {
            temps.remove(lingering.pollFirst().name);
        }
        AskRef<?> ask;
        while ((ask = askDeadlines.peek()) != null && (ask.future.isDone() || now - ask.deadlineNanos >= 0)) {
            askDeadlines.poll();
            if (!ask.future.isDone()) {
                ask.fail(new TimeoutException("ask to " + ask.target + " timed out after " + ask.timeout));
            }
        }
    }

    private void established(Association a) {
        a.established = true;
        a.helloNonce = null;
        // both sides started a handshake: the peer's AUTH can come before ours is sent; sending
        // ours then must not establish (log, reset the detector) a second time
        a.establishOnAuthSent = false;
        a.detector = new PhiAccrualFailureDetector(settings.phiThreshold, 200, settings.heartbeatInterval.toNanos() / 4,
                settings.acceptableHeartbeatPause.toNanos(), settings.heartbeatInterval.toNanos());
        final long now = System.nanoTime();
        a.detector.heartbeat(now);
        a.lastHeartbeatNanos = now;
        a.nextHeartbeatNanos = now;
        LOG.log(System.Logger.Level.INFO, address + " associated with " + a.address + " (incarnation " + Long.toHexString(a.peerUid) + ")");
    }

    /** The incarnation {@code a} talked to is gone: quarantine it, fail and tell what depends on it. */
    private void declareDown(Association a, String why) {
        final long down = a.peerUid;
        LOG.log(System.Logger.Level.WARNING, "node " + a.address + " (incarnation " + Long.toHexString(down) + ") is down: " + why);
        quarantined.add(down);
        byUid.remove(down);
        a.established = false;
        a.incarnation = new Association.Incarnation(); // refs resolved from now on belong to whoever comes next
        a.detector = null;
        a.helloNonce = null;
        a.establishOnAuthSent = false; // its AUTH, if queued, goes with the control frames
        a.control.clear();
        a.watchSent.clear();
        failPending(a, "node " + a.address + " is down: " + why);
        notifyTerminated(a.takeAllWatches());
        for (AskRef<?> ask : a.asks) {
            ask.fail(new ActorTerminatedException("node " + a.address + " is down (" + why + ") before " + ask.target + " replied"));
        }
        for (LocalWatch w : watchedLocals.values()) {
            w.uids.remove(down);
        }
    }

    private static void notifyTerminated(Map<RemoteRef<?>, Set<ActorRef<?>>> watches) {
        for (Map.Entry<RemoteRef<?>, Set<ActorRef<?>>> e : watches.entrySet()) {
            for (ActorRef<?> watcher : e.getValue()) {
                SystemAccess.foreignTerminated(watcher, e.getKey());
            }
        }
    }

    // ===================================================================== receiving (agent)

    private ControlledFragmentHandler.Action onFragment(DirectBuffer b, int offset, int length, Header header) {
        if (length < Wire.HEADER || b.getInt(offset) != Wire.MAGIC) {
            refuse(null, "a frame that is not Troupe's (" + length + " bytes)");
            return ControlledFragmentHandler.Action.CONTINUE;
        }
        if (length > settings.maxMessageSize + FRAME_OVERHEAD) {
            refuse(null, "a frame of " + length + " bytes, above the maximum");
            return ControlledFragmentHandler.Action.CONTINUE;
        }
        final byte type = b.getByte(offset + 4);
        final byte verb = b.getByte(offset + 5);
        final long from = b.getLong(offset + 8);
        final long to = b.getLong(offset + 16);
        final int body = offset + Wire.HEADER;
        final int end = offset + length;
        switch (type) {
            case Wire.HELLO:
                onHello(b, body, end, from);
                return ControlledFragmentHandler.Action.CONTINUE;
            case Wire.HELLO_ACK:
                onHelloAck(b, body, end, from, to);
                return ControlledFragmentHandler.Action.CONTINUE;
            case Wire.AUTH:
                onAuth(b, body, end, from, to);
                return ControlledFragmentHandler.Action.CONTINUE;
            default:
                break;
        }
        final Association a = byUid.get(from);
        if (a == null || !a.established) {
            refuse(null, (quarantined.contains(from) ? "a frame from a node declared down (incarnation "
                    : "a frame from an unauthenticated node (incarnation ") + Long.toHexString(from) + ")");
            return ControlledFragmentHandler.Action.CONTINUE;
        }
        if (to != uid) {
            refuse(a, "a frame for another incarnation of this node");
            return ControlledFragmentHandler.Action.CONTINUE;
        }
        switch (type) {
            case Wire.MESSAGE:
                return onMessage(a, b, body, end, verb);
            case Wire.HEARTBEAT:
                heartbeatsPolled++;
                if (a.detector != null) {
                    final long now = System.nanoTime();
                    a.detector.heartbeat(now);
                    a.lastHeartbeatNanos = now;
                }
                return ControlledFragmentHandler.Action.CONTINUE;
            case Wire.WATCH:
            case Wire.UNWATCH:
            case Wire.TERMINATED: {
                final int n = Wire.stringLength(b, body, end);
                if (n < 0) {
                    refuse(a, "a malformed path");
                    return ControlledFragmentHandler.Action.CONTINUE;
                }
                final String path = Wire.getString(b, body, n);
                if (type == Wire.WATCH) {
                    onWatch(a, path);
                } else if (type == Wire.UNWATCH) {
                    final LocalWatch w = watchedLocals.get(path);
                    if (w != null) {
                        w.uids.remove(a.peerUid);
                    }
                } else {
                    a.watchSent.remove(path); // the peer dropped its watch
                    notifyTerminated(a.takeWatches(path, a.peerUid));
                }
                return ControlledFragmentHandler.Action.CONTINUE;
            }
            default:
                refuse(a, "a frame of unknown type " + type);
                return ControlledFragmentHandler.Action.CONTINUE;
        }
    }

    @SuppressWarnings("unchecked")
    private ControlledFragmentHandler.Action onMessage(Association a, DirectBuffer b, int body, int end, byte verb) {
        final int n = Wire.stringLength(b, body, end);
        if (n < 0) {
            refuse(a, "a message with a malformed path");
            return ControlledFragmentHandler.Action.CONTINUE;
        }
        final String path = Wire.getString(b, body, n);
        final Object message;
        try {
            final int payload = body + 2 + n;
            message = codecs.decode(b, payload, end - payload, refs);
        } catch (CodecException | IllegalArgumentException e) {
            refuse(a, "a message for " + path + " it cannot decode: " + e.getMessage());
            return ControlledFragmentHandler.Action.CONTINUE;
        }
        final ActorRef<Object> target = (ActorRef<Object>) localRef(path);
        if (target == null) {
            system.deadLetters().publish(new DeadLetter(message, null, new MissingRef(path, system), DeadLetter.Reason.RECIPIENT_STOPPED));
            return ControlledFragmentHandler.Action.CONTINUE;
        }
        switch (verb) {
            case Wire.SEND:
                return target.offer(message) ? ControlledFragmentHandler.Action.CONTINUE : ControlledFragmentHandler.Action.ABORT;
            case Wire.OFFER:
                if (!target.offer(message)) {
                    system.deadLetters().publish(new DeadLetter(message, null, target, DeadLetter.Reason.MAILBOX_FULL));
                }
                return ControlledFragmentHandler.Action.CONTINUE;
            default:
                target.tell(message);
                return ControlledFragmentHandler.Action.CONTINUE;
        }
    }

    private void onWatch(Association a, String path) {
        final ActorRef<?> local = localRef(path);
        LocalWatch w = watchedLocals.get(path);
        if (w != null && w.ref != local) {
            w = null; // a stale entry: that actor is gone
        }
        if (local == null || path.startsWith("/temp/")) {
            if (local == null) {
                control(a, Wire.TERMINATED, path);
            }
            return;
        }
        if (w == null) {
            final LocalWatch fresh = new LocalWatch(local);
            watchedLocals.put(path, fresh);
            w = fresh;
            system.whenTerminated(local).whenComplete((v, t) -> commands.add(() -> onLocalTerminated(path, fresh)));
        }
        w.uids.add(a.peerUid);
    }

    /** Keeps a finished ask's reply ref resolvable for {@link #ASK_LINGER_NANOS}, at most MAX_TEMPS of them. Agent. */
    private void linger(AskRef<?> ask) {
        askDeadlines.remove(ask); // O(asks in flight); it would otherwise stay until its deadline
        ask.lingerUntilNanos = System.nanoTime() + ASK_LINGER_NANOS;
        lingering.addLast(ask);
        while (lingering.size() > MAX_TEMPS) {
            temps.remove(lingering.pollFirst().name);
        }
    }

    private void onLocalTerminated(String path, LocalWatch w) {
        if (watchedLocals.get(path) == w) {
            watchedLocals.remove(path);
        }
        for (Long peer : w.uids) {
            final Association a = byUid.get(peer);
            if (a != null && a.established) {
                control(a, Wire.TERMINATED, path);
            }
        }
    }

    /** A local actor watched by other nodes (by their incarnations). Agent thread. */
    private static final class LocalWatch {
        final ActorRef<?> ref;
        final Set<Long> uids = new HashSet<>(2);

        LocalWatch(ActorRef<?> ref) {
            this.ref = ref;
        }
    }

    // ---- handshake (agent)

    private void onHello(DirectBuffer b, int body, int end, long from) {
        if (quarantined.contains(from)) {
            refuse(null, "HELLO from a node declared down (incarnation " + Long.toHexString(from) + ")");
            return;
        }
        if (from == 0 || body + Wire.NONCE > end) {
            refuse(null, "a malformed HELLO");
            return;
        }
        final byte[] nonce = new byte[Wire.NONCE];
        b.getBytes(body, nonce);
        int o = body + Wire.NONCE;
        final int n1 = Wire.stringLength(b, o, end);
        if (n1 < 0) {
            refuse(null, "a malformed HELLO");
            return;
        }
        final String from_address = Wire.getString(b, o, n1);
        o += 2 + n1;
        final int n2 = Wire.stringLength(b, o, end);
        if (n2 < 0) {
            refuse(null, "a malformed HELLO");
            return;
        }
        final String toSystem = Wire.getString(b, o, n2);
        if (!toSystem.equals(system.name())) {
            refuse(null, "HELLO from " + from_address + " for system '" + toSystem + "', not '" + system.name() + "'");
            return;
        }
        final NodeAddress peer;
        try {
            peer = NodeAddress.parse(from_address);
        } catch (IllegalArgumentException e) {
            refuse(null, "HELLO with a malformed address: " + e.getMessage());
            return;
        }
        final Association a = association(peer);
        register(a);
        // one challenge per peer incarnation until its AUTH comes: a retried HELLO gets the same
        // one, so the AUTH answering an earlier HELLO_ACK (sent while the retry was on its way) holds
        byte[] ackNonce = a.ackNonces.get(from);
        if (ackNonce == null) {
            ackNonce = Handshake.newNonce();
            a.ackNonces.put(from, ackNonce);
        }
        if (a.ackNonces.size() > 8) {
            a.ackNonces.keySet().removeIf(k -> k != from && a.ackNonces.size() > 8);
        }
        final ExpandableArrayBuffer out = controlBuffer;
        int w = Wire.header(out, 0, Wire.HELLO_ACK, (byte) 0, uid, from);
        out.putBytes(w, ackNonce);
        w += Wire.NONCE;
        out.putBytes(w, Handshake.mac(secret, Handshake.ROLE_ACK, nonce, uid, from));
        w += Wire.MAC;
        w = Wire.putString(out, w, address.toString());
        a.control.removeIf(f -> f[4] == Wire.HELLO_ACK);
        queueControl(a, out, w, true);
    }

    private void onHelloAck(DirectBuffer b, int body, int end, long from, long to) {
        if (to != uid || body + Wire.NONCE + Wire.MAC > end || from == 0) {
            refuse(null, "a malformed HELLO_ACK");
            return;
        }
        if (quarantined.contains(from)) {
            refuse(null, "HELLO_ACK from a node declared down (incarnation " + Long.toHexString(from) + ")");
            return;
        }
        final byte[] ackNonce = new byte[Wire.NONCE];
        b.getBytes(body, ackNonce);
        final byte[] mac = new byte[Wire.MAC];
        b.getBytes(body + Wire.NONCE, mac);
        Association found = null;
        for (Association a : agentAssociations) {
            if (a.helloNonce != null && Handshake.verify(secret, Handshake.ROLE_ACK, a.helloNonce, from, uid, mac)) {
                found = a;
                break;
            }
        }
        if (found == null) {
            final Association known = byUid.get(from);
            if (known != null && known.established) {
                return; // a late answer to a HELLO of a handshake already done (both sides started one): nothing wrong
            }
            refuse(null, "a HELLO_ACK that does not prove the shared secret (wrong secret, or a stale answer), from incarnation "
                    + Long.toHexString(from));
            final Association asked = answeredBy(b, body + Wire.NONCE + Wire.MAC, end);
            if (asked != null) {
                // Answer anyway, with an AUTH that proves nothing (zeros): the peer refuses it and
                // logs that a node with another secret knocked, so both sides say so. Never a MAC
                // of its nonce: that would sign a nonce of a stranger's choosing (an oracle).
                final ExpandableArrayBuffer out = controlBuffer;
                int w = Wire.header(out, 0, Wire.AUTH, (byte) 0, uid, from);
                out.setMemory(w, Wire.MAC, (byte) 0);
                w += Wire.MAC;
                queueControl(asked, out, w, true);
            }
            return;
        }
        final Association a = found;
        trust(a, from);
        final ExpandableArrayBuffer out = controlBuffer;
        int w = Wire.header(out, 0, Wire.AUTH, (byte) 0, uid, from);
        out.putBytes(w, Handshake.mac(secret, Handshake.ROLE_AUTH, ackNonce, uid, from));
        w += Wire.MAC;
        a.helloNonce = null;
        a.establishOnAuthSent = true;
        queueControl(a, out, w, true); // established once it is sent (flush)
    }

    /** The association whose HELLO a HELLO_ACK answers, by the address it carries; null if none. */
    private Association answeredBy(DirectBuffer b, int offset, int end) {
        final int n = Wire.stringLength(b, offset, end);
        if (n < 0) {
            return null;
        }
        try {
            final Association a = associations.get(NodeAddress.parse(Wire.getString(b, offset, n)));
            return a != null && a.helloNonce != null ? a : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private void onAuth(DirectBuffer b, int body, int end, long from, long to) {
        if (to != uid || body + Wire.MAC > end || from == 0) {
            refuse(null, "a malformed AUTH");
            return;
        }
        Association found = null;
        byte[] nonce = null;
        for (Association a : agentAssociations) {
            nonce = a.ackNonces.get(from);
            if (nonce != null) {
                found = a;
                break;
            }
        }
        final byte[] mac = new byte[Wire.MAC];
        b.getBytes(body, mac);
        if (found == null || !Handshake.verify(secret, Handshake.ROLE_AUTH, nonce, from, uid, mac)) {
            refuse(null, "an AUTH that does not prove the shared secret, from incarnation " + Long.toHexString(from)
                    + (found == null ? "" : " at " + found.address) + ": node refused");
            return;
        }
        found.ackNonces.remove(from);
        if (found.established && found.peerUid == from) {
            return; // both sides started a handshake at once: already done
        }
        trust(found, from);
        established(found);
    }

    /** {@code a}'s peer is now incarnation {@code from}; an earlier one is down. */
    private void trust(Association a, long from) {
        final long before = a.peerUid;
        if (before != 0 && before != from && !quarantined.contains(before)) {
            declareDown(a, "it restarted as a new incarnation (" + Long.toHexString(from) + ")");
        }
        if (a.incarnation.uid == 0) {
            a.incarnation.uid = from; // the first contact: refs resolved so far belong to it
        } else if (a.incarnation.uid != from) {
            final Association.Incarnation next = new Association.Incarnation();
            next.uid = from;
            a.incarnation = next; // refs of the earlier one now make dead letters
        }
        a.peerUid = from;
        byUid.put(from, a);
    }

    private void refuse(Association a, String what) {
        refusedFrames.incrementAndGet();
        final long now = System.nanoTime();
        // one line a second per kind of refusal (its first words), so that a flood of one kind
        // neither floods the log nor hides another kind
        final String kind = what.length() > 24 ? what.substring(0, 24) : what;
        final Long last = lastRefusalLog.get(kind);
        if (last == null || now - last > 1_000_000_000L) {
            if (lastRefusalLog.size() > 64) {
                lastRefusalLog.clear();
            }
            lastRefusalLog.put(kind, now);
            LOG.log(System.Logger.Level.WARNING, address + " refused " + what + (a == null ? "" : " from " + a.address)
                    + " (at most one such line a second per kind; " + refusedFrames.get() + " refused so far)");
        }
    }

    // ===================================================================== helpers

    private static String hostForUri(String host) {
        return host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    private static int boundPort(Subscription sub, MediaDriver driver, Aeron aeron) {
        final long deadline = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() - deadline < 0) {
            if (driver != null) {
                driver.sharedAgentInvoker().invoke(); // the node's thread does not run yet
            }
            aeron.conductorAgentInvoker().invoke();
            final String resolved = sub.tryResolveChannelEndpointPort();
            if (resolved != null) {
                final String endpoint = io.aeron.ChannelUri.parse(resolved).get("endpoint");
                return Integer.parseInt(endpoint.substring(endpoint.lastIndexOf(':') + 1));
            }
            Thread.onSpinWait();
        }
        throw new IllegalStateException("the media driver did not report the bound port within 5 s");
    }

    private static DeepeningIdleStrategy idleStrategy(RemoteSettings settings) {
        return new DeepeningIdleStrategy(1_000_000L,
                settings.deepIdleAfter == null ? Long.MAX_VALUE : settings.deepIdleAfter.toNanos(),
                settings.deepIdlePark == null ? 1_000_000L : settings.deepIdlePark.toNanos());
    }

    /** The Aeron term length that fits a frame of the maximum size (an eighth of a term). */
    private static String termLength(int maxMessageSize) {
        long needed = 8L * (maxMessageSize + FRAME_OVERHEAD);
        long term = 64 * 1024;
        while (term < needed) {
            term <<= 1;
        }
        return Long.toString(term);
    }

    // ===================================================================== ask

    /** The reply ref of a remote ask: lives under /temp until answered, failed or timed out. */
    static final class AskRef<R> implements ActorRef<R> {
        final RemoteNode node;
        final String name;
        final RemoteRef<?> target;
        final CompletableFuture<R> future = new CompletableFuture<>();
        volatile long deadlineNanos;
        volatile Duration timeout;
        /** Agent thread: when a finished ask's reply ref stops being resolvable. */
        long lingerUntilNanos;

        AskRef(RemoteNode node, String name, RemoteRef<?> target) {
            this.node = node;
            this.name = name;
            this.target = target;
        }

        void fail(Throwable cause) {
            if (!future.isDone()) {
                node.system.executor().execute(() -> {
                    if (future.completeExceptionally(cause)) {
                        cleanUp();
                    }
                });
            }
        }

        private void cleanUp() {
            target.association.asks.remove(this);
            // stays resolvable for a while, so that a late reply is a dead letter with its reason
            node.commands.add(() -> node.linger(this));
        }

        @Override
        public void tell(R message) {
            Objects.requireNonNull(message, "message");
            node.system.executor().execute(() -> {
                if (future.complete(message)) {
                    cleanUp();
                } else {
                    node.system.deadLetters().publish(new DeadLetter(message, null, this, timedOut()
                            ? DeadLetter.Reason.ASK_TIMED_OUT : DeadLetter.Reason.ASK_ALREADY_COMPLETED));
                }
            });
        }

        private boolean timedOut() {
            try {
                future.getNow(null);
                return false;
            } catch (java.util.concurrent.CompletionException e) {
                return e.getCause() instanceof TimeoutException;
            } catch (java.util.concurrent.CancellationException e) {
                return false;
            }
        }

        @Override
        public boolean offer(R message) {
            tell(message);
            return true;
        }

        @Override
        public CompletionStage<Void> send(R message) {
            tell(message);
            return CompletableFuture.completedStage(null);
        }

        @Override
        public <Q> CompletionStage<Q> ask(Function<ActorRef<Q>, ? extends R> request, Duration timeout) {
            throw new IllegalStateException("the reply ref of an ask cannot be asked; reply to it with tell");
        }

        @Override
        public String path() {
            return name;
        }

        @Override
        public String name() {
            return name.substring(name.lastIndexOf('/') + 1);
        }

        @Override
        public String toString() {
            return "ActorRef[" + node.address + name + "]";
        }
    }
}
