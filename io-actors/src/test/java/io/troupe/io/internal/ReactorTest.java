package io.troupe.io.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.ActorSystem;
import io.troupe.actors.internal.SystemAccess;
import io.troupe.actors.testkit.TestProbe;
import io.troupe.io.IoSettings;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.time.Duration;
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
