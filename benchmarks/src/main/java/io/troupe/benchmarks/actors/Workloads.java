package io.troupe.benchmarks.actors;

import java.lang.management.ManagementFactory;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The sizes of the Savina-style workloads and the helpers their Troupe and Pekko versions share,
 * so that both libraries run exactly the same work in one JMH session.
 *
 * <p>Every benchmark runs a whole workload per invocation, waits for its completion on a latch
 * (never a sleep), and checks its counts before it returns, so that no implementation can win
 * by losing messages. The workload sizes are constants because
 * {@code @OperationsPerInvocation} needs one; scores are then messages (or meetings, spawns,
 * asks) per second.
 */
public final class Workloads {
    /** Messages per invocation of ping-pong, whatever the number of pairs. */
    public static final int PING_PONG_MESSAGES = 200_000;

    /** Senders of the fan-in workload. */
    public static final int FAN_IN_SENDERS = 4;
    /** Messages each fan-in sender sends per invocation. */
    public static final int FAN_IN_PER_SENDER = 50_000;
    /** Messages the fan-in counter receives per invocation. */
    public static final int FAN_IN_MESSAGES = FAN_IN_SENDERS * FAN_IN_PER_SENDER;

    /** Actors in the thread ring. */
    public static final int RING_ACTORS = 1_000;
    /** Hops of the token per invocation. */
    public static final int RING_HOPS = 200_000;

    /** Actors of the fork-join throughput workload (Savina "fjt"). */
    public static final int FJT_ACTORS = 100;
    /** Messages each fjt actor handles per invocation. */
    public static final int FJT_PER_ACTOR = 1_000;
    /** Messages per fjt invocation. */
    public static final int FJT_MESSAGES = FJT_ACTORS * FJT_PER_ACTOR;

    /** Chameneos creatures. */
    public static final int CHAMENEOS = 100;
    /** Meetings per chameneos invocation. */
    public static final int CHAMENEOS_MEETINGS = 50_000;

    /** Workers of the "big" workload. */
    public static final int BIG_WORKERS = 500;
    /** Pings each big worker sends (each answered by a pong) per invocation. */
    public static final int BIG_PINGS_PER_WORKER = 200;
    /** Messages (pings and pongs) per big invocation. */
    public static final int BIG_MESSAGES = 2 * BIG_WORKERS * BIG_PINGS_PER_WORKER;

    /** Actors spawned, watched and stopped per spawn-rate invocation. */
    public static final int SPAWNS = 10_000;
    /** Children of the spawn-rate parent alive at most at once. */
    public static final int SPAWN_WINDOW = 100;

    /** Asks chained one after the other per ask invocation. */
    public static final int ASKS = 1_000;

    /** Idle actors spawned per footprint invocation. */
    public static final int IDLE_ACTORS = 200_000;

    /** How long an invocation may take before it is declared hung. */
    public static final long TIMEOUT_SECONDS = 60;

    private Workloads() {}

    /**
     * Waits for {@code latch}, failing the invocation with {@code what} if the workload did not
     * complete within {@link #TIMEOUT_SECONDS}: a lost message shows up as a failure, not as a
     * fast score.
     */
    public static void await(CountDownLatch latch, String what) {
        try {
            if (!latch.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new IllegalStateException(what + " did not complete within " + TIMEOUT_SECONDS
                        + " s (" + latch.getCount() + " parts missing): a message was lost");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(what + " interrupted", e);
        }
    }

    /** Fails the invocation unless {@code actual == expected}. */
    public static void check(String what, long expected, long actual) {
        if (actual != expected) {
            throw new IllegalStateException(what + ": expected " + expected + ", was " + actual);
        }
    }

    /**
     * The small computation of one fjt message: a few dependent square roots, about 100 ns.
     * The result feeds the next call so that the JIT cannot drop it.
     */
    public static double work(double seed) {
        double r = seed;
        for (int i = 1; i <= 16; i++) {
            r = Math.sqrt(r * r + i);
        }
        return r - Math.floor(r);
    }

    /** The Savina chameneos colour an encounter of {@code a} and {@code b} produces. */
    public static int complement(int a, int b) {
        return a == b ? a : 3 - a - b;
    }

    /**
     * Bytes of heap in use after full collections: the smallest reading of several
     * {@code System.gc()} rounds, so that late finalization and concurrent-cycle leftovers do
     * not count.
     */
    public static long usedHeapAfterGc() {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            best = Math.min(best, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return best;
    }
}
