package io.troupe.actors.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The worker run queue's single-threaded contract: FIFO for the owner, bounded, steal-half. */
class SpmcRunQueueTest {

    /** A task that knows its number. */
    record Task(int id) implements Runnable {
        @Override
        public void run() {}
    }

    private static SpmcRunQueue queueOf(int n) {
        final SpmcRunQueue q = new SpmcRunQueue();
        for (int i = 0; i < n; i++) {
            assertTrue(q.push(new Task(i)));
        }
        return q;
    }

    private static List<Integer> popAll(SpmcRunQueue q) {
        final List<Integer> ids = new ArrayList<>();
        for (Runnable r = q.pop(); r != null; r = q.pop()) {
            ids.add(((Task) r).id());
        }
        return ids;
    }

    @Test
    void pop_afterPushes_returnsOldestFirst() {
        // The owner gets its tasks back in the order it pushed them.
        final SpmcRunQueue q = queueOf(5);
        assertEquals(5, q.size());
        assertEquals(List.of(0, 1, 2, 3, 4), popAll(q));
        assertTrue(q.isEmpty());
        assertNull(q.pop());
    }

    @Test
    void push_atCapacity_returnsFalseUntilATaskLeaves() {
        // The queue holds exactly CAPACITY tasks; a push beyond fails until a pop makes room, and wrap-around keeps the order.
        final SpmcRunQueue q = queueOf(SpmcRunQueue.CAPACITY);
        assertFalse(q.push(new Task(-1)));
        assertEquals(SpmcRunQueue.CAPACITY, q.size());
        assertEquals(0, ((Task) q.pop()).id());
        assertTrue(q.push(new Task(SpmcRunQueue.CAPACITY)));
        final List<Integer> ids = popAll(q);
        assertEquals(SpmcRunQueue.CAPACITY, ids.size());
        for (int i = 0; i < ids.size(); i++) {
            assertEquals(i + 1, ids.get(i));
        }
    }

    @Test
    void stealHalfInto_oddCount_takesHalfRoundedUpOldestFirst() {
        // A thief takes ceil(n/2) of the oldest tasks: it returns the oldest and queues the rest in order in its own queue; the victim keeps the newest.
        final SpmcRunQueue victim = queueOf(5);
        final SpmcRunQueue thief = new SpmcRunQueue();
        final Runnable first = victim.stealHalfInto(thief);
        assertEquals(0, ((Task) first).id());
        assertEquals(List.of(1, 2), popAll(thief));
        assertEquals(List.of(3, 4), popAll(victim));
    }

    @Test
    void stealHalfInto_singleTask_takesItAndQueuesNothing() {
        // Stealing from a queue of one takes that task and leaves both queues empty.
        final SpmcRunQueue victim = queueOf(1);
        final SpmcRunQueue thief = new SpmcRunQueue();
        assertEquals(0, ((Task) victim.stealHalfInto(thief)).id());
        assertTrue(victim.isEmpty() && thief.isEmpty());
    }

    @Test
    void stealHalfInto_emptyVictim_returnsNull() {
        // There is nothing to steal from an empty queue.
        assertNull(new SpmcRunQueue().stealHalfInto(new SpmcRunQueue()));
    }

    @Test
    void drainTo_max_movesOldestTasksOut() {
        // drainTo moves at most `max` of the oldest tasks to the sink, in order.
        final SpmcRunQueue q = queueOf(6);
        final List<Runnable> sink = new ArrayList<>();
        assertEquals(4, q.drainTo(sink::add, 4));
        assertEquals(List.of(new Task(0), new Task(1), new Task(2), new Task(3)), sink);
        assertEquals(List.of(4, 5), popAll(q));
        assertSame(0, q.drainTo(sink::add, 4));
    }
}
