package io.troupe.io.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.ActorSystem;
import io.troupe.actors.testkit.TestProbe;
import io.troupe.io.IoSettings;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A reactor whose selector fails: a select that throws an {@link IOException}, and a selector
 * closed underneath. Driven by the workers or by a thread of its own; every wait is bounded.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(IoSettings.Driver.class)
@Timeout(60)
class ReactorFaultTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final int WORKERS = 2;
    /** Who drives the reactor under test: the system's idle workers, or a thread of its own. */
    @Parameter
    IoSettings.Driver driver;
    private ActorSystem system;
    private Reactor reactor;
    private final List<Pipe> pipes = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        system = ActorSystem.builder("reactor-fault-" + driver.name().toLowerCase(java.util.Locale.ROOT))
                .parallelism(WORKERS).build();
        reactor = ReactorTest.open(system, driver);
    }

    @AfterEach
    void stop() throws Exception {
        reactor.close(5_000);
        for (Pipe p : pipes) {
            p.sink().close();
            p.source().close();
        }
        system.close();
    }

    @Test
    void select_failsWithIOException_onlyThatTurnIsLostAndEveryChannelIsStillServed() throws Exception {
        // A select that throws an IOException (as a failing epoll_wait would) costs that turn only: the thread that
        // polled lives on, and both channels registered before are served again.
        final TestProbe<Object> a = TestProbe.create(system);
        final TestProbe<Object> b = TestProbe.create(system);
        final Pipe pa = pipe();
        final Pipe pb = pipe();
        final Registration ra = reactor.register(pa.source(), a.ref(), SelectionKey.OP_READ);
        final Registration rb = reactor.register(pb.source(), b.ref(), SelectionKey.OP_READ);
        expectReadable(pa, a, ra);
        expectReadable(pb, b, rb);
        reactor.failNextSelect = new IOException("injected: select failed");
        reactor.wakeup(); // the turn after this select throws
        awaitTrue(() -> reactor.failNextSelect == null, () -> "a turn hit the injected failure");
        expectReadable(pa, a, ra);
        expectReadable(pb, b, rb);
        assertPollingThreadsAlive();
    }

    @Test
    void selector_closedUnderneath_aNewOneTakesOverEveryChannel_noThreadDies_anotherReactorServes() throws Exception {
        // With its selector closed underneath, the reactor opens a new one and registers its live channels in it: the
        // channel registered before keeps being served, a channel registered after is served, no exception escapes
        // into the thread that polls (every worker lives and still runs actors), another reactor serves, and the
        // reactor still closes.
        final TestProbe<Object> a = TestProbe.create(system);
        final Pipe pa = pipe();
        final Registration ra = reactor.register(pa.source(), a.ref(), SelectionKey.OP_READ);
        expectReadable(pa, a, ra);
        selectorOf(reactor).close();
        reactor.wakeup();
        for (int i = 0; i < 3; i++) {
            expectReadable(pa, a, ra); // the same registration, in the new selector
        }
        assertEquals(1, reactor.rebuilds(), "one new selector");
        final TestProbe<Object> c = TestProbe.create(system);
        final Pipe pc = pipe();
        final Registration rc = reactor.register(pc.source(), c.ref(), SelectionKey.OP_READ);
        expectReadable(pc, c, rc);
        final Reactor other = Reactor.withThread("other-reactor");
        try {
            final TestProbe<Object> b = TestProbe.create(system);
            final Pipe pb = pipe();
            final Registration rb = other.register(pb.source(), b.ref(), SelectionKey.OP_READ);
            for (int i = 0; i < 3; i++) {
                expectReadable(pb, b, rb); // its owner, the probe, runs on the workers too
            }
            assertEquals(workerNames(), aliveWorkers(), "every worker thread is alive");
        } finally {
            other.close(5_000);
        }
        assertTrue(reactor.close(5_000), "the reactor closed");
    }

    private Pipe pipe() throws IOException {
        final Pipe p = Pipe.open();
        pipes.add(p);
        p.source().configureBlocking(false);
        return p;
    }

    /** Writes a byte into {@code p}, expects its owner to be told it is readable, reads the byte and arms again. */
    private static void expectReadable(Pipe p, TestProbe<Object> owner, Registration r) throws IOException {
        p.sink().write(ByteBuffer.wrap(new byte[] {1}));
        assertTrue(owner.expectMessageClass(Readiness.class, WAIT).readable());
        assertEquals(1, p.source().read(ByteBuffer.allocate(8)));
        r.arm(SelectionKey.OP_READ);
    }

    /** Every worker alive and, driven by its own thread, the reactor's thread too. */
    private void assertPollingThreadsAlive() {
        assertEquals(workerNames(), aliveWorkers(), "every worker thread is alive");
        if (driver == IoSettings.Driver.REACTOR_THREADS) {
            assertTrue(Thread.getAllStackTraces().keySet().stream()
                    .anyMatch(t -> t.getName().equals("test-reactor") && t.isAlive()), "the reactor thread is alive");
        }
    }

    private Set<String> workerNames() {
        final Set<String> names = new TreeSet<>();
        for (int i = 0; i < WORKERS; i++) {
            names.add(system.name() + "-worker-" + i);
        }
        return names;
    }

    private Set<String> aliveWorkers() {
        final Set<String> names = new TreeSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(system.name() + "-worker-") && t.isAlive()) {
                names.add(t.getName());
            }
        }
        return names;
    }

    /** The reactor's selector, which nobody outside it holds: reached by reflection (same module). */
    private static Selector selectorOf(Reactor r) throws ReflectiveOperationException {
        final Field f = Reactor.class.getDeclaredField("selector");
        f.setAccessible(true);
        return (Selector) f.get(r);
    }

    /** Waits, within {@code WAIT}, for a state no event announces: see {@link BoundedWait}. */
    private static void awaitTrue(BooleanSupplier condition, Supplier<String> what) {
        BoundedWait.until(condition, WAIT, what);
    }
}
