package io.troupe.examples.redis;

import io.troupe.actors.Actor;
import io.troupe.io.Connection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Step 4, pub/sub: the broker actor that knows which connections listen on which channel.
 *
 * <p>SUBSCRIBE and UNSUBSCRIBE tell it {@link Subscribe} and {@link Unsubscribe}; PUBLISH sends
 * it {@link Publish}, and it hands the message to every subscriber of the channel (each delivers
 * it in its own connection's turn) and answers with how many there were, as Redis does. One
 * actor holds every channel, so a message reaches the subscribers in the order it was published
 * and the count is exact: Troupe's {@code Topic} (a bounded ring with lag counts) fits streams of
 * updates better than Redis' fire-and-forget channels, whose PUBLISH must say how many clients
 * it reached.
 *
 * <p>Ordering: a connection tells {@link Subscribe} before it writes the SUBSCRIBE confirmation,
 * so a client that publishes after seeing the confirmation is behind the subscription in this
 * actor's mailbox, and its message is delivered.
 */
final class PubSub extends Actor<PubSub.Msg> {
    /*
     * Implementation overview
     *
     * Threading protocol. An actor: one message at a time; Subscriber.deliver only enqueues
     * work on the subscriber's connection (Connection.execute), so a slow subscriber never
     * holds the broker.
     *
     * Invariants. `channels` has no empty set: a channel without subscribers is removed.
     *
     * Memory ordering. Messages and their frames are immutable once sent.
     *
     * Shutdown. Nothing to release; connections unsubscribe when they close.
     */

    /** A connection that listens. */
    interface Subscriber {
        /**
         * A message published on a channel it subscribed to. Called on the broker's thread:
         * must only hand the frame over (to its connection), never block.
         *
         * @param channel the channel
         * @param frame the message as RESP, {@code *3 message <channel> <payload>}; shared, not to be changed
         */
        void deliver(Key channel, byte[] frame);
    }

    /** What the broker takes. */
    sealed interface Msg {}

    /**
     * Add {@code subscriber} to {@code channel}.
     *
     * @param channel the channel
     * @param subscriber who listens
     */
    record Subscribe(Key channel, Subscriber subscriber) implements Msg {}

    /**
     * Remove {@code subscriber} from {@code channel}.
     *
     * @param channel the channel
     * @param subscriber who listened
     */
    record Unsubscribe(Key channel, Subscriber subscriber) implements Msg {}

    /**
     * PUBLISH channel message: deliver it, reply with the number of receivers, then run
     * {@code onPublished} in {@code connection}'s turn.
     *
     * @param request the PUBLISH request
     * @param connection the publisher's connection
     * @param onPublished what that connection does with the reply
     */
    record Publish(Request request, Connection connection, Runnable onPublished) implements Msg {}

    private static final byte[] MESSAGE = "message".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final Map<Key, Set<Subscriber>> channels = new HashMap<>();

    @Override
    protected void receive(Msg message) {
        if (message instanceof Subscribe s) {
            channels.computeIfAbsent(s.channel(), k -> new LinkedHashSet<>()).add(s.subscriber());
        } else if (message instanceof Unsubscribe u) {
            final Set<Subscriber> subscribers = channels.get(u.channel());
            if (subscribers != null && subscribers.remove(u.subscriber()) && subscribers.isEmpty()) {
                channels.remove(u.channel());
            }
        } else if (message instanceof Publish p) {
            publish(p);
        }
    }

    private void publish(Publish p) {
        final Key channel = new Key(p.request().args[1]);
        final Set<Subscriber> subscribers = channels.get(channel);
        final int receivers = subscribers == null ? 0 : subscribers.size();
        if (receivers > 0) {
            final byte[] frame = new RespWriter(32 + channel.bytes.length + p.request().args[2].length)
                    .array(3).bulk(MESSAGE).bulk(channel.bytes).bulk(p.request().args[2]).toByteArray();
            for (Subscriber s : subscribers) {
                s.deliver(channel, frame);
            }
        }
        p.request().replyInteger(receivers);
        p.connection().execute(p.onPublished());
    }
}
