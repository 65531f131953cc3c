package io.troupe.io;

import static io.troupe.io.TestHandlers.ANY_LOCAL_PORT;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.io.TestHandlers.AnsweringEcho;
import java.io.IOException;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Byte-exact streaming through an echo server that follows the back-pressure recipe: many
 * connections, each written in random-sized chunks while the echo is read back concurrently
 * and compared byte for byte, then half-closed. Volume scales with {@code troupe.stress.scale};
 * every wait is bounded; assertions are on content, never on timings.
 */
class TcpEchoStreamingStressTest extends BothDrivers {
    private static final int SCALE = Integer.getInteger("troupe.stress.scale", 1);
    private static final int CONNECTIONS = 16;
    private static final long BYTES_PER_CONNECTION = (3L << 20) * SCALE;
    private static final int SMALL_BUFFER_BYTES = 16 << 10;

    @Test
    @Timeout(120)
    void echo_streamingManyConnectionsThenHalfClose_everyByteBackThenEof() throws Exception {
        // 16 connections each stream a few MB in chunks of 1 B..64 KiB; every byte comes back unchanged and in order, then EOF.
        try (ActorSystem system = startSystem("echo-streaming")) {
            final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            final AtomicInteger pauses = new AtomicInteger();
            final ActorRef<Object> observer = system.spawn(Actor.<Object>of((ctx, event) -> {
                if (event instanceof Tcp.WritingPaused) {
                    pauses.incrementAndGet();
                } else if (event instanceof Tcp.WriteRejected || event instanceof Tcp.CommandFailed) {
                    failures.add("server refused: " + event);
                } else if (event instanceof Tcp.ConnectionStats s && s.writesRejected() != 0) {
                    failures.add("server refused writes: " + s);
                }
            }), "observer");
            // The server's kernel buffers take a whole read turn (16 x 64 KiB) at once, but it sends
            // through small ones into clients that read slowly: its write queue fills up.
            final TcpOptions options = AnsweringEcho.ANSWERING.withBufferSizes(SMALL_BUFFER_BYTES, 0);
            final Tcp.Bound bound = Tcp.bind(system, ANY_LOCAL_PORT, options, AnsweringEcho.observedBy(observer))
                    .toCompletableFuture().join();
            final CountDownLatch done = new CountDownLatch(2 * CONNECTIONS);
            final List<Socket> sockets = new ArrayList<>();
            try {
                final SplittableRandom seeds = new SplittableRandom(8);
                for (int i = 0; i < CONNECTIONS; i++) {
                    final Socket s = new Socket();
                    s.setReceiveBufferSize(SMALL_BUFFER_BYTES);
                    s.setSoTimeout((int) TestHandlers.WAIT.toMillis());
                    s.connect(bound.localAddress());
                    sockets.add(s);
                    final long seed = seeds.nextLong();
                    EchoStreams.start("writer-" + i, done, failures, () -> EchoStreams.writeThenHalfClose(s, seed, BYTES_PER_CONNECTION));
                    EchoStreams.start("reader-" + i, done, failures, () -> EchoStreams.expectEchoThenEof(s, seed, BYTES_PER_CONNECTION));
                }
                assertTrue(done.await(100, TimeUnit.SECONDS), "still running: " + done.getCount()
                        + " of " + 2 * CONNECTIONS + " client threads; failures so far: " + failures);
            } finally {
                for (Socket s : sockets) {
                    s.close(); // also ends a client thread still blocked in a read or write
                }
            }
            assertTrue(failures.isEmpty(), failures.size() + " failures, first: " + failures.peek());
            assertTrue(pauses.get() > 0, "no write queue reached its high watermark: back-pressure was not exercised");
        }
    }

}
