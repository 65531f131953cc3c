package io.troupe.examples.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.troupe.timers.ManualClock;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** One shard's data and commands, without actors, on a manual clock. */
@Timeout(30)
class KeyspaceTest {
    private final ManualClock clock = new ManualClock();
    private final Keyspace keys = new Keyspace(clock);

    /** Runs one command (split on spaces) and returns its reply as RESP text. */
    private String run(String line) {
        final byte[][] args = Arrays.stream(line.split(" ")).map(s -> s.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
        final Request r = new Request(Command.lookup(args[0]), args);
        keys.execute(r);
        final RespWriter w = new RespWriter(16);
        r.writeTo(w);
        return new String(w.toByteArray(), StandardCharsets.UTF_8);
    }

    @Test
    void expiredKey_isGoneOnLookup_beforeAnyTimerRuns() {
        // Property (lazy expiry): a key past its deadline reads as absent and is removed by the
        // lookup itself, with expireDue never called.
        assertEquals("+OK\r\n", run("SET k v PX 100"));
        clock.advance(Duration.ofMillis(99));
        assertEquals("$1\r\nv\r\n", run("GET k"));
        clock.advance(Duration.ofMillis(1));
        assertEquals(1, keys.size(), "still stored until looked up");
        assertEquals("$-1\r\n", run("GET k"));
        assertEquals(0, keys.size());
    }

    @Test
    void expireDue_removesExactlyTheKeysWhoseDeadlineCame() {
        // Property (active expiry): expireDue removes the due keys and only those; a deadline
        // replaced by a later one (or removed by SET) does not remove the key early.
        run("SET a 1 PX 100");
        run("SET b 2 PX 200");
        run("SET c 3 PX 100");
        run("SET c 3");            // c loses its deadline
        run("EXPIRE b 1");         // b's deadline moves to 1 s
        assertEquals(100 * 1_000_000L, keys.nextDeadline() - clock.nanoTime());
        clock.advance(Duration.ofMillis(200));
        assertEquals(1, keys.expireDue());
        assertEquals(2, keys.size());
        assertEquals(":-2\r\n", run("TTL a"));
        assertEquals(":800\r\n", run("PTTL b"));
        assertEquals(":-1\r\n", run("TTL c"));
        clock.advance(Duration.ofMillis(800));
        assertEquals(1, keys.expireDue());
        assertEquals(":0\r\n", run("EXISTS b"));
    }

    @Test
    void setOptions_incr_expireOptions_likeRedis() {
        // Property: SET's NX/XX/KEEPTTL, INCR's integer rules and EXPIRE's NX/XX/GT/LT answer as
        // Redis 7 does (checked against redis-server 7.0).
        final ByteArrayOutputStream log = new ByteArrayOutputStream();
        for (String cmd : new String[] {
                "SET k v NX", "SET k w NX", "SET k x XX", "SET none x XX", "GET k",
                "SET k v EX 100", "SET k w KEEPTTL", "TTL k", "SET k w", "TTL k",
                "SET n 9223372036854775806", "INCR n", "INCR n", "DECR n", "SET z 007", "INCR z", "SET m -0", "INCR m",
                "INCR fresh", "DECR fresh2",
                "EXPIRE n 10 XX", "EXPIRE n 10 NX", "EXPIRE n 20 GT", "EXPIRE n 5 GT", "EXPIRE n 5 LT", "TTL n",
                "EXPIRE n 5 NX XX", "EXPIRE n 5 GT LT", "EXPIRE n 5 FOO", "EXPIRE n abc", "EXPIRE n -1", "EXISTS n",
                "SET k v EX 9223372036854775807", "SET k v PX -1", "SET k v EX 1 PX 1", "SET k v KEEPTTL EX 1", "SET k v EX",
        }) {
            log.writeBytes((cmd + " -> " + run(cmd)).getBytes(StandardCharsets.UTF_8));
        }
        assertEquals(String.join("", new String[] {
                "SET k v NX -> +OK\r\n", "SET k w NX -> $-1\r\n", "SET k x XX -> +OK\r\n", "SET none x XX -> $-1\r\n",
                "GET k -> $1\r\nx\r\n",
                "SET k v EX 100 -> +OK\r\n", "SET k w KEEPTTL -> +OK\r\n", "TTL k -> :100\r\n", "SET k w -> +OK\r\n",
                "TTL k -> :-1\r\n",
                "SET n 9223372036854775806 -> +OK\r\n", "INCR n -> :9223372036854775807\r\n",
                "INCR n -> -ERR increment or decrement would overflow\r\n", "DECR n -> :9223372036854775806\r\n",
                "SET z 007 -> +OK\r\n", "INCR z -> -ERR value is not an integer or out of range\r\n",
                "SET m -0 -> +OK\r\n", "INCR m -> -ERR value is not an integer or out of range\r\n",
                "INCR fresh -> :1\r\n", "DECR fresh2 -> :-1\r\n",
                "EXPIRE n 10 XX -> :0\r\n", "EXPIRE n 10 NX -> :1\r\n", "EXPIRE n 20 GT -> :1\r\n",
                "EXPIRE n 5 GT -> :0\r\n", "EXPIRE n 5 LT -> :1\r\n", "TTL n -> :5\r\n",
                "EXPIRE n 5 NX XX -> -ERR NX and XX, GT or LT options at the same time are not compatible\r\n",
                "EXPIRE n 5 GT LT -> -ERR GT and LT options at the same time are not compatible\r\n",
                "EXPIRE n 5 FOO -> -ERR Unsupported option FOO\r\n",
                "EXPIRE n abc -> -ERR value is not an integer or out of range\r\n",
                "EXPIRE n -1 -> :1\r\n", "EXISTS n -> :0\r\n",
                "SET k v EX 9223372036854775807 -> -ERR invalid expire time in 'set' command\r\n",
                "SET k v PX -1 -> -ERR invalid expire time in 'set' command\r\n",
                "SET k v EX 1 PX 1 -> -ERR syntax error\r\n", "SET k v KEEPTTL EX 1 -> -ERR syntax error\r\n",
                "SET k v EX -> -ERR syntax error\r\n",
        }), log.toString(StandardCharsets.UTF_8));
    }
}
