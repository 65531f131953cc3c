package io.troupe.io;

import static io.troupe.io.TestHandlers.ANY_LOCAL_PORT;
import static io.troupe.io.TestHandlers.WAIT;
import static io.troupe.io.TestHandlers.client;
import static io.troupe.io.TestHandlers.readFully;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.testkit.TestProbe;
import io.troupe.io.TestHandlers.Echo;
import io.troupe.io.TestHandlers.Forwarder;
import io.troupe.io.TestHandlers.HandlerStarted;
import io.troupe.io.internal.BoundedWait;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Who waits for readiness, and who wakes whom: a worker blocked in {@code select} is woken by
 * work from outside, busy workers still see readiness, a handler that blocks its worker does
 * not leave the selector unpolled, and closing the system while a thread is in {@code select}
 * ends every thread and releases every port. Every wait is bounded.
 */
@Timeout(60)
class IoDriverTest extends BothDrivers {

    @Test
    void externalTell_onlyWorkerIdleInSelect_isWokenForEveryCommand() throws Exception {
        // With one worker, idle (blocked in select when it drives the I/O), each Write told from outside the system wakes it:
        // 200 times in a row the bytes reach the peer and the peer's answer reaches the handler.
        try (ActorSystem system = startSystem(uniqueName("io-wake-one"), 1)) {
            final TestProbe<Object> probe = TestProbe.create(system);
            final Tcp.Bound bound = Tcp.bind(system, ANY_LOCAL_PORT, TcpOptions.defaults(), Forwarder.to(probe.ref()))
                    .toCompletableFuture().join();
            try (Socket peer = client(bound.localAddress())) {
                probe.expectMessageClass(HandlerStarted.class, WAIT);
                final ActorRef<Tcp.Command> connection = probe.expectMessageClass(Tcp.Connected.class, WAIT).connection();
                final Thread worker = thread(system.name() + "-worker-0");
                for (int i = 0; i < 200; i++) {
                    awaitTrue(() -> isIdle(worker), () -> "the worker went idle: " + worker.getState());
                    final byte[] out = ("command " + i).getBytes(StandardCharsets.UTF_8);
                    connection.tell(Tcp.Write.of(out));
                    assertArrayEquals(out, readFully(peer.getInputStream(), out.length), "write " + i);
                    final byte[] back = ("answer " + i).getBytes(StandardCharsets.UTF_8);
                    peer.getOutputStream().write(back);
                    assertArrayEquals(back, receive(probe, back.length), "answer " + i);
                }
            }
        }
    }

    @Test
    void busyWorkers_actorsThatNeverGoIdle_socketsStillServed() throws Exception {
        // While every worker is kept busy by actors that always have another message, so no worker is ever idle,
        // readiness is still seen (a busy worker polls every few dozen activations) and 50 echo round trips complete.
        try (ActorSystem system = startSystem(uniqueName("io-busy-workers"), 2)) {
            final Tcp.Bound bound = Tcp.bind(system, ANY_LOCAL_PORT, TcpOptions.defaults(), Echo::new)
                    .toCompletableFuture().join();
            try (Socket s = client(bound.localAddress())) {
                roundTrip(s, "before the load");
                final AtomicBoolean spun = new AtomicBoolean();
                for (int i = 0; i < 2; i++) {
                    system.spawn(() -> new NeverIdle(spun), "never-idle-" + i).tell(Boolean.TRUE);
                }
                awaitTrue(spun::get, () -> "the busy actors started");
                for (int i = 0; i < 50; i++) {
                    roundTrip(s, "under load " + i);
                }
            }
        }
    }

    @Test
    void blockedHandler_onTheWorkerThatPolled_otherConnectionsKeepBeingServed() throws Exception {
        // With two workers, one connection's handler blocks the worker that found its readiness (holding the selector)
        // until the test releases it, which the test does only after old and new connections did round trips
        // meanwhile: the other worker took the selector over.
        final ActorSystem configured = ActorSystem.builder(uniqueName("io-starvation")).parallelism(2)
                .slowHandlerThreshold(Duration.ofMinutes(1)).build(); // this handler blocks on purpose
        try (ActorSystem system = drivenBy(configured, IoSettings.defaults().withDriver(driver))) {
            final CountDownLatch entered = new CountDownLatch(1);
            final CountDownLatch release = new CountDownLatch(1);
            final AtomicBoolean blocked = new AtomicBoolean();
            final Tcp.Bound bound = Tcp.bind(system, ANY_LOCAL_PORT, TcpOptions.defaults(),
                    () -> new BlockingEcho(entered, release, blocked)).toCompletableFuture().join();
            final List<Socket> others = new ArrayList<>();
            try (Socket busy = client(bound.localAddress())) {
                for (int i = 0; i < 4; i++) {
                    others.add(client(bound.localAddress()));
                    roundTrip(others.get(i), "hello " + i);
                }
                awaitTrue(() -> idleWorkers(system) == 2, () -> "both workers idle before the blocking request");
                busy.getOutputStream().write(BlockingEcho.BLOCK);
                assertTrue(entered.await(WAIT.toMillis(), TimeUnit.MILLISECONDS), "the handler blocked");
                for (int round = 0; round < 10; round++) {
                    for (int i = 0; i < others.size(); i++) {
                        roundTrip(others.get(i), "round " + round + " on " + i);
                    }
                }
                try (Socket late = client(bound.localAddress())) {
                    roundTrip(late, "accepted while a worker is blocked");
                }
                assertTrue(blocked.get(), "all of that happened while the handler was still blocked");
                release.countDown();
                assertArrayEquals(BlockingEcho.BLOCK, readFully(busy.getInputStream(), BlockingEcho.BLOCK.length));
            } finally {
                release.countDown();
                for (Socket s : others) {
                    s.close();
                }
            }
        }
    }

    @Test
    void close_whileAThreadIsInSelect_endsEveryThreadAndReleasesEveryPort() throws Exception {
        // Closing the system while it is idle (a worker, or the reactor thread, blocked in select) ends every thread of
        // the system and releases every port: two TCP listeners' and a UDP socket's ports bind again at once.
        final ActorSystem system = startSystem(uniqueName("io-close-in-select"), 2);
        final List<String> threadsBefore;
        final InetSocketAddress tcpA;
        final InetSocketAddress tcpB;
        final InetSocketAddress udp;
        try (system; Socket live = connectedPair(system)) {
            tcpA = (InetSocketAddress) Tcp.bind(system, ANY_LOCAL_PORT, TcpOptions.defaults(), Echo::new)
                    .toCompletableFuture().join().localAddress();
            tcpB = (InetSocketAddress) live.getRemoteSocketAddress();
            final TestProbe<Object> probe = TestProbe.create(system);
            Udp.bind(system, ANY_LOCAL_PORT, probe.<Udp.Event>ref().narrow());
            udp = (InetSocketAddress) probe.expectMessageClass(Udp.Bound.class, WAIT).localAddress();
            final String selecting = driver == IoSettings.Driver.WORKERS ? "-worker-" : "-io-reactor-";
            awaitTrue(() -> threadInSelect(system).contains(selecting), () -> "a thread named *" + selecting
                    + "* blocked in select; in select now: " + threadInSelect(system));
            threadsBefore = new ArrayList<>(threadNamesOf(system));
            system.close();
            assertEquals(-1, live.getInputStream().read(), "the live connection was closed");
        }
        awaitTrue(() -> threadNamesOf(system).isEmpty(), () -> "every thread of the system ended; before the close: "
                + threadsBefore + ", still alive: " + threadNamesOf(system));
        try (ServerSocketChannel a = ServerSocketChannel.open(); ServerSocketChannel b = ServerSocketChannel.open();
             DatagramChannel u = DatagramChannel.open()) {
            a.bind(tcpA); // each throws BindException if the system still held the port
            b.bind(tcpB);
            u.bind(udp);
        }
    }

    /** A system name of this run alone, so that threads of another run's system are never taken for this one's. */
    private String uniqueName(String base) {
        return base + "-" + driver.name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Binds an echo listener and returns a client connected to it, after one round trip. */
    private static Socket connectedPair(ActorSystem system) throws IOException {
        final Tcp.Bound bound = Tcp.bind(system, ANY_LOCAL_PORT, TcpOptions.defaults(), Echo::new)
                .toCompletableFuture().join();
        final Socket s = client(bound.localAddress());
        roundTrip(s, "connected");
        return s;
    }

    /** Writes {@code text} and expects exactly it back (an echo). */
    private static void roundTrip(Socket s, String text) throws IOException {
        final byte[] out = text.getBytes(StandardCharsets.UTF_8);
        s.getOutputStream().write(out);
        assertEquals(text, new String(readFully(s.getInputStream(), out.length), StandardCharsets.UTF_8));
    }

    /** Collects Received events until {@code n} bytes have come. */
    private static byte[] receive(TestProbe<Object> probe, int n) {
        final ByteArrayOutputStream got = new ByteArrayOutputStream();
        while (got.size() < n) {
            got.writeBytes(probe.expectMessageClass(Tcp.Received.class, WAIT).toByteArray());
        }
        return got.toByteArray();
    }

    private static Thread thread(String name) {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals(name)) {
                return t;
            }
        }
        throw new AssertionError("no thread named " + name);
    }

    /** Whether {@code t} is blocked in a selector's select. */
    private static boolean inSelect(Thread t) {
        for (StackTraceElement e : t.getStackTrace()) {
            if (e.getMethodName().equals("lockAndDoSelect")) {
                return true;
            }
        }
        return false;
    }

    /** Idle: parked, or blocked in select (a worker driving the I/O). */
    private static boolean isIdle(Thread t) {
        return t.getState() == Thread.State.WAITING || inSelect(t);
    }

    /** The names of the system's threads now in select. */
    private static String threadInSelect(ActorSystem system) {
        final List<String> names = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(system.name() + "-") && inSelect(t)) {
                names.add(t.getName());
            }
        }
        return names.toString();
    }

    private static int idleWorkers(ActorSystem system) {
        int idle = 0;
        final Set<String> names = threadNamesOf(system);
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (names.contains(t.getName()) && t.getName().contains("-worker-") && isIdle(t)) {
                idle++;
            }
        }
        return idle;
    }

    /** Waits, within {@code WAIT}, for a state no event announces: see {@link BoundedWait}. */
    private static void awaitTrue(BooleanSupplier condition, Supplier<String> what) {
        BoundedWait.until(condition, WAIT, what);
    }

    /** Echoes, except that the first request starting with '!' blocks its worker until the test releases it. */
    static final class BlockingEcho extends Actor<Tcp.Event> {
        static final byte[] BLOCK = "!block".getBytes(StandardCharsets.UTF_8);

        private final CountDownLatch entered;
        private final CountDownLatch release;
        private final AtomicBoolean blocked;
        private ActorRef<Tcp.Command> connection;

        BlockingEcho(CountDownLatch entered, CountDownLatch release, AtomicBoolean blocked) {
            this.entered = entered;
            this.release = release;
            this.blocked = blocked;
        }

        @Override
        protected void receive(Tcp.Event event) {
            if (event instanceof Tcp.Connected c) {
                connection = c.connection();
            } else if (event instanceof Tcp.Received r) {
                if (r.data().get(r.data().position()) == '!' && entered.getCount() > 0) {
                    blockUntilReleased();
                }
                connection.tell(Tcp.Write.of(r.data()));
            } else if (event instanceof Tcp.ConnectionClosed) {
                context().stop(self());
            }
        }

        /** Blocks this worker (what a handler must never do) for as long as the test wants, within a bound. */
        private void blockUntilReleased() {
            blocked.set(true);
            entered.countDown();
            try {
                release.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                blocked.set(false);
            }
        }
    }

    /** Always has another message: it tells itself one after a little busy work, so its worker never idles. */
    static final class NeverIdle extends Actor<Object> {
        private final AtomicBoolean spun;
        private long sink = 1;

        NeverIdle(AtomicBoolean spun) {
            this.spun = spun;
        }

        @Override
        protected void receive(Object message) {
            for (int i = 0; i < 1_000; i++) {
                sink ^= sink << 13;
                sink ^= sink >>> 7;
                sink ^= sink << 17;
            }
            spun.set(true);
            self().tell(message);
        }
    }
}
