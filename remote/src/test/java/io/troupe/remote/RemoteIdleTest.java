package io.troupe.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two associated nodes with nothing to say still exchange heartbeats (here every 50 ms) and run
 * their drivers' periodic work; neither is activity, so both reach their deep parks (here after
 * 200 ms of silence), and a message after the silence still arrives.
 */
@Timeout(60)
class RemoteIdleTest {
    @Test
    void anIdlePairExchangingHeartbeatsReachesDeepIdle_andWakesForTheNextMessage() throws Exception {
        final RemoteSettings settings = RemoteSettings.udp(0).withSecret("idle-cookie")
                .withFailureDetector(Duration.ofMillis(50), 10.0, Duration.ofSeconds(3))
                .withDeepIdle(Duration.ofMillis(200), Duration.ofMillis(4));
        final LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
        try (ActorSystem a = ActorSystem.create("idle-a"); ActorSystem b = ActorSystem.create("idle-b");
             RemoteNode na = RemoteNode.start(a, settings);
             RemoteNode nb = RemoteNode.start(b, settings)) {
            a.spawn(Actor.<String>of((ctx, m) -> got.add(m)), "sink");
            final ActorRef<String> sink = nb.resolve(na.address() + "/user/sink");
            sink.tell("first");
            assertEquals("first", got.poll(20, TimeUnit.SECONDS));
            // heartbeats flow both ways every 50 ms from now on; with them counted as activity the
            // 200 ms silence would never come
            final long aBefore = na.deepParks();
            final long bBefore = nb.deepParks();
            awaitTrue("both nodes in deep idle", () -> na.deepParks() > aBefore + 10 && nb.deepParks() > bBefore + 10);
            assertTrue(na.connectedNodes().contains(nb.address()), "still associated: heartbeats kept the detector happy");
            sink.tell("after the silence");
            assertEquals("after the silence", got.poll(20, TimeUnit.SECONDS));
        }
    }

    /** Polls {@code condition} until it holds, failing after 20 s: a bounded wait on a probe. */
    private static void awaitTrue(String what, BooleanSupplier condition) {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out waiting for " + what);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L);
        }
    }
}
