package io.troupe.actors;

import static io.troupe.actors.Testing.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** ActorSystem.slowestHandlers(): the slow handler runs the watchdog saw, slowest first, with path, type and time. */
@Timeout(60)
class SlowestHandlersTest {
    record Hold(CountDownLatch entered, CountDownLatch release) {}

    @Test
    void slowRuns_listedSlowestFirst_withPathTypeAndTime_runningUntilTheyEnd() {
        // Two held handlers, the first held longer: both listed, the longer first, each with its actor's path, its message
        // type and at least the time it was seen running; running while held, not once released. (Other runs may be
        // listed too: on a loaded host a trivial handler can be preempted across a scan; only a and b are compared.)
        try (ActorSystem system = Testing.builder(DispatcherKind.WORK_STEALING).parallelism(3)
                .slowHandlerThreshold(Duration.ofMillis(20)).onSlowHandler((path, d) -> { }).build()) {
            final ActorRef<Hold> a = system.spawn(Actor.<Hold>of((ctx, h) -> {
                h.entered().countDown();
                Testing.block(h.release());
            }), "a");
            final ActorRef<Hold> b = system.spawn(Actor.<Hold>of((ctx, h) -> {
                h.entered().countDown();
                Testing.block(h.release());
            }), "b");
            final Hold holdA = new Hold(new CountDownLatch(1), new CountDownLatch(1));
            a.tell(holdA);
            Testing.await(holdA.entered(), "a in its handler");
            awaitTrue("a seen running 300 ms", () -> seen(system, "/user/a").compareTo(Duration.ofMillis(300)) >= 0);
            final Hold holdB = new Hold(new CountDownLatch(1), new CountDownLatch(1));
            b.tell(holdB);
            Testing.await(holdB.entered(), "b in its handler");
            awaitTrue("b seen running 40 ms", () -> seen(system, "/user/b").compareTo(Duration.ofMillis(40)) >= 0);

            List<ActorDump.SlowHandler> slow = system.slowestHandlers();
            assertEquals(List.of("/user/a " + Hold.class.getName() + " running", "/user/b " + Hold.class.getName() + " running"),
                    describe(slow));
            holdB.release().countDown();
            holdA.release().countDown();
            awaitTrue("both runs to end", () -> system.slowestHandlers().stream().noneMatch(ActorDump.SlowHandler::running));
            slow = system.slowestHandlers();
            assertEquals(List.of("/user/a " + Hold.class.getName() + " ended", "/user/b " + Hold.class.getName() + " ended"),
                    describe(slow));
            assertTrue(seen(system, "/user/a").compareTo(Duration.ofMillis(300)) >= 0, slow.toString());
            assertTrue(seen(system, "/user/b").compareTo(Duration.ofMillis(40)) >= 0, slow.toString());
        }
    }

    private static Duration seen(ActorSystem system, String path) {
        return system.slowestHandlers().stream().filter(s -> s.path().equals(path)).map(ActorDump.SlowHandler::duration)
                .findFirst().orElse(Duration.ZERO);
    }

    private static List<String> describe(List<ActorDump.SlowHandler> slow) {
        return slow.stream().filter(s -> s.path().equals("/user/a") || s.path().equals("/user/b")).map(s -> s.path() + " " + s.messageType() + " " + (s.running() ? "running" : "ended"))
                .collect(Collectors.toList());
    }
}
