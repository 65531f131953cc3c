package io.troupe.examples.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.ActorSystem;
import io.troupe.io.Tcp;
import io.troupe.timers.ManualClock;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Expiry through the whole server on a {@link ManualClock}: the shards' timers remove keys when
 * the clock reaches their deadlines, with no sleep anywhere. DBSIZE counts stored keys without
 * looking them up, so it sees only what the timers removed (a lookup would expire lazily).
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ExpiryTest {
    private final ManualClock clock = new ManualClock();
    private ActorSystem system;

    @AfterEach
    void stop() {
        if (system != null) {
            system.close();
        }
    }

    private int start(int shards) {
        system = ActorSystem.builder("mini-redis-expiry").clock(clock).build();
        final Tcp.Bound bound = MiniRedis.start(system, new InetSocketAddress("127.0.0.1", 0),
                MiniRedis.Options.defaults().withShards(shards)).toCompletableFuture().join();
        return ((InetSocketAddress) bound.localAddress()).getPort();
    }

    private void advance(long millis) throws InterruptedException {
        clock.advance(Duration.ofMillis(millis)); // due timers' messages are in the shards' mailboxes when this returns
    }

    @Test
    void shardTimers_removeKeysAtTheirDeadlines_inDeadlineOrder() throws Exception {
        // Property: a key with a deadline is removed by its shard's timer when the clock reaches
        // the deadline (DBSIZE drops), not before; TTL and PTTL count down with the clock;
        // EXPIRE moves a deadline and SET without options removes it.
        try (RespClient c = new RespClient(start(4))) {
            assertEquals("+OK", c.call("SET", "a", "1", "PX", "100"));
            assertEquals("+OK", c.call("SET", "b", "2", "EX", "2"));
            assertEquals("+OK", c.call("SET", "c", "3", "PX", "150"));
            assertEquals("+OK", c.call("SET", "d", "4", "PX", "150"));
            assertEquals("+OK", c.call("SET", "d", "4"));           // d no longer expires
            assertEquals("+OK", c.call("SET", "e", "5"));
            assertEquals(":1", c.call("EXPIRE", "e", "1"));
            assertTrue(clock.awaitPendingTimers(1, Duration.ofSeconds(10)));
            assertEquals(":5", c.call("DBSIZE"));
            assertEquals(":100", c.call("PTTL", "a"));
            advance(99);
            assertEquals(":5", c.call("DBSIZE"));
            assertEquals(":1", c.call("PTTL", "a"));
            advance(1);                                              // a's deadline
            assertEquals(":4", c.call("DBSIZE"));
            advance(50);                                             // c's
            assertEquals(":3", c.call("DBSIZE"));
            assertEquals(":-1", c.call("TTL", "d"));
            assertEquals(":1", c.call("TTL", "e"));
            advance(850);                                            // e's, at 1 s
            assertEquals(":2", c.call("DBSIZE"));
            assertEquals(":1", c.call("TTL", "b"));
            advance(1000);                                           // b's, at 2 s
            assertEquals(":1", c.call("DBSIZE"));
            assertEquals("$4", c.call("GET", "d"));
            assertEquals("(nil)", c.call("GET", "b"));
        }
    }

    @Test
    void incrKeepsTheDeadline_expiredKeyReadsAsAbsent() throws Exception {
        // Property: INCR keeps a key's deadline (it is not a new SET); once past it the counter
        // starts again from nothing, and NX sees the expired key as absent.
        try (RespClient c = new RespClient(start(1))) {
            assertEquals("+OK", c.call("SET", "n", "10", "PX", "500"));
            assertEquals(":11", c.call("INCR", "n"));
            assertEquals(":500", c.call("PTTL", "n"));
            advance(500);
            assertEquals(":0", c.call("DBSIZE"));
            assertEquals(":1", c.call("INCR", "n"));
            assertEquals(":-1", c.call("TTL", "n"));
            assertEquals("+OK", c.call("SET", "lock", "me", "NX", "PX", "200"));
            assertEquals("(nil)", c.call("SET", "lock", "you", "NX", "PX", "200"));
            advance(200);
            assertEquals("+OK", c.call("SET", "lock", "you", "NX", "PX", "200"));
            assertEquals("$you", c.call("GET", "lock"));
        }
    }
}
