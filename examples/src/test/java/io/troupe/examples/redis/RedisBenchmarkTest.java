package io.troupe.examples.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.ActorSystem;
import io.troupe.io.Tcp;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Debian's {@code redis-benchmark} against MiniRedis: 50 connections, with and without
 * pipelining. It must finish without errors, and a GET afterwards must find what it wrote. A
 * correctness run, not a measurement (benchmarks/run-redis.sh measures).
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RedisBenchmarkTest {
    private ActorSystem system;
    private String port;

    @BeforeEach
    void start() {
        system = ActorSystem.create("mini-redis-benchmark");
        final Tcp.Bound bound = MiniRedis.start(system, new InetSocketAddress("127.0.0.1", 0), MiniRedis.Options.defaults())
                .toCompletableFuture().join();
        port = Integer.toString(((InetSocketAddress) bound.localAddress()).getPort());
    }

    @AfterEach
    void stop() {
        system.close();
    }

    private List<String> benchmark(String... args) throws Exception {
        final String[] command = new String[args.length + 3];
        command[0] = "redis-benchmark";
        command[1] = "-p";
        command[2] = port;
        System.arraycopy(args, 0, command, 3, args.length);
        final RedisTools.Result r = RedisTools.run("", 90, command);
        assertEquals(0, r.exitCode(), "redis-benchmark failed: " + r.stdout() + r.stderr());
        assertTrue(!r.stdout().contains("rror") && !r.stderr().contains("rror"), "errors: " + r.stdout() + r.stderr());
        return RedisTools.lines(r.stdout());
    }

    @Test
    void setGet_with50Clients_plainAndPipelined_finishWithoutErrors() throws Exception {
        // Property: redis-benchmark's SET and GET tests (50 clients, 20,000 requests each, then
        // again 16 to a pipeline) complete with no error and report both tests; the key it wrote
        // then reads back as its 3-byte value.
        for (String[] run : new String[][] {
                {"-t", "set,get", "-n", "20000", "-c", "50", "--csv"},
                {"-t", "set,get", "-n", "20000", "-c", "50", "-P", "16", "--csv"}}) {
            final List<String> csv = benchmark(run);
            assertEquals("\"test\"", csv.get(0).split(",")[0], "the CSV header: " + csv);
            assertEquals(List.of("\"SET\"", "\"GET\""), csv.subList(1, 3).stream().map(l -> l.split(",")[0]).toList());
        }
        try (RespClient c = new RespClient(Integer.parseInt(port))) {
            final String value = c.call("GET", "key:__rand_int__");
            assertTrue(value.matches("\\$.{3}"), "redis-benchmark's key holds its 3-byte value, got " + value);
            assertEquals(":1", c.call("DBSIZE"));
        }
    }

    @Test
    void incr_with50Clients_pipelined_countsEveryRequestExactlyOnce() throws Exception {
        // Property: 20,000 INCRs from 50 pipelining clients (and 20,000 more without pipelining)
        // leave the counter at exactly 40,000: none lost, none run twice.
        benchmark("-n", "20000", "-c", "50", "-P", "16", "-q", "INCR", "counter");
        benchmark("-n", "20000", "-c", "50", "-q", "INCR", "counter");
        try (RespClient c = new RespClient(Integer.parseInt(port))) {
            assertEquals("$40000", c.call("GET", "counter"));
        }
    }
}
