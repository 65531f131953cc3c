package io.troupe.actors.sync;

import io.troupe.actors.ActorRef;
import io.troupe.actors.Actor;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.SpawnOptions;
import io.troupe.actors.internal.ActivationProbe;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * A broadcast channel (what {@code tokio::sync::broadcast} is to Tokio, Pekko's {@code Topic}):
 * every message published reaches every actor subscribed at the time, in publish order, or the
 * subscriber learns exactly how many it missed.
 *
 * <p>The topic keeps the last {@code bound} messages in one ring shared by all subscribers; it
 * holds nothing per subscriber but a cursor. Each subscriber's messages are put into its
 * mailbox as long as the mailbox has room; while it has none, the subscriber falls behind. One
 * that falls more than {@code bound} messages behind the newest does not make the topic buffer
 * more: the messages it missed are counted, and it receives one {@link Lagged} with the exact
 * count (mapped by its {@code onLagged} function) before the oldest message still in the ring,
 * and goes on from there. A subscriber that stops is removed (the topic watches it).
 *
 * <p>Any thread may publish, from outside the system or from inside a handler; messages of one
 * publisher reach each subscriber in the order published. Publishing costs one small object, a
 * short lock (taking a sequence number), and per subscriber one {@code offer} into its mailbox
 * plus two atomic increments per batch. A handler that publishes does that work itself; a
 * thread outside the system only tells the topic's deliverer actors (one per core, up to four),
 * once for any number of publishes, and they do it on the dispatcher. So a subscriber of a
 * topic published from outside can lag because the deliverers fell behind the publisher, not
 * only because it is slow itself; either way the count is exact.
 *
 * <p>Memory consistency effects: actions of a thread before {@code publish(m)} happen-before a
 * subscriber handles {@code m}.
 *
 * <pre>{@code
 * Topic<Price> prices = Topic.named(system, "prices", Price.class, 1024);
 * prices.subscribe(self(), p -> p, lagged -> new Missed(lagged.missed()));  // in preStart
 * prices.publish(new Price("ACME", 42));                                    // anywhere
 * }</pre>
 *
 * @param <T> the type of message published
 */
public final class Topic<T> {
    /*
     * Implementation overview
     *
     * Threading protocol. publish() may run on any number of threads at once. Under a small
     * lock (a few stores, no user code, as tokio's broadcast tail mutex) it takes the sequence
     * number `tail`, stores an immutable Entry(seq, message) into slot seq % bound and moves
     * `tail` past it; then, outside the lock, it pumps every subscription: itself when it runs
     * on a dispatcher thread (a handler publishing), else through the topic's deliverer actors
     * (lanes, one per core up to 4, lane k owning subscriptions k, k + lanes, ...), which one
     * Pump message each (a flag per lane keeps at most one pass starting) wakes for any number
     * of publishes; a deliverer pumps 64 subscriptions per message and sends itself the next
     * slice, so its turns stay short (a whole pass over 1,000 subscribers took over 100 ms in one turn and
     * tripped the slow-handler watchdog). Subscribers woken from a worker go to its local run queue; woken from an outside
     * thread, each would cost an injection and often a thread wake-up (Pekko's topic, an actor,
     * gets the former for free; measured in TopicFanOutBenchmark). A lock-free xadd
     * was tried first: a publisher preempted between taking its number and storing its entry
     * held every subscriber at that slot until the ring wrapped, so all 1,000 subscribers of
     * TopicStressTest lagged for one slow publisher; with the lock a slow publisher delays
     * other publishers instead, and lag means a slow subscriber, as users expect. A pump
     * is serialised per subscription by a work-in-progress counter (`wip`, the drain-loop
     * pattern of RxJava/Reactor): the thread that moves wip from 0 delivers, the others only
     * add to it and leave; the deliverer loops until it has taken everyone's increments. So at
     * most one thread at a time offers into a given subscriber's mailbox, in sequence order.
     *
     * A delivery is an offer into the subscriber's mailbox. When the offer fails (mailbox full,
     * or the actor stopped), the subscription parks: that one message goes with send(), which
     * waits for room without blocking, and delivery resumes when the send completes (or the
     * subscription closes if the send fails because the actor stopped).
     *
     * Invariants.
     *  1. For each subscription, every sequence number from its start on is either delivered
     *     (in order) or counted in exactly one Lagged, never both, never twice.
     *  2. Every sequence below `tail` has been stored (it may since have been overwritten).
     *  3. The topic holds at most `bound` entries; a subscription holds its cursor and at most
     *     one message in a pending send.
     *  4. A pump that stops because it caught up with `tail` loses nothing: the publisher that
     *     moves `tail` pumps every subscription afterwards, or, per lane, sees its flag 0 and
     *     sends a Pump, or sees 1, and then that lane's deliverer, which clears it before its
     *     pass, sees the new tail (Dekker: both the tail store and the flag store are volatile).
     *
     * Lag. At cursor c < tail, a slot holding seq > c means c was overwritten: seq >= c + bound.
     * Entries seq - bound + 1 .. seq were all stored (invariant 2), so the cursor jumps to the
     * oldest of them, or to tail - bound if a newer tail is seen; both are > c, and the jump
     * is the count.
     *
     * Memory ordering. Slots are read with acquire and written with release before `tail` is
     * released past them, so a reader that saw tail > c sees entry c (or a newer one) with its
     * message's fields as published. A subscription's
     * cursor is a plain field: the wip counter's atomic hand-off orders it between deliverers.
     *
     * Shutdown. A topic needs none: subscriptions close when their actor stops or on cancel().
     *
     * References. tokio::sync::broadcast (ring with per-receiver cursor, RecvError::Lagged);
     * Pekko's typed Topic (named topics, subscribers watched); the drain loop of Reactive
     * Streams implementations (wip counter).
     */

    /** How far a subscriber lagged: the number of messages it missed, at least one. */
    public record Lagged(long missed) {
        /**
         * Checks the count.
         *
         * @param missed the number of messages missed; positive
         * @throws IllegalArgumentException if {@code missed} is not positive
         */
        public Lagged {
            if (missed <= 0) {
                throw new IllegalArgumentException("missed must be positive, was " + missed);
            }
        }
    }

    private static final Sub<?, ?>[] NO_SUBS = new Sub<?, ?>[0];

    private final String name;
    private final Class<T> type;
    private final int bound;
    private final SyncSupport support;
    private final Object[] slots;
    /** Held only to take a sequence number and store the entry: a few stores, no user code. */
    private final Object publishLock = new Object();
    private volatile long tail;
    private volatile Sub<T, ?>[] subs;
    /** The deliverers, one per core up to MAX_LANES; lane k pumps the subscriptions at k, k + lanes, ... */
    private final Lane[] lanes;

    private Topic(SyncSupport support, String name, Class<T> type, int bound) {
        this.support = support;
        this.name = name;
        this.type = type;
        this.bound = bound;
        this.slots = new Object[bound];
        @SuppressWarnings("unchecked")
        final Sub<T, ?>[] none = (Sub<T, ?>[]) NO_SUBS;
        this.subs = none;
        this.lanes = new Lane[Math.max(1, Math.min(MAX_LANES, Runtime.getRuntime().availableProcessors()))];
        for (int k = 0; k < lanes.length; k++) {
            final Lane lane = new Lane(k, lanes.length);
            lane.ref = support.system().spawnSystemActor(() -> new Deliverer(this, lane), SpawnOptions.defaults());
            lanes[k] = lane;
        }
    }

    /**
     * A new, unnamed topic of {@code system} that keeps the last {@code bound} messages. Any
     * thread; allocates an array of {@code bound} references and spawns the topic's deliverer
     * actors under {@code /system} (one per core, up to four).
     *
     * @param <T> the message type
     * @param system the actor system
     * @param type the message type's class
     * @param bound how many messages the topic keeps; positive
     * @return the new topic
     * @throws IllegalStateException if the system is closed
     *
     * @throws IllegalArgumentException if {@code bound} is not positive
     */
    public static <T> Topic<T> create(ActorSystem system, Class<T> type, int bound) {
        Objects.requireNonNull(type, "type");
        return new Topic<>(SyncSupport.of(system), null, type, checkBound(bound));
    }

    /**
     * The topic of {@code system} named {@code name}: created by the first call, the same
     * object for every later call with the same name, type and bound. Any thread; takes a lock.
     *
     * @param <T> the message type
     * @param system the actor system
     * @param name the topic's name, non-empty
     * @param type the message type's class
     * @param bound how many messages the topic keeps; positive
     * @return the topic of that name
     * @throws IllegalArgumentException if the name is empty, {@code bound} is not positive, or
     *     a topic of that name exists with another type or bound
     */
    public static <T> Topic<T> named(ActorSystem system, String name, Class<T> type, int bound) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("topic name must not be empty");
        }
        checkBound(bound);
        final SyncSupport support = SyncSupport.of(system);
        final Object o = support.named("topic:" + name, k -> new Topic<>(support, name, type, bound));
        final Topic<?> t = (Topic<?>) o;
        if (t.type != type || t.bound != bound) {
            throw new IllegalArgumentException("topic '" + name + "' exists for " + t.type.getName() + " with bound "
                    + t.bound + "; asked for " + type.getName() + " with bound " + bound);
        }
        @SuppressWarnings("unchecked")
        final Topic<T> typed = (Topic<T>) t;
        return typed;
    }

    private static int checkBound(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("topic bound must be positive, was " + bound);
        }
        return bound;
    }

    /**
     * The topic's name, or {@code null} for one made by {@link #create}.
     *
     * @return the name, or {@code null}
     */
    public String name() {
        return name;
    }

    /**
     * The type of message published.
     *
     * @return the message type's class
     */
    public Class<T> type() {
        return type;
    }

    /**
     * How many messages the topic keeps for subscribers that fall behind.
     *
     * @return the bound
     */
    public int bound() {
        return bound;
    }

    /**
     * How many subscriptions are open. Any thread; a racy snapshot.
     *
     * @return the number of open subscriptions
     */
    public int subscriberCount() {
        return subs.length;
    }

    /**
     * How many messages have been published. Any thread.
     *
     * @return the number of messages published
     */
    public long published() {
        return tail;
    }

    /**
     * Publishes {@code message} to every current subscriber and returns; see the class comment
     * for the cost. Any thread, including a handler's.
     *
     * @param message the message; not null
     * @throws NullPointerException if {@code message} is null (nothing is published)
     * @throws ClassCastException if {@code message} is not a {@code T} (raw or unchecked use)
     */
    public void publish(T message) {
        Objects.requireNonNull(message, "message: a topic does not carry null");
        type.cast(message);
        synchronized (publishLock) {
            final long seq = tail;
            SLOTS.setRelease(slots, (int) (seq % bound), new Entry(seq, message));
            TAIL.setVolatile(this, seq + 1); // volatile: ordered before the reads of the lanes' flags below
        }
        if (ActivationProbe.current() != null) {
            pumpAll(); // on a dispatcher thread: the subscribers it wakes go to this worker's own queue
        } else {
            requestPump();
        }
    }

    /** Every subscription delivers what it can; runs on a dispatcher thread. */
    private void pumpAll() {
        for (Sub<T, ?> s : subs) {
            s.pump();
        }
    }

    /**
     * Rare-per-batch path for publishers outside the system: one Pump message to each lane's
     * deliverer for any number of publishes, so the fan-out runs on workers (in parallel, one
     * lane per core) and wakes subscribers through their local queues instead of one injection
     * (and maybe one thread wake-up) each.
     */
    private void requestPump() {
        for (Lane lane : lanes) {
            if (lane.requested == 0 && Lane.REQUESTED.compareAndSet(lane, 0, 1)) {
                lane.ref.tell(Pump.FIRST);
            }
        }
    }

    /** Most deliverers per topic. */
    private static final int MAX_LANES = 4;
    /** Subscriptions a deliverer pumps per message: a bounded turn, so it never holds a worker for long. */
    private static final int PUMP_SLICE = 64;

    /** One deliverer and its flag. */
    private static final class Lane {
        final int index;
        final int stride;
        /** 1 while a pass is requested and has not begun (its first Pump is on its way). */
        volatile int requested;
        io.troupe.actors.ActorRef<Pump> ref; // set once, before the topic is published

        Lane(int index, int stride) {
            this.index = index;
            this.stride = stride;
        }

        static final VarHandle REQUESTED;

        static {
            try {
                REQUESTED = MethodHandles.lookup().findVarHandle(Lane.class, "requested", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }

    /** Pump a pass's array from this index on (the lane's own indices); the first of a pass has no array yet. */
    private record Pump(Sub<?, ?>[] pass, int from) {
        static final Pump FIRST = new Pump(null, -1);
    }

    /**
     * Runs one lane's pumps for publishers outside the system, PUMP_SLICE subscriptions per
     * message. A pass works on the array as it was when the pass began, so a subscription
     * removed meanwhile cannot shift another out of the pass. An actor: not thread safe.
     */
    private static final class Deliverer extends Actor<Pump> {
        private final Topic<?> topic;
        private final Lane lane;

        Deliverer(Topic<?> topic, Lane lane) {
            this.topic = topic;
            this.lane = lane;
        }

        @Override
        protected void receive(Pump message) {
            Sub<?, ?>[] pass = message.pass();
            int i = message.from();
            if (pass == null) {
                lane.requested = 0; // volatile: before reading tail in the pumps (see publish)
                pass = topic.subs;
                i = lane.index;
            }
            for (int n = 0; n < PUMP_SLICE && i < pass.length; n++, i += lane.stride) {
                pass[i].pump();
            }
            if (i < pass.length) {
                self().tell(new Pump(pass, i)); // yield between slices
            }
        }
    }

    /**
     * Subscribes {@code subscriber}: it receives {@code onItem(m)} for each message {@code m}
     * published from now on, and {@code onLagged(Lagged)} when it fell behind by more than
     * {@link #bound()} (see the class comment). The subscription ends when the actor stops.
     * Any thread; cost: a small object, a copy of the subscriber array, a watch.
     *
     * <p>With a protocol that has the topic's type among its messages, {@code onItem} is
     * {@code m -> m} and costs nothing per message.
     *
     * @param <M> the subscriber's protocol
     * @param subscriber the actor that receives the messages
     * @param onItem turns a message into the subscriber's message
     * @param onLagged turns a lag notice into the subscriber's message
     * @return the subscription
     * @throws IllegalArgumentException if {@code subscriber} is not an actor of this runtime
     *     (the watch then fails; the subscription is closed)
     */
    public <M> Subscription subscribe(ActorRef<M> subscriber, Function<? super T, ? extends M> onItem,
                                      Function<? super Lagged, ? extends M> onLagged) {
        Objects.requireNonNull(subscriber, "subscriber");
        Objects.requireNonNull(onItem, "onItem");
        Objects.requireNonNull(onLagged, "onLagged");
        final Sub<T, M> s = new Sub<>(this, subscriber, onItem, onLagged);
        synchronized (this) {
            s.cursor = tail; // every message published after the subscriber array below is visible
            final Sub<T, ?>[] old = subs;
            final Sub<T, ?>[] next = Arrays.copyOf(old, old.length + 1);
            next[old.length] = s;
            subs = next;
        }
        s.watch = support.watch(subscriber, s::onStopped);
        s.pump(); // a publisher that read the array before ours was installed may have missed s
        return s;
    }

    private synchronized void remove(Sub<T, ?> s) {
        final Sub<T, ?>[] old = subs;
        for (int i = 0; i < old.length; i++) {
            if (old[i] == s) {
                @SuppressWarnings("unchecked")
                final Sub<T, ?>[] next = (Sub<T, ?>[]) new Sub<?, ?>[old.length - 1];
                System.arraycopy(old, 0, next, 0, i);
                System.arraycopy(old, i + 1, next, i, old.length - i - 1);
                subs = next;
                return;
            }
        }
    }

    private Entry load(long seq) {
        return (Entry) SLOTS.getAcquire(slots, (int) (seq % bound));
    }

    @Override
    public String toString() {
        return "Topic(" + (name == null ? "unnamed" : name) + ", " + type.getSimpleName() + ", bound " + bound + ")";
    }

    /** One published message and its sequence number. Immutable. */
    private record Entry(long seq, Object message) {}

    /** One subscriber's cursor and delivery state. */
    private static final class Sub<T, M> implements Subscription {
        final Topic<T> topic;
        final ActorRef<M> ref;
        final Function<? super T, ? extends M> onItem;
        final Function<? super Lagged, ? extends M> onLagged;
        /** Next sequence to deliver; read and written only by the thread that owns the drain (wip). */
        long cursor;
        /** True while one message waits in a send for room; owned like the cursor, cleared by the send's completion. */
        volatile boolean parked;
        volatile boolean closed;
        volatile int wip;
        volatile AutoCloseable watch;

        Sub(Topic<T> topic, ActorRef<M> ref, Function<? super T, ? extends M> onItem,
            Function<? super Lagged, ? extends M> onLagged) {
            this.topic = topic;
            this.ref = ref;
            this.onItem = onItem;
            this.onLagged = onLagged;
        }

        void pump() {
            if ((int) WIP.getAndAdd(this, 1) != 0) {
                return; // the thread delivering now will see our increment and go round again
            }
            int missed = 1;
            for (;;) {
                if (!closed && !parked) {
                    drain();
                }
                missed = (int) WIP.getAndAdd(this, -missed) - missed;
                if (missed == 0) {
                    return;
                }
            }
        }

        /** Delivers from the cursor up to the newest written entry, or until a mailbox is full. */
        private void drain() {
            final Topic<T> t = topic;
            long c = cursor;
            try {
                // One volatile read of tail (and of closed) per batch, not per message: a batch
                // holds only messages published before it was read, so a cancel() that comes
                // during it still stops everything published after the call.
                long limit;
                while (!closed && c < (limit = t.tail)) {
                    while (c < limit) {
                        final Entry e = t.load(c);
                        // tail > c and entries are stored before tail moves past them: the slot holds c or newer
                        final M message;
                        if (e.seq == c) {
                            @SuppressWarnings("unchecked")
                            final T item = (T) e.message;
                            message = onItem.apply(item);
                            c++;
                        } else {
                            final long next = Math.max(e.seq - t.bound + 1, t.tail - t.bound); // > c: see "Lag"
                            message = onLagged.apply(new Lagged(next - c));
                            c = next;
                        }
                        if (!ref.offer(message)) {
                            park(message);
                            return;
                        }
                    }
                }
            } catch (VirtualMachineError err) {
                throw err;
            } catch (Throwable userFailure) {
                // onItem or onLagged threw: the subscriber's own code; end its subscription rather
                // than fail the publisher.
                System.getLogger("io.troupe.actors.sync.Topic").log(System.Logger.Level.WARNING,
                        "subscription of " + ref.path() + " to " + t + " ended: its mapping threw", userFailure);
                cancel();
            } finally {
                cursor = c;
            }
        }

        /** Rare path (mailbox full or actor stopped): wait for room without blocking. */
        private void park(M message) {
            parked = true;
            final CompletionStage<Void> sent = ref.send(message);
            sent.whenComplete((ok, failure) -> {
                if (failure != null) {
                    cancel(); // the actor stopped: the message went to dead letters
                    return;
                }
                parked = false;
                pump();
            });
        }

        /** The watch saw the actor stop: leave the topic (the watcher has already forgotten the watch). */
        void onStopped() {
            if (!closed) {
                topic.remove(this); // removed before closed reads true: isClosed() implies gone
                closed = true;
            }
        }

        @Override
        public void cancel() {
            if (closed) {
                return;
            }
            topic.remove(this); // removed before closed reads true: isClosed() implies gone
            closed = true;
            final AutoCloseable w = watch;
            if (w != null) {
                try {
                    w.close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        }

        @Override
        public boolean isClosed() {
            return closed;
        }

        private static final VarHandle WIP;

        static {
            try {
                WIP = MethodHandles.lookup().findVarHandle(Sub.class, "wip", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }

    private static final VarHandle TAIL;
    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(Object[].class);

    static {
        try {
            TAIL = MethodHandles.lookup().findVarHandle(Topic.class, "tail", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
