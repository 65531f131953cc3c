package io.troupe.io;

import static io.troupe.io.TestHandlers.ANY_LOCAL_PORT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.testkit.TestProbe;
import io.troupe.io.TestHandlers.Echo;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Lost wake-ups in the I/O driver: many connections doing round trips, one at a time each,
 * while other actors on the same workers keep going busy and idle, so that workers park, block
 * in {@code select}, hand the selector over and are woken from the timer thread, from each other
 * and by readiness, all the time. Under load other activity soon makes up for a lost wake-up,
 * so a quiet phase follows, in which one connection's round trips each start from a timer
 * message injected into an idle system: there a lost wake-up is never made up for. Each round
 * trip has a deadline, and every echo is compared byte for byte. Round trips scale with
 * {@code troupe.stress.scale}; assertions are on content, never on timings.
 */
@Timeout(120)
class IoDriverStressTest extends BothDrivers {
    private static final int SCALE = Integer.getInteger("troupe.stress.scale", 1);
    private static final int CONNECTIONS = 1000;
    private static final int ROUND_TRIPS = 20 * SCALE;
    private static final int QUIET_ROUND_TRIPS = 200 * SCALE;
    private static final int CHURNERS = 4;
    /** The bound on one round trip: generous, since 1,000 connections start at once on two cores. */
    private static final Duration ROUND_TRIP_BOUND = Duration.ofSeconds(20);

    @Test
    void roundTrips_manyConnectionsAmongBusyAndIdleActors_everyRoundTripAnsweredInTime() throws Exception {
        // 1,000 connections each do 20 sequential echo round trips, pausing on a timer between two, while 4 actors alternate
        // a hundred microseconds or two of spinning with idleness on the same workers; then, with the system quiet, one
        // connection does 200 more: every round trip completes within its bound, byte for byte.
        final int connections = Math.min(CONNECTIONS, TestHandlers.fdBudget());
        if (connections < CONNECTIONS) {
            System.getLogger(IoDriverStressTest.class.getName()).log(System.Logger.Level.WARNING,
                    "only {0} connections fit in the open-files limit, not {1}", connections, CONNECTIONS);
        }
        try (ActorSystem system = startSystem("io-wakeup-stress")) {
            final AtomicLong bursts = new AtomicLong();
            final List<ActorRef<Object>> churners = new ArrayList<>();
            for (int i = 0; i < CHURNERS; i++) {
                churners.add(system.spawn(() -> new Churner(bursts), "churner-" + i));
            }
            for (int i = 0; i < CHURNERS; i++) {
                churners.get(i).tell(churners.get((i + 1) % CHURNERS)); // its neighbour, then it starts
            }
            final Tcp.Bound bound = Tcp.bind(system, ANY_LOCAL_PORT, TcpOptions.defaults().withBacklog(connections),
                    Echo::new).toCompletableFuture().join();
            final SplittableRandom seeds = new SplittableRandom(1000);
            roundTrips(system, bound, 0, connections, ROUND_TRIPS, seeds);
            assertTrue(bursts.get() > 0, "the busy actors never ran: the load this test is about was missing");

            // Quiet: the churners stopped, each pause of the one client ends with a message the timer thread injects
            // into an idle system.
            final TestProbe<Object> watcher = TestProbe.create(system);
            for (ActorRef<Object> c : churners) {
                watcher.watch(c);
                system.stop(c);
                watcher.expectTerminated(c, TestHandlers.WAIT);
            }
            roundTrips(system, bound, connections, 1, QUIET_ROUND_TRIPS, seeds);
        }
    }

    /**
     * Connects clients {@code from} to {@code from + count - 1}, each doing {@code rounds} round
     * trips, and checks that every one finished all of them, once, without a failure.
     */
    private static void roundTrips(ActorSystem system, Tcp.Bound bound, int from, int count, int rounds,
                                   SplittableRandom seeds) throws InterruptedException {
        final CountDownLatch done = new CountDownLatch(count);
        final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        final List<Integer> finished = Collections.synchronizedList(new ArrayList<>());
        final List<Integer> all = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            final int index = i;
            final long seed = seeds.nextLong();
            final ActorRef<Object> client = system.spawn(
                    () -> new RoundTrips(index, rounds, seed, done, failures, finished), "client-" + i);
            Tcp.connect(system, bound.localAddress(), TcpOptions.defaults(), ROUND_TRIP_BOUND, client.narrow());
            all.add(i);
        }
        assertTrue(done.await(60, TimeUnit.SECONDS), "connections still running: " + done.getCount()
                + " of " + count + ", failures so far: " + failures);
        assertTrue(failures.isEmpty(), failures.size() + " failures, first: " + failures.peek());
        final List<Integer> got = new ArrayList<>(finished);
        Collections.sort(got);
        assertEquals(all, got, "every connection finished its " + rounds + " round trips, once");
    }

    /** The deadline of one round trip, told by the client's own timer. */
    private record Deadline(int round) {}

    /** The end of a client's pause between two round trips, told by its own timer. */
    private enum Think { INSTANCE }

    /**
     * Does its round trips one after the other, each a seeded random payload of
     * 1 to 512 bytes that must come back exactly, within {@link #ROUND_TRIP_BOUND}, with a pause
     * of 0 or 1 ms on its timer between two; then closes.
     */
    static final class RoundTrips extends Actor<Object> {
        private final int index;
        private final int rounds;
        private final SplittableRandom random;
        private final CountDownLatch done;
        private final ConcurrentLinkedQueue<String> failures;
        private final List<Integer> finished;
        private ActorRef<Tcp.Command> connection;
        private int round;
        private byte[] sent;
        private int echoed;
        private boolean reported;

        RoundTrips(int index, int rounds, long seed, CountDownLatch done, ConcurrentLinkedQueue<String> failures,
                   List<Integer> finished) {
            this.index = index;
            this.rounds = rounds;
            this.random = new SplittableRandom(seed);
            this.done = done;
            this.failures = failures;
            this.finished = finished;
        }

        @Override
        protected void receive(Object message) {
            if (message instanceof Tcp.Connected c) {
                connection = c.connection();
                send();
            } else if (message instanceof Tcp.Received r) {
                onEcho(r.data());
            } else if (message == Think.INSTANCE) {
                send();
            } else if (message instanceof Deadline d) {
                if (d.round() == round && !reported) {
                    fail("round trip " + round + " not answered within " + ROUND_TRIP_BOUND + " (" + echoed + " of "
                            + sent.length + " bytes back)");
                }
            } else if (message instanceof Tcp.ConnectFailed f) {
                fail("connect failed: " + f.cause());
            } else if (message instanceof Tcp.ConnectionClosed c) {
                if (!reported) {
                    fail("closed after " + round + " round trips: " + c);
                }
                context().stop(self());
            } else if (message instanceof Tcp.Event e && !(e instanceof Tcp.PeerClosed)) {
                fail("unexpected " + e);
            }
        }

        private void send() {
            sent = new byte[1 + random.nextInt(512)];
            for (int i = 0; i < sent.length; i++) {
                sent[i] = (byte) random.nextInt(256);
            }
            echoed = 0;
            context().timers().startSingleTimer(Deadline.class, new Deadline(round), ROUND_TRIP_BOUND);
            connection.tell(Tcp.Write.of(sent.clone()));
        }

        private void onEcho(ByteBuffer data) {
            final int n = data.remaining();
            final byte[] got = new byte[n];
            data.duplicate().get(got);
            if (echoed + n > sent.length || !Arrays.equals(got, 0, n, sent, echoed, echoed + n)) {
                fail("round trip " + round + ": bytes " + echoed + ".." + (echoed + n) + " differ from those sent ("
                        + sent.length + " bytes)");
                return;
            }
            echoed += n;
            if (echoed < sent.length) {
                return;
            }
            context().timers().cancel(Deadline.class);
            if (++round < rounds) {
                // think for 0 or 1 ms: the next round then starts from a message the timer thread injects
                context().timers().startSingleTimer(Think.INSTANCE, Think.INSTANCE, Duration.ofMillis(random.nextInt(2)));
                return;
            }
            reported = true;
            finished.add(index);
            done.countDown();
            connection.tell(new Tcp.Close());
        }

        private void fail(String why) {
            if (!reported) {
                reported = true;
                failures.add("connection " + index + ": " + why);
                done.countDown();
            }
        }
    }

    /** A churner's own wake-up, from its timer. */
    private enum Tick { INSTANCE }

    /**
     * Goes busy and idle in turns: on each tick from its timer (1 to 3 ms apart) it spins for one
     * or two hundred microseconds, pokes its neighbour (which spins too, woken by a worker rather
     * than by the timer thread), and goes idle until the next tick.
     */
    static final class Churner extends Actor<Object> {
        private static final int SPIN_ROUNDS = 100_000;

        private final AtomicLong bursts;
        private final SplittableRandom random = new SplittableRandom();
        private ActorRef<Object> neighbour;
        private long sink;

        Churner(AtomicLong bursts) {
            this.bursts = bursts;
        }

        @Override
        @SuppressWarnings("unchecked")
        protected void receive(Object message) {
            if (message instanceof ActorRef<?> n) {
                neighbour = (ActorRef<Object>) n;
                context().timers().startSingleTimer(Tick.INSTANCE, Tick.INSTANCE, Duration.ZERO);
            } else if (message == Tick.INSTANCE) {
                spin();
                neighbour.tell(Boolean.TRUE);
                context().timers().startSingleTimer(Tick.INSTANCE, Tick.INSTANCE, Duration.ofMillis(1 + random.nextInt(3)));
            } else {
                spin();
            }
        }

        /** Busy work of a fixed size (a xorshift walk), kept alive through a field. */
        private void spin() {
            long x = sink | 1;
            for (int i = 0; i < SPIN_ROUNDS; i++) {
                x ^= x << 13;
                x ^= x >>> 7;
                x ^= x << 17;
            }
            sink = x;
            bursts.incrementAndGet();
        }
    }
}
