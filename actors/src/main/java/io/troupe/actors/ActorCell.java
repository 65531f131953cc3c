package io.troupe.actors;

import io.troupe.actors.SystemMessages.ChildTerminated;
import io.troupe.actors.SystemMessages.DeathNotification;
import io.troupe.actors.SystemMessages.Run;
import io.troupe.actors.SystemMessages.Stop;
import io.troupe.actors.SystemMessages.Unwatch;
import io.troupe.actors.SystemMessages.Watch;
import io.troupe.actors.SystemMessages.Watcher;
import io.troupe.actors.internal.ActivationProbe;
import io.troupe.actors.internal.Dispatcher;
import io.troupe.actors.internal.FailurePolicy;
import io.troupe.actors.internal.OrderedStop;
import io.troupe.actors.internal.jfr.TroupeEvents;
import io.troupe.mailbox.BoundedMailbox;
import io.troupe.mailbox.MailboxFullException;
import io.troupe.mailbox.OverflowPolicy;
import io.troupe.mailbox.SystemMessage;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One actor's runtime: its mailbox (by inheritance, to save an object per actor), its ref, its
 * context, and the task a dispatcher runs to process a batch of its messages.
 */
final class ActorCell<M> extends BoundedMailbox<M> implements ActorRef<M>, ActorContext<M>, Runnable, Watcher {
    /*
     * Implementation overview
     *
     * Threading protocol. Any thread sends (tell/offer/send/enqueueSystem, inherited from the
     * mailbox). The first message that finds the cell idle marks it scheduled (a bit in the
     * mailbox's count word, set by the same CAS that reserves the slot) and
     * hands the cell to its dispatcher; exactly one dispatcher thread then runs run(): all
     * system messages, then up to `throughput` user messages (checking the system lane before
     * each; each poll gives its slot back, so the capacity bounds what waits and a self-send
     * always fits), then endTurn(): it either keeps the cell scheduled (messages left: it is
     * re-queued) or makes it idle with one CAS (then re-checks the system lane).
     * Messages unstashed (Stash.unstashAll) wait in Extras.unstashed and are taken before the
     * mailbox's, one per budget step; a turn that ends with some left stays scheduled without
     * calling endTurn (which only knows the mailbox). Messages through a message adapter are
     * InternalMessages in the user lane, converted in invoke().
     * Everything except the mailbox and the children list is touched only inside
     * run(), so only by one thread at a time. The children list is guarded by this cell's
     * monitor because the guardians' children are spawned from any thread.
     *
     * Lifecycle (`lifecycle`, written in run(); STOPPING and TERMINATED also under the monitor):
     *   NEW -> RUNNING             // first activation: factory, preStart
     *   RUNNING -> SUSPENDED       // failure, policy says RESTART: preRestart, stop children
     *   SUSPENDED -> RUNNING       // children gone and backoff over: fresh instance, postRestart
     *   NEW/RUNNING/SUSPENDED -> STOPPING  // Stop, self-stop, failure (STOP/ESCALATE/no policy)
     *   STOPPING -> TERMINATED     // the last child terminated: postStop, close, notify
     *
     * Invariants.
     *  1. One activation at a time: SCHEDULED is held from the CAS that set it until endTurn()
     *     clears it at the end of run().
     *  2. Per-sender order: the mailbox is FIFO and a single consumer drains it.
     *  3. System messages are processed before the next user message.
     *  4. At TERMINATED the mailbox is closed: later messages go to dead letters, Watch
     *     requests still queued are answered at once, so every watcher hears exactly once.
     *  5. A cell terminates only after all its children terminated (ChildTerminated).
     *
     * Memory ordering. The CAS that clears SCHEDULED at the end of run() and the CAS that sets it
     * again (both on the mailbox's count word) order one activation before the next: each
     * handling happens-before the next. The mailbox orders each send before its handling.
     *
     * Shutdown. Stop is a tree walk: Stop to every child, wait for each ChildTerminated, then
     * postStop, cancel timers, run stop hooks, close the mailbox (dead letters), tell the parent
     * and the watchers.
     *
     * Muting (OverflowPolicy.MUTE_SENDER, after the Pony runtime). A tell from a running actor
     * that finds such a receiver full is held in the receiver's waiting sends (in order, never
     * dropped) and the sender mutes itself: muteState NONE -> MUTED, and a node on the
     * receiver's Overload.muted stack. At the end of its turn a MUTED sender parks instead of
     * ending the turn: it keeps SCHEDULED (so no producer schedules it) and is in no queue.
     * The receiver, at the end of each of its turns, if its mailbox holds at most half its
     * capacity and nothing is held beyond it (the low watermark), takes the whole stack
     * (getAndSet) and resumes each sender.
     *   NONE -> MUTED      // sender's thread: a tell found a MUTE_SENDER receiver full
     *   MUTED -> PARKED    // sender's thread: end of turn
     *   MUTED -> NONE      // resume() during the turn: the turn ends as usual
     *   PARKED -> NONE     // resume(): the resumer re-queues the cell (it holds SCHEDULED)
     * resume() comes from the receiver (drained), the sender itself (a Dekker re-check after
     * it pushed its node), a system message arriving while parked (onSystemMessageWhileScheduled:
     * a Stop never waits for a receiver to drain), or the receiver's termination.
     * An actor that is itself overloaded is never parked: park() re-checks its own mailbox
     * (more than half full: resume), and a producer that finds a parked actor's MUTE_SENDER
     * mailbox full resumes it; so a ring of actors flooding each other always has one that runs.
     * A muted sender's turn ends after the message it is handling (mutedInTurn, a plain field
     * read once per message next to the lifecycle check).
     * Bound: the receiver's mailbox never holds more than its capacity; held beyond it are at
     * most, per sender, the tells it sent that receiver from its first full tell to the end of
     * that handler (a burst in one handler is held whole). A sender whose own mailbox is above half its capacity is not muted (two
     * actors flooding each other would wait for each other for ever): its excess is held until
     * it has drained. Tells from outside the actors that find it full are dead letters.
     *
     * References. Pekko's ActorCell and dungeon/ (Children, DeathWatch, FaultHandling);
     * Erlang's process links and monitors; Pony's backpressure (actor muting, ponyrt).
     */
    /** Created; the factory has not run yet. */
    static final int NEW = 0;
    /** Handling messages. */
    static final int RUNNING = 1;
    /** Restarting: waiting for its children to stop and for the backoff delay; messages wait. */
    static final int SUSPENDED = 2;
    /** Stopping: waiting for its children to stop. */
    static final int STOPPING = 3;
    /** Terminated: mailbox closed, watchers told. */
    static final int TERMINATED = 4;

    /** Not muted. */
    private static final int MUTE_NONE = 0;
    /** A receiver under MUTE_SENDER found full in this turn has this actor on its muted list. */
    private static final int MUTE_MUTED = 1;
    /** The turn ended while muted: still SCHEDULED, in no run queue, until resumed. */
    private static final int MUTE_PARKED = 2;


    private static final System.Logger LOG = System.getLogger("io.troupe.actors.ActorCell");

    final ActorSystem system;
    final ActorCell<?> parent;
    /** The name given at spawn, or null for a generated one (derived from uid). */
    private final String givenName;
    private final long uid;
    final Dispatcher dispatcher;
    private final Supplier<? extends Actor<M>> factory;
    private Actor<M> actor;
    private int lifecycle;
    /** Set as the last step of finishTermination: parent and watchers have been told. */
    private volatile boolean finishedStopping;

    // Children: an intrusive doubly linked list, guarded by this cell's monitor.
    private ActorCell<?> firstChild;
    private ActorCell<?> prevSibling;
    private ActorCell<?> nextSibling;
    private HashMap<String, ActorCell<?>> namedChildren;

    /** Rarely used state, allocated on first use. */
    private Extras extras;
    /** Overload bookkeeping as a receiver (any thread, CAS-created on the first overflow), or null. */
    private volatile Overload overload;
    /** As a sender: MUTE_NONE, MUTE_MUTED or MUTE_PARKED (see "Muting" in the overview). */
    private volatile int muteState;
    /** Own thread: this turn muted us; the turn ends after the message being handled. */
    private boolean mutedInTurn;
    /**
     * Whether this actor's messages are spans even when their sender was not traced (tracing on
     * for the system or this subtree). Set before the first scheduling, which publishes it.
     */
    boolean traced;
    /** The class of the message handled now or last (the actor dump); written in turn, read racily: see soMessageType. */
    private Class<?> messageType;
    /**
     * For the actor dump: user messages handled (added once per turn) and restarts. Written by the
     * actor's thread in turn (a plain add; the turn hand-off orders one turn's write before the
     * next's read), read racily by the dump: possibly a turn stale.
     */
    private long handledCount;
    private int restartCount;
    /**
     * The path, built on first use and kept: a traced actor names itself in every span (issue 15
     * measured 160 of the 248 bytes a traced message cost in rebuilding it). Racy single-check:
     * a String is immutable, so a thread that sees the reference sees the whole string, and two
     * threads that both build it build equal strings.
     */
    private String cachedPath;

    ActorCell(ActorSystem system, ActorCell<?> parent, String name, long uid, Dispatcher dispatcher,
              Supplier<? extends Actor<M>> factory, int capacity, OverflowPolicy policy) {
        super(capacity, policy);
        this.system = system;
        this.parent = parent;
        this.givenName = name;
        this.uid = uid;
        this.dispatcher = dispatcher;
        this.factory = factory;
    }

    /** Watchers, watchees, timers, failure, stop hooks: only actors that use them pay for them. */
    private static final class Extras {
        HashSet<Watcher> watchers;
        /** Local cells and {@link io.troupe.actors.internal.ForeignRef}s this actor watches. */
        HashSet<Object> watching;
        TimerSupport<?> timers;
        Throwable failure;
        List<Runnable> stopHooks;
        CompletableFuture<Void> terminated;
        Object policyState;
        /** This actor's throughput budget, or 0 for its dispatcher's (SpawnOptions.withThroughput). */
        int throughput;
        Throwable restartCause;
        long restartDelayNanos;
        TimerService.Handle restartTimer;
        /** True while completeRestart runs: a zero-delay restart from inside it is deferred (see scheduleRestart). */
        boolean inCompleteRestart;
        /** Children still to stop one at a time (OrderedStop), or null. */
        ArrayDeque<OrderedStop.Step> stopSequence;
        /** The child of the sequence being waited for, or null. */
        ActorCell<?> stopWaitingFor;
        TimerService.Handle stopDeadline;
        /** Message adapters by registered class (ActorContext.messageAdapter). */
        HashMap<Class<?>, MessageAdapterRef<?, ?>> adapters;
        /** Watched actors that were watched through one of their adapters: the ref to name in Terminated. */
        HashMap<ActorCell<?>, ActorRef<?>> watchedAs;
        /** This actor's stash (ActorContext.stash), or null. */
        Stash<?> stash;
        /** Unstashed messages, handled before the mailbox's (Stash.unstashAll), or null. */
        ArrayDeque<Object> unstashed;
        /** The actor's logger (ActorContext.log), created on first use. */
        System.Logger log;
    }

    private Extras extras() {
        Extras e = extras;
        if (e == null) {
            e = new Extras();
            extras = e;
        }
        return e;
    }

    // ================================================================ ActorRef

    @Override
    public void tell(M message) {
        if (TroupeEvents.HOOKS && TraceSpan.anyTracing()) {
            tellTraced(message); // rare: its own method
            return;
        }
        enqueue(message);
    }

    /** Tracing is on somewhere: a send from inside a traced handler carries its span. */
    @SuppressWarnings("unchecked")
    private void tellTraced(M message) {
        enqueue(traceWrap(message));
    }

    /**
     * {@code message}, wrapped with the running handler's span if it has one. A message adapter's
     * envelope (an ask through an adapter) is not wrapped: it carries the span itself, and the
     * cell must see it as an InternalMessage to convert it.
     */
    @SuppressWarnings("unchecked")
    private M traceWrap(M message) {
        final TraceSpan span = TraceSpan.current();
        return span == null || message instanceof InternalMessage ? message
                : (M) new TracedMessage(Objects.requireNonNull(message, "message"), span);
    }

    /** As {@link BoundedMailbox#offer}; a message offered from inside a traced handler carries its span. */
    @Override
    public boolean offer(M message) {
        return super.offer(TraceSpan.anyTracing() ? traceWrap(message) : message);
    }

    /** As {@link BoundedMailbox#send}; a message sent from inside a traced handler carries its span. */
    @Override
    public CompletionStage<Void> send(M message) {
        return super.send(TraceSpan.anyTracing() ? traceWrap(message) : message);
    }

    @Override
    public <R> CompletionStage<R> ask(Function<ActorRef<R>, ? extends M> request, Duration timeout) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("ask timeout must be positive, was " + timeout);
        }
        final AskPromise<R> promise = new AskPromise<>(this);
        if (!enqueueSystem(new Watch(promise))) {
            promise.onWatchedTerminated(this);
            return promise.future;
        }
        promise.startTimer(timeout);
        try {
            final M request0 = Objects.requireNonNull(request.apply(promise), "the request built by ask must not be null");
            final M message = TraceSpan.anyTracing() ? traceWrap(request0) : request0;
            if (!enqueue(message) && !isClosed()) {
                promise.fail(new MailboxFullException(path() + " is full (capacity " + capacity() + "): the request went to dead letters"));
            }
        } catch (RuntimeException e) {
            promise.fail(e);
        }
        return promise.future;
    }

    @Override
    public String path() {
        final String cached = cachedPath;
        return cached != null ? cached : buildPath();
    }

    /** The first call: parent's path (cached in turn) plus this name. Rare: its own method. */
    private String buildPath() {
        final String built = parent == null ? "/" + name() : parent.path() + "/" + name();
        cachedPath = built;
        return built;
    }

    @Override
    public String name() {
        return givenName != null ? givenName : "$" + Long.toString(uid, 36);
    }

    @Override
    public String toString() {
        return "ActorRef[" + path() + "]";
    }

    // ================================================================ mailbox hooks

    @Override
    protected void onSchedule() {
        dispatcher.execute(this);
    }

    @Override
    protected void onOverflow(M dropped) {
        final Overload o = overload();
        o.dropped.increment();
        system.counters().mailboxOverflows.increment();
        if (TroupeEvents.OVERFLOW_PROBE.isEnabled()) {
            recordOverflow(dropped);
        }
        deadLetter(dropped, getPolicyReason());
        system.deadLetters().warnOverflow(this, o);
    }

    /**
     * MUTE_SENDER and the mailbox is full: hold the message, and mute the running actor that
     * sent it unless it is this actor or itself overloaded. Producer's thread.
     */
    @Override
    protected boolean onFullMuteSender(M message) {
        if (muteState == MUTE_PARKED) {
            resume(); // overloaded itself: it must drain (a ring of actors flooding each other would wait for ever)
        }
        final ActivationProbe probe = ActivationProbe.current();
        return probe != null && probe.lvCurrent() instanceof ActorCell<?>; // else a dead letter: the warning says to use send
    }

    /** The message is held: mute the running actor that sent it, unless it is this one or overloaded. */
    @Override
    protected void onHeldForSender() {
        final ActivationProbe probe = ActivationProbe.current();
        if (probe != null && probe.lvCurrent() instanceof ActorCell<?> sender
                && sender != this && sender.atMostHalfFull()) {
            sender.muteOn(this);
        }
    }

    /** Sender's thread, inside its turn: registers with {@code receiver} and stays muted till resumed. */
    private void muteOn(ActorCell<?> receiver) {
        if (muteState != MUTE_NONE) {
            return; // registered in this turn already: one receiver resuming it is enough
        }
        MUTE_STATE.setVolatile(this, MUTE_MUTED);
        mutedInTurn = true;
        final Overload o = receiver.overload();
        final MuteNode node = new MuteNode(this);
        for (;;) {
            final MuteNode head = o.muted.get();
            node.next = head;
            if (o.muted.compareAndSet(head, node)) {
                break;
            }
        }
        // Dekker with the receiver's end-of-turn check (endTurn's CAS, then read o.muted): the
        // receiver may have drained and gone idle before our node landed.
        if (receiver.hasDrainedForMutedSenders()) {
            receiver.resumeMutedSenders(o, true);
        }
    }

    /**
     * Resumes every sender on the muted stack, if this mailbox has drained to half its capacity
     * (or {@code force}). Any thread; each node is taken by exactly one caller (getAndSet).
     */
    private void resumeMutedSenders(Overload o, boolean force) {
        if (!force && !hasDrainedForMutedSenders()) {
            return;
        }
        for (MuteNode n = o.muted.getAndSet(null); n != null; n = n.next) {
            n.sender.resume();
        }
    }

    /**
     * Muting's one threshold, used on both sides: a sender is muted only while its own mailbox is
     * at most half full (an overloaded sender must drain), a receiver resumes its muted senders
     * once it is back at or under it, and a muted actor over it never parks.
     */
    private boolean atMostHalfFull() {
        return size() <= capacity() >>> 1;
    }

    /** The low watermark: nothing held beyond the capacity and at most half of it waiting (or closed). */
    private boolean hasDrainedForMutedSenders() {
        return isClosed() || (atMostHalfFull() && !hasHeldSends());
    }

    /** Ends this actor's muting: MUTED -> NONE, or PARKED -> NONE and re-queue it. Any thread. */
    private void resume() {
        for (;;) {
            final int s = muteState;
            if (s == MUTE_NONE) {
                return;
            }
            if (MUTE_STATE.compareAndSet(this, s, MUTE_NONE)) {
                if (s == MUTE_PARKED) {
                    dispatcher.execute(this); // it still holds SCHEDULED: this is its next activation
                }
                return;
            }
        }
    }

    /**
     * End of a muted turn: MUTED -> PARKED, keeping SCHEDULED. False if resumed meanwhile (the
     * turn then ends as usual). Own thread.
     */
    private boolean park() {
        if (!MUTE_STATE.compareAndSet(this, MUTE_MUTED, MUTE_PARKED)) {
            return false;
        }
        // Dekker with onSystemMessageWhileScheduled (push, then read muteState), and with a
        // producer finding this mailbox full (onFullMuteSender): an overloaded actor never parks.
        if (hasSystemMessages() || !atMostHalfFull()) {
            resume();
        }
        admitHeldSends(); // endTurn would have: no held send waits for a poll that is not coming
        return true;
    }

    /** A system message reached a parked actor: it runs now (a Stop never waits for a receiver). */
    @Override
    protected void onSystemMessageWhileScheduled() {
        if (muteState == MUTE_PARKED) {
            resume();
        }
    }

    /** A muted sender on a receiver's stack. */
    private static final class MuteNode {
        final ActorCell<?> sender;
        MuteNode next;

        MuteNode(ActorCell<?> sender) {
            this.sender = sender;
        }
    }

    /** Muting state, mailbox and held counts, for diagnostics. Any thread; racy. */
    String muteDiagnostics() {
        final Overload o = overload;
        int mutedHere = 0;
        for (MuteNode n = o == null ? null : o.muted.get(); n != null; n = n.next) {
            mutedHere++;
        }
        return path() + "{mute=" + muteState + ", size=" + size() + ", held=" + heldSends() + ", scheduled=" + isScheduled()
                + ", system=" + hasSystemMessages() + ", mutedSendersOnStack=" + mutedHere + ", lifecycle=" + lifecycle + "}";
    }

    /** Messages held for this actor beyond its capacity (waiting sends and muted tells); for tests. */
    int heldForTests() {
        return heldSends();
    }

    /** This actor's overload bookkeeping as a receiver, created on first use. Any thread. */
    Overload overload() {
        final Overload o = overload;
        if (o != null) {
            return o;
        }
        final Overload created = new Overload();
        return OVERLOAD.compareAndSet(this, null, created) ? created : overload;
    }

    /** Messages that overflowed this mailbox (dropped under its policy) so far. Any thread. */
    long overflowCount() {
        final Overload o = overload;
        return o == null ? 0 : o.dropped.sum();
    }

    /**
     * What an overloaded receiver keeps: its overflow count and the time of its last warning
     * (DeadLetters.warnOverflow). Created on the first overflow; any thread.
     */
    static final class Overload {
        final java.util.concurrent.atomic.LongAdder dropped = new java.util.concurrent.atomic.LongAdder();
        /** Clock time of the last warning; Long.MIN_VALUE before the first. */
        final java.util.concurrent.atomic.AtomicLong warnedAtNanos = new java.util.concurrent.atomic.AtomicLong(Long.MIN_VALUE);
        /** The overflow count reported by the last warning. */
        final java.util.concurrent.atomic.AtomicLong reported = new java.util.concurrent.atomic.AtomicLong();
        /** Senders muted by this receiver (a Treiber stack), or null. */
        final java.util.concurrent.atomic.AtomicReference<MuteNode> muted = new java.util.concurrent.atomic.AtomicReference<>();
    }

    private void recordOverflow(M dropped) {
        final TroupeEvents.MailboxOverflow e = new TroupeEvents.MailboxOverflow();
        e.path = path();
        e.messageType = TroupeEvents.typeOf(dropped instanceof InternalMessage im ? im.payload() : dropped);
        e.capacity = capacity();
        e.policy = policy().name();
        e.commit();
    }

    private DeadLetter.Reason getPolicyReason() {
        return policy() == OverflowPolicy.DROP_OLDEST ? DeadLetter.Reason.DROPPED_OLDEST : DeadLetter.Reason.MAILBOX_FULL;
    }

    @Override
    protected void onClosed(M undelivered) {
        deadLetter(undelivered, DeadLetter.Reason.RECIPIENT_STOPPED);
    }

    @Override
    protected String describe() {
        return "the mailbox of " + path();
    }

    void deadLetter(Object message, DeadLetter.Reason reason) {
        final Object payload;
        final ActorRef<?> sender;
        if (message instanceof InternalMessage im && im.sentOnBehalfOfRecipient()) {
            // A pipeToSelf result or a timer message: the runtime sent it on this actor's behalf,
            // from whatever thread completed the stage.
            payload = im.payload();
            sender = this;
        } else {
            payload = message instanceof InternalMessage im ? im.payload() : message;
            final ActivationProbe probe = ActivationProbe.current();
            final Object running = probe == null ? null : probe.lvCurrent();
            // The running actor sent it, unless this recipient is draining its own queue at
            // close(): those messages came from others, and the mailbox does not record who.
            sender = running instanceof ActorCell<?> c
                    && !(c == this && reason == DeadLetter.Reason.RECIPIENT_STOPPED) ? c : null;
        }
        system.deadLetters().publish(new DeadLetter(payload, sender, this, reason));
    }

    /**
     * Completions of sends that waited for room in this mailbox run here, often on this actor's
     * thread in the middle of its turn; what they do (a tell from a callback, say) acts for the
     * senders, so the activation probe shows no running actor meanwhile (dead letters take their
     * sender from it, and the slow-handler watchdog does not charge this actor for them).
     */
    @Override
    protected void runCompletions(Runnable completions) {
        final ActivationProbe probe = ActivationProbe.current();
        final Object running = probe == null ? null : probe.lvCurrent();
        if (running == null) {
            completions.run();
            return;
        }
        probe.soCurrent(null);
        try {
            completions.run();
        } finally {
            probe.soCurrent(running);
        }
    }

    // ================================================================ the activation

    /** Schedules the first activation (factory and preStart). Called once, by the spawner. */
    void start() {
        if (trySchedule()) {
            dispatcher.execute(this);
        }
    }

    @Override
    public void run() {
        final ActivationProbe probe = ActivationProbe.current();
        if (probe != null) {
            probe.soCurrent(this);
            if (TroupeEvents.HOOKS && probe.cellsCountActivations()) {
                probe.onActivation(); // a fork-join thread; a work-stealing worker counts its tasks itself
            }
        }
        boolean usedBudget = false;
        try {
            if (lifecycle == NEW) {
                create();
            }
            processSystemMessages();
            if (lifecycle == RUNNING) {
                usedBudget = processUserMessages(probe);
            }
        } finally {
            if (probe != null) {
                probe.soCurrent(null);
            }
            // Only this thread sets MUTED, and only in this turn (muteOn sets mutedInTurn with it),
            // so the plain flag tells whether to look at muteState: no volatile read per turn.
            final boolean muted = mutedInTurn;
            mutedInTurn = false;
            final int state = lifecycle;
            // Only a MUTE_SENDER mailbox has muted senders (a final field: a plain read). Read
            // before endTurn: after a false return the cell may be another thread's.
            final Overload o = policy() == OverflowPolicy.MUTE_SENDER ? overload : null;
            // Leaves the scheduled state unless messages are left; after a false return another
            // thread may already run this cell. Unstashed messages left (the budget ran out) keep
            // it scheduled without asking the mailbox. A muted sender parks instead (rare: its own method).
            if (state != TERMINATED && (!muted || !park())) {
                if (state == RUNNING && hasUnstashed() || endTurn(state == RUNNING)) {
                    if (usedBudget) {
                        dispatcher.yieldTask(this);
                    } else {
                        dispatcher.execute(this);
                    }
                }
            }
            if (o != null && o.muted.get() != null) {
                resumeMutedSenders(o, false); // rare: its own method
            }
        }
    }

    private boolean processUserMessages(ActivationProbe probe) {
        final Extras e = extras;
        final int budget = e != null && e.throughput > 0 ? e.throughput : dispatcher.throughput();
        int n = 0;
        while (n < budget) {
            if (hasSystemMessages()) {
                processSystemMessages();
                if (lifecycle != RUNNING) {
                    break;
                }
            }
            final M message = nextUserMessage();
            if (message == null) {
                break;
            }
            n++;
            if (TroupeEvents.HOOKS) {
                soMessageType(message instanceof InternalMessage im ? typeOfPayload(im) : message.getClass()); // for the actor dump
            }
            if (TroupeEvents.HOOKS && TroupeEvents.HANDLED_PROBE.isEnabled()) {
                invokeRecorded(message); // a JFR recording takes troupe.MessageHandled: its own method
            } else {
                invoke(message);
            }
            if (probe != null) {
                probe.onHandled();
            }
            if (lifecycle != RUNNING || mutedInTurn) {
                break;
            }
        }
        if (TroupeEvents.HOOKS) {
            handledCount += n; // for the dump: once per turn
        }
        return n == budget;
    }

    /**
     * Actor's thread: a message of class {@code type} is about to be handled (for the actor dump).
     * Kept per actor, not per worker: an actor that receives one kind of message stores nothing
     * after its first (a worker alternating between two actors of two kinds would store each time,
     * a GC write barrier each).
     */
    private void soMessageType(Class<?> type) {
        if (messageType != type) { // the actor's thread: a plain read of its own (or a previous turn's, ordered by the turn hand-off) write
            MESSAGE_TYPE.setOpaque(this, type);
        }
    }

    /** Any thread: the class of the message this actor handles now, or handled last; racy. Null before its first. */
    Class<?> lvMessageType() {
        return (Class<?>) MESSAGE_TYPE.getOpaque(this);
    }

    /** The class of what an internal message carries (an adapter's message), or its own class. */
    private static Class<?> typeOfPayload(InternalMessage im) {
        final Object payload = im.payload();
        return payload != null ? payload.getClass() : im.getClass();
    }

    /** The next unstashed message, else the mailbox's next; null if neither has one. */
    @SuppressWarnings("unchecked")
    private M nextUserMessage() {
        final Extras e = extras;
        if (e != null && e.unstashed != null && !e.unstashed.isEmpty()) {
            return (M) e.unstashed.pollFirst();
        }
        return poll();
    }

    private boolean hasUnstashed() {
        final Extras e = extras;
        return e != null && e.unstashed != null && !e.unstashed.isEmpty();
    }

    /** Stash.unstashAll: {@code batch} goes ahead of what was unstashed before (it arrived earlier). */
    void unstash(ArrayDeque<? extends M> batch) {
        final Extras e = extras();
        if (e.unstashed == null) {
            e.unstashed = new ArrayDeque<>(batch.size());
        }
        for (java.util.Iterator<? extends M> it = batch.descendingIterator(); it.hasNext(); ) {
            e.unstashed.addFirst(it.next());
        }
    }

    private void invoke(M message) {
        try {
            if (message instanceof InternalMessage im) {
                im.deliver(this);
            } else if (TroupeEvents.HOOKS && TraceSpan.anyTracing() && traced) {
                handleTraced(message, null); // a root span: its own method
            } else {
                actor.handle(message);
                afterUserMessage();
            }
        } catch (Throwable t) {
            fail(t);
        }
    }

    /** invoke(), timed as a troupe.MessageHandled event (committed above the recording's threshold). */
    private void invokeRecorded(M message) {
        final TroupeEvents.MessageHandled e = new TroupeEvents.MessageHandled();
        e.begin();
        invoke(message);
        e.end();
        if (e.shouldCommit()) {
            e.path = path();
            e.messageType = TroupeEvents.typeOf(message instanceof InternalMessage im ? im.payload() : message);
            e.commit();
        }
    }

    /**
     * Handles {@code message} as a span, child of {@code parent} (null: a root span); sends made
     * by the handler carry the new span. Actor's thread.
     */
    void handleTraced(Object message, TraceSpan parent) {
        final TraceSpan span = TraceSpan.start(parent, this, message);
        final ActivationProbe probe = ActivationProbe.current();
        final Object previous = probe == null ? null : probe.span();
        if (probe != null) {
            probe.setSpan(span);
        }
        Throwable failure = null;
        try {
            handleAdapted(message);
        } catch (Throwable t) {
            failure = t;
            throw t;
        } finally {
            if (probe != null) {
                probe.setSpan(previous);
            }
            span.end(failure);
        }
    }

    /** A runtime message (timer, pipeToSelf result) sent from a span {@code parent} (or null). Actor's thread. */
    void handleAdapted(Object message, TraceSpan parent) {
        if (parent != null || traced) {
            handleTraced(message, parent);
        } else {
            handleAdapted(message);
        }
    }

    /** Called after each user message was handled: restarts the receive timeout. */
    private void afterUserMessage() {
        final Extras e = extras;
        if (e != null && e.timers != null) {
            e.timers.onMessageHandled();
        }
    }

    /** Handles a message produced by the runtime (pipeToSelf, timers) on the actor's thread. */
    @SuppressWarnings("unchecked")
    void handleAdapted(Object message) {
        actor.handle((M) message);
        afterUserMessage();
    }

    private void create() {
        lifecycle = RUNNING;
        try {
            final Actor<M> created = Objects.requireNonNull(factory.get(), "the actor factory returned null");
            created.attach(this);
            actor = created;
            created.preStart();
        } catch (Throwable t) {
            fail(t);
        }
    }

    private void fail(Throwable cause) {
        final FailurePolicy policy = factory instanceof FailurePolicy.Carrier c ? c.failurePolicy() : null;
        if (policy == null || cause instanceof VirtualMachineError || lifecycle >= STOPPING) {
            recordFailure(cause, "STOP");
            stopWithFailure(cause);
            return;
        }
        final Extras e = extras();
        if (e.policyState == null) {
            e.policyState = policy.newState();
        }
        final FailurePolicy.Decision d = policy.decide(e.policyState, cause, system.timerService().nanoTime());
        recordFailure(cause, d.directive().name());
        if (d.directive() == FailurePolicy.Directive.RESUME && actor == null) {
            // Fix (supervision, issue #4): the factory itself failed, so there is no instance to
            // resume; resuming would fail every later message with a NullPointerException.
            stopWithFailure(cause);
            return;
        }
        switch (d.directive()) {
            case RESUME -> LOG.log(System.Logger.Level.WARNING, "actor " + path() + " failed and resumes", cause);
            case RESTART -> beginRestart(cause, d.restartDelayNanos());
            case ESCALATE -> {
                // Fix (supervision, issue #4): tell the parent before stopping. Stopping first let a
                // childless actor's ChildTerminated reach the parent ahead of Escalated, so the
                // parent handled the failure as ChildFailed and then failed as well.
                if (parent != null) {
                    parent.enqueueSystem(new SystemMessages.Escalated(this, cause));
                }
                stopWithFailure(cause);
            }
            default -> stopWithFailure(cause);
        }
    }

    /** Counts a failure and emits troupe.ActorFailed if a recording takes it. */
    private void recordFailure(Throwable cause, String directive) {
        system.counters().failures.increment();
        if (TroupeEvents.FAILED_PROBE.isEnabled()) {
            final TroupeEvents.Failed ev = new TroupeEvents.Failed();
            ev.path = path();
            ev.exceptionClass = cause.getClass().getName();
            ev.exceptionMessage = cause.getMessage();
            final java.io.StringWriter stack = new java.io.StringWriter();
            cause.printStackTrace(new java.io.PrintWriter(stack));
            ev.exceptionStack = stack.toString();
            ev.directive = directive;
            ev.commit();
        }
    }

    private void stopWithFailure(Throwable cause) {
        final Extras e = extras();
        if (e.failure == null) {
            e.failure = cause;
        }
        LOG.log(System.Logger.Level.ERROR, "actor " + path() + " failed and stops", cause);
        beginStop();
        if (cause instanceof VirtualMachineError vme) {
            throw vme; // never swallowed: the dispatcher thread's uncaught-exception handler sees it
        }
    }

    // ================================================================ restarting

    private void beginRestart(Throwable cause, long delayNanos) {
        LOG.log(System.Logger.Level.WARNING, "actor " + path() + " failed and restarts", cause);
        final io.troupe.actors.internal.LifecycleListener events = system.lifecycleListener;
        if (events != null) {
            contained("telling the event stream", () -> events.onRestarting(this, cause));
        }
        final Extras e = extras();
        e.restartCause = cause;
        e.restartDelayNanos = Math.max(0, delayNanos);
        if (e.timers != null) {
            e.timers.cancelAllTimers();
        }
        if (e.adapters != null) {
            // The conversions belong to the old instance (they usually capture it): the fresh one
            // registers its own; the refs, like the mailbox, stay valid.
            for (MessageAdapterRef<?, ?> a : e.adapters.values()) {
                a.setFunction(null);
            }
        }
        final Actor<M> old = actor;
        actor = null;
        if (old != null) {
            try {
                old.preRestart(cause);
            } catch (VirtualMachineError vme) {
                throw vme;
            } catch (Throwable t) {
                LOG.log(System.Logger.Level.WARNING, "preRestart of " + path() + " threw", t);
            }
        }
        final List<ActorCell<?>> kids;
        synchronized (this) {
            lifecycle = SUSPENDED;
            kids = childList();
        }
        for (ActorCell<?> kid : kids) {
            kid.enqueueSystem(new Stop());
        }
        if (kids.isEmpty()) {
            scheduleRestart();
        }
    }

    private void scheduleRestart() {
        final Extras e = extras;
        if (e.restartDelayNanos == 0 && e.inCompleteRestart) {
            // Fix (supervision, issue #4): the fresh instance failed in its factory or postRestart
            // and the policy restarts again at once. Calling completeRestart here would recurse
            // without bound (StackOverflowError on an always-failing factory); go through the
            // system lane instead, one restart per activation.
            runOnActorThread(this::completeRestart);
        } else if (e.restartDelayNanos == 0) {
            completeRestart();
        } else {
            e.restartTimer = system.timerService().schedule(e.restartDelayNanos,
                    () -> runOnActorThread(this::completeRestart));
        }
    }

    private void completeRestart() {
        if (lifecycle != SUSPENDED) {
            return; // stopped during the backoff
        }
        final Extras e = extras;
        final Throwable cause = e.restartCause;
        e.restartCause = null;
        e.restartTimer = null;
        lifecycle = RUNNING;
        restartCount++; // for the dump
        system.counters().restarts.increment();
        if (TroupeEvents.RESTARTED_PROBE.isEnabled()) {
            final TroupeEvents.Restarted ev = new TroupeEvents.Restarted();
            ev.path = path();
            ev.causeClass = cause == null ? null : cause.getClass().getName();
            ev.commit();
        }
        e.inCompleteRestart = true;
        try {
            final Actor<M> created = Objects.requireNonNull(factory.get(), "the actor factory returned null");
            created.attach(this);
            actor = created;
            created.postRestart(cause);
        } catch (Throwable t) {
            fail(t);
        } finally {
            e.inCompleteRestart = false;
        }
    }

    // ================================================================ system messages

    private void processSystemMessages() {
        SystemMessage m = drainSystem();
        if (m == null) {
            return;
        }
        // Each system message counts as progress for the slow-handler watchdog: a guardian
        // working through a million ChildTerminated at close is busy, not stuck in one handler.
        final ActivationProbe probe = ActivationProbe.current();
        while (m != null) {
            final SystemMessage next = m.next();
            try {
                processSystemMessage(m);
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable t) {
                fail(t);
            }
            if (probe != null) {
                probe.onHandled();
            }
            m = next;
        }
    }

    private void processSystemMessage(SystemMessage m) {
        if (m instanceof Stop) {
            beginStop();
        } else if (m instanceof Watch w) {
            if (lifecycle == TERMINATED) {
                // A Watch drained in the same batch as the Stop that terminated us: close() did
                // not see it and the watchers were already told, so answer it now.
                if (w.watcher != this) {
                    w.watcher.onWatchedTerminated(this);
                }
            } else {
                addWatcher(w.watcher);
            }
        } else if (m instanceof Unwatch u) {
            final Extras e = extras;
            if (e != null && e.watchers != null) {
                e.watchers.remove(u.watcher);
            }
        } else if (m instanceof DeathNotification d) {
            onDeathNotification(d.who);
        } else if (m instanceof ChildTerminated c) {
            onChildTerminated(c.child, c.cause);
        } else if (m instanceof Run r) {
            r.action.run();
        } else if (m instanceof SystemMessages.Escalated esc) {
            onEscalated(esc);
        }
    }

    private void onEscalated(SystemMessages.Escalated esc) {
        if (parent == null) {
            LOG.log(System.Logger.Level.ERROR, "failure of " + esc.child.path() + " escalated to the guardian " + path()
                    + "; the actor stopped", esc.cause);
            return;
        }
        if (lifecycle == RUNNING) {
            fail(esc.cause);
        }
    }

    private void addWatcher(Watcher watcher) {
        if (watcher == this) {
            return;
        }
        final Extras e = extras();
        if (e.watchers == null) {
            e.watchers = new HashSet<>(4);
        }
        e.watchers.add(watcher);
    }

    private void onDeathNotification(ActorCell<?> who) {
        if (who.parent == this && isLinkedChild(who)) {
            // Fix (supervision, issue #4): for a child whose ChildTerminated is still to come
            // (it carries the failure), that message decides between Terminated and ChildFailed.
            // Deciding here too let a child that failed before the parent's watch() reached it
            // deliver Terminated and then ChildFailed, and let a restarted parent's fresh
            // instance hear Terminated for children of the old one.
            return;
        }
        final Extras e = extras;
        if (e == null || e.watching == null || !e.watching.remove(who)) {
            return; // unwatched, or already told (ChildFailed)
        }
        if (lifecycle == RUNNING) {
            signal(new Terminated(watchedRef(who)));
        }
    }

    /**
     * A watched foreign (remote) actor ended, or its node is down: Terminated once, if still
     * watched and running. Any thread; the signal is handled on this actor's thread.
     */
    static void foreignTerminated(ActorRef<?> watcher, ActorRef<?> who) {
        if (watcher instanceof ActorCell<?> cell) {
            cell.runOnActorThread(() -> cell.onForeignTerminated(who));
        }
    }

    private void onForeignTerminated(ActorRef<?> who) {
        final Extras e = extras;
        if (e == null || e.watching == null || !e.watching.remove(who)) {
            return; // unwatched, or already told
        }
        if (lifecycle == RUNNING) {
            signal(new Terminated(who));
        }
    }

    /**
     * The local actor at {@code path} ({@code /user/a/b}, {@code /system/x}), or null. Only named
     * actors are found (one hash probe per path element under each ancestor's monitor); an
     * anonymous actor ({@code $}-names) is not: the remote module exports such refs by an id of
     * its own. Any thread.
     */
    static ActorRef<?> resolve(ActorCell<?> root, String[] elements, int from) {
        ActorCell<?> at = root;
        for (int i = from; i < elements.length && at != null; i++) {
            if (elements[i].isEmpty()) {
                return null; // "/user//a", "/user/a/": nobody lives there
            }
            synchronized (at) {
                at = at.namedChildren == null ? null : at.namedChildren.get(elements[i]);
            }
        }
        return at;
    }

    /** The ref {@code who} was watched through (an adapter of it, or itself); forgets the alias. */
    private ActorRef<?> watchedRef(ActorCell<?> who) {
        final Extras e = extras;
        final ActorRef<?> alias = e == null || e.watchedAs == null ? null : e.watchedAs.remove(who);
        return alias != null ? alias : who;
    }

    private void onChildTerminated(ActorCell<?> child, Throwable cause) {
        synchronized (this) {
            unlinkChild(child);
        }
        final Extras e = extras;
        final boolean watched = e != null && e.watching != null && e.watching.remove(child);
        if (lifecycle == RUNNING) {
            if (cause != null) {
                signal(new ChildFailed(child, cause)); // replaces Terminated
            } else if (watched) {
                signal(new Terminated(watchedRef(child)));
            }
        }
        if (lifecycle == STOPPING && e != null && e.stopWaitingFor == child) {
            if (e.stopDeadline != null) {
                e.stopDeadline.cancel();
                e.stopDeadline = null;
            }
            e.stopWaitingFor = null;
            stopNextInSequence();
        }
        if (lifecycle == STOPPING && firstChildSnapshot() == null) {
            finishTermination();
        } else if (lifecycle == SUSPENDED && firstChildSnapshot() == null && extras.restartCause != null
                && extras.restartTimer == null) {
            scheduleRestart();
        }
    }

    private void signal(Signal s) {
        try {
            actor.onSignal(s);
        } catch (Throwable t) {
            fail(t);
        }
    }

    // ================================================================ stopping

    private void beginStop() {
        if (lifecycle == STOPPING || lifecycle == TERMINATED) {
            return;
        }
        final Extras ex = extras;
        if (ex != null && ex.restartTimer != null) {
            ex.restartTimer.cancel(); // a stop during a backoff cancels the pending restart
            ex.restartTimer = null;
        }
        final List<ActorCell<?>> kids;
        synchronized (this) {
            lifecycle = STOPPING;
            kids = childList();
        }
        if (kids.isEmpty()) {
            finishTermination();
        } else if (actor instanceof OrderedStop ordered) {
            beginOrderedStop(ordered, kids);
        } else {
            for (ActorCell<?> kid : kids) {
                kid.enqueueSystem(new Stop());
            }
        }
    }

    /** Stops the listed children one at a time (see {@link OrderedStop}); the others at once. */
    private void beginOrderedStop(OrderedStop ordered, List<ActorCell<?>> kids) {
        List<OrderedStop.Step> steps;
        try {
            steps = ordered.childStopOrder();
        } catch (VirtualMachineError vme) {
            throw vme;
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.WARNING, "childStopOrder of " + path() + " threw; stopping all children at once", t);
            steps = List.of();
        }
        final ArrayDeque<OrderedStop.Step> sequence = new ArrayDeque<>();
        final Set<ActorCell<?>> listed = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (OrderedStop.Step step : steps) {
            if (step.child() instanceof ActorCell<?> c && kids.contains(c) && listed.add(c)) {
                sequence.add(step);
            }
        }
        for (ActorCell<?> kid : kids) {
            if (!listed.contains(kid)) {
                kid.enqueueSystem(new Stop());
            }
        }
        extras().stopSequence = sequence;
        stopNextInSequence();
    }

    private void stopNextInSequence() {
        final Extras e = extras;
        for (;;) {
            final OrderedStop.Step step = e.stopSequence == null ? null : e.stopSequence.poll();
            if (step == null) {
                e.stopSequence = null;
                e.stopWaitingFor = null;
                return;
            }
            final ActorCell<?> child = (ActorCell<?>) step.child();
            if (!isLinkedChild(child)) {
                continue; // already terminated
            }
            child.enqueueSystem(new Stop());
            if (step.deadlineNanos() == 0) {
                continue; // do not wait for it
            }
            e.stopWaitingFor = child;
            if (step.deadlineNanos() > 0) {
                e.stopDeadline = system.timerService().schedule(step.deadlineNanos(),
                        () -> runOnActorThread(() -> onStopDeadline(child, step.deadlineNanos())));
            }
            return;
        }
    }

    private void onStopDeadline(ActorCell<?> child, long deadlineNanos) {
        final Extras e = extras;
        if (e == null || e.stopWaitingFor != child) {
            return;
        }
        LOG.log(System.Logger.Level.WARNING, child.path() + " did not stop within " + Duration.ofNanos(deadlineNanos)
                + "; stop forced: " + path() + " moves on to its next child");
        e.stopWaitingFor = null;
        e.stopDeadline = null;
        stopNextInSequence();
    }

    /**
     * The last steps of stopping. Each step is contained: whatever a hook, a logger or a
     * dead-letter subscriber throws is logged and the next step runs, so the parent and every
     * watcher are always told (issue #18: an exception from the queue drain left a stopping
     * actor half-terminated for ever).
     */
    private void finishTermination() {
        synchronized (this) {
            lifecycle = TERMINATED;
        }
        final Extras e = extras;
        if (e != null && e.timers != null) {
            contained("cancelling the timers", e.timers::cancelAllTimers);
        }
        final Actor<M> a = actor;
        if (a != null) {
            contained("postStop", a::postStop);
        }
        if (e != null && (e.stash != null || e.unstashed != null)) {
            contained("dead-lettering the stash", () -> {
                for (Object m; e.unstashed != null && (m = e.unstashed.pollFirst()) != null; ) {
                    deadLetter(m, DeadLetter.Reason.RECIPIENT_STOPPED);
                }
                if (e.stash != null) {
                    e.stash.drainToDeadLetters();
                }
            });
        }
        if (e != null && e.stopHooks != null) {
            for (Runnable hook : e.stopHooks) {
                contained("a stop hook", hook);
            }
        }
        SystemMessage rest = close(); // contains failures of the dead letters it hands on
        final Overload overloaded = overload;
        if (overloaded != null) {
            resumeMutedSenders(overloaded, true); // nobody would resume them after this
        }
        while (rest != null) {
            if (rest instanceof Watch w && w.watcher != this) {
                contained("answering a watch", () -> w.watcher.onWatchedTerminated(this));
            }
            rest = rest.next();
        }
        // Watchers before the parent: once the parent hears, the tree above may finish stopping
        // (the system's close then stops /system, where watchers such as probes live), and a
        // watcher told after its own Stop would never hear Terminated (issue #18).
        if (e != null && e.watchers != null) {
            for (Watcher w : e.watchers) {
                contained("telling a watcher", () -> w.onWatchedTerminated(this));
            }
            e.watchers = null;
        }
        if (e != null && e.watching != null) {
            for (Object watched : e.watching) {
                if (watched instanceof ActorCell<?> c) {
                    c.enqueueSystem(new Unwatch(this));
                } else if (watched instanceof io.troupe.actors.internal.ForeignRef f) {
                    contained("unwatching a remote actor", () -> f.unwatchedBy(this));
                }
            }
            e.watching = null;
        }
        final Throwable failure = e == null ? null : e.failure;
        contained("recording the stop", () -> recordStopped(failure));
        final io.troupe.actors.internal.LifecycleListener events = system.lifecycleListener;
        if (events != null) {
            contained("telling the event stream", () -> events.onStopped(this, failure));
        }
        if (parent != null) {
            if (!parent.enqueueSystem(new ChildTerminated(this, failure))) {
                LOG.log(System.Logger.Level.WARNING, "parent of " + path() + " terminated before it");
            }
        }
        actor = null;
        if (e != null && e.terminated != null) {
            e.terminated.complete(null);
        }
        finishedStopping = true;
        if (parent == null) {
            system.onGuardianTerminated(this);
        }
    }

    /** Counts the stop and emits troupe.ActorStopped if a recording takes it. */
    private void recordStopped(Throwable failure) {
        if (parent != null) {
            system.counters().actorsAlive.decrement();
        }
        if (TroupeEvents.STOPPED_PROBE.isEnabled()) {
            final TroupeEvents.Stopped ev = new TroupeEvents.Stopped();
            ev.path = path();
            ev.failureClass = failure == null ? null : failure.getClass().getName();
            ev.failureMessage = failure == null ? null : failure.getMessage();
            ev.commit();
        }
    }

    /**
     * A logger like {@link #log()}'s, for reports about this actor made from another thread (the
     * slow-handler watchdog): reads the actor field racily, which is harmless for a logger name.
     */
    System.Logger loggerForDiagnostics() {
        final Actor<M> a = actor;
        return new ActorLogger(System.getLogger(a == null ? Actor.class.getName() : ActorLogger.loggerName(a.getClass())), path());
    }

    /** Whether stopping ran to its end (parent and watchers told). Any thread. */
    boolean hasFinishedStopping() {
        return finishedStopping;
    }

    /** A word for close()'s report of an actor that did not stop. Any thread; racy. */
    String stateForDiagnostics() {
        return switch (lifecycle) {
            case NEW -> "not started";
            case RUNNING -> isScheduled() ? "running: did not get to its Stop (a handler still running?)" : "running";
            case SUSPENDED -> "restarting";
            case STOPPING -> "stopping";
            default -> "terminating: did not finish stopping";
        };
    }

    /** Runs one step of termination; a failure is logged with the step's name, never thrown. */
    private void contained(String step, Runnable action) {
        try {
            action.run();
        } catch (VirtualMachineError vme) {
            throw vme;
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.WARNING, step + " of " + path() + " threw; stopping goes on", t);
        }
    }

    @Override
    public void onWatchedTerminated(ActorCell<?> who) {
        enqueueSystem(new DeathNotification(who)); // false once we terminated too: nothing to tell
    }

    /** Whether this actor has terminated. Any thread. */
    boolean isTerminated() {
        return isClosed();
    }

    /**
     * A stage completed once this actor has terminated (at once if it has): a watch whose
     * watcher completes a future. Any thread; the caller gets a copy it cannot complete for others.
     */
    CompletionStage<Void> whenTerminated() {
        final TerminationWatcher w = new TerminationWatcher();
        if (!enqueueSystem(new Watch(w))) {
            w.complete(null);
        }
        return w.copy();
    }

    /** Completes when the watched actor terminates; identity equality (HashSet of watchers). */
    private static final class TerminationWatcher extends CompletableFuture<Void> implements Watcher {
        @Override
        public void onWatchedTerminated(ActorCell<?> who) {
            complete(null);
        }
    }

    /**
     * Delivers {@link ShuttingDown} on this actor's thread. The future completes once the actor
     * handled it and every stage it held the phase with completed, or at once if the actor is
     * not running, or when it terminates. Any thread (the shutdown runner).
     */
    CompletableFuture<Void> deliverShuttingDown() {
        final CompletableFuture<Void> done = new CompletableFuture<>();
        if (!runOnActorThread(() -> onShuttingDown(done))) {
            done.complete(null);
            return done;
        }
        whenTerminated().whenComplete((v, t) -> done.complete(null)); // a Run left in a closed lane never runs
        return done;
    }

    private void onShuttingDown(CompletableFuture<Void> done) {
        if (lifecycle != RUNNING || actor == null) {
            done.complete(null);
            return;
        }
        final ShuttingDown notice = new ShuttingDown(this);
        signal(notice);
        notice.seal().whenComplete((v, t) -> done.complete(null));
    }

    /** Requests a stop from any thread. */
    void requestStop() {
        enqueueSystem(new Stop());
    }

    /** Runs {@code action} on this actor's thread ahead of user messages; false if terminated. */
    boolean runOnActorThread(Runnable action) {
        return enqueueSystem(new Run(action));
    }

    /**
     * Registers a hook run on the actor's thread when it stops (after postStop). The socket
     * actors use it to close what an actor owns. Actor thread only.
     */
    void addStopHook(Runnable hook) {
        final Extras e = extras();
        if (e.stopHooks == null) {
            e.stopHooks = new ArrayList<>(2);
        }
        e.stopHooks.add(hook);
    }

    // ================================================================ children

    /** Links a new child; called by spawners under any thread. */
    private <C> ActorCell<C> spawnChild(Supplier<? extends Actor<C>> factory, SpawnOptions options) {
        Objects.requireNonNull(factory, "factory");
        Objects.requireNonNull(options, "options");
        final ActorSystem sys = system;
        final int capacity = options.mailboxCapacity() > 0 ? options.mailboxCapacity() : sys.defaultMailboxCapacity();
        final OverflowPolicy policy = options.overflowPolicy() != null ? options.overflowPolicy() : sys.defaultOverflowPolicy();
        final ActorCell<C> child = new ActorCell<>(sys, this, options.name(), sys.nextUid(),
                sys.dispatcher(options.dispatcher()), factory, capacity, policy);
        if (options.throughput() > 0) {
            child.extras().throughput = options.throughput(); // published by the child's first scheduling
        }
        child.traced = options.tracing() != null ? options.tracing() : traced; // published likewise
        if (options.tracing() == Boolean.TRUE) {
            TraceSpan.enableTracing();
        }
        synchronized (this) {
            if (lifecycle >= STOPPING) {
                throw new IllegalStateException(parent == null && sys.isClosed()
                        ? "actor system '" + sys.name() + "' is closed"
                        : "cannot spawn under " + path() + ": it is stopping");
            }
            final String name = options.name();
            if (name != null) {
                if (namedChildren == null) {
                    namedChildren = new HashMap<>(4);
                }
                if (namedChildren.putIfAbsent(name, child) != null) {
                    throw new IllegalArgumentException("actor name '" + name + "' is not unique under " + path());
                }
            }
            child.nextSibling = firstChild;
            if (firstChild != null) {
                firstChild.prevSibling = child;
            }
            firstChild = child;
        }
        recordSpawned(child);
        child.start();
        return child;
    }

    /** Counts a spawn and emits troupe.ActorSpawned if a recording takes it. */
    private void recordSpawned(ActorCell<?> child) {
        system.counters().actorsAlive.increment();
        system.counters().actorsSpawned.increment();
        if (TroupeEvents.SPAWNED_PROBE.isEnabled()) {
            final TroupeEvents.Spawned ev = new TroupeEvents.Spawned();
            ev.path = child.path();
            ev.mailboxCapacity = child.capacity();
            ev.dispatcher = child.dispatcher.name();
            ev.commit();
        }
    }

    <C> ActorCell<C> spawnFromOutside(Supplier<? extends Actor<C>> factory, SpawnOptions options) {
        return spawnChild(factory, options);
    }

    private void unlinkChild(ActorCell<?> child) {
        if (child.prevSibling != null) {
            child.prevSibling.nextSibling = child.nextSibling;
        } else if (firstChild == child) {
            firstChild = child.nextSibling;
        } else {
            return; // not linked
        }
        if (child.nextSibling != null) {
            child.nextSibling.prevSibling = child.prevSibling;
        }
        child.prevSibling = null;
        child.nextSibling = null;
        if (child.givenName != null && namedChildren != null) {
            namedChildren.remove(child.givenName, child);
        }
    }

    /** Whether {@code child} is still in the children list (its ChildTerminated not yet processed). */
    private synchronized boolean isLinkedChild(ActorCell<?> child) {
        return child.prevSibling != null || firstChild == child;
    }

    private synchronized ActorCell<?> firstChildSnapshot() {
        return firstChild;
    }

    /** Children, oldest first. Caller holds the monitor. */
    private List<ActorCell<?>> childList() {
        final ArrayList<ActorCell<?>> list = new ArrayList<>();
        for (ActorCell<?> c = firstChild; c != null; c = c.nextSibling) {
            list.add(c);
        }
        java.util.Collections.reverse(list);
        return list;
    }

    /** Children that have not terminated, for diagnostics. Any thread. */
    synchronized List<ActorCell<?>> childrenSnapshot() {
        return childList();
    }

    /**
     * This actor's line of {@link ActorSystem#dump}: {@code probe} is the worker running it, or
     * null. Any thread; reads racily (plain fields of another thread may be stale).
     */
    ActorDump.Entry dumpEntry(ActivationProbe probe, long nowNanos) {
        final int l = lifecycleForDiagnostics();
        final ActorDump.State state;
        if (l == TERMINATED) {
            state = ActorDump.State.STOPPED;
        } else if (l == STOPPING) {
            state = ActorDump.State.STOPPING;
        } else if (l == SUSPENDED) {
            state = ActorDump.State.RESTARTING;
        } else if (probe != null) {
            state = ActorDump.State.RUNNING;
        } else if (l == NEW) {
            state = ActorDump.State.NEW;
        } else {
            state = isScheduled() ? ActorDump.State.SCHEDULED : ActorDump.State.IDLE;
        }
        String messageType = null;
        Duration inHandler = Duration.ZERO;
        if (probe != null) {
            final Class<?> m = lvMessageType();
            messageType = m == null ? null : m.getName();
            final long since = probe.lvHandlerSinceNanos();
            if (since != Long.MIN_VALUE && nowNanos > since) {
                inHandler = Duration.ofNanos(nowNanos - since);
            }
        }
        final Actor<M> a = actor;
        final int kids;
        synchronized (this) {
            int k = 0;
            for (ActorCell<?> c = firstChild; c != null; c = c.nextSibling) {
                k++;
            }
            kids = k;
        }
        return new ActorDump.Entry(path(), a == null ? null : a.getClass().getName(), state, size(), capacity(),
                messageType, inHandler, dispatcher.name(), kids, handledCount, restartCount);
    }

    int lifecycleForDiagnostics() {
        return isClosed() ? TERMINATED : lifecycle;
    }

    // ================================================================ ActorContext

    @Override
    public ActorRef<M> self() {
        return this;
    }

    @Override
    public ActorRef<?> parent() {
        return parent == null ? this : parent;
    }

    @Override
    public List<ActorRef<?>> children() {
        synchronized (this) {
            return List.copyOf(childList());
        }
    }

    @Override
    public Optional<ActorRef<?>> child(String name) {
        Objects.requireNonNull(name, "name");
        synchronized (this) {
            if (namedChildren != null && namedChildren.containsKey(name)) {
                return Optional.of(namedChildren.get(name));
            }
            for (ActorCell<?> c = firstChild; c != null; c = c.nextSibling) {
                if (c.givenName == null && c.name().equals(name)) {
                    return Optional.of(c);
                }
            }
            return Optional.empty();
        }
    }

    @Override
    public <C> ActorRef<C> spawn(Supplier<? extends Actor<C>> factory, String name) {
        return spawnChild(factory, SpawnOptions.named(name));
    }

    @Override
    public <C> ActorRef<C> spawnAnonymous(Supplier<? extends Actor<C>> factory) {
        return spawnChild(factory, SpawnOptions.defaults());
    }

    @Override
    public <C> ActorRef<C> spawn(Supplier<? extends Actor<C>> factory, SpawnOptions options) {
        return spawnChild(factory, options);
    }

    @Override
    public void stop(ActorRef<?> ref) {
        Objects.requireNonNull(ref, "ref");
        if (ref == this) {
            beginStopAfterCurrentMessage();
            return;
        }
        if (!(ref instanceof ActorCell<?> cell) || cell.parent != this) {
            throw new IllegalArgumentException("an actor can stop only itself and its children; "
                    + ref.path() + " is not a child of " + path());
        }
        cell.requestStop();
    }

    private void beginStopAfterCurrentMessage() {
        enqueueSystem(new Stop()); // processed before the next user message
    }

    @Override
    public void watch(ActorRef<?> ref) {
        Objects.requireNonNull(ref, "ref");
        if (ref instanceof io.troupe.actors.internal.ForeignRef foreign) {
            final Extras e = extras();
            if (e.watching == null) {
                e.watching = new HashSet<>(4);
            }
            if (e.watching.add(foreign)) {
                foreign.watchedBy(this);
            }
            return;
        }
        final ActorCell<?> cell = ref instanceof MessageAdapterRef<?, ?> a ? a.owner : ref instanceof ActorCell<?> c ? c : null;
        if (cell == this) {
            return;
        }
        if (cell == null) {
            throw new IllegalArgumentException("cannot watch " + ref + ": not an actor of this runtime");
        }
        final Extras e = extras();
        if (e.watching == null) {
            e.watching = new HashSet<>(4);
        }
        if (ref != cell) {
            // Watching an adapter watches its actor; Terminated names the adapter, as watched.
            if (e.watchedAs == null) {
                e.watchedAs = new HashMap<>(4);
            }
            e.watchedAs.put(cell, ref);
        } else if (e.watchedAs != null) {
            e.watchedAs.remove(cell);
        }
        if (e.watching.add(cell) && !cell.enqueueSystem(new Watch(this))) {
            enqueueSystem(new DeathNotification(cell)); // already gone: tell at once, through the lane
        }
    }

    @Override
    public void unwatch(ActorRef<?> ref) {
        Objects.requireNonNull(ref, "ref");
        final Extras e = extras;
        if (ref instanceof io.troupe.actors.internal.ForeignRef foreign) {
            if (e != null && e.watching != null && e.watching.remove(foreign)) {
                foreign.unwatchedBy(this);
            }
            return;
        }
        final ActorCell<?> cell = ref instanceof MessageAdapterRef<?, ?> a ? a.owner : ref instanceof ActorCell<?> c ? c : null;
        if (e != null && e.watching != null && cell != null && e.watching.remove(cell)) {
            cell.enqueueSystem(new Unwatch(this));
            if (e.watchedAs != null) {
                e.watchedAs.remove(cell);
            }
        }
    }

    @Override
    public Timers<M> timers() {
        return timerSupport();
    }

    @SuppressWarnings("unchecked")
    private TimerSupport<M> timerSupport() {
        final Extras e = extras();
        if (e.timers == null) {
            e.timers = new TimerSupport<>(this);
        }
        return (TimerSupport<M>) e.timers;
    }

    @Override
    public void setReceiveTimeout(Duration timeout, M message) {
        timerSupport().setReceiveTimeout(timeout, message);
    }

    @Override
    public void cancelReceiveTimeout() {
        final Extras e = extras;
        if (e != null && e.timers != null) {
            e.timers.cancelReceiveTimeout();
        }
    }

    @Override
    public <T> void pipeToSelf(CompletionStage<T> stage, BiFunction<? super T, Throwable, ? extends M> mapper) {
        Objects.requireNonNull(stage, "stage");
        Objects.requireNonNull(mapper, "mapper");
        final TraceSpan span = TraceSpan.currentIfTracing();
        stage.whenComplete((value, error) -> tellInternal(new Adapted<>(value, error, mapper, span)));
    }

    @Override
    public <T> void spawnBlocking(Callable<T> task, BiFunction<? super T, Throwable, ? extends M> mapper) {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(mapper, "mapper");
        final CompletableFuture<T> result = new CompletableFuture<>();
        try {
            system.blockingPool().execute(() -> {
                try {
                    result.complete(task.call());
                } catch (Throwable t) {
                    result.completeExceptionally(t);
                    if (t instanceof VirtualMachineError vme) {
                        throw vme;
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(e);
        }
        pipeToSelf(result, mapper);
    }

    @Override
    public System.Logger log() {
        final Extras e = extras();
        if (e.log == null) {
            final Actor<M> a = actor;
            e.log = new ActorLogger(System.getLogger(a == null ? Actor.class.getName() : ActorLogger.loggerName(a.getClass())),
                    path());
        }
        return e.log;
    }

    @Override
    public ActorSystem system() {
        return system;
    }

    @Override
    public <T> ActorRef<T> messageAdapter(Class<T> type, Function<? super T, ? extends M> adapter) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(adapter, "adapter");
        final Extras e = extras();
        if (e.adapters == null) {
            e.adapters = new HashMap<>(4);
        }
        @SuppressWarnings("unchecked")
        MessageAdapterRef<T, M> ref = (MessageAdapterRef<T, M>) e.adapters.get(type);
        if (ref == null) {
            ref = new MessageAdapterRef<>(this, type);
            e.adapters.put(type, ref);
        }
        ref.setFunction(adapter);
        return ref;
    }

    @Override
    @SuppressWarnings("unchecked")
    public Stash<M> stash(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("stash capacity must be positive, was " + capacity);
        }
        final Extras e = extras();
        if (e.stash == null) {
            e.stash = new Stash<M>(this::path, this::unstash, m -> deadLetter(m, DeadLetter.Reason.RECIPIENT_STOPPED), capacity);
        } else if (e.stash.capacity() != capacity) {
            throw new IllegalArgumentException("the stash of " + path() + " has capacity " + e.stash.capacity()
                    + "; asked again with " + capacity);
        }
        return (Stash<M>) e.stash;
    }

    @SuppressWarnings("unchecked")
    void tellInternal(InternalMessage message) {
        enqueue((M) message);
    }

    /**
     * Completes once the actor behind {@code ref} (an actor, or a message adapter's owner) has
     * taken every message queued before this call: a marker travels in its user lane, in order.
     * Completes at once for a ref that is no local actor. Never completes if the marker is not
     * delivered (a full mailbox, an actor that stopped first): callers bound their wait. Any
     * thread; one small object and one enqueue.
     */
    static CompletionStage<Void> fence(ActorRef<?> ref) {
        final CompletableFuture<Void> done = new CompletableFuture<>();
        final ActorCell<?> cell = ref instanceof ActorCell<?> c ? c
                : ref instanceof MessageAdapterRef<?, ?> a ? a.owner : null;
        if (cell == null) {
            done.complete(null);
        } else {
            cell.tellInternal(new Fence(done));
        }
        return done;
    }

    /** The marker of {@link #fence}: completes its stage when the actor takes it; never reaches receive. */
    private static final class Fence extends InternalMessage {
        private final CompletableFuture<Void> done;

        Fence(CompletableFuture<Void> done) {
            this.done = done;
        }

        @Override
        void deliver(ActorCell<?> cell) {
            done.complete(null);
        }

        @Override
        Object payload() {
            return "fence";
        }
    }

    @SuppressWarnings("unchecked")
    boolean offerInternal(InternalMessage message) {
        return super.offer((M) message);
    }

    @SuppressWarnings("unchecked")
    CompletionStage<Void> sendInternal(InternalMessage message) {
        return super.send((M) message);
    }

    /** A pipeToSelf result: the mapper runs on the actor's thread. */
    private static final class Adapted<T, M> extends InternalMessage {
        private final T value;
        private final Throwable error;
        private final BiFunction<? super T, Throwable, ? extends M> mapper;
        /** The span that called pipeToSelf (tracing on), or null. */
        private final TraceSpan span;

        Adapted(T value, Throwable error, BiFunction<? super T, Throwable, ? extends M> mapper, TraceSpan span) {
            this.value = value;
            this.error = error;
            this.mapper = mapper;
            this.span = span;
        }

        @Override
        void deliver(ActorCell<?> cell) {
            final Throwable cause = error instanceof java.util.concurrent.CompletionException ce && ce.getCause() != null
                    ? ce.getCause() : error;
            final M message = mapper.apply(cause == null ? value : null, cause);
            if (message != null) {
                cell.handleAdapted(message, span);
            }
        }

        @Override
        Object payload() {
            if (error != null) {
                return error;
            }
            return value != null ? value : DeadLetter.Placeholder.NULL_STAGE_RESULT;
        }
    }

    private static final java.lang.invoke.VarHandle OVERLOAD;
    private static final java.lang.invoke.VarHandle MUTE_STATE;
    private static final java.lang.invoke.VarHandle MESSAGE_TYPE;

    static {
        try {
            OVERLOAD = java.lang.invoke.MethodHandles.lookup().findVarHandle(ActorCell.class, "overload", Overload.class);
            MUTE_STATE = java.lang.invoke.MethodHandles.lookup().findVarHandle(ActorCell.class, "muteState", int.class);
            MESSAGE_TYPE = java.lang.invoke.MethodHandles.lookup().findVarHandle(ActorCell.class, "messageType", Class.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
