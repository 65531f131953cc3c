package io.troupe.examples.redis;

import java.util.Locale;

/**
 * Step 2: the commands the server knows, with Redis' arity rule and where each one runs.
 *
 * <p>Arity as in Redis' command table: a positive number is the exact argument count (the name
 * included), a negative one the least. {@link Route} says who executes the command: the
 * connection itself, the shard that owns its key, every shard holding one of its keys, every
 * shard, or the pub/sub broker.
 */
enum Command {
    PING(-1, Route.CONNECTION),
    ECHO(2, Route.CONNECTION),
    QUIT(-1, Route.CONNECTION),
    SELECT(2, Route.CONNECTION),
    CONFIG(-2, Route.CONNECTION),
    COMMAND(-1, Route.CONNECTION),
    SUBSCRIBE(-2, Route.CONNECTION),
    UNSUBSCRIBE(-1, Route.CONNECTION),
    GET(2, Route.KEY),
    SET(-3, Route.KEY),
    INCR(2, Route.KEY),
    DECR(2, Route.KEY),
    EXPIRE(-3, Route.KEY),
    TTL(2, Route.KEY),
    PTTL(2, Route.KEY),
    DEL(-2, Route.KEYS),
    EXISTS(-2, Route.KEYS),
    DBSIZE(1, Route.ALL_SHARDS),
    FLUSHALL(-1, Route.ALL_SHARDS),
    FLUSHDB(-1, Route.ALL_SHARDS),
    PUBLISH(3, Route.BROKER);

    /** Who executes a command. */
    enum Route {
        /** The connection, in its own turn (no key, no shared state). */
        CONNECTION,
        /** The shard that owns the key at {@code args[1]}. */
        KEY,
        /** Every shard that owns one of the keys {@code args[1..]}, each with its own keys; the integer replies add up. */
        KEYS,
        /** Every shard; the integer replies add up. */
        ALL_SHARDS,
        /** The pub/sub broker. */
        BROKER
    }

    private static final Command[] ALL = values();

    /** The name as Redis writes it in errors: lower case. */
    final String lowerName;
    private final byte[] upperName;
    /** Redis' arity: exact if positive, at least {@code -arity} if negative; the name counts. */
    final int arity;
    final Route route;

    Command(int arity, Route route) {
        this.arity = arity;
        this.route = route;
        this.lowerName = name().toLowerCase(Locale.ROOT);
        this.upperName = name().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** The command named {@code name}, in any case; null if there is none. */
    static Command lookup(byte[] name) {
        for (Command c : ALL) {
            if (c.upperName.length == name.length && c.is(name)) {
                return c;
            }
        }
        return null;
    }

    private boolean is(byte[] name) {
        for (int i = 0; i < name.length; i++) {
            final int b = name[i];
            final int upper = b >= 'a' && b <= 'z' ? b - ('a' - 'A') : b;
            if (upper != upperName[i]) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code argc} arguments (the name included) fit the arity. */
    boolean acceptsArgCount(int argc) {
        return arity > 0 ? argc == arity : argc >= -arity;
    }

    /** Whether a connection that has subscribed (RESP2's subscribe mode) may run it. */
    boolean allowedWhileSubscribed() {
        return this == SUBSCRIBE || this == UNSUBSCRIBE || this == PING || this == QUIT;
    }
}
