package io.troupe.actors.sync;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.Signal;
import io.troupe.actors.SpawnOptions;
import io.troupe.actors.Terminated;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * A counting semaphore in message form (what {@code tokio::sync::Semaphore} is to Tokio): an
 * actor asks for a permit and is sent a {@link Permit} when one is free, first come first
 * served; it gives it back with {@link Permit#release()}, or by stopping, so a holder that
 * crashes never leaks a permit. Backed by one actor under {@code /system}; every method may be
 * called from any thread.
 *
 * <pre>{@code
 * Permits db = Permits.create(system, "db-connections", 8);
 * db.acquire(self(), Granted::new);            // in a handler; Granted(Permit) is in the protocol
 * // on Granted g: ... then g.permit().release();
 * }</pre>
 */
public final class Permits {
    /*
     * Threading protocol: acquire() tells the permits actor, which owns the count, the queue of
     * waiters and the permits held, on its own thread. Permit.release() marks the permit (CAS,
     * any thread, so a second release is an error at once) and tells the actor.
     * Invariants. available + (permits in `held`) == count at all times, so the count is never
     * exceeded. A permit leaves `held` exactly once: by its Release, or when its holder stops,
     * whichever the actor handles first (the other then finds it gone and does nothing).
     * Every holder and waiter is watched from its first Acquire; its Terminated drops its
     * waits and frees its permits.
     * Shutdown: the actor stops with /system when the system closes; waits are then never
     * answered.
     * References: tokio::sync::Semaphore (fair FIFO acquire); Erlang's monitor-based resource
     * pools (a holder's death frees its resource).
     */

    private final String name;
    private final int count;
    private final ActorRef<Command> actor;

    private Permits(ActorSystem system, String name, int count) {
        this.name = name;
        this.count = count;
        this.actor = system.spawnSystemActor(() -> new Keeper(count), SpawnOptions.named("troupe-permits-" + name));
    }

    /**
     * A semaphore of {@code system} with {@code count} permits. Any thread; spawns an actor.
     *
     * @param system the actor system
     * @param name the semaphore's name, part of its actor's name
     * @param count the number of permits; positive
     * @return the new semaphore
     * @throws IllegalArgumentException if {@code count} is not positive, or the name is not a
     *     valid actor name or is taken by another semaphore of the system
     */
    public static Permits create(ActorSystem system, String name, int count) {
        Objects.requireNonNull(system, "system");
        Objects.requireNonNull(name, "name");
        if (count <= 0) {
            throw new IllegalArgumentException("permit count must be positive, was " + count);
        }
        return new Permits(system, name, count);
    }

    /**
     * The semaphore's name.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * How many permits there are in all.
     *
     * @return the number of permits
     */
    public int count() {
        return count;
    }

    /**
     * Asks for a permit for {@code holder}: when one is free, {@code holder} is sent
     * {@code onGranted(permit)}. Waiters are served in the order their requests reached the
     * semaphore. The permit is held until released or until {@code holder} stops. Any thread.
     *
     * @param <M> the holder's protocol
     * @param holder the actor that will hold the permit
     * @param onGranted turns the permit into the holder's message
     */
    public <M> void acquire(ActorRef<M> holder, Function<? super Permit, ? extends M> onGranted) {
        Objects.requireNonNull(holder, "holder");
        Objects.requireNonNull(onGranted, "onGranted");
        actor.tell(new Acquire(holder, onGranted));
    }

    /**
     * The number of free permits, as the semaphore sees it when it answers. Any thread.
     *
     * @param timeout how long to wait for the answer
     * @return completes with the number of free permits
     */
    public CompletionStage<Integer> available(Duration timeout) {
        return actor.ask(Available::new, timeout);
    }

    /** A permit held; give it back with {@link #release()}. Thread safe. */
    public static final class Permit {
        private final ActorRef<Command> keeper;
        private final long id;
        private final ActorRef<?> holder;
        private volatile int released;

        private Permit(ActorRef<Command> keeper, long id, ActorRef<?> holder) {
            this.keeper = keeper;
            this.id = id;
            this.holder = holder;
        }

        /**
         * The actor holding it.
         *
         * @return the holder
         */
        public ActorRef<?> holder() {
            return holder;
        }

        /**
         * Gives the permit back; the next waiter gets it. Any thread.
         *
         * @throws IllegalStateException if it was already released, or freed because its holder stopped
         */
        public void release() {
            if (!RELEASED.compareAndSet(this, 0, 1)) {
                throw new IllegalStateException("permit " + id + " of " + holder.path() + " was already released");
            }
            keeper.tell(new Release(this));
        }

        @Override
        public String toString() {
            return "Permit(" + id + ", " + holder.path() + (released != 0 ? ", released" : "") + ")";
        }

        private static final VarHandle RELEASED;

        static {
            try {
                RELEASED = MethodHandles.lookup().findVarHandle(Permit.class, "released", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }

    private sealed interface Command {}

    private record Acquire(ActorRef<?> holder, Function<? super Permit, ?> onGranted) implements Command {}

    private record Release(Permit permit) implements Command {}

    private record Available(ActorRef<Integer> replyTo) implements Command {}

    /** The semaphore's state; an actor, so not thread safe. */
    private static final class Keeper extends Actor<Command> {
        private int available;
        private long ids;
        private final ArrayDeque<Acquire> waiters = new ArrayDeque<>();
        private final Map<ActorRef<?>, Set<Permit>> held = new HashMap<>();
        private final Set<ActorRef<?>> watched = new HashSet<>();

        Keeper(int count) {
            this.available = count;
        }

        @Override
        protected void receive(Command c) {
            if (c instanceof Acquire a) {
                if (watched.add(a.holder())) {
                    try {
                        context().watch(a.holder());
                    } catch (IllegalArgumentException e) {
                        watched.remove(a.holder());
                        context().log().log(System.Logger.Level.WARNING, "permits: " + a.holder()
                                + " cannot hold a permit: " + e.getMessage());
                        return;
                    }
                }
                waiters.add(a);
                grant();
            } else if (c instanceof Release r) {
                final Set<Permit> ps = held.get(r.permit().holder);
                if (ps != null && ps.remove(r.permit())) {
                    available++;
                    grant();
                }
            } else if (c instanceof Available q) {
                q.replyTo().tell(available);
            }
        }

        @Override
        protected void onSignal(Signal signal) {
            if (signal instanceof Terminated t && watched.remove(t.ref())) {
                waiters.removeIf(a -> a.holder().equals(t.ref()));
                final Set<Permit> ps = held.remove(t.ref());
                if (ps != null) {
                    for (Permit p : ps) {
                        p.released = 1; // a later release() by another thread is an error, not a second give-back
                        available++;
                    }
                    grant();
                }
            }
        }

        @SuppressWarnings("unchecked")
        private void grant() {
            for (Iterator<Acquire> it = waiters.iterator(); available > 0 && it.hasNext(); ) {
                final Acquire a = it.next();
                it.remove();
                final Permit p = new Permit((ActorRef<Command>) context().self(), ++ids, a.holder());
                final Object message;
                try {
                    message = ((Function<Permit, ?>) a.onGranted()).apply(p);
                } catch (VirtualMachineError e) {
                    throw e;
                } catch (Throwable userFailure) {
                    context().log().log(System.Logger.Level.WARNING, "permits: onGranted of " + a.holder().path()
                            + " threw; its request is dropped", userFailure);
                    continue;
                }
                held.computeIfAbsent(a.holder(), h -> new HashSet<>(2)).add(p);
                available--;
                // send, not tell: a full mailbox must not lose a grant; if the holder stops first,
                // its Terminated frees the permit.
                ((ActorRef<Object>) a.holder()).send(message);
            }
        }
    }
}
