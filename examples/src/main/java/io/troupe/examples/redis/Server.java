package io.troupe.examples.redis;

import io.troupe.actors.ActorRef;
import java.util.List;

/**
 * What every connection shares: the key-space shards and the pub/sub broker, and the limits.
 * Immutable; any thread.
 *
 * @param shards the shard actors; a key lives on {@code shards[hash(key) mod shards.size()]}
 * @param broker the pub/sub broker
 * @param maxBulkBytes the largest argument a client may send
 * @param maxPipelined how many commands a connection may have waiting for replies before it stops reading
 */
record Server(List<ActorRef<Shard.Msg>> shards, ActorRef<PubSub.Msg> broker, int maxBulkBytes, int maxPipelined) {
    /** The index of the shard that owns {@code key}. */
    int shardOf(byte[] key) {
        return (Key.hash(key) & 0x7fff_ffff) % shards.size();
    }
}
