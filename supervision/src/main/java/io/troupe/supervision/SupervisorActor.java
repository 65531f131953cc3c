package io.troupe.supervision;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ChildFailed;
import io.troupe.actors.Signal;
import io.troupe.actors.Terminated;
import io.troupe.actors.internal.FailurePolicy;
import io.troupe.actors.internal.OrderedStop;
import io.troupe.supervision.Supervisor.ChildInfo;
import io.troupe.supervision.Supervisor.ChildState;
import io.troupe.supervision.Supervisor.Command;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The actor behind {@link Supervisor}. Like every actor it is run by one thread at a time; see
 * {@link Supervisor} for the semantics.
 */
final class SupervisorActor extends Actor<Command> implements OrderedStop {
    /*
     * Implementation overview
     *
     * Threading protocol. Everything runs on the supervisor's own actor thread: commands and the
     * two internal timer messages through receive(), child terminations through onSignal()
     * (Terminated for a normal stop, ChildFailed for a failure; the runtime delivers exactly one
     * of them per incarnation, on the system lane). No field is shared with another thread.
     *
     * Children. `children` keeps the entries in start order (LinkedHashMap by id); `byRef`
     * maps every incarnation that has not yet reported its termination to its entry. A
     * termination whose ref is no longer the entry's current ref belongs to an incarnation whose
     * stop was forced and that has been replaced: it is only forgotten.
     *
     * Jobs. Stopping children one after another with deadlines is asynchronous, so it is queued:
     * a Job is a list of children to stop (last-started first) and what to do when they are all
     * gone or forced. One job runs at a time (OTP does the same work synchronously inside the
     * supervisor process); restarts (group stop, then backoff, then respawn), RemoveChild and
     * Shutdown are jobs. The backoff is not part of the job: it is a keyed timer per restart, so
     * one child's backoff never delays another child's restart.
     *
     * Supervisor lifecycle (`phase`):
     *   ACTIVE -> SHUTTING_DOWN        // Shutdown, or a restart refused by the restart limit
     *   SHUTTING_DOWN -> DONE          // every child terminated or forced: stop self, or throw
     *   ACTIVE/SHUTTING_DOWN -> DONE   // the runtime stops the supervisor: childStopOrder (OrderedStop)
     *                                  // RestartIntensityExceededException from the handler
     *
     * Child lifecycle (ChildState, plus removal):
     *   RUNNING -> RESTARTING          // it, or a sibling per the strategy, is to be restarted
     *   RESTARTING -> RUNNING          // siblings stopped and backoff over: fresh incarnation spawned
     *   RUNNING -> STOPPED             // transient child stopped normally; supervisor shutting down
     *   RESTARTING -> STOPPED          // supervisor shutting down (pending respawn cancelled)
     *   any -> removed                 // temporary child terminated; RemoveChild done;
     *                                  // temporary sibling stopped by a group restart (OTP)
     *
     * Invariants.
     *  1. At most one child is being stopped at a time (`stopping`), and jobs run in order.
     *  2. A child is respawned only by the respawn of the latest restart that included it
     *     (respawnToken), only while RESTARTING and ACTIVE, and never after RemoveChild.
     *  3. A termination of a child that is RESTARTING is part of that restart and never counts
     *     as a new failure (OTP absorbs the exits of children it is shutting down the same way).
     *  4. Each restart decision counts once against the supervisor-wide limit (`intensity`).
     *
     * Memory ordering. None of its own: the actor contract (each handling happens-before the
     * next) orders all accesses.
     *
     * Shutdown. The Shutdown job stops children in reverse start order, each within its
     * deadline, then forced (system-lane stop, stop waiting); then context().stop(self). The
     * runtime then waits for forced children before the supervisor terminates (ActorCell
     * invariant 5). Pending respawn timers are cancelled when shutdown begins; any timer message
     * already queued finds a stale token and does nothing.
     *
     * References. Erlang/OTP stdlib supervisor.erl (restart types, strategies, intensity,
     * shutdown and brutal_kill); Pekko's BackoffSupervisor (backoff per child, reset after a
     * stable period).
     */
    private static final System.Logger LOG = System.getLogger("io.troupe.supervision.Supervisor");

    /** The supervisor is starting, restarting and stopping children. */
    private static final int ACTIVE = 0;
    /** Stopping all children, last-started first; no restarts, no additions. */
    private static final int SHUTTING_DOWN = 1;
    /** Children gone; the supervisor stopped itself or failed. */
    private static final int DONE = 2;

    private static final Object STOP_DEADLINE_KEY = new Object() {
        @Override
        public String toString() {
            return "supervisor-stop-deadline";
        }
    };

    /** The internal messages: timers the supervisor sets for itself. */
    sealed interface Internal extends Command permits StopDeadline, RespawnDue {}

    /** The shutdown deadline of the child being stopped under this token passed. */
    record StopDeadline(long token) implements Internal {}

    /** The backoff of the restart under this token is over. */
    record RespawnDue(long token) implements Internal {}

    /** Key of a respawn timer. */
    private record RespawnKey(long token) {}

    /** One child specification and its current incarnation. */
    private static final class Child {
        final ChildSpec<?> spec;
        /** The current (or last) incarnation. */
        ActorRef<?> ref;
        /** Whether the current incarnation has not yet reported its termination. */
        boolean alive;
        ChildState state = ChildState.RUNNING;
        /** Whether the current incarnation was asked to stop by the supervisor. */
        boolean stopRequested;
        /** RemoveChild accepted: never restarted again. */
        boolean removing;
        /** Token of the restart that will respawn it, 0 for none. */
        long respawnToken;
        /** The child's backoff. */
        final RestartHistory backoff = new RestartHistory();

        Child(ChildSpec<?> spec) {
            this.spec = spec;
        }
    }

    /** Children to stop in order, then a continuation. */
    private static final class Job {
        final Supplier<List<Child>> stopList;
        final Runnable onDone;
        /** Run instead of onDone if the job is dropped by a shutdown before it started. */
        final Runnable onDropped;
        ArrayDeque<Child> toStop;

        Job(Supplier<List<Child>> stopList, Runnable onDone, Runnable onDropped) {
            this.stopList = stopList;
            this.onDone = onDone;
            this.onDropped = onDropped;
        }
    }

    private final Factory settings;
    private final LinkedHashMap<String, Child> children = new LinkedHashMap<>();
    private final HashMap<ActorRef<?>, Child> byRef = new HashMap<>();
    private final RestartHistory intensity = new RestartHistory();
    private final ArrayDeque<Job> jobs = new ArrayDeque<>();
    private final HashMap<Long, List<Child>> pendingRespawns = new HashMap<>();
    private final List<Runnable> afterShutdown = new ArrayList<>();
    private Job current;
    private Child stopping;
    private long stopToken;
    private long tokens;
    private long spawnSeq;
    private int phase = ACTIVE;
    private boolean pumping;
    private RuntimeException failure;

    private SupervisorActor(Factory settings) {
        this.settings = settings;
    }

    // ================================================================ lifecycle

    @Override
    protected void preStart() {
        for (ChildSpec<?> spec : settings.children) {
            final Child c = new Child(spec);
            children.put(spec.id(), c);
            spawn(c);
        }
    }

    @Override
    protected void receive(Command command) {
        if (command instanceof Supervisor.AddChild a) {
            onAddChild(a);
        } else if (command instanceof Supervisor.RemoveChild r) {
            onRemoveChild(r);
        } else if (command instanceof Supervisor.WhichChildren w) {
            w.replyTo().tell(whichChildren());
        } else if (command instanceof Supervisor.Shutdown) {
            beginShutdown(null);
        } else if (command instanceof StopDeadline d) {
            onStopDeadline(d.token());
        } else if (command instanceof RespawnDue r) {
            final List<Child> group = pendingRespawns.remove(r.token());
            if (group != null) {
                respawn(r.token(), group);
            }
        }
    }

    @Override
    protected void onSignal(Signal signal) {
        if (signal instanceof ChildFailed f) {
            onExit(f.ref(), f.cause());
        } else if (signal instanceof Terminated t) {
            onExit(t.ref(), null);
        }
    }

    // ================================================================ commands

    private void onAddChild(Supervisor.AddChild a) {
        final String id = a.spec().id();
        if (phase != ACTIVE) {
            a.replyTo().tell(new Supervisor.ChildRejected(id, "the supervisor " + self().path() + " is shutting down"));
        } else if (children.containsKey(id)) {
            a.replyTo().tell(new Supervisor.ChildRejected(id, "a child with id '" + id + "' is already present"));
        } else {
            final Child c = new Child(a.spec());
            children.put(id, c);
            spawn(c);
            a.replyTo().tell(new Supervisor.ChildAdded(id, c.ref));
        }
    }

    private void onRemoveChild(Supervisor.RemoveChild r) {
        final Child c = children.get(r.id());
        if (c == null || c.removing) {
            r.replyTo().tell(new Supervisor.ChildRejected(r.id(), "no child with id '" + r.id() + "'"));
            return;
        }
        if (phase != ACTIVE) {
            r.replyTo().tell(new Supervisor.ChildRejected(r.id(), "the supervisor " + self().path() + " is shutting down"));
            return;
        }
        c.removing = true;
        c.respawnToken = 0; // a pending restart of it is cancelled
        final Runnable reply = () -> r.replyTo().tell(new Supervisor.ChildRemoved(r.id()));
        enqueue(new Job(() -> List.of(c), () -> {
            forget(c);
            reply.run();
        }, () -> afterShutdown.add(reply)));
    }

    private List<ChildInfo> whichChildren() {
        final ArrayList<ChildInfo> out = new ArrayList<>(children.size());
        for (Child c : children.values()) {
            out.add(new ChildInfo(c.spec.id(), c.ref, c.spec.restart(), c.state));
        }
        return List.copyOf(out);
    }

    // ================================================================ terminations and restarts

    private void onExit(ActorRef<?> ref, Throwable cause) {
        final Child c = byRef.remove(ref);
        if (c == null || c.ref != ref) {
            return; // not ours, or an incarnation whose stop was forced and that was replaced
        }
        c.alive = false;
        if (c == stopping) {
            context().timers().cancel(STOP_DEADLINE_KEY);
            stopping = null;
            if (phase != ACTIVE) {
                c.state = ChildState.STOPPED;
            }
            pump();
            return;
        }
        if (phase != ACTIVE) {
            c.state = ChildState.STOPPED;
            return;
        }
        if (c.removing || c.stopRequested || c.state == ChildState.RESTARTING) {
            return; // expected, or part of a restart already under way (invariant 3)
        }
        decide(c, cause);
    }

    private void decide(Child c, Throwable cause) {
        final ChildSpec.RestartType type = c.spec.restart();
        if (type == ChildSpec.RestartType.TEMPORARY || (type == ChildSpec.RestartType.TRANSIENT && cause == null)) {
            if (type == ChildSpec.RestartType.TEMPORARY) {
                forget(c);
            } else {
                c.state = ChildState.STOPPED;
            }
            LOG.log(System.Logger.Level.DEBUG, () -> self().path() + ": " + type + " child '" + c.spec.id()
                    + "' " + (cause == null ? "stopped" : "failed") + "; not restarted");
            return;
        }
        final SupervisorStrategy s = settings.restarts;
        final long now = settings.nanoClock != null ? settings.nanoClock.getAsLong() : context().system().clock().nanoTime();
        if (!intensity.admit(s, now)) {
            c.state = ChildState.STOPPED;
            final RestartIntensityExceededException e =
                    new RestartIntensityExceededException(self().path(), c.spec.id(), s, cause);
            LOG.log(System.Logger.Level.ERROR, e.getMessage() + "; stopping all children and failing");
            beginShutdown(e);
            return;
        }
        final long delayNanos = c.backoff.nextDelayNanos(s, now);
        final List<Child> group = groupOf(c);
        for (Child m : group) {
            m.state = ChildState.RESTARTING;
        }
        LOG.log(System.Logger.Level.INFO, () -> self().path() + ": child '" + c.spec.id() + "' "
                + (cause == null ? "stopped" : "failed (" + cause + ")") + "; restarting " + ids(group) + " ("
                + settings.strategy + (delayNanos > 0 ? ", after " + Duration.ofNanos(delayNanos) : "") + ")");
        final List<Child> reversed = new ArrayList<>(group);
        java.util.Collections.reverse(reversed);
        final List<Child> stopList = List.copyOf(reversed);
        enqueue(new Job(() -> stopList, () -> scheduleRespawn(group, delayNanos), () -> { }));
    }

    /** The children that restart with {@code c}, in start order. */
    private List<Child> groupOf(Child c) {
        final ArrayList<Child> group = new ArrayList<>();
        switch (settings.strategy) {
            case ONE_FOR_ONE -> group.add(c);
            case ALL_FOR_ONE -> {
                for (Child m : children.values()) {
                    if (m == c || (m.state != ChildState.STOPPED && !m.removing)) {
                        group.add(m);
                    }
                }
            }
            default -> {
                boolean after = false;
                for (Child m : children.values()) {
                    after |= m == c;
                    if (after && (m == c || (m.state != ChildState.STOPPED && !m.removing))) {
                        group.add(m);
                    }
                }
            }
        }
        return group;
    }

    private void scheduleRespawn(List<Child> group, long delayNanos) {
        if (phase != ACTIVE) {
            return;
        }
        final long token = ++tokens;
        final ArrayList<Child> members = new ArrayList<>(group.size());
        for (Child m : group) {
            if (m.removing || children.get(m.spec.id()) != m) {
                continue;
            }
            if (m.spec.restart() == ChildSpec.RestartType.TEMPORARY) {
                forget(m); // a temporary sibling stopped by a group restart is not restarted (OTP)
                continue;
            }
            m.respawnToken = token;
            members.add(m);
        }
        if (delayNanos == 0) {
            respawn(token, members);
        } else {
            pendingRespawns.put(token, members);
            context().timers().startSingleTimer(new RespawnKey(token), new RespawnDue(token), Duration.ofNanos(delayNanos));
        }
    }

    private void respawn(long token, List<Child> members) {
        for (Child m : members) {
            if (phase == ACTIVE && m.respawnToken == token && m.state == ChildState.RESTARTING && !m.removing) {
                spawn(m);
            }
        }
    }

    private void spawn(Child c) {
        final ActorRef<?> ref = spawnIncarnation(c.spec);
        context().watch(ref);
        c.ref = ref;
        c.alive = true;
        c.stopRequested = false;
        c.respawnToken = 0;
        c.state = ChildState.RUNNING;
        byRef.put(ref, c);
    }

    private <M> ActorRef<M> spawnIncarnation(ChildSpec<M> spec) {
        return context().spawn(spec.factory(), spec.spawnOptions().withName(spec.id() + "-" + (++spawnSeq)));
    }

    private void forget(Child c) {
        children.remove(c.spec.id(), c);
    }

    // ================================================================ ordered stops

    private void enqueue(Job job) {
        jobs.addLast(job);
        pump();
    }

    /** Runs jobs until one waits for a child to stop. Re-entrant calls return at once. */
    private void pump() {
        if (pumping) {
            return;
        }
        pumping = true;
        try {
            while (stopping == null) {
                if (current == null) {
                    current = jobs.pollFirst();
                    if (current == null) {
                        return;
                    }
                    current.toStop = new ArrayDeque<>(current.stopList.get());
                }
                final Child next = current.toStop.pollFirst();
                if (next == null) {
                    final Job done = current;
                    current = null;
                    done.onDone.run(); // may throw RestartIntensityExceededException: the supervisor fails
                } else if (next.alive) {
                    requestStop(next);
                }
            }
        } finally {
            pumping = false;
        }
    }

    /** Asks {@code c} to stop; waits for it (sets `stopping`) unless its deadline is zero. */
    @SuppressWarnings("unchecked")
    private void requestStop(Child c) {
        c.stopRequested = true;
        final Object stopMessage = c.spec.stopMessage();
        final long deadlineNanos = c.spec.shutdownNanos();
        if (stopMessage != null && deadlineNanos != 0) {
            ((ActorRef<Object>) c.ref).tell(stopMessage);
        } else {
            context().stop(c.ref);
        }
        if (deadlineNanos == 0) {
            markStoppedIfShuttingDown(c); // brutal: do not wait
            return;
        }
        stopping = c;
        stopToken = ++tokens;
        if (deadlineNanos > 0) {
            context().timers().startSingleTimer(STOP_DEADLINE_KEY, new StopDeadline(stopToken), Duration.ofNanos(deadlineNanos));
        }
    }

    private void onStopDeadline(long token) {
        final Child c = stopping;
        if (c == null || token != stopToken) {
            return;
        }
        if (c.spec.stopMessage() != null) {
            context().stop(c.ref);
        }
        LOG.log(System.Logger.Level.WARNING, () -> self().path() + ": child '" + c.spec.id() + "' (" + c.ref.path()
                + ") did not stop within " + c.spec.shutdown() + "; stop forced, moving on");
        stopping = null;
        markStoppedIfShuttingDown(c);
        pump();
    }

    private void markStoppedIfShuttingDown(Child c) {
        if (phase != ACTIVE) {
            c.state = ChildState.STOPPED;
        }
    }

    private void beginShutdown(RuntimeException failure) {
        if (phase != ACTIVE) {
            return;
        }
        phase = SHUTTING_DOWN;
        this.failure = failure;
        for (Long token : pendingRespawns.keySet()) {
            context().timers().cancel(new RespawnKey(token));
        }
        pendingRespawns.clear();
        for (Child c : children.values()) {
            c.respawnToken = 0;
            if (!c.alive) {
                c.state = ChildState.STOPPED;
            }
        }
        for (Job j : jobs) {
            j.onDropped.run();
        }
        jobs.clear();
        if (current != null) {
            current.toStop.clear(); // the child in hand finishes stopping first
        }
        enqueue(new Job(this::reverseStartOrder, this::finishShutdown, () -> { }));
    }

    /**
     * When the runtime stops this supervisor (its parent stops, {@code system.stop}, or the
     * system closes) the children stop in reverse start order, each within its shutdown
     * deadline, then forced; the same order as a {@link Supervisor.Shutdown}.
     */
    @Override
    public List<OrderedStop.Step> childStopOrder() {
        phase = DONE;
        final List<OrderedStop.Step> steps = new ArrayList<>();
        for (Child c : reverseStartOrder()) {
            if (c.alive && c.ref != null) {
                steps.add(new OrderedStop.Step(c.ref, c.spec.shutdownNanos()));
            }
        }
        return steps;
    }

    private List<Child> reverseStartOrder() {
        final ArrayList<Child> list = new ArrayList<>(children.values());
        java.util.Collections.reverse(list);
        return list;
    }

    private void finishShutdown() {
        phase = DONE;
        for (Child c : children.values()) {
            c.state = ChildState.STOPPED;
        }
        for (Runnable r : afterShutdown) {
            r.run();
        }
        afterShutdown.clear();
        final RuntimeException f = failure;
        if (f != null) {
            throw f; // the runtime fails the supervisor: stop with this failure, or escalate (Factory's policy)
        }
        context().stop(self());
    }

    private static String ids(List<Child> group) {
        final StringBuilder sb = new StringBuilder("[");
        for (Iterator<Child> it = group.iterator(); it.hasNext(); ) {
            sb.append(it.next().spec.id());
            if (it.hasNext()) {
                sb.append(", ");
            }
        }
        return sb.append(']').toString();
    }

    // ================================================================ the factory

    /**
     * The supervisor's factory; also the failure policy of the supervisor itself: a refused
     * restart fails it (stop, the parent gets ChildFailed) or, with escalateWhenExhausted,
     * escalates; any other failure of its own code stops it.
     */
    static final class Factory implements Supplier<Actor<Command>>, FailurePolicy.Carrier {
        final Supervisor.Strategy strategy;
        final SupervisorStrategy restarts;
        final List<ChildSpec<?>> children;
        final LongSupplier nanoClock;
        private final FailurePolicy policy = new FailurePolicy() {
            @Override
            public Object newState() {
                return Boolean.TRUE; // no per-actor state
            }

            @Override
            public Decision decide(Object state, Throwable cause, long nowNanos) {
                return Decision.of(cause instanceof RestartIntensityExceededException && restarts.escalateWhenExhausted()
                        ? Directive.ESCALATE : Directive.STOP);
            }
        };

        Factory(Supervisor.Strategy strategy, SupervisorStrategy restarts, List<ChildSpec<?>> children, LongSupplier nanoClock) {
            this.strategy = strategy;
            this.restarts = restarts;
            this.children = children;
            this.nanoClock = nanoClock;
        }

        @Override
        public Actor<Command> get() {
            return new SupervisorActor(this);
        }

        @Override
        public FailurePolicy failurePolicy() {
            return policy;
        }

        @Override
        public String toString() {
            return "Supervisor[" + strategy + ", " + restarts + ", children " + children.size() + "]";
        }
    }
}
