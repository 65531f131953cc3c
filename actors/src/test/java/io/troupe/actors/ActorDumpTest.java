package io.troupe.actors;

import static io.troupe.actors.Testing.await;
import static io.troupe.actors.Testing.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** ActorSystem.dump(): the tree with each actor's state, mailbox depth and, for a running one, its message and time. */
class ActorDumpTest {
    record Stuck(CountDownLatch entered, CountDownLatch release) {}

    @Test
    void blockedActor_runningWithItsMessageAndTime_othersIdle() {
        // One call finds the stuck actor: RUNNING, handling Stuck for at least the watchdog's view of it, with the
        // three messages queued behind it; its idle sibling and child show IDLE with empty mailboxes.
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        try (ActorSystem system = Testing.builder(DispatcherKind.WORK_STEALING)
                .slowHandlerThreshold(Duration.ofMillis(20)).onSlowHandler((p, d) -> { }).build()) {
            final CountDownLatch childUp = new CountDownLatch(1);
            final ActorRef<Object> stuck = system.spawn(Actor.<Object>of((ctx, m) -> {
                if (m instanceof Stuck s) {
                    s.entered().countDown();
                    await(s.release(), "release");
                } else if ("spawn".equals(m)) {
                    ctx.spawn(Actor.<String>of((c, x) -> { }), "kid");
                    childUp.countDown();
                }
            }), "stuck");
            system.spawn(Actor.<String>of((ctx, m) -> { }), "idle");
            stuck.tell("spawn");
            await(childUp, "the child");
            // The kid's first activation may sit in the LIFO slot of stuck's worker, which Stuck is about to block (not
            // stealable): let it start first, or it stays NEW behind the blocked handler.
            awaitTrue("the child to start", () -> system.dump().find("/user/stuck/kid")
                    .map(e -> e.state() == ActorDump.State.IDLE).orElse(false));
            stuck.tell(new Stuck(entered, release));
            await(entered, "the handler to block");
            stuck.tell("queued-1");
            stuck.tell("queued-2");
            stuck.tell("queued-3");
            awaitTrue("the watchdog to time the handler",
                    () -> system.dump().find("/user/stuck").orElseThrow().timeInHandler().compareTo(Duration.ofMillis(20)) >= 0);
            // Spawned actors start on a worker: on a loaded host they may still be NEW here (seen at load 23).
            awaitTrue("the idle actor and the child to have started", () -> {
                final ActorDump d = system.dump();
                return d.find("/user/idle").orElseThrow().state() != ActorDump.State.NEW
                        && d.find("/user/stuck/kid").orElseThrow().state() != ActorDump.State.NEW;
            });

            final ActorDump dump = system.dump();
            final ActorDump.Entry s = dump.find("/user/stuck").orElseThrow();
            assertEquals(ActorDump.State.RUNNING, s.state());
            assertEquals(Stuck.class.getName(), s.currentMessageType());
            assertEquals(3, s.mailboxDepth());
            assertEquals(10_000, s.mailboxCapacity());
            assertEquals(1, s.children());
            assertTrue(s.actorClass().startsWith(Actor.class.getName()), s.actorClass());
            final ActorDump.Entry idle = dump.find("/user/idle").orElseThrow();
            assertEquals(ActorDump.State.IDLE, idle.state());
            assertNull(idle.currentMessageType());
            assertEquals(Duration.ZERO, idle.timeInHandler());
            assertEquals(ActorDump.State.IDLE, dump.find("/user/stuck/kid").orElseThrow().state());
            // breadth first from /user, then /system
            final List<String> paths = dump.actors().stream().map(ActorDump.Entry::path).collect(Collectors.toList());
            assertEquals(List.of("/user", "/system", "/user/stuck", "/user/idle", "/user/stuck/kid"), paths);
            assertEquals(0, dump.omitted());

            // Bounded: a limit lists that many and counts the rest.
            final ActorDump two = system.dump(2);
            assertEquals(List.of("/user", "/system"), two.actors().stream().map(ActorDump.Entry::path).collect(Collectors.toList()));
            assertEquals(3, two.omitted());
            release.countDown();
        }
    }

    @Test
    void closedSystem_dumpReturnsWhatIsLeft() {
        // A dump after close answers instead of failing: the guardians, STOPPED, and no actor below them.
        final ActorSystem system = Testing.system(DispatcherKind.WORK_STEALING);
        system.spawn(Actor.<String>of((ctx, m) -> { }), "a");
        assertEquals(List.of(), system.close(Testing.TIMEOUT));
        final ActorDump dump = system.dump();
        assertEquals(List.of("/user STOPPED", "/system STOPPED"),
                dump.actors().stream().map(e -> e.path() + " " + e.state()).collect(Collectors.toList()));
    }

    @Test
    void perActorCounts_messagesHandledAndRestarts_acrossARestart() {
        // Five messages, one that fails (the restart-always policy restarts the actor), three more: the dump shows
        // nine handled (the failing one was handled too) and one restart, for that actor only; its idle sibling 0 and 0.
        try (ActorSystem system = Testing.builder(DispatcherKind.WORK_STEALING).build()) {
            final java.util.concurrent.Semaphore handled = new java.util.concurrent.Semaphore(0);
            final ActorRef<String> phoenix = system.spawn(JfrEventsTest.restarting(() -> Actor.<String>of((ctx, m) -> {
                if (m.equals("boom")) {
                    throw new IllegalStateException("boom");
                }
                handled.release();
            }).get()), "phoenix");
            system.spawn(Actor.<String>of((ctx, m) -> { }), "sibling");
            for (int i = 0; i < 5; i++) {
                phoenix.tell("m" + i);
            }
            phoenix.tell("boom");
            for (int i = 0; i < 3; i++) {
                phoenix.tell("after" + i);
            }
            try {
                assertTrue(handled.tryAcquire(8, 10, java.util.concurrent.TimeUnit.SECONDS), "the eight good messages");
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            // counted at the end of each turn: the last turn may still be ending
            awaitTrue("the dump's counts", () -> {
                final ActorDump.Entry e = system.dump().find("/user/phoenix").orElseThrow();
                return e.messagesHandled() == 9 && e.restarts() == 1;
            });
            final ActorDump.Entry sibling = system.dump().find("/user/sibling").orElseThrow();
            assertEquals(0L, sibling.messagesHandled());
            assertEquals(0, sibling.restarts());
            final ActorDump.Entry p = system.dump().find("/user/phoenix").orElseThrow();
            assertEquals(9L, p.messagesHandled(), "no more than nine either");
            assertEquals(1, p.restarts());
        }
    }
}
