package io.troupe.actors;

import static io.troupe.actors.Testing.TIMEOUT;
import static io.troupe.actors.Testing.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.internal.FailurePolicy;
import io.troupe.actors.internal.jfr.TroupeEvents;
import io.troupe.actors.testkit.TestProbe;
import io.troupe.mailbox.OverflowPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runtime's JFR events: a recording taken around a scene of actors holds each fact with its fields. */
class JfrEventsTest {
    static final List<String> EVENTS = List.of("troupe.ActorSpawned", "troupe.ActorStopped", "troupe.ActorFailed",
            "troupe.ActorRestarted", "troupe.MailboxOverflow", "troupe.DeadLetter", "troupe.SlowHandler",
            "troupe.AskTimeout", "troupe.MessageHandled", "troupe.Span", "troupe.SocketAccepted",
            "troupe.SocketConnected", "troupe.SocketClosed");

    record Boom(String why) {}

    record Block(CountDownLatch entered, CountDownLatch release) {}

    record Ignored(ActorRef<String> replyTo) {}

    /** Starts a recording that takes every troupe.* event (MessageHandled above 10 ms). */
    static Recording startRecording() {
        final Recording r = new Recording();
        for (String e : EVENTS) {
            r.enable(e);
        }
        r.enable("troupe.MessageHandled").withThreshold(Duration.ofMillis(10));
        r.start();
        return r;
    }

    /** Stops {@code r}, writes it to {@code dir} and reads its troupe.* events back. */
    static List<RecordedEvent> readBack(Recording r, Path dir) throws Exception {
        r.stop();
        final Path file = dir.resolve("troupe.jfr");
        r.dump(file);
        r.close();
        final List<RecordedEvent> events = new ArrayList<>();
        for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
            if (e.getEventType().getName().startsWith("troupe.")) {
                events.add(e);
            }
        }
        return events;
    }

    static List<RecordedEvent> named(List<RecordedEvent> events, String name) {
        return events.stream().filter(e -> e.getEventType().getName().equals(name)).collect(Collectors.toList());
    }

    static RecordedEvent one(List<RecordedEvent> events, String name, String field, String value) {
        final List<RecordedEvent> found = named(events, name).stream()
                .filter(e -> value.equals(e.getString(field))).collect(Collectors.toList());
        assertEquals(1, found.size(), name + " with " + field + "=" + value + " in " + named(events, name));
        return found.get(0);
    }

    /** A restart-always policy, as the supervision module's would be. */
    static <M> Supplier<Actor<M>> restarting(Supplier<Actor<M>> factory) {
        final class Restarting implements Supplier<Actor<M>>, FailurePolicy.Carrier {
            @Override
            public Actor<M> get() {
                return factory.get();
            }

            @Override
            public FailurePolicy failurePolicy() {
                return new FailurePolicy() {
                    @Override
                    public Object newState() {
                        return new Object();
                    }

                    @Override
                    public Decision decide(Object state, Throwable cause, long nowNanos) {
                        return Decision.of(Directive.RESTART);
                    }
                };
            }
        }
        return new Restarting();
    }

    @Test
    void lifecycleFailureRestartOverflowDeadLetterAsk_eachRecordedWithItsFields(@TempDir Path dir) throws Exception {
        // Spawn, failure (exception class and message), restart, stop with failure, overflow, dead letter and ask
        // timeout each leave one event naming the actor's path and the message type.
        final Recording recording = startRecording();
        try (ActorSystem system = Testing.builder(DispatcherKind.WORK_STEALING).build()) {
            final TestProbe<String> probe = TestProbe.create(system);
            // a failure that restarts, then one that stops
            final ActorRef<Object> phoenix = system.spawn(restarting(() -> Actor.<Object>of((ctx, m) -> {
                if (m instanceof Boom b) {
                    throw new IllegalStateException(b.why());
                }
                probe.ref().tell("phoenix got " + m);
            }).get()), "phoenix");
            phoenix.tell(new Boom("first"));
            phoenix.tell("after");
            probe.expectMessage("phoenix got after", TIMEOUT);
            final ActorRef<Object> mortal = system.spawn(Actor.<Object>of((ctx, m) -> {
                throw new UnsupportedOperationException("no " + m.getClass().getSimpleName());
            }), "mortal");
            final java.util.concurrent.CompletionStage<Void> mortalGone = system.whenTerminated(mortal);
            mortal.tell(new Boom("last"));
            Testing.join(mortalGone);
            // overflow: a blocked actor with room for one message gets three
            final CountDownLatch entered = new CountDownLatch(1);
            final CountDownLatch release = new CountDownLatch(1);
            final ActorRef<Object> full = system.spawn(Actor.<Object>of((ctx, m) -> {
                if (m instanceof Block b) {
                    b.entered().countDown();
                    await(b.release(), "release");
                }
            }), SpawnOptions.named("full").withMailbox(1, OverflowPolicy.DEAD_LETTER));
            full.tell(new Block(entered, release));
            await(entered, "full to block");
            full.tell(new Boom("fits"));
            full.tell(new Boom("overflows"));
            release.countDown();
            // ask timeout: nobody answers
            final ActorRef<Ignored> silent = system.spawn(Actor.<Ignored>of((ctx, m) -> {}), "silent");
            final Throwable timedOut = Testing.failureOf(silent.ask(Ignored::new, Duration.ofMillis(50)));
            assertInstanceOf(TimeoutException.class, timedOut);
            // dead letter: the stopped actor
            mortal.tell("too late");
            // the same facts in the counters file (the ask's counter is counted just after its stage failed: await it)
            final long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (system.counterValues().get("ask timeouts") < 1 && System.nanoTime() < until) {
                Thread.onSpinWait(); // a probe of the counter, not a sleep
            }
            final java.util.Map<String, Long> counters = system.counterValues();
            assertEquals(2L, counters.get("failures"), counters.toString());
            assertEquals(1L, counters.get("restarts"), counters.toString());
            assertEquals(1L, counters.get("mailbox overflows"), counters.toString());
            assertEquals(1L, counters.get("ask timeouts"), counters.toString());
            assertEquals(2L, counters.get("dead letters"), counters.toString());
        }
        final List<RecordedEvent> events = readBack(recording, dir);

        one(events, "troupe.ActorSpawned", "path", "/user/phoenix");
        final RecordedEvent firstFailure = one(events, "troupe.ActorFailed", "exceptionMessage", "first");
        assertEquals("/user/phoenix", firstFailure.getString("path"));
        assertEquals(IllegalStateException.class.getName(), firstFailure.getString("exceptionClass"));
        assertEquals("RESTART", firstFailure.getString("directive"));
        assertTrue(firstFailure.getString("exceptionStack").contains("JfrEventsTest"), firstFailure.getString("exceptionStack"));
        final RecordedEvent restart = one(events, "troupe.ActorRestarted", "path", "/user/phoenix");
        assertEquals(IllegalStateException.class.getName(), restart.getString("causeClass"));

        final RecordedEvent lastFailure = one(events, "troupe.ActorFailed", "path", "/user/mortal");
        assertEquals(UnsupportedOperationException.class.getName(), lastFailure.getString("exceptionClass"));
        assertEquals("no Boom", lastFailure.getString("exceptionMessage"));
        assertEquals("STOP", lastFailure.getString("directive"));
        final RecordedEvent stopped = one(events, "troupe.ActorStopped", "path", "/user/mortal");
        assertEquals(UnsupportedOperationException.class.getName(), stopped.getString("failureClass"));

        final RecordedEvent overflow = one(events, "troupe.MailboxOverflow", "path", "/user/full");
        assertEquals(Boom.class.getName(), overflow.getString("messageType"));
        assertEquals(1, overflow.getInt("capacity"));
        assertEquals("DEAD_LETTER", overflow.getString("policy"));

        final RecordedEvent late = one(events, "troupe.DeadLetter", "messageType", String.class.getName());
        assertEquals("/user/mortal", late.getString("recipient"));
        assertEquals("RECIPIENT_STOPPED", late.getString("reason"));
        final RecordedEvent overflowLetter = one(events, "troupe.DeadLetter", "messageType", Boom.class.getName());
        assertEquals("MAILBOX_FULL", overflowLetter.getString("reason"));

        final RecordedEvent ask = one(events, "troupe.AskTimeout", "target", "/user/silent");
        assertEquals(Duration.ofMillis(50), ask.getDuration("timeoutNanos"));
    }

    @Test
    void slowHandler_recordedWithWorkerStack_andHandledMessageAboveThreshold(@TempDir Path dir) throws Exception {
        // A handler blocked past the slow-handler threshold gives troupe.SlowHandler with the worker's stack (showing
        // the blocking call) and, once it returns, troupe.MessageHandled with its duration above the 10 ms threshold.
        final Recording recording = startRecording();
        final CountDownLatch reported = new CountDownLatch(1);
        try (ActorSystem system = Testing.builder(DispatcherKind.WORK_STEALING)
                .slowHandlerThreshold(Duration.ofMillis(20))
                .onSlowHandler((path, d) -> {
                    if (path.equals("/user/slow")) { // on a loaded machine another handler may be slow too
                        reported.countDown();
                    }
                })
                .build()) {
            final TestProbe<String> probe = TestProbe.create(system);
            final CountDownLatch entered = new CountDownLatch(1);
            final CountDownLatch release = new CountDownLatch(1);
            final ActorRef<Object> slow = system.spawn(Actor.<Object>of((ctx, m) -> {
                if (m instanceof Block b) {
                    b.entered().countDown();
                    await(b.release(), "release");
                    probe.ref().tell("released");
                }
            }), "slow");
            slow.tell(new Block(entered, release));
            await(entered, "slow to block");
            await(reported, "the watchdog's report");
            release.countDown();
            probe.expectMessage("released", TIMEOUT);
        }
        final List<RecordedEvent> events = readBack(recording, dir);
        final RecordedEvent slow = one(events, "troupe.SlowHandler", "path", "/user/slow");
        assertEquals(Block.class.getName(), slow.getString("messageType"));
        assertTrue(slow.getDuration("runningNanos").compareTo(Duration.ofMillis(20)) >= 0, slow.toString());
        assertTrue(slow.getString("workerStack").contains("java.util.concurrent.CountDownLatch.await"), slow.getString("workerStack"));
        assertTrue(slow.getString("workerStack").contains("JfrEventsTest"), slow.getString("workerStack"));
        assertEquals("WAITING", slow.getString("workerState").replace("TIMED_", ""));
        final RecordedEvent handled = one(events, "troupe.MessageHandled", "path", "/user/slow");
        assertEquals(Block.class.getName(), handled.getString("messageType"));
        assertTrue(handled.getDuration().compareTo(Duration.ofMillis(20)) >= 0, handled.toString());
        assertTrue(handled.getDuration().compareTo(TIMEOUT.multipliedBy(3)) < 0, "the event spans the handler only: " + handled);
        // Messages under the threshold are not recorded (the probe's quick ones; on a loaded machine a preempted one
        // may exceed it, so the property is on durations, not on which messages).
        for (RecordedEvent e : named(events, "troupe.MessageHandled")) {
            assertTrue(e.getDuration().compareTo(Duration.ofMillis(10)) >= 0, e.toString());
        }
    }

    @Test
    void probes_disabledWithoutRecording_enabledWhileOneRuns() {
        // The emitting sites' guard: with no recording the probe says disabled (the site costs a branch), and a
        // recording that takes the event turns it on, until it stops.
        assertFalse(TroupeEvents.HANDLED_PROBE.isEnabled());
        assertFalse(TroupeEvents.DEAD_LETTER_PROBE.isEnabled());
        final Recording r = startRecording();
        try {
            assertTrue(TroupeEvents.HANDLED_PROBE.isEnabled());
            assertTrue(TroupeEvents.DEAD_LETTER_PROBE.isEnabled());
        } finally {
            r.close();
        }
        assertFalse(TroupeEvents.HANDLED_PROBE.isEnabled());
    }
}
