package io.troupe.examples.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A key-value store as an actor: the state is a plain map, safe because the actor handles one
 * message at a time. The HTTP handlers reach it by ask ({@code Services.ask}).
 */
final class KvStore extends Actor<KvStore.Command> {
    /** What the store understands. */
    sealed interface Command {}

    /**
     * Reads a key.
     *
     * @param key the key
     * @param replyTo gets the value, or empty
     */
    record Get(String key, ActorRef<Optional<JsonNode>> replyTo) implements Command {}

    /**
     * Writes a key.
     *
     * @param key the key
     * @param value the JSON value
     * @param replyTo gets true if the key is new, false if a value was replaced
     */
    record Put(String key, JsonNode value, ActorRef<Boolean> replyTo) implements Command {}

    /**
     * Removes a key.
     *
     * @param key the key
     * @param replyTo gets true if there was a value
     */
    record Delete(String key, ActorRef<Boolean> replyTo) implements Command {}

    private final Map<String, JsonNode> values = new HashMap<>();

    @Override
    protected void receive(Command command) {
        if (command instanceof Get g) {
            g.replyTo().tell(Optional.ofNullable(values.get(g.key())));
        } else if (command instanceof Put p) {
            p.replyTo().tell(values.put(p.key(), p.value()) == null);
        } else if (command instanceof Delete d) {
            d.replyTo().tell(values.remove(d.key()) != null);
        }
    }
}
