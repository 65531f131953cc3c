package io.troupe.io;

import static io.troupe.io.TestHandlers.ANY_LOCAL_PORT;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.io.TestHandlers.Echo;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(180)
class TcpEchoStressTest extends BothDrivers {
    private static final int SCALE = Integer.getInteger("troupe.stress.scale", 1);

    @Test
    void echo_manyConcurrentConnections_everyByteBackOnceInOrder() throws Exception {
        // 1,000 concurrent connections (on the workers, or over two reactor threads) echo random payloads in random chunks: no byte is lost, duplicated or reordered.
        final int connections = Math.min(1000 * SCALE, TestHandlers.fdBudget());
        final IoSettings settings = driver == IoSettings.Driver.WORKERS ? IoSettings.defaults()
                : IoSettings.defaults().withReactorThreads(2);
        try (ActorSystem system = drivenBy(ActorSystem.create("echo-stress"), settings)) {
            final Tcp.Bound bound = Tcp.bind(system, ANY_LOCAL_PORT, TcpOptions.defaults().withBacklog(connections).withHalfClose(true),
                    Echo::new).toCompletableFuture().join();
            final CountDownLatch done = new CountDownLatch(connections);
            final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            final SplittableRandom seeds = new SplittableRandom(42);
            for (int i = 0; i < connections; i++) {
                final long seed = seeds.nextLong();
                final ActorRef<Tcp.Event> client = system.spawn(() -> new Client(seed, done, failures), "client-" + i);
                Tcp.connect(system, bound.localAddress(), TcpOptions.defaults(), Duration.ofSeconds(20), client);
            }
            assertTrue(done.await(50, TimeUnit.SECONDS), "connections still running: " + done.getCount()
                    + ", failures so far: " + failures);
            assertTrue(failures.isEmpty(), failures.size() + " failures, first: " + failures.peek());
        }
    }

    /** Sends a random payload in random chunks, half-closes, and checks that exactly the payload comes back. */
    static final class Client extends Actor<Tcp.Event> {
        private final CountDownLatch done;
        private final ConcurrentLinkedQueue<String> failures;
        private final SplittableRandom random;
        private final byte[] payload;
        private final ByteArrayOutputStream echoed = new ByteArrayOutputStream();
        private ActorRef<Tcp.Command> connection;
        private boolean reported;

        Client(long seed, CountDownLatch done, ConcurrentLinkedQueue<String> failures) {
            this.done = done;
            this.failures = failures;
            this.random = new SplittableRandom(seed);
            this.payload = new byte[1 + random.nextInt(64 << 10)];
            for (int i = 0; i < payload.length; i++) {
                payload[i] = (byte) random.nextInt(256);
            }
        }

        @Override
        protected void receive(Tcp.Event event) {
            if (event instanceof Tcp.Connected c) {
                connection = c.connection();
                int at = 0;
                while (at < payload.length) {
                    final int n = Math.min(payload.length - at, 1 + random.nextInt(8 << 10));
                    connection.tell(Tcp.Write.of(ByteBuffer.wrap(payload, at, n)));
                    at += n;
                }
                connection.tell(new Tcp.ShutdownOutput());
            } else if (event instanceof Tcp.Received r) {
                final ByteBuffer b = r.data();
                echoed.write(b.array(), b.arrayOffset() + b.position(), b.remaining());
            } else if (event instanceof Tcp.PeerClosed) {
                final byte[] got = echoed.toByteArray();
                if (!Arrays.equals(payload, got)) {
                    fail("echoed " + got.length + " bytes of " + payload.length + ", first difference at "
                            + Arrays.mismatch(payload, got));
                } else {
                    finish();
                }
                // both directions are shut now: the connection closes itself and tells Closed
            } else if (event instanceof Tcp.Closed) {
                fail("closed before the echo ended"); // no-op after finish()
                context().stop(self());
            } else if (event instanceof Tcp.ConnectFailed f) {
                fail("connect failed: " + f.cause());
                context().stop(self());
            } else if (event instanceof Tcp.ConnectionClosed c) {
                fail("closed early: " + c);
                context().stop(self());
            } else if (event instanceof Tcp.WriteRejected || event instanceof Tcp.CommandFailed) {
                fail("refused: " + event);
            }
        }

        private void fail(String why) {
            if (!reported) {
                reported = true;
                failures.add(self().path() + ": " + why);
                done.countDown();
            }
        }

        private void finish() {
            if (!reported) {
                reported = true;
                done.countDown();
            }
        }
    }

}
