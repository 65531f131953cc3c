package io.troupe.actors.sync;

import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Function;

/**
 * A cell holding the newest value (what {@code tokio::sync::watch} is to Tokio): any thread
 * sets and reads it, and subscribed actors are told it {@link Changed changed}, receiving only
 * the newest value when they get to it, never a queue of stale ones.
 *
 * <p>A subscriber has at most one {@link Changed} notice in its mailbox or in hand. Calling
 * {@link Changed#value()} while handling it reads the newest value and re-arms the subscription:
 * the next {@link #set} (or one that came meanwhile) sends the next notice. A subscriber that
 * never reads the value gets no further notice. A subscriber is told once at once on subscribing,
 * and its subscription ends when it stops.
 *
 * <p>Memory consistency effects: actions of a thread before {@code set(v)} happen-before any
 * thread reads {@code v} through {@link #get()} or {@link Changed#value()}.
 *
 * <pre>{@code
 * LatestValue<Config> config = LatestValue.create(system, Config.defaults());
 * config.subscribe(self(), changed -> changed);        // in preStart; Changed is in the protocol
 * // in receive: if (msg instanceof LatestValue.Changed<?> c) apply((Config) c.value());
 * config.set(newConfig);                              // anywhere
 * }</pre>
 *
 * @param <T> the type of the value
 */
public final class LatestValue<T> {
    /*
     * Implementation overview
     *
     * Threading protocol. set() swaps in an immutable Versioned(value, version + 1) by CAS (any
     * number of setters), then offers a notice to every subscription that is armed. A
     * subscription is armed (1) when its subscriber may be told; the thread that moves it to 0
     * by CAS sends the one notice. The subscriber re-arms it in Changed.value(), after reading
     * the newest value, and then checks the version again: a set() that came between the read
     * and the re-arming found the subscription unarmed and sent nothing, so the subscriber
     * sends itself that notice (the lost-wake-up check of every park/unpark protocol).
     *
     * Invariants. At most one notice per subscription is outstanding. After the last set(),
     * every live subscriber gets a notice whose value() returns that last value (or it had
     * already read it).
     *
     * Memory ordering. `current` is volatile (CAS); `armed` and `seen` are volatile.
     *
     * Shutdown. None: subscriptions end when their actor stops (watch) or on cancel().
     *
     * References. tokio::sync::watch (version counter, changed(), borrow_and_update()).
     */

    /**
     * The notice that a cell changed; one object per subscription, delivered again each time.
     * Only the subscriber's thread may call {@link #value()}.
     *
     * @param <T> the type of the value
     */
    public static final class Changed<T> implements Subscription {
        private final LatestValue<T> cell;
        private final Function<? super Changed<T>, ?> adapt;
        private final ActorRef<Object> ref;
        private volatile int armed;
        private volatile long seen = -1;
        private volatile boolean closed;
        private volatile AutoCloseable watch;

        @SuppressWarnings("unchecked")
        private Changed(LatestValue<T> cell, ActorRef<?> ref, Function<? super Changed<T>, ?> adapt) {
            this.cell = cell;
            this.ref = (ActorRef<Object>) ref;
            this.adapt = adapt;
        }

        /**
         * The newest value, and re-arms the subscription: the next change sends this notice
         * again. Call it while handling the notice. Cost: two volatile reads and a write.
         *
         * @return the newest value
         */
        public T value() {
            final Versioned<T> now = cell.current;
            seen = now.version;
            armed = 1;
            if (cell.current.version != now.version) {
                notifyIfArmed(); // a set() between our read and re-arming saw us unarmed
            }
            return now.value;
        }

        /**
         * The version of the value last read through {@link #value()} (-1 before the first).
         *
         * @return the version last read, or -1
         */
        public long seenVersion() {
            return seen;
        }

        /**
         * The cell this notice is about.
         *
         * @return the cell
         */
        public LatestValue<T> cell() {
            return cell;
        }

        /** The watch saw the actor stop: leave the cell (the watcher has already forgotten the watch). */
        void onStopped() {
            if (!closed) {
                cell.remove(this); // removed before closed reads true: isClosed() implies gone
                closed = true;
            }
        }

        @Override
        public void cancel() {
            if (closed) {
                return;
            }
            cell.remove(this); // removed before closed reads true: isClosed() implies gone
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

        void notifyIfArmed() {
            if (closed || armed == 0 || !ARMED.compareAndSet(this, 1, 0)) {
                return;
            }
            final Object message;
            try {
                message = adapt.apply(this);
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable userFailure) {
                System.getLogger("io.troupe.actors.sync.LatestValue").log(System.Logger.Level.WARNING,
                        "subscription of " + ref.path() + " ended: its mapping threw", userFailure);
                cancel();
                return;
            }
            if (!ref.offer(message)) {
                ref.send(message).whenComplete((ok, failure) -> {
                    if (failure != null) {
                        cancel(); // the actor stopped
                    }
                });
            }
        }

        @Override
        public String toString() {
            return "Changed(" + ref.path() + ", seen " + seen + ")";
        }

        private static final VarHandle ARMED;

        static {
            try {
                ARMED = MethodHandles.lookup().findVarHandle(Changed.class, "armed", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }

    private record Versioned<T>(T value, long version) {}

    private static final Changed<?>[] NONE = new Changed<?>[0];

    private final SyncSupport support;
    private volatile Versioned<T> current;
    private volatile Changed<T>[] subs;

    @SuppressWarnings("unchecked")
    private LatestValue(SyncSupport support, T initial) {
        this.support = support;
        this.current = new Versioned<>(initial, 0);
        this.subs = (Changed<T>[]) NONE;
    }

    /**
     * A cell of {@code system} holding {@code initial} (version 0). Any thread.
     *
     * @param <T> the value type
     * @param system the actor system
     * @param initial the first value; not null
     * @return the new cell
     * @throws NullPointerException if {@code initial} is null
     */
    public static <T> LatestValue<T> create(ActorSystem system, T initial) {
        Objects.requireNonNull(initial, "initial: a cell does not hold null");
        return new LatestValue<>(SyncSupport.of(system), initial);
    }

    /**
     * The newest value. Any thread; one volatile read.
     *
     * @return the newest value
     */
    public T get() {
        return current.value;
    }

    /**
     * How many times the value was set. Any thread.
     *
     * @return the number of times the value was set
     */
    public long version() {
        return current.version;
    }

    /**
     * Replaces the value and tells every armed subscriber. Any thread; cost: one small object,
     * one CAS, and per subscriber a volatile read (plus one offer if it was armed).
     *
     * @param value the new value; not null
     * @throws NullPointerException if {@code value} is null (the value is unchanged)
     */
    public void set(T value) {
        Objects.requireNonNull(value, "value: a cell does not hold null");
        Versioned<T> cur;
        do {
            cur = current;
        } while (!CURRENT.compareAndSet(this, cur, new Versioned<>(value, cur.version + 1)));
        for (Changed<T> s : subs) {
            s.notifyIfArmed();
        }
    }

    /**
     * Subscribes {@code subscriber}: it receives {@code adapt(notice)} now and after each change
     * once it has read the value of the previous notice. Any thread; cost: a small object, a
     * copy of the subscriber array, a watch.
     *
     * @param <M> the subscriber's protocol
     * @param subscriber the actor to notify
     * @param adapt turns the notice into the subscriber's message
     * @return the notice object, which is also the subscription ({@link Changed#cancel()})
     */
    public <M> Changed<T> subscribe(ActorRef<M> subscriber, Function<? super Changed<T>, ? extends M> adapt) {
        Objects.requireNonNull(subscriber, "subscriber");
        Objects.requireNonNull(adapt, "adapt");
        final Changed<T> s = new Changed<>(this, subscriber, adapt);
        synchronized (this) {
            final Changed<T>[] next = Arrays.copyOf(subs, subs.length + 1);
            next[next.length - 1] = s;
            subs = next;
        }
        s.watch = support.watch(subscriber, s::onStopped);
        s.armed = 1;
        s.notifyIfArmed();
        return s;
    }

    /**
     * How many subscriptions are open. Any thread; a racy snapshot.
     *
     * @return the number of open subscriptions
     */
    public int subscriberCount() {
        return subs.length;
    }

    private synchronized void remove(Changed<T> s) {
        final Changed<T>[] old = subs;
        for (int i = 0; i < old.length; i++) {
            if (old[i] == s) {
                @SuppressWarnings("unchecked")
                final Changed<T>[] next = (Changed<T>[]) new Changed<?>[old.length - 1];
                System.arraycopy(old, 0, next, 0, i);
                System.arraycopy(old, i + 1, next, i, old.length - i - 1);
                subs = next;
                return;
            }
        }
    }

    private static final VarHandle CURRENT;

    static {
        try {
            CURRENT = MethodHandles.lookup().findVarHandle(LatestValue.class, "current", Versioned.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
