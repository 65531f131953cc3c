package io.troupe.io.internal;

import io.troupe.actors.ActorRef;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;

/**
 * One channel's membership in a {@link Reactor}: the interest its owner actor has armed, and
 * the actor that readiness is told to. Created by the owner, handed to the reactor with
 * {@link Reactor#register}.
 *
 * <p>Interest is one-shot, as with {@code EPOLLONESHOT}: the owner {@link #arm arms} an
 * operation, the reactor disarms it when it fires and tells the owner a {@link Readiness}
 * message; the owner performs the I/O on its own thread and arms again if it wants more. So
 * there is at most one readiness message per armed operation in flight, and a busy channel
 * never floods its owner's mailbox.
 */
public final class Registration {
    /*
     * Threading protocol. The owner actor (one thread at a time) calls arm/disarm/close. The
     * reactor thread calls the on* methods and alone touches `key`. `armed` is the single
     * source of truth for what the owner wants, updated by CAS from both sides: the owner sets
     * bits, the reactor clears the bits that fired. The reactor copies `armed` into the
     * selection key's interest set, so the key may lag `armed` until the reactor runs the
     * update command.
     *
     * Invariants.
     *  1. An operation bit is cleared from `armed` by exactly the reactor pass that reports it,
     *     so each arm produces at most one Readiness message.
     *  2. At most one update command per registration is in the reactor's queue (`queued`);
     *     the reactor resets `queued` before it reads `armed`, so the latest arm is never lost.
     *  3. After close() no Readiness message is sent.
     *
     * Memory ordering. `armed`, `queued` and `closed` are accessed with volatile semantics.
     * The owner writes `armed` then CASes `queued`; the reactor writes `queued` = 0 then reads
     * `armed`. Either the owner's CAS succeeds (a command is queued and will read the new
     * `armed`) or it sees 1, which precedes the reactor's reset in the total order, so the
     * reactor's later read of `armed` sees the owner's write (Dekker).
     *
     * Shutdown. close() marks the registration; the reactor cancels the key and closes the
     * channel on its own thread, so the file descriptor is released by the reactor's next
     * selection (the JDK defers the close of a registered channel until its key is flushed).
     *
     * References. Linux epoll(7) EPOLLONESHOT; Pekko IO's SelectionHandler (interest re-armed
     * by the channel actor after each ChannelReadable).
     */

    final SelectableChannel channel;
    final ActorRef<Object> owner;
    /** Reactor thread only. */
    SelectionKey key;
    private volatile int armed;
    private volatile int queued;
    private volatile boolean closed;
    private final Reactor reactor;

    Registration(Reactor reactor, SelectableChannel channel, ActorRef<Object> owner, int initialOps) {
        this.reactor = reactor;
        this.channel = channel;
        this.owner = owner;
        this.armed = initialOps;
        this.queued = 1; // the reactor's register command is the first update
    }

    /**
     * Arms {@code ops} ({@link SelectionKey} bits): the owner will get one {@link Readiness}
     * message when one of them is ready. Owner thread; lock-free; wakes the reactor only if it
     * is blocked in select and no update is pending already.
     */
    public void arm(int ops) {
        int cur;
        do {
            cur = armed;
            if ((cur & ops) == ops) {
                return; // already armed: nothing to tell the reactor
            }
        } while (!ARMED.compareAndSet(this, cur, cur | ops));
        requestUpdate();
    }

    /** Disarms {@code ops}; a readiness message already sent may still arrive. Owner thread. */
    public void disarm(int ops) {
        int cur;
        do {
            cur = armed;
            if ((cur & ops) == 0) {
                return;
            }
        } while (!ARMED.compareAndSet(this, cur, cur & ~ops));
        requestUpdate();
    }

    /** Whether any of {@code ops} is armed. Any thread; a snapshot. */
    public boolean isArmed(int ops) {
        return (armed & ops) != 0;
    }

    /**
     * Closes the channel on the reactor thread (cancelling its key) and then, once the
     * reactor's next selection released the file descriptor, runs {@code then} on the reactor
     * thread ({@code then} must only tell). Idempotent; owner thread.
     */
    public void close(Runnable then) {
        if (closed) {
            return;
        }
        closed = true;
        reactor.submitClose(this, then);
    }

    /** Whether {@link #close} was called. */
    public boolean isClosed() {
        return closed;
    }

    private void requestUpdate() {
        if (queued == 0 && QUEUED.compareAndSet(this, 0, 1)) {
            reactor.submitUpdate(this);
        }
    }

    // ------------------------------------------------------------ reactor thread

    /** Reactor thread: copies the armed set into the key. */
    void onUpdate() {
        QUEUED.setVolatile(this, 0);
        final SelectionKey k = key;
        if (k != null && k.isValid() && !closed) {
            k.interestOps(armed);
        }
    }

    /** Reactor thread: the key is ready; disarm what fired and return it (0 if nothing was armed). */
    int onReady(int readyOps) {
        int cur;
        int fired;
        do {
            cur = armed;
            fired = cur & readyOps;
        } while (fired != 0 && !ARMED.compareAndSet(this, cur, cur & ~fired));
        key.interestOps(cur & ~fired);
        return closed ? 0 : fired;
    }

    private static final VarHandle ARMED;
    private static final VarHandle QUEUED;

    static {
        try {
            final MethodHandles.Lookup l = MethodHandles.lookup();
            ARMED = l.findVarHandle(Registration.class, "armed", int.class);
            QUEUED = l.findVarHandle(Registration.class, "queued", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
