package io.troupe.services.internal;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.ActorTerminatedException;
import io.troupe.actors.ChildFailed;
import io.troupe.actors.DeadLetter;
import io.troupe.actors.Signal;
import io.troupe.actors.SpawnOptions;
import io.troupe.actors.Terminated;
import io.troupe.mailbox.MailboxFullException;
import io.troupe.services.Router;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jctools.queues.MpmcArrayQueue;

/**
 * A balancing pool: workers that share one bounded queue, so an idle worker takes the next
 * message whichever worker a slow message is stuck on. Not exported: the API is {@link Router}
 * and {@code Routers.balancingPool}, which makes one. Thread safe.
 */
public final class BalancingPool<M> implements Router<M> {
    /*
     * Why not a shared mailbox in the core: an actor cell is its mailbox (one object, see
     * docs/architecture.md), and its run loop assumes one consumer. Sharing one mailbox between
     * cells would change that invariant for every actor. Instead the pool keeps its own bounded
     * queue and each worker is an actor that drains it when woken: work sharing, not stealing.
     *
     * Threading protocol. Senders (any thread) offer to `queue`, then wake one idle worker: a
     * worker whose `idle` flag they flip true -> false by CAS is told POLL. A worker (its own
     * thread) drains up to BATCH messages per POLL; when the queue is empty it sets idle = true
     * and then re-checks the queue; if a message is there it takes its flag back by CAS (if that
     * fails, a sender has woken it and a POLL is on its way) and keeps draining.
     * Invariants. A message in the queue is taken by exactly one worker. No lost wake-up: a
     * sender's offer is followed by a full fence and a scan of the flags; a worker's idle store is
     * followed by its queue check (both volatile): one of the two sees the other.
     * A worker is idle (flag true) only when it has no POLL pending, so it gets at most one.
     * Memory ordering. JCTools' MpmcArrayQueue (Vyukov's bounded MPMC queue) orders offer before poll; VarHandle.fullFence
     * orders the offer before the flag scan.
     * Shutdown. Stopping the manager stops the workers; messages left in the queue go to dead
     * letters then. Members that stop (a handler threw) are removed; when none is left, queued and
     * new messages go to dead letters.
     */
    private static final int BATCH = 32;
    private static final Object POLL = new Object() {
        @Override
        public String toString() {
            return "BalancingPool.POLL";
        }
    };

    private final ActorSystem system;
    private final MpmcArrayQueue<M> queue;
    private final Supplier<? extends Consumer<? super M>> handlerFactory;
    private final RoutingRef routingRef = new RoutingRef();
    private final AtomicInteger scanStart = new AtomicInteger();
    private volatile WorkerHandle[] workers = new WorkerHandle[0];
    private final ActorRef<Object> manager;

    /** A worker's ref and idle flag. */
    private static final class WorkerHandle {
        final ActorRef<Object> ref;
        final AtomicBoolean idle = new AtomicBoolean(false);

        WorkerHandle(ActorRef<Object> ref) {
            this.ref = ref;
        }
    }

    /**
     * Spawns the manager (named {@code name}) and its {@code size} workers.
     *
     * @param system the actor system
     * @param name the manager's name
     * @param size how many workers
     * @param queueCapacity the shared queue's capacity (rounded up to a power of two)
     * @param handlerFactory makes each worker's handler
     */
    public BalancingPool(ActorSystem system, String name, int size, int queueCapacity,
                  Supplier<? extends Consumer<? super M>> handlerFactory) {
        this.system = system;
        this.queue = new MpmcArrayQueue<>(queueCapacity);
        this.handlerFactory = handlerFactory;
        this.manager = system.spawn(() -> new Manager(size), SpawnOptions.named(name));
    }

    @Override
    public ActorRef<M> ref() {
        return routingRef;
    }

    @Override
    public ActorRef<?> manager() {
        return manager;
    }

    @Override
    @SuppressWarnings("unchecked")
    public List<ActorRef<M>> members() {
        final List<ActorRef<M>> refs = new ArrayList<>();
        for (WorkerHandle w : workers) {
            refs.add((ActorRef<M>) (ActorRef<?>) w.ref);
        }
        return refs;
    }

    @Override
    public void resize(int size) {
        throw new UnsupportedOperationException("a balancing pool is not resized (workers share its queue)");
    }

    @Override
    public void add(ActorRef<M> member) {
        throw new UnsupportedOperationException("a pool's members are its children");
    }

    @Override
    public void remove(ActorRef<M> member) {
        throw new UnsupportedOperationException("a pool's members are its children");
    }

    /**
     * Messages waiting in the shared queue. Any thread; for tests and diagnostics.
     *
     * @return an estimate of the queued messages
     */
    public int queued() {
        return queue.size();
    }

    private boolean enqueue(M message) {
        if (workers.length == 0 || !queue.offer(message)) {
            return false;
        }
        VarHandle.fullFence();
        wakeOne();
        return true;
    }

    private void wakeOne() {
        final WorkerHandle[] ws = workers;
        final int n = ws.length;
        if (n == 0) {
            return;
        }
        final int start = Math.floorMod(scanStart.getAndIncrement(), n);
        for (int k = 0; k < n; k++) {
            final WorkerHandle w = ws[(start + k) % n];
            if (w.idle.get() && w.idle.compareAndSet(true, false)) {
                w.ref.tell(POLL);
                return;
            }
        }
    }

    private void deadLetter(M message, DeadLetter.Reason reason) {
        system.deadLetters().publish(new DeadLetter(message, null, routingRef, reason));
    }

    /** The ref users send to. */
    private final class RoutingRef extends RouterRef<M> {
        @Override
        ActorRef<?> manager() {
            return manager;
        }

        @Override
        public void tell(M message) {
            Objects.requireNonNull(message, "message");
            if (!enqueue(message)) {
                deadLetter(message, workers.length == 0 ? DeadLetter.Reason.RECIPIENT_STOPPED : DeadLetter.Reason.MAILBOX_FULL);
            }
        }

        @Override
        public boolean offer(M message) {
            Objects.requireNonNull(message, "message");
            return enqueue(message);
        }

        @Override
        public CompletionStage<Void> send(M message) {
            Objects.requireNonNull(message, "message");
            return enqueue(message) ? CompletableFuture.completedFuture(null)
                    : CompletableFuture.failedFuture(new MailboxFullException("balancing pool " + path()
                    + " queue is full or it has no workers"));
        }

        @Override
        public <R> CompletionStage<R> ask(Function<ActorRef<R>, ? extends M> request, Duration timeout) {
            // the reply ref of an ask belongs to the actor asked; ask the manager's worker through it
            final WorkerHandle[] ws = workers;
            if (ws.length == 0) {
                return CompletableFuture.failedFuture(new ActorTerminatedException("balancing pool " + path()
                        + " has no workers"));
            }
            final ActorRef<Object> anchor = ws[0].ref;
            return anchor.<R>ask(replyTo -> new Enqueue<>(request.apply(replyTo)), timeout);
        }

        @Override
        public String toString() {
            return "BalancingPool[" + path() + "]";
        }
    }

    /** An ask's request, carried to a worker that puts it in the shared queue. */
    private record Enqueue<M>(M message) {}

    /** A worker: drains the shared queue when woken. */
    private final class Worker extends Actor<Object> {
        private final Consumer<? super M> handler;
        private WorkerHandle handle;

        Worker(Consumer<? super M> handler) {
            this.handler = handler;
        }

        @Override
        @SuppressWarnings("unchecked")
        protected void receive(Object message) {
            if (message instanceof Attach a) {
                handle = (WorkerHandle) a.handle();
            } else if (message instanceof Enqueue<?> e) {
                if (!queue.offer((M) e.message())) {
                    deadLetter((M) e.message(), DeadLetter.Reason.MAILBOX_FULL);
                }
            }
            drain();
        }

        private void drain() {
            for (int i = 0; i < BATCH; i++) {
                final M m = queue.poll();
                if (m == null) {
                    goIdle();
                    return;
                }
                handler.accept(m);
            }
            self().tell(POLL); // budget used: let others run, come back
        }

        private void goIdle() {
            final WorkerHandle h = handle;
            if (h == null) {
                return;
            }
            h.idle.set(true);
            if (!queue.isEmpty() && h.idle.compareAndSet(true, false)) {
                self().tell(POLL);
            }
        }
    }

    /** Spawns the workers, watches them, drains the queue to dead letters at the end. */
    private final class Manager extends Actor<Object> {
        private final int size;
        private final List<WorkerHandle> live = new ArrayList<>();

        Manager(int size) {
            this.size = size;
        }

        @Override
        protected void preStart() {
            for (int i = 0; i < size; i++) {
                final Consumer<? super M> handler = Objects.requireNonNull(handlerFactory.get(), "handlerFactory returned null");
                final ActorRef<Object> ref = context().spawn(() -> new Worker(handler), "worker-" + (i + 1));
                final WorkerHandle h = new WorkerHandle(ref);
                context().watch(ref);
                live.add(h);
                ref.tell(new Attach(h));
            }
            workers = live.toArray(new WorkerHandle[0]);
        }

        @Override
        protected void receive(Object message) {
        }

        @Override
        protected void onSignal(Signal signal) {
            if (signal instanceof Terminated || signal instanceof ChildFailed) {
                live.removeIf(h -> h.ref.equals(signal.ref()));
                workers = live.toArray(new WorkerHandle[0]);
                if (live.isEmpty()) {
                    drainToDeadLetters();
                } else {
                    wakeOne(); // the stopped worker may have been the one woken
                }
            }
        }

        @Override
        protected void postStop() {
            workers = new WorkerHandle[0];
            drainToDeadLetters();
        }

        private void drainToDeadLetters() {
            M m;
            while ((m = queue.poll()) != null) {
                deadLetter(m, DeadLetter.Reason.RECIPIENT_STOPPED);
            }
        }
    }

    /** Gives a worker its handle, on the worker's thread, first thing. */
    private record Attach(Object handle) {}
}
