package io.troupe.examples.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
                for (int i = 0; i < e.count(); i++) {
                    arrived.countDown();
                }
            } else if ("release".equals(message)) {
                for (int i = held.size() - 1; i >= 0; i--) {
                    final Shard.Execute e = held.get(i);
                    for (int k = 0; k < e.count(); k++) {
                        keys.execute(e.requests()[k]);
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

    private static String resp(String... args) {
        final StringBuilder b = new StringBuilder("*").append(args.length).append("\r\n");
        for (String a : args) {
            b.append('$').append(a.length()).append("\r\n").append(a).append("\r\n");
        }
        return b.toString();
    }

    @Test
    void pipelinedReplies_areWrittenInRequestOrder_whateverOrderShardsAnswerIn() throws Exception {
        // Property: replies to a pipeline whose commands go to different shards (one to both, two
        // answered by the connection itself) are written in the order of the requests, though
        // the later shard batches are executed and handed back first.
        system = ActorSystem.create("mini-redis-order");
        final CountDownLatch arrived = new CountDownLatch(5);
        final ActorRef<Object> holder = system.spawn(() -> new HoldingShard(arrived), "holding-shard");
        @SuppressWarnings({"unchecked", "rawtypes"})
        final ActorRef<Shard.Msg> asShard = (ActorRef) holder;
        final Server server = new Server(List.of(asShard, asShard), system.spawn(PubSub::new, "broker"), 1 << 20, 1024);
        final String x1 = keyOn(server, 0, "x1-");
        final String x2 = keyOn(server, 0, "x2-");
        final String y1 = keyOn(server, 1, "y1-");
        final String y2 = keyOn(server, 1, "y2-");
        final String y3 = keyOn(server, 1, "y3-");
        final int port = ((InetSocketAddress) MiniRedis.serve(system, new InetSocketAddress("127.0.0.1", 0), server)
                .toCompletableFuture().join().localAddress()).getPort();
        try (RespClient c = new RespClient(port)) {
            // Every key distinct, so no reply depends on which batch runs first. In one read,
            // shard 0 gets [SET x1, DEL x2] and shard 1 [INCR y1, DEL y2, GET y3]; PING and ECHO
            // need no shard. However the pipeline is cut into reads, the holder hands the later
            // batches back first.
            c.sendRaw(resp("SET", x1, "a") + resp("INCR", y1) + resp("PING") + resp("DEL", x2, y2)
                    + resp("ECHO", "hi") + resp("GET", y3));
            assertTrue(arrived.await(10, TimeUnit.SECONDS), "the five shard requests (DEL in two parts) arrive");
            holder.tell("release");
            final List<String> replies = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                replies.add(c.read());
            }
            assertEquals(List.of("+OK", ":1", "+PONG", ":0", "$hi", "(nil)"), replies);
        }
    }
}
