package io.troupe.mailbox;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import org.jctools.queues.unpadded.MpscLinkedUnpaddedQueue;

/**
 * A bounded multi-producer, single-consumer mailbox with an overflow policy, a lossless
 * waiting {@link #send}, and a separate system lane that is never dropped.
 *
 * <p>Any thread may call the producer methods ({@link #enqueue}, {@link #offer}, {@link #send},
 * {@link #enqueueSystem}). Only one thread at a time, the consumer, may call {@link #poll},
 * {@link #drain}, {@link #endTurn}, {@link #drainSystem} and {@link #close}; the consumer may
 * change from one turn to the next if the hand-over is ordered by a happens-before edge (an
 * actor runtime's scheduling provides it).
 *
 * <p>Capacity counts the messages waiting in the mailbox: a message's slot is given back when
 * the consumer takes it ({@link #poll}), not when the consumer has finished handling it.
 *
 * <p>Cost: an empty mailbox holds one small linked queue and no array sized to its capacity, so
 * a million idle mailboxes fit in a small heap. {@code enqueue} and {@code offer} take no lock
 * and allocate one queue node; {@code send} allocates a waiter only when the mailbox is full.
 *
 * <p>Order: messages of one producer come out in the order it enqueued them. Across producers
 * the order is that of their queue insertions, which can differ from the order in which their
 * slots were reserved: {@link #size()} and "full" count a slot from its reservation, a moment
 * before its message is in the queue (model-checked in {@code BoundedMailboxLincheckTest}).
 *
 * <p>Memory consistency effects: actions in a thread before it enqueues a message
 * <em>happen-before</em> the consumer's actions after it polls that message.
 *
 * <p>The mailbox also carries its consumer's scheduling state, in the same atomic word as the
 * slot count, so that one compare-and-set both reserves a slot and tells the producer whether it
 * must schedule the consumer: {@link #onSchedule()} runs exactly once per idle-to-scheduled
 * transition, and the consumer ends each turn with {@link #endTurn}.
 *
 * <p>Subclasses supply what happens around the queue: {@link #onSchedule()} (schedule the
 * consumer), {@link #onOverflow} and {@link #onClosed} (dead letters).
 *
 * @param <E> the type of user messages
 */
public abstract class BoundedMailbox<E> {
    /*
     * Implementation overview
     *
     * Threading protocol. Producers reserve a slot by CAS on `count` before they put the message
     * on `queue` (a JCTools MPSC linked queue, or a ConcurrentLinkedQueue under DROP_OLDEST,
     * where a producer must be able to remove the oldest element). `count` counts reservations
     * and `taken` the messages taken out, both as sequences modulo 2^30 (the producer and
     * consumer indices of a bounded ring, as in JCTools' array queues): waiting = count - taken.
     * A reservation CASes `count` if waiting < capacity; each poll advances `taken` with a plain
     * release store (no atomic on the producers' word), so the capacity bounds what waits and
     * an actor handling a batch can always send itself its next message (issue #18; releasing
     * once per batch let a self-driving actor of capacity <= its budget dead-letter its own
     * continuation). A full mailbox parks `send`s as Waiters in an MPSC queue; whoever holds the
     * waiters' transfer lock (any thread) moves them into the mailbox, in order, as slots free
     * up, and completes their stages after it has let the lock go.
     *
     * `count` also holds SCHEDULED: the reservation CAS sets it, and the producer that found it
     * clear (and only that one) calls onSchedule() once its message is in the queue. The
     * consumer clears it in endTurn(), only when no reserved slot is left (or when its owner
     * ignores user messages, e.g. while stopping).
     * States of the consumer (bit SCHEDULED of `count`):
     *   IDLE -> SCHEDULED   // a reservation or a system message found it clear (onSchedule)
     *   SCHEDULED -> IDLE   // endTurn: no slot left (or user messages not wanted)
     *
     * Invariants.
     *  - While the consumer wants user messages, waiting > 0 implies SCHEDULED: no message
     *    waits for a consumer nobody will schedule.
     *  - queue size <= waiting <= capacity: a slot is reserved before its message is enqueued
     *    and `taken` advances only after its message left the queue (poll, drop-oldest). Readers
     *    load `taken` before `count`; both only grow, so a racy waiting can only overestimate.
     *  - While sends wait, enqueue and offer see the mailbox as full: a waiting send is never
     *    overtaken by a later tell from the same sender.
     *  - Under MUTE_SENDER a tell that finds the mailbox full (or sends waiting) becomes a
     *    waiter with no stage (done == null) if the owner accepts it (onFullMuteSender), so
     *    held tells and waiting sends share one order.
     *  - Once CLOSED is set in `count` no reservation succeeds: every later message goes to
     *    onClosed, and close() drains every message reserved before it.
     *  - The system lane is a Treiber stack (LIFO); drainSystem reverses it to arrival order.
     *    After close it holds the SYSTEM_CLOSED sentinel and rejects pushes.
     *
     * Memory ordering. The JCTools queue publishes the element with release semantics and the
     * consumer reads it with acquire semantics. The CAS that clears SCHEDULED and the CAS that
     * sets it again order one turn of the consumer before the next (each turn happens-before the
     * next). System lane: a producer pushes (CAS), then reads SCHEDULED; the consumer clears
     * SCHEDULED (CAS), then re-reads the lane: a Dekker pair, so no system message is stranded. `count`, `waiters` and `systemHead` are accessed
     * as volatile (CAS, getAndAdd): producer "add waiter, then read count and taken" and
     * consumer "advance taken, full fence, then read waiters" form a Dekker pair, so no waiter is
     * stranded: the fence is endTurn's CAS, before the consumer stops looking; until then every
     * poll (also one that finds the queue empty) looks for waiters, so no fence per message.
     *
     * Shutdown. close() (consumer only) sets CLOSED, fails the waiting sends, hands every
     * queued message to onClosed and spins until in-flight reservations have landed (they are a
     * few instructions away from their offer). An onClosed that throws is contained: the drain
     * goes on and the first failure is logged once, so a close always finishes.
     *
     * References. JCTools MpscLinkedQueue (Vyukov's intrusive MPSC node queue); Tokio's
     * bounded mpsc channel (semaphore permits before the send); Pekko's Mailbox system queue.
     */

    /** Set in {@code count} once the mailbox is closed. */
    private static final int CLOSED = 0x8000_0000;
    /** Set in {@code count} while the consumer is scheduled or running. */
    private static final int SCHEDULED = 0x4000_0000;
    /** The low bits of {@code count}: reservations made, a sequence modulo 2^30. */
    private static final int COUNT_MASK = 0x3fff_ffff;
    /**
     * The largest capacity, 2^29 - 1 messages: half the sequence space, so that waiting =
     * reserved - taken never wraps. A mailbox of this capacity is what the actor runtime calls
     * unbounded: it is limited by the heap long before this count, and costs no more than a
     * small one while it is empty.
     */
    public static final int MAX_CAPACITY = COUNT_MASK >>> 1;

    /** Reserved, and the consumer was idle: the caller must call onSchedule() after offering. */
    private static final int WAKE = -1;
    /** Reserved; the consumer is already scheduled. */
    private static final int RESERVED = 0;
    private static final int FULL = 1;
    private static final int SHUT = 2;

    private static final System.Logger LOG = System.getLogger(BoundedMailbox.class.getName());
    private static final SystemMessage SYSTEM_CLOSED = new SystemMessage() {};
    private static final CompletionStage<Void> SENT = CompletedSend.INSTANCE;

    private final Queue<E> queue;
    private final int capacity;
    private final OverflowPolicy policy;
    /** Reservations made (a sequence modulo 2^30), with the CLOSED and SCHEDULED bits. */
    private volatile int count;
    /**
     * Messages taken out of the queue (a sequence modulo 2^30): by the consumer's polls, a plain
     * release store each, and under DROP_OLDEST by producers dropping the oldest (then every
     * writer adds atomically). Waiting messages = reserved - taken.
     */
    private volatile int taken;
    private final boolean dropOldest;
    /** Created on the first send that finds the mailbox full. */
    private volatile Waiters<E> waiters;
    /** Top of the system lane's Treiber stack, or SYSTEM_CLOSED. */
    private volatile SystemMessage systemHead;

    /**
     * Creates an empty mailbox.
     *
     * @param capacity the most user messages it holds at once; must be positive
     * @param policy what {@link #enqueue} does when the mailbox is full
     */
    protected BoundedMailbox(int capacity, OverflowPolicy policy) {
        if (capacity <= 0 || capacity > MAX_CAPACITY) {
            throw new IllegalArgumentException("mailbox capacity must be within 1.." + MAX_CAPACITY + ", was " + capacity);
        }
        this.policy = Objects.requireNonNull(policy, "policy");
        this.capacity = capacity;
        this.dropOldest = policy == OverflowPolicy.DROP_OLDEST;
        this.queue = dropOldest ? new ConcurrentLinkedQueue<>() : new MpscLinkedUnpaddedQueue<>();
    }

    // ---------------------------------------------------------------- hooks

    /**
     * Called on a producer's thread when its enqueue (user or system message) found the consumer
     * idle and marked it scheduled: the owner must now run the consumer, which ends its turn with
     * {@link #endTurn}. Called exactly once per idle-to-scheduled transition; must not block.
     */
    protected abstract void onSchedule();

    /**
     * Called with a message the overflow policy dropped: the new one under
     * {@link OverflowPolicy#DEAD_LETTER}, the oldest under {@link OverflowPolicy#DROP_OLDEST}.
     *
     * @param dropped the message that did not fit (the new one, or the oldest under DROP_OLDEST)
     */
    protected abstract void onOverflow(E dropped);

    /**
     * Called with a message that arrived after, or was still queued at, {@link #close()}.
     *
     * @param undelivered a message that will never be consumed
     */
    protected abstract void onClosed(E undelivered);

    /**
     * Called under {@link OverflowPolicy#MUTE_SENDER} on the producer's thread when
     * {@code message} finds the mailbox full (or sends waiting): return {@code true} to have it
     * held as a waiting send (admitted in order as room frees up, or handed to
     * {@link #onClosed} if the mailbox closes first), then {@link #onHeldForSender} runs;
     * {@code false} to hand it to {@link #onOverflow}. Default: {@code false}. Must not block.
     *
     * @param message the message that found the mailbox full
     * @return {@code true} to hold it as a waiting send, {@code false} to treat it as an overflow
     */
    protected boolean onFullMuteSender(E message) {
        return false;
    }

    /**
     * Called on the producer's thread after a message was held under
     * {@link OverflowPolicy#MUTE_SENDER} (and moved in, if room had freed up meanwhile): the
     * owner slows the sender down here. Default: nothing. Must not block.
     */
    protected void onHeldForSender() {
    }

    /**
     * Moves held sends into the mailbox as far as there is room. Any thread; the consumer calls
     * it when it stops polling without ending its turn through {@link #endTurn} (a muted actor
     * parking), so that no held send waits for a poll that will not come.
     */
    protected final void admitHeldSends() {
        final Waiters<E> w = waiters;
        if (w != null && !w.queue.isEmpty()) {
            transferWaiters();
        }
    }

    /**
     * Called on the thread that enqueued a system message while the consumer was already
     * scheduled (no {@link #onSchedule()} for it). An owner that can hold a scheduled consumer
     * back (a muted actor) makes sure it runs. Default: nothing. Must not block.
     */
    protected void onSystemMessageWhileScheduled() {
    }

    /**
     * How many messages are held as waiting sends ({@link #send}, or tells held under
     * {@link OverflowPolicy#MUTE_SENDER}). Any thread; a snapshot that walks the waiters: for
     * diagnostics and tests, not for a hot path.
     *
     * @return the number of held sends at the time of the call
     */
    public final int heldSends() {
        final Waiters<E> w = waiters;
        return w == null ? 0 : w.queue.size();
    }

    /**
     * Whether any message is held as a waiting send. Any thread; O(1).
     *
     * @return {@code true} if at least one send is held
     */
    public final boolean hasHeldSends() {
        final Waiters<E> w = waiters;
        return w != null && !w.queue.isEmpty();
    }

    /**
     * The text used in exceptions to name this mailbox's owner.
     *
     * @return a short description for exception messages
     */
    protected String describe() {
        return "mailbox";
    }

    // ---------------------------------------------------------------- producers

    /**
     * Enqueues {@code message}, applying the overflow policy when the mailbox is full or sends
     * are waiting. Lock-free; allocates one queue node. Any thread.
     *
     * @param message the message
     * @return {@code true} if the message was enqueued; {@code false} if it went to
     *     {@link #onOverflow} or {@link #onClosed}
     * @throws MailboxFullException if full and the policy is {@link OverflowPolicy#FAIL_SENDER}
     */
    public final boolean enqueue(E message) {
        Objects.requireNonNull(message, "message");
        if (waiters == null) {
            final int r = tryReserve();
            if (r <= RESERVED) {
                queue.offer(message);
                if (r == WAKE) {
                    onSchedule();
                }
                return true;
            }
            return r == SHUT ? rejectClosed(message) : overflow(message);
        }
        return enqueueBehindWaiters(message);
    }

    /**
     * Enqueues {@code message} if there is room and no {@code send} is waiting. Lock-free; any
     * thread. Nothing happens to the message when this returns {@code false}: the caller still
     * owns it.
     *
     * @param message the message
     * @return {@code true} if enqueued; {@code false} if full, sends are waiting, or closed
     */
    public boolean offer(E message) { // not final: an actor wraps a traced message first (issue 15)
        Objects.requireNonNull(message, "message");
        final Waiters<E> w = waiters;
        if (w != null && !w.queue.isEmpty()) {
            return false;
        }
        final int r = tryReserve();
        if (r > RESERVED) {
            return false;
        }
        queue.offer(message);
        if (r == WAKE) {
            onSchedule();
        }
        return true;
    }

    /**
     * Enqueues {@code message}, waiting for room without blocking any thread. Any thread.
     *
     * <p>The stage completes normally once the message is in the mailbox; waiting sends enter in
     * the order they started waiting. It completes exceptionally with
     * {@link MailboxClosedException} if the mailbox closes first (the message then goes to
     * {@link #onClosed}). Dependent actions of the stage run on the thread that completes it,
     * often the consumer's: use the {@code *Async} variants for anything long.
     *
     * <p>Cost: lock-free; allocates nothing beyond the queue node when there is room (the
     * stage returned then is one shared, already completed future whose {@code isDone()} and
     * {@code toCompletableFuture()} answer without allocating, and which cannot be
     * re-completed), and one waiter and one future when there is not. The stages of waiting
     * sends are completed after the mailbox's internal lock is released.
     *
     * @param message the message
     * @return completes when the message is in the mailbox
     */
    public CompletionStage<Void> send(E message) { // not final: see offer
        Objects.requireNonNull(message, "message");
        final Waiters<E> w = waiters;
        if (w == null || w.queue.isEmpty()) {
            final int r = tryReserve();
            if (r <= RESERVED) {
                queue.offer(message);
                if (r == WAKE) {
                    onSchedule();
                }
                return SENT;
            }
            if (r == SHUT) {
                onClosed(message);
                return CompletableFuture.failedStage(closedException());
            }
        }
        return sendWaiting(message);
    }

    /**
     * Pushes a system message. Never blocks, never drops and ignores capacity. Any thread.
     *
     * @param message the system message
     * @return {@code true} if enqueued; {@code false} if the mailbox is closed (the caller then
     *     handles the message itself, e.g. answers a watch with "terminated")
     */
    public final boolean enqueueSystem(SystemMessage message) {
        Objects.requireNonNull(message, "message");
        for (;;) {
            final SystemMessage head = systemHead;
            if (head == SYSTEM_CLOSED) {
                return false;
            }
            message.next = head;
            if (SYSTEM_HEAD.compareAndSet(this, head, message)) {
                if (trySchedule()) {
                    onSchedule();
                } else {
                    onSystemMessageWhileScheduled();
                }
                return true;
            }
        }
    }

    // ---------------------------------------------------------------- consumer

    /**
     * Removes the oldest user message, or returns {@code null}, and gives its slot back at once:
     * the capacity bounds the messages waiting, not those taken and still being handled, so an
     * actor of capacity 1 can always send itself its next message. If sends are waiting, the
     * first of them moves into the freed slot before this returns. Consumer thread only.
     *
     * <p>Cost: one plain (release) store per message taken, no atomic read-modify-write on the
     * word the producers contend for (an atomic add under {@link OverflowPolicy#DROP_OLDEST}).
     *
     * @return the oldest user message, or {@code null} if none is queued
     */
    public final E poll() {
        final E e = queue.poll();
        if (e == null) {
            return pollEmpty();
        }
        countTaken();
        if (waiters != null) {
            transferWaiters();
        }
        return e;
    }

    /**
     * The queue looked empty: a send may have started waiting just as this consumer's last
     * `taken` store was on its way (no fence per poll), so look for waiters once more. No fence
     * is needed here: whichever of the two missed the other then, this later read sees the
     * waiter; endTurn fences (its CAS) before the consumer stops looking.
     */
    private E pollEmpty() {
        final Waiters<E> w = waiters;
        if (w == null || w.queue.isEmpty()) {
            return null;
        }
        transferWaiters();
        final E e = queue.poll();
        if (e != null) {
            countTaken();
        }
        return e;
    }

    /** One more message left the queue (consumer, or a producer dropping the oldest). */
    private void countTaken() {
        if (dropOldest) {
            TAKEN.getAndAdd(this, 1);
        } else {
            TAKEN.setRelease(this, taken + 1);
        }
    }

    /**
     * Messages reserved and not yet taken, exact at the moment {@code count} is read: it reads
     * {@code taken} before and after {@code count} and tries again if a message was taken in
     * between (both only grow, so {@code taken} unchanged means it held when count was read).
     * Any thread.
     */
    private int waiting() {
        for (;;) {
            final int t = taken;
            final int c = count;
            if (taken == t) {
                return (c - t) & COUNT_MASK;
            }
        }
    }

    /**
     * Polls up to {@code limit} messages into {@code handler}, each slot given back as its
     * message is taken. Consumer thread only.
     *
     * @param handler receives each message, oldest first
     * @param limit the most messages to take
     * @return how many messages were handed to the handler
     */
    public final int drain(Consumer<? super E> handler, int limit) {
        int n = 0;
        while (n < limit) {
            final E e = poll();
            if (e == null) {
                break;
            }
            n++;
            handler.accept(e);
        }
        return n;
    }

    /**
     * Ends a turn of the consumer: decides, in one compare-and-set, whether the consumer runs
     * again or goes idle. Consumer thread only; after it returns {@code false} the consumer must
     * not touch the mailbox (another thread may already be running the next turn).
     *
     * @param wantUserMessages whether queued user messages keep the consumer scheduled; pass
     *     {@code false} while the owner ignores them (for example while it stops)
     * @return {@code true} if the consumer stays scheduled and must run again (user messages
     *     left, or a system message arrived); {@code false} if the mailbox went idle
     */
    public final boolean endTurn(boolean wantUserMessages) {
        for (;;) {
            final int t = taken;
            final int c = count;
            if (wantUserMessages && ((c - t) & COUNT_MASK) > 0) {
                return true;
            }
            if (COUNT.compareAndSet(this, c, c & ~SCHEDULED)) {
                break;
            }
        }
        // Dekker with sendWaiting (add the waiter, then read taken): the CAS above fenced this
        // consumer's last plain store to `taken`, so a send that saw the mailbox full is seen
        // here; moving it in schedules the consumer again through onSchedule.
        final Waiters<E> w = waiters;
        if (w != null && !w.queue.isEmpty()) {
            transferWaiters();
        }
        // Dekker with enqueueSystem (push, then read SCHEDULED): re-read the lane once idle.
        return hasSystemMessages() && trySchedule();
    }

    /**
     * Marks the consumer scheduled if it is idle and the mailbox is open. Any thread.
     *
     * @return {@code true} if this call did it: the caller must then run the consumer
     */
    protected final boolean trySchedule() {
        for (;;) {
            final int c = count;
            if ((c & SCHEDULED) != 0 || c < 0) {
                return false;
            }
            if (COUNT.compareAndSet(this, c, c | SCHEDULED)) {
                return true;
            }
        }
    }

    /**
     * Takes every queued system message, oldest first, as a list linked by
     * {@link SystemMessage#next()}; {@code null} if there is none. Consumer thread only.
     *
     * @return the oldest system message, linked to the rest, or {@code null}
     */
    public final SystemMessage drainSystem() {
        SystemMessage head;
        do {
            head = systemHead;
            if (head == null || head == SYSTEM_CLOSED) {
                return null;
            }
        } while (!SYSTEM_HEAD.compareAndSet(this, head, null));
        return reverse(head);
    }

    /**
     * Whether the consumer is scheduled or running. Any thread; a snapshot.
     *
     * @return {@code true} if scheduled
     */
    public final boolean isScheduled() {
        return (count & SCHEDULED) != 0;
    }

    /**
     * Whether a user or system message is waiting. Any thread; exact only on the consumer.
     *
     * @return {@code true} if a user message is queued
     */
    public final boolean hasMessages() {
        final SystemMessage head = systemHead;
        return (head != null && head != SYSTEM_CLOSED) || !queue.isEmpty();
    }

    /**
     * Whether a system message is waiting. Any thread.
     *
     * @return {@code true} if a system message is queued
     */
    public final boolean hasSystemMessages() {
        final SystemMessage head = systemHead;
        return head != null && head != SYSTEM_CLOSED;
    }

    /**
     * User messages held or reserved right now; a snapshot, never above the capacity.
     *
     * @return the number of queued user messages (a snapshot)
     */
    public final int size() {
        return waiting();
    }

    /**
     * The most user messages this mailbox holds at once.
     *
     * @return the capacity
     */
    public final int capacity() {
        return capacity;
    }

    /**
     * This mailbox's overflow policy.
     *
     * @return the overflow policy
     */
    public final OverflowPolicy policy() {
        return policy;
    }

    /**
     * Whether {@link #close()} has run. Any thread.
     *
     * @return {@code true} once closed
     */
    public final boolean isClosed() {
        return count < 0;
    }

    /**
     * Closes the mailbox: later messages go to {@link #onClosed}; waiting sends fail; queued
     * user messages are handed to {@link #onClosed}. An {@code onClosed} that throws does not
     * stop the drain: the first such failure is logged, and the close completes. Consumer thread
     * only; idempotent.
     *
     * @return the system messages still queued, oldest first (linked by
     *     {@link SystemMessage#next()}), or {@code null}; later system messages are refused
     */
    public final SystemMessage close() {
        COUNT.getAndBitwiseOr(this, CLOSED);
        if (waiters != null) {
            transferWaiters(); // fails them all now that CLOSED is set
        }
        Throwable firstFailure = null;
        int failures = 0;
        for (;;) {
            final E e = queue.poll();
            if (e != null) {
                countTaken();
                try {
                    onClosed(e);
                } catch (VirtualMachineError vme) {
                    throw vme;
                } catch (Throwable t) {
                    failures++;
                    if (firstFailure == null) {
                        firstFailure = t;
                    }
                }
            } else if (waiting() == 0) {
                break;
            } else {
                Thread.onSpinWait(); // a reservation made before CLOSED is about to offer
            }
        }
        if (firstFailure != null) {
            LOG.log(System.Logger.Level.WARNING, "closing " + describe() + ": handing " + failures
                    + " undelivered message(s) on failed; the close went on", firstFailure);
        }
        final SystemMessage rest = (SystemMessage) SYSTEM_HEAD.getAndSet(this, SYSTEM_CLOSED);
        return rest == SYSTEM_CLOSED ? null : reverse(rest);
    }

    // ---------------------------------------------------------------- rare paths, kept out of the hot methods

    private int tryReserve() {
        for (;;) {
            final int t = taken; // before count: see waiting()
            final int c = count;
            if (c < 0) {
                return SHUT;
            }
            if (((c - t) & COUNT_MASK) >= capacity) {
                if (taken != t) {
                    continue; // a message was taken meanwhile: the count read may have been full only by a stale `taken`
                }
                return FULL;
            }
            if (COUNT.compareAndSet(this, c, (c & ~COUNT_MASK) | ((c + 1) & COUNT_MASK) | SCHEDULED)) {
                return (c & SCHEDULED) == 0 ? WAKE : RESERVED;
            }
        }
    }

    private boolean enqueueBehindWaiters(E message) {
        final Waiters<E> w = waiters;
        if (w.queue.isEmpty()) {
            final int r = tryReserve();
            if (r <= RESERVED) {
                queue.offer(message);
                if (r == WAKE) {
                    onSchedule();
                }
                return true;
            }
            return r == SHUT ? rejectClosed(message) : overflow(message);
        }
        if (isClosed()) {
            return rejectClosed(message);
        }
        if (policy == OverflowPolicy.DROP_OLDEST) {
            // Sends are waiting: a slot freed by dropping the oldest belongs to the first waiter,
            // so taking it would let this message overtake a waiting send of the same sender.
            onOverflow(message);
            return false;
        }
        return overflow(message);
    }

    private boolean rejectClosed(E message) {
        onClosed(message);
        return false;
    }

    private boolean overflow(E message) {
        switch (policy) {
            case FAIL_SENDER:
                throw new MailboxFullException(describe() + " is full (capacity " + capacity + ")");
            case DROP_OLDEST:
                return dropOldestAndEnqueue(message);
            case MUTE_SENDER:
                return holdForMutedSender(message);
            default:
                onOverflow(message);
                return false;
        }
    }

    /** MUTE_SENDER: hold the message as a waiting send if the owner slowed its sender down. */
    private boolean holdForMutedSender(E message) {
        if (!onFullMuteSender(message)) {
            onOverflow(message);
            return false;
        }
        hold(message, null);
        onHeldForSender();
        return true;
    }

    private boolean dropOldestAndEnqueue(E message) {
        for (;;) {
            final E oldest = queue.poll(); // safe: DROP_OLDEST uses a multi-consumer queue
            if (oldest != null) {
                countTaken();
                onOverflow(oldest);
            }
            final int r = tryReserve();
            if (r <= RESERVED) {
                queue.offer(message);
                if (r == WAKE) {
                    onSchedule();
                }
                return true;
            }
            if (r == SHUT) {
                return rejectClosed(message);
            }
            if (oldest == null) {
                // Nothing queued to drop: every slot is held by a reservation whose producer is
                // about to offer its message. Waiting for it would make enqueue block, so the new
                // message is the one dropped.
                onOverflow(message);
                return false;
            }
        }
    }

    private CompletionStage<Void> sendWaiting(E message) {
        final CompletableFuture<Void> done = new CompletableFuture<>();
        hold(message, done);
        return done;
    }

    /** Queues a waiter ({@code done} null for a held tell) and moves what fits in. */
    private void hold(E message, CompletableFuture<Void> done) {
        Waiters<E> w = waiters;
        if (w == null) {
            final Waiters<E> created = new Waiters<>();
            w = WAITERS.compareAndSet(this, null, created) ? created : waiters;
        }
        w.queue.offer(new Waiter<>(message, done));
        transferWaiters();
    }

    private void transferWaiters() {
        final Waiters<E> w = waiters;
        for (;;) {
            if (w.queue.isEmpty() || !w.tryLock()) {
                return; // the lock holder re-checks after unlocking
            }
            boolean wake = false;
            Waiter<E> admitted = null; // taken off the queue under the lock, completed after it
            Waiter<E> last = null;
            try {
                for (;;) {
                    final Waiter<E> head = w.queue.peek();
                    if (head == null) {
                        break;
                    }
                    final int r = tryReserve();
                    if (r == FULL) {
                        break;
                    }
                    if (r != SHUT) {
                        // Offer before taking the waiter off its queue: until then a concurrent
                        // send or tell of the same sender sees a waiter and queues behind it, so it
                        // cannot overtake this message.
                        queue.offer(head.message);
                        wake |= r == WAKE;
                    } else {
                        head.refused = true;
                    }
                    w.queue.poll();
                    if (last == null) {
                        admitted = head;
                    } else {
                        last.next = head;
                    }
                    last = head;
                }
            } finally {
                w.unlock();
            }
            if (wake) {
                onSchedule();
            }
            if (admitted != null) {
                completeWaiters(admitted);
            }
            if (w.queue.isEmpty() || (!isClosed() && waiting() >= capacity)) {
                return; // nothing waits, or full: the consumer's next poll transfers
            }
        }
    }

    /** Completes the stages of waiters taken off the queue, in order, outside the lock. */
    private void completeWaiters(Waiter<E> first) {
        runCompletions(() -> {
            for (Waiter<E> x = first; x != null; x = x.next) {
                if (!x.refused) {
                    if (x.done != null) {
                        x.done.complete(null);
                    }
                    continue;
                }
                try {
                    onClosed(x.message);
                } catch (VirtualMachineError vme) {
                    throw vme;
                } catch (Throwable t) {
                    LOG.log(System.Logger.Level.WARNING, "handing a refused send of " + describe() + " on failed", t);
                }
                if (x.done != null) {
                    x.done.completeExceptionally(closedException());
                }
            }
        });
    }

    /**
     * Runs the completions of waiting sends (their dependent actions included) on the calling
     * thread, which may be the consumer's in the middle of its turn. An owner overrides it to
     * mark that what runs there acts for the senders, not for the consumer (dead letters name
     * their sender from it). Called with no lock held.
     *
     * @param completions the completions of sends that found room
     */
    protected void runCompletions(Runnable completions) {
        completions.run();
    }

    private MailboxClosedException closedException() {
        return new MailboxClosedException(describe() + " is closed");
    }

    private static SystemMessage reverse(SystemMessage head) {
        SystemMessage prev = null;
        while (head != null) {
            final SystemMessage next = head.next;
            head.next = prev;
            prev = head;
            head = next;
        }
        return prev;
    }

    /** Sends waiting for room, and the lock of whoever moves them in. */
    private static final class Waiters<E> {
        final MpscLinkedUnpaddedQueue<Waiter<E>> queue = new MpscLinkedUnpaddedQueue<>();
        private volatile int locked;

        boolean tryLock() {
            return locked == 0 && LOCKED.compareAndSet(this, 0, 1);
        }

        void unlock() {
            locked = 0;
        }

        private static final VarHandle LOCKED;

        static {
            try {
                LOCKED = MethodHandles.lookup().findVarHandle(Waiters.class, "locked", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }

    /** A send (or a held tell) waiting for room; linked to the next admitted one while its stage is completed. */
    private static final class Waiter<E> {
        final E message;
        /** The stage of a send; null for a tell held under MUTE_SENDER. */
        final CompletableFuture<Void> done;
        /** Set under the transfer lock when the mailbox closed before the message got in. */
        boolean refused;
        Waiter<E> next;

        Waiter(E message, CompletableFuture<Void> done) {
            this.message = message;
            this.done = done;
        }
    }

    private static final VarHandle COUNT;
    private static final VarHandle TAKEN;
    private static final VarHandle WAITERS;
    private static final VarHandle SYSTEM_HEAD;

    static {
        try {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            COUNT = lookup.findVarHandle(BoundedMailbox.class, "count", int.class);
            TAKEN = lookup.findVarHandle(BoundedMailbox.class, "taken", int.class);
            WAITERS = lookup.findVarHandle(BoundedMailbox.class, "waiters", Waiters.class);
            SYSTEM_HEAD = lookup.findVarHandle(BoundedMailbox.class, "systemHead", SystemMessage.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
