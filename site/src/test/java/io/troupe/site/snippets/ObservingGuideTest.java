package io.troupe.site.snippets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.DeadLetter;
import io.troupe.actors.sync.EventStream;
import io.troupe.actors.sync.SystemEvent;
import io.troupe.actors.testkit.TestProbe;
import io.troupe.testkit.ActorSystemExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The code of guides/observing.md, run. */
class ObservingGuideTest {
    @RegisterExtension
    static final ActorSystemExtension troupe = ActorSystemExtension.create()
            .allowDeadLetters(d -> d.reason() == DeadLetter.Reason.RECIPIENT_STOPPED)
            .allowLeftoverActors();

    private static final Duration SECOND = Duration.ofSeconds(1);

    // region log
    /** Logs through the actor's logger: every record starts with the actor's path. */
    static final class Greeter extends Actor<String> {
        @Override
        protected void receive(String name) {
            context().log().log(System.Logger.Level.INFO, "greeting " + name); // [/user/greeter] greeting ann
        }
    }
    // endregion

    @Test
    void deadLetters_areCountedAndSeen(ActorSystem system) throws Exception {
        // A message to a stopped actor is a dead letter: counted, and handed to subscribers with its reason.
        // (No message before the stop: a stop does not wait behind queued messages, which would
        // then be dead letters too.)
        final ActorRef<String> greeter = system.spawn(Greeter::new, "greeter");
        system.stop(greeter).toCompletableFuture().join();
        final List<DeadLetter> seen = new CopyOnWriteArrayList<>();
        // region dead-letters
        long lost;
        try (AutoCloseable subscription = system.deadLetters().subscribe(seen::add)) { // called on the sender's thread: be quick
            greeter.tell("bob");                          // the greeter has stopped: a dead letter
            lost = system.deadLetters().count();          // 1: every dead letter is counted
        }
        // seen: [DeadLetter[message=bob, ..., reason=RECIPIENT_STOPPED]]
        // endregion
        assertEquals(1L, lost);
        assertEquals(1, seen.size());
        assertEquals("bob", seen.get(0).message());
        assertEquals(DeadLetter.Reason.RECIPIENT_STOPPED, seen.get(0).reason());
    }

    // region events
    /** Follows the system's lifecycle events: stops, failures, restarts, dead letters. */
    static final class Monitor extends Actor<Object> {
        private final ActorRef<String> out;

        Monitor(ActorRef<String> out) {
            this.out = out;
        }

        @Override
        protected void preStart() {
            EventStream.of(context().system()).subscribe(self(), event -> event, lagged -> lagged);
            out.tell("watching");
        }

        @Override
        protected void receive(Object msg) {
            if (msg instanceof SystemEvent.ActorStopped s) out.tell("stopped " + s.ref().path());
        }
    }
    // endregion

    @Test
    void eventStream_reportsStops(ActorSystem system) {
        // An actor's stop reaches a subscriber of the event stream, with its path.
        final TestProbe<String> out = TestProbe.create(system);
        system.spawn(() -> new Monitor(out.ref()), "monitor");
        out.expectMessage("watching", SECOND);
        final ActorRef<String> worker = system.spawn(Greeter::new, "worker");
        worker.tell("ann"); // logs "[/user/worker] greeting ann" (or is a dead letter, if the stop comes first)
        system.stop(worker).toCompletableFuture().join();
        final String line = out.fishForMessage(SECOND, s -> s.contains("/user/worker"));
        assertTrue(line.equals("stopped /user/worker"), line);
    }
}
