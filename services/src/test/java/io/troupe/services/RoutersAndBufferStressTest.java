package io.troupe.services;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.DeadLetter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Many threads through a buffer, a round-robin pool and a balancing pool: every message is
 * handled exactly once or counted as rejected (dead letter, full buffer), and a service behind a
 * buffer is never entered by two threads at once.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class RoutersAndBufferStressTest {
    private static final int THREADS = 6;
    private static final int PER_THREAD = 5_000 * TestSupport.SCALE;
    private final ActorSystem system = TestSupport.system();

    @AfterEach
    void close() {
        system.close();
    }

    private static void runThreads(java.util.function.IntConsumer perMessage) throws InterruptedException {
        TestSupport.runThreads(THREADS, t -> {
            for (int i = 0; i < PER_THREAD; i++) {
                perMessage.accept(t * PER_THREAD + i);
            }
        });
    }

    @Test
    void buffer_serialisesANonThreadSafeService_everyCallCompletesOrIsRejected() throws Exception {
        // The inner service is a plain counter with a re-entrance check: behind a buffer it is
        // never entered concurrently, and ok + rejected equals the calls made.
        final AtomicBoolean inside = new AtomicBoolean();
        final int[] plainCount = {0};
        final LongAdder overlaps = new LongAdder();
        final Service<Integer, Integer> unsafe = request -> {
            if (!inside.compareAndSet(false, true)) {
                overlaps.increment();
            }
            plainCount[0]++;
            inside.set(false);
            return CompletableFuture.completedFuture(request);
        };
        final Service<Integer, Integer> svc = Services.<Integer, Integer>builder().buffer(system, 64).build(unsafe);
        final LongAdder ok = new LongAdder();
        final LongAdder rejected = new LongAdder();
        final LongAdder wrong = new LongAdder();
        final List<CompletableFuture<?>> all = java.util.Collections.synchronizedList(new ArrayList<>());
        runThreads(i -> all.add(svc.call(i).toCompletableFuture().handle((v, f) -> {
            if (f == null) {
                (v == i ? ok : wrong).increment();
            } else if (f instanceof NotReadyException || f.getCause() instanceof NotReadyException) {
                rejected.increment();
            } else {
                wrong.increment();
            }
            return null;
        })));
        CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).get(1, TimeUnit.MINUTES);
        assertEquals(0, overlaps.sum(), "the inner service was entered concurrently");
        assertEquals(0, wrong.sum());
        assertEquals((long) THREADS * PER_THREAD, ok.sum() + rejected.sum());
        // every call completed, so every inner call happened-before its completion was seen here
        assertEquals(ok.sum(), plainCount[0]);
        assertTrue(ok.sum() > 0);
    }

    @Test
    void roundRobinPool_manySenders_eachMessageHandledExactlyOnce() throws Exception {
        // 30,000 messages from 6 threads over 4 members: each id seen once, none lost.
        final int total = THREADS * PER_THREAD;
        final AtomicIntegerArray seen = new AtomicIntegerArray(total);
        final CountDownLatch done = new CountDownLatch(total);
        final Router<Integer> router = Routers.pool(system, "rr-stress", 4, Actor.<Integer>of((ctx, id) -> {
            seen.incrementAndGet(id);
            done.countDown();
        }), RoutingStrategy.roundRobin());
        BufferHedgeBalanceTest.awaitTrue("4 members", () -> router.members().size() == 4);
        final List<DeadLetter> dead = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (AutoCloseable sub = system.deadLetters().subscribe(dead::add)) {
            runThreads(i -> router.ref().send(i).toCompletableFuture().join()); // lossless back-pressure
            assertTrue(done.await(1, TimeUnit.MINUTES), "not all handled: " + done.getCount() + " left");
        }
        for (int i = 0; i < total; i++) {
            assertEquals(1, seen.get(i), "message " + i);
        }
        assertEquals(List.of(), dead);
    }

    @Test
    void balancingPool_manySenders_eachMessageHandledExactlyOnceOrDeadLettered() throws Exception {
        // A small shared queue: what does not fit is a dead letter; handled + dead = sent, each
        // handled message exactly once.
        final int total = THREADS * PER_THREAD;
        final AtomicIntegerArray seen = new AtomicIntegerArray(total);
        final LongAdder handled = new LongAdder();
        final Router<Integer> pool = Routers.balancingPool(system, "bal-stress", 3, 256, () -> id -> {
            seen.incrementAndGet(id);
            handled.increment();
        });
        BufferHedgeBalanceTest.awaitTrue("3 workers", () -> pool.members().size() == 3);
        final LongAdder deadCount = new LongAdder();
        final AtomicIntegerArray deadIds = new AtomicIntegerArray(total);
        try (AutoCloseable sub = system.deadLetters().subscribe(d -> {
            if (d.message() instanceof Integer id) {
                deadIds.incrementAndGet(id);
                deadCount.increment();
            }
        })) {
            runThreads(i -> pool.ref().tell(i));
            BufferHedgeBalanceTest.awaitTrue("all accounted for", () -> handled.sum() + deadCount.sum() == total);
        }
        for (int i = 0; i < total; i++) {
            assertEquals(1, seen.get(i) + deadIds.get(i), "message " + i);
        }
        assertTrue(handled.sum() > 0);
    }
}
