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
     * References. Pekko's ActorCell and dungeon/ (Children, DeathWatch, FaultHandling);
     * Erlang's process links and monitors.
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
        HashSet<ActorCell<?>> watching;
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
        enqueue(message);
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
            final M message = Objects.requireNonNull(request.apply(promise), "the request built by ask must not be null");
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
        final StringBuilder sb = new StringBuilder(64);
        appendPath(sb);
        return sb.toString();
    }

    private void appendPath(StringBuilder sb) {
        if (parent != null) {
            parent.appendPath(sb);
        }
        sb.append('/').append(name());
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
        deadLetter(dropped, getPolicyReason());
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
        if (message instanceof InternalMessage im) {
            // A pipeToSelf result or a timer message: the runtime sent it on this actor's behalf,
            // from whatever thread completed the stage.
            payload = im.payload();
            sender = this;
        } else {
            payload = message;
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
            final int state = lifecycle;
            // Leaves the scheduled state unless messages are left; after a false return another
            // thread may already run this cell.
            if (state != TERMINATED && endTurn(state == RUNNING)) {
                if (usedBudget) {
                    dispatcher.yieldTask(this);
                } else {
                    dispatcher.execute(this);
                }
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
            final M message = poll();
            if (message == null) {
                break;
            }
            n++;
            invoke(message);
            if (probe != null) {
                probe.onHandled();
            }
            if (lifecycle != RUNNING) {
                break;
            }
        }
        return n == budget;
    }

    private void invoke(M message) {
        try {
            if (message instanceof InternalMessage im) {
                im.deliver(this);
            } else {
                actor.handle(message);
                afterUserMessage();
            }
        } catch (Throwable t) {
            fail(t);
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
            stopWithFailure(cause);
            return;
        }
        final Extras e = extras();
        if (e.policyState == null) {
            e.policyState = policy.newState();
        }
        final FailurePolicy.Decision d = policy.decide(e.policyState, cause, system.timerService().nanoTime());
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
            signal(new Terminated(who));
        }
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
                signal(new Terminated(child));
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
        if (e != null && e.stopHooks != null) {
            for (Runnable hook : e.stopHooks) {
                contained("a stop hook", hook);
            }
        }
        SystemMessage rest = close(); // contains failures of the dead letters it hands on
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
            for (ActorCell<?> watched : e.watching) {
                watched.enqueueSystem(new Unwatch(this));
            }
            e.watching = null;
        }
        final Throwable failure = e == null ? null : e.failure;
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
        child.start();
        return child;
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
        if (ref == this) {
            return;
        }
        if (!(ref instanceof ActorCell<?> cell)) {
            throw new IllegalArgumentException("cannot watch " + ref + ": not an actor of this runtime");
        }
        final Extras e = extras();
        if (e.watching == null) {
            e.watching = new HashSet<>(4);
        }
        if (e.watching.add(cell) && !cell.enqueueSystem(new Watch(this))) {
            enqueueSystem(new DeathNotification(cell)); // already gone: tell at once, through the lane
        }
    }

    @Override
    public void unwatch(ActorRef<?> ref) {
        Objects.requireNonNull(ref, "ref");
        final Extras e = extras;
        if (e != null && e.watching != null && ref instanceof ActorCell<?> cell && e.watching.remove(cell)) {
            cell.enqueueSystem(new Unwatch(this));
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
        stage.whenComplete((value, error) -> tellInternal(new Adapted<>(value, error, mapper)));
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
        final Actor<M> a = actor;
        return System.getLogger(a == null ? "io.troupe.actors.Actor" : a.getClass().getName());
    }

    @Override
    public ActorSystem system() {
        return system;
    }

    @SuppressWarnings("unchecked")
    void tellInternal(InternalMessage message) {
        enqueue((M) message);
    }

    /** A pipeToSelf result: the mapper runs on the actor's thread. */
    private static final class Adapted<T, M> extends InternalMessage {
        private final T value;
        private final Throwable error;
        private final BiFunction<? super T, Throwable, ? extends M> mapper;

        Adapted(T value, Throwable error, BiFunction<? super T, Throwable, ? extends M> mapper) {
            this.value = value;
            this.error = error;
            this.mapper = mapper;
        }

        @Override
        void deliver(ActorCell<?> cell) {
            final Throwable cause = error instanceof java.util.concurrent.CompletionException ce && ce.getCause() != null
                    ? ce.getCause() : error;
            final M message = mapper.apply(cause == null ? value : null, cause);
            if (message != null) {
                cell.handleAdapted(message);
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
}
