package io.troupe.services;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.timers.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Timeout;

/**
 * Many threads calling through a power-of-two-choices balancer while another thread adds and
 * removes endpoints all the time: every call is answered exactly once, by exactly one endpoint,
 * with that endpoint's answer to its own request; no call that starts after {@code remove}
 * returned reaches the removed endpoint; and once everything has completed, every endpoint's
 * outstanding count (the balancer's and the endpoint's own) is back to zero.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class BalanceStressTest {
    private static final int THREADS = 4;
    private static final int CALLS_PER_THREAD = 10_000 * TestSupport.SCALE;
    private static final int WINDOW = 32;
    private static final int MAX_ENDPOINTS = 6;

    private static final int TOTAL = THREADS * CALLS_PER_THREAD;

    private final ScheduledExecutorService completers = Executors.newScheduledThreadPool(2);
    /** Per request: the endpoint it reached (set once), its ticket, its answer and answer count. */
    private final AtomicReferenceArray<String> handledBy = new AtomicReferenceArray<>(TOTAL);
    private final AtomicLongArray tickets = new AtomicLongArray(TOTAL);
    private final AtomicReferenceArray<String> answers = new AtomicReferenceArray<>(TOTAL);
    private final AtomicIntegerArray answerCounts = new AtomicIntegerArray(TOTAL);
    /** Taken by a caller just before each call, and by the churn thread after each removal. */
    private final AtomicLong ticket = new AtomicLong();
    private final ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();

    @AfterEach
    void shutdown() throws InterruptedException {
        TestSupport.stop(completers);
    }

    /** An endpoint: records which requests reached it and counts its own calls in flight. */
    private final class Endpoint implements Service<Integer, String> {
        final String key;
        final AtomicInteger inFlight = new AtomicInteger();
        /** The ticket taken just after this endpoint's removal returned; MAX while it is in. */
        volatile long removedAfterTicket = Long.MAX_VALUE;

        Endpoint(String key) {
            this.key = key;
        }

        @Override
        public CompletableFuture<String> call(Integer r) {
            inFlight.incrementAndGet();
            if (!handledBy.compareAndSet(r, null, key)) {
                wrong.add("r" + r + " reached " + key + " after " + handledBy.get(r));
            }
            final CompletableFuture<String> f = new CompletableFuture<>();
            final Runnable answer = () -> {
                inFlight.decrementAndGet();
                f.complete(key + ":r" + r);
            };
            if (r % 4 == 0) {
                answer.run(); // some answer at once, on the caller's thread
            } else {
                completers.schedule(answer, ThreadLocalRandom.current().nextInt(200), TimeUnit.MICROSECONDS);
            }
            return f;
        }
    }

    @ParameterizedTest
    @EnumSource(Balancer.Load.class)
    void manyThreadsAndChurn_everyCallAnsweredOnceByOneEndpoint_removedEndpointsGetNoNewCalls_countsBackToZero(
            Balancer.Load load) throws Exception {
        final Balancer<String, Integer, String> balancer = Services.balance(load, Clock.system());
        final Map<String, Endpoint> all = new ConcurrentHashMap<>();
        final List<String> live = new ArrayList<>(); // churn thread only (and set-up)
        for (int i = 0; i < 3; i++) {
            final Endpoint e = new Endpoint("e" + i);
            all.put(e.key, e);
            live.add(e.key);
            balancer.add(e.key, e);
        }

        final AtomicBoolean callersDone = new AtomicBoolean();
        final AtomicInteger churned = new AtomicInteger();
        final Thread churn = new Thread(() -> {
            int next = 3;
            while (!callersDone.get()) {
                final Endpoint e = new Endpoint("e" + next++);
                all.put(e.key, e);
                balancer.add(e.key, e);
                live.add(e.key);
                while (live.size() > MAX_ENDPOINTS || (live.size() > 1 && ThreadLocalRandom.current().nextInt(3) == 0)) {
                    final String gone = live.remove(ThreadLocalRandom.current().nextInt(live.size()));
                    if (!balancer.remove(gone)) {
                        wrong.add("remove(" + gone + ") found nothing");
                    }
                    all.get(gone).removedAfterTicket = ticket.get();
                }
                churned.incrementAndGet();
                Thread.yield();
            }
        }, "churn");

        final ConcurrentLinkedQueue<String> stuck = new ConcurrentLinkedQueue<>();
        churn.setDaemon(true);
        churn.start();
        try {
            TestSupport.runThreads(THREADS, t -> {
                for (int i = 0; i < CALLS_PER_THREAD; i += WINDOW) {
                    final int first = t * CALLS_PER_THREAD + i;
                    final List<CompletableFuture<String>> window = new ArrayList<>();
                    for (int r = first; r < first + Math.min(WINDOW, CALLS_PER_THREAD - i); r++) {
                        final int request = r;
                        tickets.set(r, ticket.incrementAndGet());
                        window.add(balancer.call(r).whenComplete((v, e) -> {
                            answerCounts.incrementAndGet(request);
                            answers.set(request, e == null ? v : "failed " + e);
                        }).toCompletableFuture());
                    }
                    TestSupport.awaitWindow(window, first, stuck);
                }
            });
        } finally {
            callersDone.set(true);
        }
        churn.join(TimeUnit.SECONDS.toMillis(10));
        assertFalse(churn.isAlive(), "the churn thread is stuck");

        assertEquals(List.of(), List.copyOf(stuck), "calls never answered");
        assertEquals(List.of(), List.copyOf(wrong).subList(0, Math.min(20, wrong.size())));
        final List<String> mismatched = new ArrayList<>();
        for (int r = 0; r < TOTAL; r++) {
            final Endpoint by = handledBy.get(r) == null ? null : all.get(handledBy.get(r));
            if (by != null && tickets.get(r) > by.removedAfterTicket) {
                mismatched.add("r" + r + " (ticket " + tickets.get(r) + ") reached " + by.key
                        + ", removed before ticket " + by.removedAfterTicket);
            }
            final String expected = handledBy.get(r) + ":r" + r;
            if (answerCounts.get(r) != 1 || !expected.equals(answers.get(r))) {
                mismatched.add("r" + r + " answered " + answerCounts.get(r) + " times: " + answers.get(r)
                        + ", handled by " + handledBy.get(r));
            }
        }
        assertEquals(List.of(), mismatched.subList(0, Math.min(20, mismatched.size())));
        assertTrue(churned.get() > 10, "endpoints changed while calls ran: " + churned.get() + " rounds");
        // the balancer's counts are given back in a callback that may still be running
        final long deadline = System.nanoTime() + TestSupport.TIMEOUT.toNanos();
        for (String key : balancer.endpoints()) {
            while (balancer.outstanding(key) != 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertEquals(0, balancer.outstanding(key), "balancer's outstanding count of " + key);
        }
        for (Endpoint e : all.values()) {
            assertEquals(0, e.inFlight.get(), "calls in flight at " + e.key);
        }
        assertEquals(live, balancer.endpoints(), "the balancer's endpoints after the churn");
    }
}
