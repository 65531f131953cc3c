package io.troupe.supervision;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.ChildFailed;
import io.troupe.actors.Signal;
import io.troupe.actors.Terminated;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The runtime signals a supervisor relies on: exactly one of ChildFailed (failure) or Terminated
 * (normal stop, if watched) per child, however the child's end races with the parent's watch.
 */
class ChildSignalsTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final int CHILDREN = 500;

    @Test
    @SuppressWarnings("try") // the resource only silences logs while it is open
    void watch_childFailingInPreStartBeforeTheWatch_deliversOnlyChildFailed() {
        // A child that fails at once, racing the parent's watch(), yields one ChildFailed and no Terminated.
        final Recorder events = new Recorder();
        try (ActorSystem system = ActorSystem.builder("signals").parallelism(4).build();
             QuietLogs quiet = new QuietLogs()) {
            system.spawn(() -> new Actor<Object>() {
                @Override
                protected void preStart() {
                    for (int i = 0; i < CHILDREN; i++) {
                        final ActorRef<Object> kid = context().spawnAnonymous(() -> new Actor<Object>() {
                            @Override
                            protected void preStart() {
                                throw new IllegalStateException("fails at once");
                            }

                            @Override
                            protected void receive(Object m) { }
                        });
                        context().watch(kid);
                    }
                }

                @Override
                protected void receive(Object m) { }

                @Override
                protected void onSignal(Signal s) {
                    events.add(s instanceof ChildFailed ? "failed" : "terminated");
                }
            }, "parent");
            events.awaitSize(CHILDREN, WAIT);
            assertEquals(List.of(), system.close(WAIT));
        }
        assertEquals(CHILDREN, events.count("failed"));
        assertEquals(0, events.count("terminated"));
    }

    @Test
    void watch_childThatAlreadyTerminated_deliversTerminatedOnce() {
        // Watching a child after its termination was processed still delivers Terminated, once.
        final Recorder events = new Recorder();
        try (ActorSystem system = ActorSystem.builder("signals2").build()) {
            system.spawn(() -> new Actor<String>() {
                ActorRef<Object> kid;

                @Override
                protected void preStart() {
                    kid = context().spawn(() -> new Actor<Object>() {
                        @Override
                        protected void preStart() {
                            context().stop(self());
                        }

                        @Override
                        protected void receive(Object m) { }
                    }, "kid");
                    context().watch(kid);
                }

                @Override
                protected void receive(String m) {
                    context().watch(kid); // the kid is long gone: watching again delivers at once
                }

                @Override
                protected void onSignal(Signal s) {
                    events.add(s instanceof Terminated ? "terminated" : "failed");
                    if (events.count("terminated") == 1) {
                        self().tell("again");
                    }
                }
            }, "parent");
            events.awaitCount("terminated", 2, WAIT);
            assertEquals(List.of("terminated", "terminated"), events.snapshot());
        }
    }
}
