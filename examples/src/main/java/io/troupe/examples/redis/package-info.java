/**
 * Mini-redis: a Redis-compatible server built from Troupe's pieces, small enough to read in an
 * afternoon. Start with {@link io.troupe.examples.redis.MiniRedis}, whose comment lists the files
 * in reading order.
 *
 * <p>The path of one command, {@code SET greeting hello}:
 * <ol>
 *   <li>the connection actor reads the bytes and, in the same turn, calls its stage
 *       ({@code Session}), which feeds them to the {@code RespDecoder};</li>
 *   <li>the decoder hands over the arguments; the session makes a {@code Request}, queues it in
 *       request order, and adds it to the batch of the shard that owns {@code greeting};</li>
 *   <li>at the end of the read, each batch goes to its {@code Shard} actor in one message; the
 *       shard runs the commands on its {@code Keyspace} and hands the batch back with
 *       {@code Connection.execute};</li>
 *   <li>back in the connection's turn, the session writes the replies at the head of its queue
 *       that are done, encoded by its {@code RespWriter}, in one write.</li>
 * </ol>
 */
package io.troupe.examples.redis;
