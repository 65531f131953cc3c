package io.troupe.io.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.ActorSystem;
import io.troupe.io.IoSettings;
import io.troupe.io.Tcp;
import io.troupe.io.TcpOptions;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * "Selector polls" (issue 15) counts the polls of reactors with threads of their own, as it
 * counts the workers' polls of a worker-driven one: read-time sums of each reactor's own count,
 * kept when the reactors close.
 */
@Timeout(60)
class ReactorPollsCounterTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private static long counter(ActorSystem system) {
        return system.counterValues().get("selector polls");
    }

    private static long threadPolls(List<Reactor> reactors) {
        long sum = 0;
        for (Reactor r : reactors) {
            sum += r.threadPolls();
        }
        return sum;
    }

    private static long selects(List<Reactor> reactors) {
        long sum = 0;
        for (Reactor r : reactors) {
            sum += r.selects();
        }
        return sum;
    }

    /**
     * Waits until the reactors' polls hold still across a read of the counter, and returns
     * {the reactors' polls, the counter} of that read.
     */
    private static long[] settled(ActorSystem system, List<Reactor> reactors) {
        final long[] read = new long[2];
        BoundedWait.until(() -> {
            final long before = threadPolls(reactors);
            read[1] = counter(system);
            read[0] = threadPolls(reactors);
            return before == read[0];
        }, WAIT, () -> "reactor polls kept moving");
        return read;
    }

    @Test
    void selectorPolls_areTheReactorThreadsPolls_andKeptAfterTheyClose() throws Exception {
        // Two reactor threads and no worker-driven selector: once each blocks in select, "selector polls" equals the
        // polls the two threads counted (at least one each); an echo round trip makes them poll more and the counter
        // follows exactly; after the system (and its reactors) stopped, the counter still holds their last counts.
        final ActorSystem system = ActorSystem.builder("reactor-polls").parallelism(2).deadLetterLogsPerSecond(0).build();
        final List<Reactor> reactors;
        final long[] idle;
        final long[] busy;
        try {
            reactors = IoExtension.start(system, IoSettings.defaults().withReactorThreads(2)).reactors();
            assertEquals(2, reactors.size());
            for (Reactor r : reactors) {
                assertFalse(r.isDrivenByWorkers());
                BoundedWait.until(() -> r.selects() >= 1, WAIT, () -> "the reactor thread to block in select");
            }
            idle = settled(system, reactors);
            assertTrue(idle[0] >= 2, "each reactor thread polled: " + idle[0]);
            assertEquals(idle[0], idle[1], "selector polls = the reactor threads' polls");

            final Tcp.Bound bound = Tcp.bind(system, new InetSocketAddress("127.0.0.1", 0), TcpOptions.defaults(),
                    io.troupe.io.TestHandlers.Echo::new).toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            try (Socket s = new Socket()) {
                s.connect(bound.localAddress(), (int) WAIT.toMillis());
                s.setSoTimeout((int) WAIT.toMillis());
                final byte[] hello = "hello".getBytes(StandardCharsets.US_ASCII);
                final OutputStream out = s.getOutputStream();
                out.write(hello);
                final InputStream in = s.getInputStream();
                final byte[] back = in.readNBytes(hello.length);
                assertEquals("hello", new String(back, StandardCharsets.US_ASCII));
            }
            busy = settled(system, reactors);
            assertTrue(busy[0] > idle[0], "the round trip made the reactors poll: " + idle[0] + " then " + busy[0]);
            assertEquals(busy[0], busy[1], "selector polls = the reactor threads' polls");
            final long selects = selects(reactors);
            assertTrue(threadPolls(reactors) >= selects, "each blocking select is one of the polls");
        } finally {
            system.close();
        }
        final long last = threadPolls(reactors);
        assertTrue(last >= busy[0], "polls only grow");
        assertEquals(last, counter(system), "the closed reactors' polls stay in the counter");
    }
}
