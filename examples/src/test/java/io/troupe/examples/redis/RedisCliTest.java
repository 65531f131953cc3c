package io.troupe.examples.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.ActorSystem;
import io.troupe.io.Tcp;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * MiniRedis end to end with real clients: {@code redis-cli} from Debian's redis-tools (scripted
 * sessions, a subscriber process) and raw RESP over a socket. Expected outputs were produced by
 * the same scripts against redis-server 7.0.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RedisCliTest {
    private ActorSystem system;
    private int port;
    private final List<Process> processes = new ArrayList<>();

    @BeforeEach
    void start() {
        system = ActorSystem.create("mini-redis-cli");
        final Tcp.Bound bound = MiniRedis.start(system, new InetSocketAddress("127.0.0.1", 0), MiniRedis.Options.defaults())
                .toCompletableFuture().join();
        port = ((InetSocketAddress) bound.localAddress()).getPort();
    }

    @AfterEach
    void stop() {
        processes.forEach(Process::destroyForcibly);
        system.close();
    }

    @Test
    void redisCli_scriptedSession_printsWhatRedisPrints() throws Exception {
        // Property: a redis-cli session over strings, counters, expiry and errors prints exactly
        // what it prints against redis-server 7.0 (nil and errors print as an empty line, after the error).
        final String script = String.join("\n",
                "PING", "PING \"hello world\"", "ECHO 'quoted  text'",
                "SET greeting hello", "GET greeting", "GET missing",
                "SET greeting again NX", "SET greeting again XX", "GET greeting",
                "SET counter 10", "INCR counter", "INCR counter", "DECR counter", "INCR greeting",
                "SET session token EX 100", "TTL session", "SET short token PX 100000", "TTL short",
                "TTL greeting", "TTL missing", "EXPIRE counter 50", "TTL counter",
                "EXISTS greeting counter missing greeting", "DEL greeting counter missing", "EXISTS greeting counter",
                "SET k v NX XX", "SET k v EX 0", "SET k v EX ten", "GET", "GET a b", "FOO bar baz", "DBSIZE") + "\n";
        assertEquals(String.join("\n",
                "PONG", "hello world", "quoted  text",
                "OK", "hello", "",
                "", "OK", "again",
                "OK", "11", "12", "11", "ERR value is not an integer or out of range", "",
                "OK", "100", "OK", "100",
                "-1", "-2", "1", "50",
                "3", "2", "0",
                "ERR syntax error", "", "ERR invalid expire time in 'set' command", "",
                "ERR value is not an integer or out of range", "",
                "ERR wrong number of arguments for 'get' command", "",
                "ERR wrong number of arguments for 'get' command", "",
                "ERR unknown command 'FOO', with args beginning with: 'bar' 'baz' ", "",
                "2") + "\n", RedisTools.cli(port, script));
    }

    @Test
    void redisCli_subscriber_printsPublishedMessagesInOrder() throws Exception {
        // Property: a `redis-cli subscribe` process sees its confirmations, then exactly the
        // messages published on its channels by another client, in publish order; PUBLISH
        // answers the number of receivers (0 for a channel nobody listens to).
        final Process subscriber = RedisTools.start("redis-cli", "-p", Integer.toString(port), "subscribe", "news", "weather");
        processes.add(subscriber);
        final BufferedReader lines = new BufferedReader(new InputStreamReader(subscriber.getInputStream(), StandardCharsets.UTF_8));
        assertEquals(List.of("subscribe", "news", "1", "subscribe", "weather", "2"), read(lines, 6));
        // Both confirmations printed: both Subscribe messages are in the broker's mailbox ahead of any PUBLISH now.
        assertEquals("1\n1\n0\n1\n", RedisTools.cli(port, "PUBLISH news hello\nPUBLISH weather \"rain today\"\n"
                + "PUBLISH sports goal\nPUBLISH news bye\n"));
        assertEquals(List.of("message", "news", "hello", "message", "weather", "rain today", "message", "news", "bye"),
                read(lines, 9));
    }

    private static List<String> read(BufferedReader reader, int n) throws Exception {
        final List<String> got = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            final String line = reader.readLine();
            assertTrue(line != null, "the subscriber ended after " + got);
            got.add(line);
        }
        return got;
    }

    @Test
    void subscribeMode_rejectsOtherCommands_unsubscribeStopsDelivery() throws Exception {
        // Property: a subscribed connection answers PING as an array, refuses other commands
        // with Redis' error, and after UNSUBSCRIBE gets no more messages (PUBLISH counts 0).
        try (RespClient sub = new RespClient(port); RespClient pub = new RespClient(port)) {
            sub.send("SUBSCRIBE", "a", "b");
            assertEquals("[$subscribe, $a, :1]", sub.read());
            assertEquals("[$subscribe, $b, :2]", sub.read());
            assertEquals("-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET"
                    + " are allowed in this context", sub.call("GET", "x"));
            assertEquals("[$pong, $]", sub.call("PING"));
            assertEquals(":1", pub.call("PUBLISH", "a", "first"));
            assertEquals("[$message, $a, $first]", sub.read());
            assertEquals("[$unsubscribe, $a, :1]", sub.call("UNSUBSCRIBE", "a"));
            assertEquals(":0", pub.call("PUBLISH", "a", "second"));
            assertEquals(":1", pub.call("PUBLISH", "b", "third"));
            assertEquals("[$message, $b, $third]", sub.read());
            sub.send("UNSUBSCRIBE");
            assertEquals("[$unsubscribe, $b, :0]", sub.read());
            assertEquals("[$unsubscribe, (nil), :0]", sub.call("UNSUBSCRIBE"));
            assertEquals("+PONG", sub.call("PING"));
        }
    }

    @Test
    void protocolError_isAnsweredThenTheConnectionCloses() throws Exception {
        // Property: as in Redis, the commands before a framing error are answered, then the
        // error, then the server closes the connection; input after it is ignored.
        try (RespClient c = new RespClient(port)) {
            c.sendRaw("*1\r\n$4\r\nPING\r\n*abc\r\n*1\r\n$4\r\nPING\r\n");
            assertEquals("+PONG", c.read());
            assertEquals("-ERR Protocol error: invalid multibulk length", c.read());
            assertTrue(c.isClosedByServer());
        }
        try (RespClient c = new RespClient(port)) {
            c.sendRaw("PING\r\nSET \"a b\r\n");
            assertEquals("+PONG", c.read());
            assertEquals("-ERR Protocol error: unbalanced quotes in request", c.read());
            assertTrue(c.isClosedByServer());
        }
        try (RespClient c = new RespClient(port)) { // QUIT: OK, then closed, the rest ignored
            c.sendRaw("SET q 1\r\nQUIT\r\nSET q 2\r\n");
            assertEquals("+OK", c.read());
            assertEquals("+OK", c.read());
            assertTrue(c.isClosedByServer());
        }
        try (RespClient c = new RespClient(port)) {
            assertEquals("$1", c.call("GET", "q"));
            assertEquals("-ERR unknown command 'nope', with args beginning with: ", c.call("nope"));
            assertEquals("+PONG", c.call("PING")); // a command error does not close
        }
    }

    @Test
    void inlineCommands_andBigValues_splitAndPipelined() throws Exception {
        // Property: inline commands work as redis-cli's raw mode sends them; a value larger than a
        // read and than the write queue's high watermark survives SET and eight pipelined GETs,
        // whose replies arrive whole and in order while the client reads slowly.
        try (RespClient c = new RespClient(port)) {
            c.sendRaw("SET \"a b\" 'x y'\r\nGET \"a b\"\r\nPING\n");
            assertEquals("+OK", c.read());
            assertEquals("$x y", c.read());
            assertEquals("+PONG", c.read());
            final StringBuilder big = new StringBuilder(3 << 20);
            for (int i = 0; big.length() < (3 << 20); i++) {
                big.append(i).append(',');
            }
            assertEquals("+OK", c.call("SET", "big", big.toString()));
            final StringBuilder pipeline = new StringBuilder();
            for (int i = 0; i < 8; i++) {
                pipeline.append("*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n*2\r\n$4\r\nECHO\r\n$1\r\n").append(i).append("\r\n");
            }
            c.sendRaw(pipeline.toString());
            for (int i = 0; i < 8; i++) {
                assertEquals("$" + big, c.read(), "GET " + i);
                assertEquals("$" + i, c.read());
            }
        }
    }
}
