package io.troupe.examples.redis;

import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.SpawnOptions;
import io.troupe.io.Tcp;
import io.troupe.io.TcpOptions;
import io.troupe.mailbox.OverflowPolicy;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * A Redis-compatible server on Troupe: {@code redis-cli} and {@code redis-benchmark} talk to it.
 *
 * <pre>
 * mvn -q -B -pl examples exec:java -Dexec.mainClass=io.troupe.examples.redis.MiniRedis -Dexec.args=6380
 * redis-cli -p 6380 set greeting hello
 * </pre>
 *
 * <p>It speaks RESP2 and knows PING, ECHO, GET, SET (EX, PX, NX, XX, KEEPTTL), DEL, EXISTS,
 * INCR, DECR, EXPIRE (NX, XX, GT, LT), TTL, PTTL, DBSIZE, FLUSHALL, PUBLISH, SUBSCRIBE,
 * UNSUBSCRIBE, QUIT, and enough of SELECT, CONFIG GET and COMMAND for the clients' start-up.
 * Errors read as Redis writes them. Nothing is persisted.
 *
 * <p>The pieces, one file each, in the order to read them:
 * <ol>
 *   <li>{@code RespDecoder} and {@code RespWriter}: the protocol, as a codec that takes a
 *       command split at any byte and many commands in one read;</li>
 *   <li>{@code Command} and {@code Request}: what a command is, where it runs, and the reply it
 *       waits for;</li>
 *   <li>{@code Keyspace} and {@code Shard}: the keys, split over a few shard actors by the
 *       key's hash, expiry on each shard's timer;</li>
 *   <li>{@code PubSub}: the broker actor for channels;</li>
 *   <li>{@code Session}: the connection, a stage that runs in the connection actor's own turn,
 *       sends commands to the shards and writes their replies in request order;</li>
 *   <li>this class: the actors started and the port bound.</li>
 * </ol>
 */
public final class MiniRedis {
    private MiniRedis() {}

    /**
     * Runs the server until the process is stopped; SIGTERM or Ctrl-C runs the actor system's
     * graceful shutdown: each connection stops reading, writes the replies it owes, and closes.
     *
     * @param args the port (default 6380), then optionally the number of shards (default 4)
     */
    public static void main(String[] args) {
        final int port = args.length > 0 ? number(args[0], "PORT") : 6380;
        final Options options = args.length > 1 ? Options.defaults().withShards(number(args[1], "SHARDS")) : Options.defaults();
        final ActorSystem system = ActorSystem.builder("mini-redis").shutdownOnJvmExit(true).build();
        final Tcp.Bound bound = start(system, new InetSocketAddress(port), options).toCompletableFuture().join();
        System.out.println("mini-redis listening on " + bound.localAddress() + " (try: redis-cli -p " + port + " ping)");
        system.whenTerminated().toCompletableFuture().join();
    }

    private static int number(String arg, String name) {
        try {
            return Integer.parseInt(arg);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("usage: MiniRedis [PORT [SHARDS]]; " + name
                    + " must be a whole number, was '" + arg + "'", e);
        }
    }

    /**
     * Starts the shards and the broker in {@code system} and serves RESP on {@code address}.
     * Any thread; returns at once.
     *
     * @param system the actor system (its clock times the keys' expiry)
     * @param address where to listen ({@code 127.0.0.1:0} picks a free port)
     * @param options the number of shards and the limits
     * @return completes with the bound listener, or exceptionally if the address is taken
     */
    public static CompletionStage<Tcp.Bound> start(ActorSystem system, SocketAddress address, Options options) {
        final List<ActorRef<Shard.Msg>> shards = new ArrayList<>();
        for (int i = 0; i < options.shards(); i++) {
            // A full shard mailbox holds the sending connection back (MUTE_SENDER) instead of dropping a command.
            shards.add(system.spawn(Shard::new, SpawnOptions.named("redis-shard-" + i)
                    .withMailbox(options.shardMailbox(), OverflowPolicy.MUTE_SENDER)));
        }
        final ActorRef<PubSub.Msg> broker = system.spawn(PubSub::new, SpawnOptions.named("redis-pubsub")
                .withMailbox(options.shardMailbox(), OverflowPolicy.MUTE_SENDER));
        return serve(system, address, new Server(List.copyOf(shards), broker, options.maxBulkBytes(), options.maxPipelined()));
    }

    /** Serves RESP on {@code address} with a {@link Session} per connection, all sharing {@code server}. */
    static CompletionStage<Tcp.Bound> serve(ActorSystem system, SocketAddress address, Server server) {
        // The write queue takes the largest reply past the high watermark, so no reply is ever refused (see Session).
        final TcpOptions tcp = TcpOptions.defaults().withWriteQueue(
                Session.WRITE_HIGH_WATERMARK_BYTES + server.maxBulkBytes() + (1 << 20),
                Session.WRITE_HIGH_WATERMARK_BYTES, Session.WRITE_HIGH_WATERMARK_BYTES / 4);
        return Tcp.serve(system, address, tcp, () -> new Session(server));
    }

    /**
     * The server's settings. Immutable; any thread.
     *
     * @param shards how many shard actors share the keys
     * @param maxBulkBytes the largest argument (a key or value) a client may send, in bytes
     * @param maxPipelined how many commands one connection may have waiting for replies before it stops reading
     * @param shardMailbox the shards' and the broker's mailbox capacity, in messages
     */
    public record Options(int shards, int maxBulkBytes, int maxPipelined, int shardMailbox) {
        /**
         * Checks the settings.
         *
         * @param shards positive
         * @param maxBulkBytes positive
         * @param maxPipelined positive
         * @param shardMailbox positive
         */
        public Options {
            positive(shards, "shards");
            positive(maxBulkBytes, "maxBulkBytes");
            positive(maxPipelined, "maxPipelined");
            positive(shardMailbox, "shardMailbox");
        }

        private static void positive(int value, String name) {
            if (value <= 0) {
                throw new IllegalArgumentException(name + " must be positive, was " + value);
            }
        }

        /**
         * 4 shards, arguments up to 16 MiB (Redis allows 512 MB), 1,024 commands in flight per
         * connection, mailboxes of 4,096 messages.
         *
         * @return the defaults
         */
        public static Options defaults() {
            return new Options(4, 16 << 20, 1024, 4096);
        }

        /**
         * These options with {@code shards} shard actors.
         *
         * @param shards how many; positive
         * @return new options
         */
        public Options withShards(int shards) {
            return new Options(shards, maxBulkBytes, maxPipelined, shardMailbox);
        }

        /**
         * These options with another argument limit.
         *
         * @param maxBulkBytes the largest argument, in bytes; positive
         * @return new options
         */
        public Options withMaxBulkBytes(int maxBulkBytes) {
            return new Options(shards, maxBulkBytes, maxPipelined, shardMailbox);
        }
    }
}
