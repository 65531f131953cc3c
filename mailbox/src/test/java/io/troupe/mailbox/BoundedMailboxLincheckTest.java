package io.troupe.mailbox;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.ThreadIdGen;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Model checks the mailbox's user lane with Lincheck: producers {@code offer} and the single
 * consumer runs turns ({@code poll}, then {@code endTurn}) in every interleaving Lincheck
 * explores. Lincheck assumes sequential consistency, so the {@code *StressTest}s stay.
 *
 * <p>What is checked, and why not more:
 * <ul>
 *   <li>Linearizability of {@code offer}, {@code size} and the turns against a bounded counter
 *       (the slot count): full, size and "run again" are exact.
 *   <li>Per-producer FIFO and exactly-once delivery, checked by the consumer and at quiescence.
 *   <li>{@code onSchedule} runs exactly once per idle-to-scheduled transition.
 * </ul>
 * The mailbox is deliberately not linearizable to a bounded FIFO across producers: a slot is
 * counted at its reservation, but the message's place in the queue is fixed later, when it is
 * offered to the queue. A {@code size()}, a full {@code offer} or {@code endTurn}'s "run again"
 * can therefore see producer A's reservation while producer B's later message is polled first.
 * The documented guarantees (capacity, per-sender order, no loss) hold; global FIFO does not.
 */
@Timeout(180)
public class BoundedMailboxLincheckTest {
    private static final int CAPACITY = 2;
    /** More than the thread ids Lincheck hands out (parallel threads plus init and post parts). */
    private static final int MAX_THREADS = 8;
    private static final int SEQUENCES_PER_THREAD = 1_000;

    /**
     * What one consumer turn did: whether it polled a message. Whether endTurn kept it scheduled
     * is not part of the linearizable result: a poll gives its slot back at once, so producers
     * may fill the mailbox between the poll (the turn's linearization point) and endTurn; the
     * scheduling state is checked by the invariants instead.
     */
    record Turn(boolean polled) {}

    /** The turn of a consumer that found nothing: the mailbox was, or went, idle. */
    private static final Turn IDLE = new Turn(false);
    private static final Turn POLLED = new Turn(true);

    /** onSchedule calls so far; producers increment it. */
    private final AtomicInteger scheduleSignals = new AtomicInteger();
    /** Messages a producer's offer put in, counted after the offer returned true. */
    private final AtomicInteger offered = new AtomicInteger();
    /** Next sequence number per producer thread id; each slot is written by its own thread only. */
    private final int[] nextSequence = new int[MAX_THREADS];

    /*
     * Consumer-only state, modelling the runtime that runs the consumer: `running` is true from
     * the moment the consumer takes an onSchedule signal until an endTurn returns false;
     * `signalsTaken` counts the signals it took; `lastPolled` is the last sequence number polled
     * per producer.
     */
    private int signalsTaken;
    private boolean running;
    private int polled;
    private final int[] lastPolled = new int[MAX_THREADS];

    private final BoundedMailbox<Integer> mailbox =
            new BoundedMailbox<>(CAPACITY, OverflowPolicy.DEAD_LETTER) {
                @Override
                protected void onSchedule() {
                    scheduleSignals.incrementAndGet();
                }

                @Override
                protected void onOverflow(Integer dropped) {}

                @Override
                protected void onClosed(Integer undelivered) {}
            };

    public BoundedMailboxLincheckTest() {
        Arrays.fill(lastPolled, -1);
    }

    /** Offers the calling producer's next message: its thread id and a sequence number. */
    @Operation
    public boolean offer(@Param(gen = ThreadIdGen.class) int threadId) {
        final int sequence = nextSequence[threadId];
        if (!mailbox.offer(threadId * SEQUENCES_PER_THREAD + sequence)) {
            return false;
        }
        nextSequence[threadId] = sequence + 1;
        offered.incrementAndGet();
        return true;
    }

    @Operation
    public int size() {
        return mailbox.size();
    }

    /**
     * One turn of the consumer, as an actor runtime runs it: it waits for the onSchedule the
     * scheduled bit promises, polls one message and ends the turn; a turn that polls nothing while
     * endTurn says "run again" (a reserved message not yet in the queue) runs again.
     */
    @Operation(nonParallelGroup = "consumer")
    public Turn turn() {
        if (running) {
            check(scheduleSignals.get() == signalsTaken, "onSchedule ran while the consumer was scheduled");
        } else {
            for (;;) {
                if (scheduleSignals.get() > signalsTaken) {
                    signalsTaken++;
                    running = true;
                    break;
                }
                if (!mailbox.isScheduled()) {
                    return IDLE; // idle implies no reserved slot
                }
                Thread.onSpinWait(); // the producer that scheduled it is about to call onSchedule
            }
        }
        for (;;) {
            final Integer message = mailbox.poll();
            if (message != null) {
                checkInProducerOrder(message);
            }
            final boolean runAgain = mailbox.endTurn(true);
            if (!runAgain) {
                running = false;
                check(scheduleSignals.get() - signalsTaken <= 1, "onSchedule ran twice for one idle period");
            }
            if (message != null) {
                return POLLED;
            }
            if (!runAgain) {
                return IDLE;
            }
            Thread.onSpinWait(); // a slot is reserved and its message is about to land
        }
    }

    private void checkInProducerOrder(int message) {
        final int producer = message / SEQUENCES_PER_THREAD;
        final int sequence = message % SEQUENCES_PER_THREAD;
        check(sequence == lastPolled[producer] + 1,
                "producer " + producer + ": polled #" + sequence + " after #" + lastPolled[producer]);
        lastPolled[producer] = sequence;
        polled++;
    }

    /**
     * At quiescence: nothing lost or duplicated, size within capacity, and the consumer is
     * scheduled exactly when it is running or holds one untaken onSchedule signal.
     */
    @Validate
    public void invariantsHoldAtQuiescence() {
        final int size = mailbox.size();
        check(offered.get() == polled + size, "offered " + offered.get() + ", polled " + polled + ", size " + size);
        check(size <= CAPACITY, "size above capacity: " + size);
        check(size == 0 || mailbox.isScheduled(), "reserved slots but not scheduled");
        final int pending = scheduleSignals.get() - signalsTaken;
        check(pending >= 0 && pending <= (running ? 0 : 1), "untaken onSchedule signals: " + pending);
        check(mailbox.isScheduled() == (running || pending == 1),
                "scheduled bit " + mailbox.isScheduled() + ", running " + running + ", untaken signals " + pending);
    }

    private static void check(boolean condition, String message) {
        if (!condition) {
            throw new IllegalStateException(message);
        }
    }

    /** The sequential specification: the slot count of a mailbox with {@link #CAPACITY} slots. */
    public static final class BoundedCounter {
        private int count;

        public boolean offer(int threadId) {
            if (count >= CAPACITY) {
                return false;
            }
            count++;
            return true;
        }

        public int size() {
            return count;
        }

        public Turn turn() {
            if (count == 0) {
                return IDLE;
            }
            count--;
            return POLLED;
        }
    }

    @Test
    void offerAndTurns_allInterleavings_linearizableSlotCountAndProducerOrder() {
        // In every explored interleaving of two producers with the consumer, the slot count is
        // linearizable, each producer's messages arrive once and in order, and onSchedule runs
        // once per idle-to-scheduled transition.
        new ModelCheckingOptions()
                .sequentialSpecification(BoundedCounter.class)
                .threads(3)
                .actorsPerThread(3)
                .actorsBefore(2)
                .actorsAfter(1)
                .iterations(20)
                .invocationsPerIteration(1_000)
                .check(BoundedMailboxLincheckTest.class);
    }
}
