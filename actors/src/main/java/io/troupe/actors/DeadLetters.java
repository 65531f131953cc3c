package io.troupe.actors;

import io.troupe.timers.Clock;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * Where undeliverable messages go: counted, offered to subscribers, and logged at a bounded
 * rate. One per {@link ActorSystem}; any thread may use it.
 */
public final class DeadLetters {
    /*
     * Threading protocol: publish() runs on the thread that failed to deliver (a sender or a
     * dispatcher thread); subscribers run there too, synchronously, in subscription order.
     * Invariants: count() equals the number of publish() calls; at most `logsPerSecond` log
     * lines per second (plus one summary of the suppressed ones), and at most one overflow
     * WARNING per receiver per second (warnOverflow: a CAS on the receiver's last-warning time
     * elects the one thread that logs).
     * Memory ordering: LongAdder and AtomicLong; subscribers in a copy-on-write list.
     * Shutdown: nothing to release.
     * References: Pekko's DeadLetterListener and its dead-letter log rate limit.
     */
    private static final System.Logger LOG = System.getLogger("io.troupe.actors.DeadLetters");
    private static final long SECOND_NANOS = 1_000_000_000L;

    private final LongAdder count = new LongAdder();
    private final CopyOnWriteArrayList<Consumer<? super DeadLetter>> subscribers = new CopyOnWriteArrayList<>();
    private final int logsPerSecond;
    private final Clock clock;
    private final AtomicLong windowStartNanos;
    private final AtomicLong loggedInWindow = new AtomicLong();
    private final AtomicLong suppressed = new AtomicLong();
    private final AtomicLong linesLogged = new AtomicLong();
    private volatile long lastSuppressedReport;
    private final java.util.concurrent.atomic.AtomicBoolean logFailureReported = new java.util.concurrent.atomic.AtomicBoolean();

    /** The system's counters file (issue 15). */
    private final io.troupe.actors.internal.counters.SystemCounters counters;

    DeadLetters(int logsPerSecond, Clock clock, io.troupe.actors.internal.counters.SystemCounters counters) {
        this.counters = counters;
        this.logsPerSecond = logsPerSecond;
        this.clock = clock;
        this.windowStartNanos = new AtomicLong(clock.nanoTime());
    }

    private static void recordDeadLetter(DeadLetter letter) {
        final io.troupe.actors.internal.jfr.TroupeEvents.DeadLetterEvent e = new io.troupe.actors.internal.jfr.TroupeEvents.DeadLetterEvent();
        e.recipient = letter.recipient() == null ? null : letter.recipient().path();
        e.sender = letter.sender() == null ? null : letter.sender().path();
        e.messageType = io.troupe.actors.internal.jfr.TroupeEvents.typeOf(letter.message());
        e.reason = letter.reason().name();
        e.commit();
    }

    /**
     * How many messages overflowed {@code receiver}'s mailbox (dropped under its overflow
     * policy: the new one, or the oldest) since it was spawned; 0 for a ref of another kind.
     * Any thread; a sum over striped counters.
     *
     * @param receiver the actor whose mailbox to ask about
     * @return the number of messages dropped for overflow
     */
    public long overflowCount(ActorRef<?> receiver) {
        return receiver instanceof ActorCell<?> cell ? cell.overflowCount() : 0;
    }

    /**
     * Logs one WARNING per receiver per clock second while its mailbox overflows: the receiver,
     * its capacity, how many were lost, and the fixes. Off when dead-letter logging is off.
     * The thread that overflowed it.
     */
    void warnOverflow(ActorCell<?> receiver, ActorCell.Overload o) {
        if (logsPerSecond == 0) {
            return;
        }
        final long now = clock.nanoTime();
        final long last = o.warnedAtNanos.get();
        if ((last != Long.MIN_VALUE && now - last < SECOND_NANOS) || !o.warnedAtNanos.compareAndSet(last, now)) {
            return;
        }
        final long total = o.dropped.sum();
        final long since = total - o.reported.getAndSet(total);
        linesLogged.incrementAndGet();
        try {
            LOG.log(System.Logger.Level.WARNING, "the mailbox of {0} is full (capacity {1}, policy {2}): {3} message(s) lost"
                            + " as dead letters since the last warning, {4} in all. To slow the senders down instead of"
                            + " losing messages, send with ref.send(m) (back-pressure, any thread), or spawn {0} with"
                            + " OverflowPolicy.MUTE_SENDER (lossless between actors); or give it a larger capacity"
                            + " (SpawnOptions.withMailbox)",
                    receiver.path(), receiver.capacity(), receiver.policy(), since, total);
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable t) {
            if (logFailureReported.compareAndSet(false, true)) {
                LOG.log(System.Logger.Level.WARNING, "logging a dead letter failed; later failures are not reported", t);
            }
        }
    }

    /**
     * How many dead letters there have been. Any thread; a sum over striped counters.
     *
     * @return the number of dead letters so far
     */
    public long count() {
        return count.sum();
    }

    /**
     * Calls {@code subscriber} with every later dead letter, on the thread that produced it.
     * The subscriber must be quick and must not block. Any thread.
     *
     * @param subscriber called with each dead letter
     * @return closing it unsubscribes
     */
    public AutoCloseable subscribe(Consumer<? super DeadLetter> subscriber) {
        Objects.requireNonNull(subscriber, "subscriber");
        subscribers.add(subscriber);
        return () -> subscribers.remove(subscriber);
    }

    /** Log lines written so far (letters and summaries), whether or not the logger showed them; for tests. */
    long linesLogged() {
        return linesLogged.get();
    }

    /** The count in the last "more dead letters were not logged" summary; for tests. */
    long lastSuppressedReport() {
        return lastSuppressedReport;
    }

    /**
     * Publishes a message that could not be delivered: counts it, hands it to the subscribers
     * and logs it (rate-limited). For the runtime and for libraries that route messages
     * themselves (the services module's routers), so that a message they cannot deliver is
     * counted like one a mailbox refused. Any thread; costs a striped increment and the
     * subscribers' work.
     *
     * @param letter the undelivered message
     */
    public void publish(DeadLetter letter) {
        count.increment();
        counters.deadLetters.increment();
        if (io.troupe.actors.internal.jfr.TroupeEvents.DEAD_LETTER_PROBE.isEnabled()) {
            recordDeadLetter(letter);
        }
        for (Consumer<? super DeadLetter> s : subscribers) {
            try {
                s.accept(letter);
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable t) {
                LOG.log(System.Logger.Level.WARNING, "dead-letter subscriber failed", t);
            }
        }
        if (logsPerSecond > 0) {
            try {
                maybeLog(letter);
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable t) {
                // Publishing runs inside sends and inside an actor's termination: a broken
                // logger or a message whose toString throws must not fail either.
                if (logFailureReported.compareAndSet(false, true)) {
                    LOG.log(System.Logger.Level.WARNING, "logging a dead letter failed; later failures are not reported", t);
                }
            }
        }
    }

    private void maybeLog(DeadLetter letter) {
        final long now = clock.nanoTime();
        final long start = windowStartNanos.get();
        if (now - start >= SECOND_NANOS && windowStartNanos.compareAndSet(start, now)) {
            loggedInWindow.set(0);
            final long missed = suppressed.getAndSet(0);
            if (missed > 0) {
                lastSuppressedReport = missed;
                linesLogged.incrementAndGet();
                LOG.log(System.Logger.Level.INFO, "{0} more dead letters were not logged", missed);
            }
        }
        if (loggedInWindow.incrementAndGet() <= logsPerSecond) {
            linesLogged.incrementAndGet();
            if (LOG.isLoggable(System.Logger.Level.INFO)) {
                LOG.log(System.Logger.Level.INFO, "dead letter ({0}): {1} from {2} to {3}", letter.reason(),
                        describe(letter.message()),
                        letter.sender() == null ? "outside the actor system" : letter.sender().path(),
                        letter.recipient() == null ? "?" : letter.recipient().path());
            }
        } else {
            suppressed.incrementAndGet();
        }
    }

    /** The message's class, or the placeholder's name; never throws on a user's toString. */
    private static String describe(Object message) {
        return message instanceof DeadLetter.Placeholder p ? p.name() : message.getClass().getName();
    }
}
