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
 *
 * <p>The one-shot is kept in software ({@code armed}); what the selector's key asks the kernel
 * for ({@code kernelOps}) may lag behind. On a reactor driven by workers the key keeps an
 * operation that fired (lazy disarm): the owner runs on the polling worker right after the poll,
 * reads until the socket is drained and re-arms before the next poll, so a request costs no
 * {@code epoll_ctl} at all. An operation that fired and was not re-armed yet (its owner is
 * queued on a worker) is left in the key by a non-blocking poll; only a blocking poll (an idle
 * worker, which would otherwise wake at once for it, again and again) or an operation the owner
 * disarmed takes it out of the key. A reactor with
 * a thread of its own disarms the key at once, as before (its owner runs on another thread, so
 * the next select would find the operation still ready).
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
     *  1a. An armed operation is in the key's interest set, or an update command is queued
     *     that will put it there: arm() reads `kernelOps` after setting `armed`, and the reactor
     *     re-reads `armed` after lowering `kernelOps` (Dekker), so a re-arm racing a disarm of
     *     the key is never lost.
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
    /**
     * The armed operations (low byte) and, shifted by FIRED_SHIFT, those that fired and whose
     * owner has not armed or disarmed them since.
     */
    private volatile int armed;
    private static final int FIRED_SHIFT = 8;
    private static final int OPS_MASK = (1 << FIRED_SHIFT) - 1;
    private volatile int queued;
    /** The key's interest set as the reactor last set it (written by the reactor only). */
    private volatile int kernelOps;
    /** Keep fired operations in the key (worker-driven reactors); see the class comment. */
    private final boolean lazyDisarm;
    private volatile boolean closed;
    private final Reactor reactor;

    Registration(Reactor reactor, SelectableChannel channel, ActorRef<Object> owner, int initialOps) {
        this.reactor = reactor;
        this.channel = channel;
        this.owner = owner;
        this.armed = initialOps;
        this.queued = 1; // the reactor's register command is the first update
        this.lazyDisarm = reactor.isDrivenByWorkers();
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
        } while (!ARMED.compareAndSet(this, cur, (cur | ops) & ~(ops << FIRED_SHIFT)));
        if ((kernelOps & ops) != ops) { // read after the CAS: the Dekker pair with dropFromKey
            requestUpdate();
        }
    }

    /** Disarms {@code ops}; a readiness message already sent may still arrive. Owner thread. */
    public void disarm(int ops) {
        int cur;
        do {
            cur = armed;
            if ((cur & (ops | ops << FIRED_SHIFT)) == 0) {
                return;
            }
        } while (!ARMED.compareAndSet(this, cur, cur & ~(ops | ops << FIRED_SHIFT)));
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
            final int ops = armed & OPS_MASK;
            kernelOps = ops;
            k.interestOps(ops);
        }
    }

    /**
     * Reactor thread: the key is ready; disarm what fired and return it (0 if nothing was
     * armed). Ready operations nobody armed leave the key, except, on a non-blocking poll of a
     * worker-driven reactor, those still in their owner's hands; fired ones leave it too unless
     * lazyDisarm.
     */
    int onReady(int readyOps, boolean blockingPoll) {
        int cur;
        int fired;
        do {
            cur = armed;
            fired = cur & readyOps;
        } while (fired != 0 && !ARMED.compareAndSet(this, cur, (cur & ~fired) | (fired << FIRED_SHIFT)));
        final int inOwnersHands = lazyDisarm && !blockingPoll ? cur >>> FIRED_SHIFT : 0;
        final int unwanted = readyOps & ~cur & ~inOwnersHands; // ready, not armed: not wanted now
        final int drop = lazyDisarm ? unwanted : unwanted | fired;
        if ((kernelOps & drop) != 0) {
            dropFromKey(drop);
        }
        return closed ? 0 : fired;
    }

    /** Reactor thread: takes {@code drop} out of the key, unless the owner armed it meanwhile. */
    private void dropFromKey(int drop) {
        final int lowered = kernelOps & ~drop;
        kernelOps = lowered;
        final int keep = lowered | (armed & drop & OPS_MASK); // read after lowering: the Dekker pair with arm()
        kernelOps = keep;
        key.interestOps(keep);
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
