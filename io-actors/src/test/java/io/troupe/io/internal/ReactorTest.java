package io.troupe.io.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.internal.SystemAccess;
import io.troupe.actors.testkit.TestProbe;
import io.troupe.io.IoSettings;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

@ParameterizedClass(name = "{0}")
@EnumSource(IoSettings.Driver.class)
class ReactorTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    /** Who drives the reactor: the system's idle workers, or a thread of its own. */
    @Parameter
    IoSettings.Driver driver;
    private ActorSystem system;
    private Reactor reactor;
    private Pipe pipe;

    @BeforeEach
    void start() throws Exception {
        system = ActorSystem.create("reactor-test");
        reactor = open(system, driver);
        pipe = Pipe.open();
        pipe.source().configureBlocking(false);
    }

    /** A reactor driven as asked, checked to be so (no silent fallback to a thread of its own). */
    static Reactor open(ActorSystem system, IoSettings.Driver driver) throws java.io.IOException {
        final Reactor r = driver == IoSettings.Driver.WORKERS
                ? Reactor.onWorkers("test-reactor", SystemAccess.defaultDispatcher(system))
                : Reactor.withThread("test-reactor");
        assertNotNull(r, "the dispatcher took the reactor");
        assertEquals(driver == IoSettings.Driver.WORKERS, r.isDrivenByWorkers());
        return r;
    }

    @AfterEach
    void stop() throws Exception {
        reactor.close(5_000);
        pipe.sink().close();
        pipe.source().close();
        system.close();
    }

    @Test
    void register_readable_tellsOneReadinessPerArm() throws Exception {
        // Readiness is one-shot: one message per arm, however long the channel stays readable.
        final TestProbe<Object> probe = TestProbe.create(system);
        final Registration reg = reactor.register(pipe.source(), probe.ref(), SelectionKey.OP_READ);
        pipe.sink().write(ByteBuffer.wrap(new byte[] {1}));
        final Readiness first = probe.expectMessageClass(Readiness.class, WAIT);
        assertTrue(first.readable());
        assertFalse(reg.isArmed(SelectionKey.OP_READ), "firing disarms");
        pipe.sink().write(ByteBuffer.wrap(new byte[] {2}));
        probe.expectNoMessage(Duration.ofMillis(100)); // a deliberate silence: still readable, but not armed
        reg.arm(SelectionKey.OP_READ);
        assertTrue(probe.expectMessageClass(Readiness.class, WAIT).readable());
    }

    @Test
    void close_registeredChannel_closesItThenRunsCallback() {
        // Closing through the reactor closes the channel before the callback runs.
        final TestProbe<Object> probe = TestProbe.create(system);
        final Registration reg = reactor.register(pipe.source(), probe.ref(), SelectionKey.OP_READ);
        reg.close(() -> probe.ref().tell(pipe.source().isOpen() ? "still open" : "closed"));
        probe.expectMessage("closed", WAIT);
    }

    @Test
    void closeReactor_registeredChannels_areClosed() {
        // Stopping a reactor closes every channel registered with it and ends its thread (or lets its workers go).
        final TestProbe<Object> probe = TestProbe.create(system);
        reactor.register(pipe.source(), probe.ref(), SelectionKey.OP_READ);
        assertTrue(reactor.close(5_000), "the reactor thread ended");
        assertFalse(pipe.source().isOpen());
    }

    @Test
    void workFromOutside_wakesTheWorkerInSelect_anIdleWorkerTakesTheSelectorOver() throws Exception {
        // With two workers, the one blocked in select is the one that work from outside wakes (it was the last to go idle)
        // and that work blocks it: the other, idle worker takes the selector over, and a readiness is told meanwhile.
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicBoolean blocking = new AtomicBoolean();
        try (ActorSystem two = ActorSystem.builder("reactor-takeover-" + driver.name().toLowerCase(java.util.Locale.ROOT))
                .parallelism(2).slowHandlerThreshold(Duration.ofMinutes(1)).build()) {
            final Reactor r = open(two, driver);
            try {
                final ActorRef<Object> blocker = two.spawn(Actor.<Object>of((ctx, m) -> {
                    blocking.set(true);
                    entered.countDown();
                    awaitQuietly(release); // blocks its worker, as a handler must never do, longer than the test waits
                    blocking.set(false);
                }), "blocker");
                final TestProbe<Object> probe = TestProbe.create(two);
                final Registration reg = r.register(pipe.source(), probe.ref(), SelectionKey.OP_READ);
                readable(reg, probe);
                BoundedWait.until(() -> idleWorkers(two) == 2, WAIT, () -> "both workers idle");
                r.wakeup(); // the worker in select (if any) leaves it empty-handed and is the last to go idle again
                BoundedWait.until(() -> idleWorkers(two) == 2, WAIT, () -> "both workers idle again");
                blocker.tell("block");
                assertTrue(entered.await(WAIT.toMillis(), TimeUnit.MILLISECONDS), "the blocker runs");
                readable(reg, probe);
                assertTrue(blocking.get(), "told while the blocker was still blocking its worker");
            } finally {
                release.countDown();
                r.close(5_000);
            }
        }
    }

    /** Makes the pipe readable and expects its owner to be told so; drains it and arms again. */
    private void readable(Registration reg, TestProbe<Object> probe) throws java.io.IOException {
        pipe.sink().write(ByteBuffer.wrap(new byte[] {1}));
        assertTrue(probe.expectMessageClass(Readiness.class, WAIT).readable());
        assertEquals(1, pipe.source().read(ByteBuffer.allocate(8)));
        reg.arm(SelectionKey.OP_READ);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(2 * WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Workers of {@code system} parked or blocked in select. */
    private static int idleWorkers(ActorSystem system) {
        int idle = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(system.name() + "-worker-")
                    && (t.getState() == Thread.State.WAITING || inSelect(t))) {
                idle++;
            }
        }
        return idle;
    }

    private static boolean inSelect(Thread t) {
        for (StackTraceElement e : t.getStackTrace()) {
            if (e.getMethodName().equals("lockAndDoSelect")) {
                return true;
            }
        }
        return false;
    }

    @Test
    void submit_burstWhileSelecting_wakesTheSelectorLessThanOncePerCommand() throws Exception {
        // A burst of interest changes costs far fewer selector wake-ups than commands (the awake flag batches them).
        final TestProbe<Object> probe = TestProbe.create(system);
        final Registration reg = reactor.register(pipe.source(), probe.ref(), 0);
        final int commands = 10_000;
        for (int i = 0; i < commands; i++) {
            reg.arm(SelectionKey.OP_READ);
            reg.disarm(SelectionKey.OP_READ);
        }
        reg.close(() -> probe.ref().tell("done"));
        probe.expectMessage("done", WAIT);
        assertTrue(reactor.wakeups() < commands, "wakeups " + reactor.wakeups() + " for " + commands + " commands");
    }
}
