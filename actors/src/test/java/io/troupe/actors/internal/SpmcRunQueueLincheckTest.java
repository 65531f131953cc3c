package io.troupe.actors.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Model checks the worker run queue with Lincheck: the owner pushes and pops in one thread while
 * thieves steal half into queues of their own, and every interleaving Lincheck explores must be
 * linearizable to a FIFO queue whose steal takes the oldest half (rounded up). That implies every
 * pushed task is taken exactly once. Lincheck assumes sequential consistency, so
 * {@link SpmcRunQueueStressTest} stays.
 */
@Param(name = "task", gen = IntGen.class, conf = "1:9")
@Timeout(180)
public class SpmcRunQueueLincheckTest {

    /**
     * A task that knows its number. A class, not a record: Lincheck tracks fields through
     * {@code Unsafe.objectFieldOffset}, which refuses record fields (it logs a warning).
     */
    static final class Task implements Runnable {
        final int id;

        Task(int id) {
            this.id = id;
        }

        @Override
        public void run() {}
    }

    private final SpmcRunQueue queue = new SpmcRunQueue();

    @Operation(nonParallelGroup = "owner")
    public boolean push(@Param(name = "task") int id) {
        return queue.push(new Task(id));
    }

    @Operation(nonParallelGroup = "owner")
    public Integer pop() {
        final Runnable task = queue.pop();
        return task == null ? null : ((Task) task).id;
    }

    /** Steals into a fresh queue the calling thief owns, then takes the stolen tasks back out in order. */
    @Operation
    public List<Integer> steal() {
        final SpmcRunQueue own = new SpmcRunQueue();
        final List<Integer> stolen = new ArrayList<>();
        final Runnable first = queue.stealHalfInto(own);
        if (first != null) {
            stolen.add(((Task) first).id);
        }
        for (Runnable task = own.pop(); task != null; task = own.pop()) {
            stolen.add(((Task) task).id);
        }
        return stolen;
    }

    /** The sequential specification: a bounded FIFO queue whose steal takes the oldest half, rounded up. */
    public static final class StealHalfFifo {
        private final ArrayDeque<Integer> tasks = new ArrayDeque<>();

        public boolean push(int id) {
            if (tasks.size() >= SpmcRunQueue.CAPACITY) {
                return false;
            }
            tasks.add(id);
            return true;
        }

        public Integer pop() {
            return tasks.poll();
        }

        public List<Integer> steal() {
            final int n = tasks.size() - tasks.size() / 2;
            final List<Integer> stolen = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                stolen.add(tasks.poll());
            }
            return stolen;
        }
    }

    @Test
    void pushPopAndSteal_allInterleavings_linearizableToStealHalfFifo() {
        // In every explored interleaving of the owner's pushes and pops with two thieves'
        // steals, each task is taken exactly once, the owner pops oldest first and a steal
        // takes the oldest half.
        new ModelCheckingOptions()
                .sequentialSpecification(StealHalfFifo.class)
                .threads(3)
                .actorsPerThread(3)
                .actorsBefore(3)
                .actorsAfter(1)
                .iterations(20)
                .invocationsPerIteration(1_000)
                .check(SpmcRunQueueLincheckTest.class);
    }
}
