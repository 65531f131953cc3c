package io.troupe.io.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.ActorSystem;
import io.troupe.actors.testkit.TestProbe;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ReactorTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private ActorSystem system;
    private Reactor reactor;
    private Pipe pipe;

    @BeforeEach
    void start() throws Exception {
        system = ActorSystem.create("reactor-test");
        reactor = Reactor.withThread("test-reactor");
        pipe = Pipe.open();
        pipe.source().configureBlocking(false);
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
        // Stopping a reactor closes every channel registered with it and ends its thread.
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
