package io.troupe.benchmarks.remote;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** The remote ping-pong workload, shared by Troupe's and Pekko's benchmarks so both do the same. */
public final class RemoteWorkload {
    /** Round trips per invocation, over all pairs (a pair does {@code ROUND_TRIPS / pairs}). */
    public static final int ROUND_TRIPS = 2_000;

    /** Bound on one invocation, on the first association's handshake, and on shutdown. */
    public static final long TIMEOUT_SECONDS = 30;

    private RemoteWorkload() {}

    /** Waits for {@code latch}, or fails after {@link #TIMEOUT_SECONDS}: a lost message is a failure, not a hang. */
    public static void await(CountDownLatch latch, String what) {
        try {
            if (!latch.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new IllegalStateException(what + " did not complete within " + TIMEOUT_SECONDS
                        + " s (" + latch.getCount() + " pairs left): a message was lost");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(what + " interrupted", e);
        }
    }
}
