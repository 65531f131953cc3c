package io.troupe.examples.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.timers.Clock;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Pipelined replies stay in request order when the shards answer out of order. The shards are
 * replaced by one actor that holds every batch until told, then executes the batches in reverse
 * order of arrival: deterministic, no timing.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SessionOrderTest {
    private ActorSystem system;

    @AfterEach
    void stop() {
        if (system != null) {
            system.close();
        }
    }

    /** Holds Execute messages; on "release", runs them last-first on a real keyspace. */
    private static final class HoldingShard extends Actor<Object> {
        private final CountDownLatch arrived;
        private final List<Shard.Execute> held = new ArrayList<>();
        private final Keyspace keys = new Keyspace(Clock.system());

        HoldingShard(CountDownLatch arrived) {
            this.arrived = arrived;
        }

        @Override
        protected void receive(Object message) {
            if (message instanceof Shard.Execute e) {
                held.add(e);
                for (int i = 0; i < e.requests().length; i++) {
                    arrived.countDown();
                }
            } else if ("release".equals(message)) {
                for (int i = held.size() - 1; i >= 0; i--) {
                    final Shard.Execute e = held.get(i);
                    for (Request r : e.requests()) {
                        keys.execute(r);
                    }
                    e.connection().execute(e.onExecuted());
                }
                held.clear();
            }
        }
    }

    /** A key that the two-shard server puts on {@code shard}. */
    private static String keyOn(Server server, int shard, String prefix) {
        for (int i = 0; ; i++) {
            final String key = prefix + i;
            if (server.shardOf(key.getBytes(StandardCharsets.UTF_8)) == shard) {
                return key;
            }
        }
    }

    @Test
    void pipelinedReplies_areWrittenInRequestOrder_whateverOrderShardsAnswerIn() throws Exception {
        // Property: replies to a pipeline whose commands go to different shards (and one to both,
        // and one answered by the connection itself) are written in the order of the requests,
        // though the later shard batch is executed and handed back first.
        system = ActorSystem.create("mini-redis-order");
        final CountDownLatch arrived = new CountDownLatch(5);
        final ActorRef<Object> holder = system.spawn(() -> new HoldingShard(arrived), "holding-shard");
        @SuppressWarnings({"unchecked", "rawtypes"})
        final ActorRef<Shard.Msg> asShard = (ActorRef) holder;
        final Server server = new Server(List.of(asShard, asShard), system.spawn(PubSub::new, "broker"), 1 << 20, 1024);
        final String x = keyOn(server, 0, "x");
        final String y = keyOn(server, 1, "y");
        final int port = ((InetSocketAddress) MiniRedis.serve(system, new InetSocketAddress("127.0.0.1", 0), server)
                .toCompletableFuture().join().localAddress()).getPort();
        try (RespClient c = new RespClient(port)) {
            // Shard 0 gets [SET x, DEL x]; shard 1 gets [SET y, DEL y, GET y]; PING needs no shard.
            c.send("SET", x, "1").send("SET", y, "2").send("PING").send("DEL", x, y).send("GET", y);
            assertTrue(arrived.await(10, TimeUnit.SECONDS), "the five shard requests arrive");
            holder.tell("release"); // shard 1's batch runs and comes back first
            final List<String> replies = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                replies.add(c.read());
            }
            assertEquals(List.of("+OK", "+OK", "+PONG", ":2", "(nil)"), replies);
        }
        assertNotEquals(x, y);
    }
}
