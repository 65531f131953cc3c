package io.troupe.supervision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.testkit.TestProbe;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The four directives of {@link Supervise}, applied in place by the runtime: same ref, same mailbox. */
class SuperviseDirectivesTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private ActorSystem system;
    private final Recorder events = new Recorder();

    @BeforeEach
    void start() {
        system = ActorSystem.builder("directives").parallelism(4).build();
    }

    @AfterEach
    void stop() {
        assertEquals(List.of(), system.close(WAIT));
    }

    /** Counts the messages it handled; "boom" throws; replies the count to the probe. */
    private static final class Counter extends Actor<String> {
        private final String name;
        private final Recorder events;
        private final ActorRef<Integer> replies;
        private final int incarnation;
        private int n;

        Counter(String name, Recorder events, ActorRef<Integer> replies, AtomicInteger incarnations) {
            this.name = name;
            this.events = events;
            this.replies = replies;
            this.incarnation = incarnations.incrementAndGet();
        }

        @Override
        protected void receive(String m) {
            if (m.equals("boom")) {
                throw new IllegalStateException("boom in " + name);
            }
            events.add(name + "." + m + "#" + incarnation);
            replies.tell(++n);
        }

        @Override
        protected void preStart() {
            events.add(name + ".preStart#" + incarnation);
        }

        @Override
        protected void postStop() {
            events.add(name + ".postStop#" + incarnation);
        }

        @Override
        protected void preRestart(Throwable cause) {
            events.add(name + ".preRestart#" + incarnation);
        }

        @Override
        protected void postRestart(Throwable cause) {
            events.add(name + ".postRestart#" + incarnation);
        }
    }

    @Test
    void resume_afterFailure_keepsStateAndDropsTheFailingMessage() {
        // Resume keeps the instance and its state; only the failing message is lost.
        final TestProbe<Integer> probe = TestProbe.create(system);
        final AtomicInteger incarnations = new AtomicInteger();
        final ActorRef<String> ref = system.spawn(Supervise.<String>of(() -> new Counter("c", events, probe.ref(), incarnations))
                .onFailure(IllegalStateException.class, SupervisorStrategy.resume()), "c");
        ref.tell("a");
        ref.tell("boom");
        ref.tell("a");
        assertEquals(1, probe.expectMessage(WAIT));
        assertEquals(2, probe.expectMessage(WAIT));
        assertEquals(1, incarnations.get());
        assertEquals(List.of("c.preStart#1", "c.a#1", "c.a#1"), events.snapshot());
    }

    @Test
    void restart_withChildAndQueuedMessages_runsHooksInOrderAndKeepsTheMessages() {
        // Restart: preRestart(old), children stopped, postRestart(new), then the messages that waited, same ref.
        final TestProbe<String> probe = TestProbe.create(system);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger incarnations = new AtomicInteger();
        final AtomicReference<ActorRef<String>> child = new AtomicReference<>();
        final ActorRef<String> parent = system.spawn(Supervise.<String>of(() -> new Actor<String>() {
            final int incarnation = incarnations.incrementAndGet();
            int handled;

            @Override
            protected void preStart() {
                events.add("P.preStart#" + incarnation);
                child.set(context().spawn(() -> new Actor<String>() {
                    @Override
                    protected void preStart() {
                        events.add("C.preStart");
                    }

                    @Override
                    protected void receive(String m) {
                        events.add("C.blocked");
                        await(release); // holds the parent's restart: it waits for its children
                    }

                    @Override
                    protected void postStop() {
                        events.add("C.postStop");
                    }
                }, "child"));
            }

            @Override
            protected void receive(String m) {
                if (m.equals("boom")) {
                    throw new IllegalStateException("boom");
                }
                if (m.equals("block-child")) {
                    child.get().tell("block");
                    return;
                }
                events.add("P." + m + "#" + incarnation + ":" + (++handled));
                probe.ref().tell(m);
            }

            @Override
            protected void preRestart(Throwable cause) {
                events.add("P.preRestart#" + incarnation);
            }

            @Override
            protected void postRestart(Throwable cause) {
                events.add("P.postRestart#" + incarnation);
            }
        }).onFailure(IllegalStateException.class, SupervisorStrategy.restart()), "parent");

        parent.tell("block-child");
        events.awaitCount("C.blocked", 1, WAIT);
        parent.tell("boom");
        events.awaitCount("P.preRestart#1", 1, WAIT);
        parent.tell("a"); // the child is still blocked, so the parent is surely restarting
        parent.tell("b");
        release.countDown();
        probe.expectMessage("a", WAIT);
        probe.expectMessage("b", WAIT);
        assertEquals(List.of("P.preStart#1", "C.preStart", "C.blocked", "P.preRestart#1", "C.postStop",
                "P.postRestart#2", "P.a#2:1", "P.b#2:2"), events.snapshot());
    }

    @Test
    void stop_onFailure_stopsTheActorAndRunsPostStop() {
        // Stop ends the actor: postStop runs, watchers see Terminated, later messages go to dead letters.
        final TestProbe<Integer> probe = TestProbe.create(system);
        final AtomicInteger incarnations = new AtomicInteger();
        final ActorRef<String> ref = system.spawn(Supervise.<String>of(() -> new Counter("c", events, probe.ref(), incarnations))
                .onFailure(IllegalStateException.class, SupervisorStrategy.stop()), "c");
        ref.tell("boom");
        probe.expectTerminated(ref, WAIT);
        final long before = system.deadLetters().count();
        ref.tell("a");
        assertEquals(before + 1, system.deadLetters().count());
        assertEquals(List.of("c.preStart#1", "c.postStop#1"), events.snapshot());
    }

    @Test
    void escalate_throughThreeLevels_failsTheTopWithTheSameCauseAfterStoppingTheSubtree() {
        // An escalated failure fails each parent in turn with the very same exception; the top
        // restarts, and its postRestart comes after the whole failed subtree stopped.
        final RuntimeException boom = new IllegalStateException("leaf failure");
        final AtomicReference<Throwable> seenAtTop = new AtomicReference<>();
        final ActorRef<String> top = system.spawn(Supervise.<String>of(() -> new Actor<String>() {
            @Override
            protected void preStart() {
                final ActorRef<String> mid = context().spawn(level("L2", events, level("L3", events, null, boom), boom), "L2");
                mid.tell("go");
            }

            @Override
            protected void receive(String m) { }

            @Override
            protected void preRestart(Throwable cause) {
                seenAtTop.set(cause);
                events.add("L1.preRestart");
            }

            @Override
            protected void postRestart(Throwable cause) {
                events.add("L1.postRestart");
            }
        }).onFailure(IllegalStateException.class, SupervisorStrategy.restart()), "L1");
        final List<String> seen = events.awaitCount("L1.postRestart", 1, WAIT);
        assertSame(boom, seenAtTop.get());
        assertTrue(seen.indexOf("L3.postStop") < seen.indexOf("L2.postStop"), seen.toString());
        assertTrue(seen.indexOf("L2.postStop") < seen.indexOf("L1.postRestart"), seen.toString());
        assertTrue(seen.indexOf("L1.preRestart") < seen.indexOf("L1.postRestart"), seen.toString());
        assertEquals(1, events.count("L1.preRestart"));
        assertFalse(seen.contains("L2.preRestart") || seen.contains("L3.preRestart"), seen.toString());
        system.stop(top);
    }

    /** A level that escalates its failures; it spawns {@code child} (if any) and forwards "go" to it, or throws. */
    private static java.util.function.Supplier<Actor<String>> level(String name, Recorder events,
            java.util.function.Supplier<Actor<String>> child, RuntimeException failure) {
        return Supervise.<String>of(() -> new Actor<String>() {
            @Override
            protected void receive(String m) {
                if (child == null) {
                    throw failure;
                }
                context().spawn(child, "next").tell(m);
            }

            @Override
            protected void postStop() {
                events.add(name + ".postStop");
            }

            @Override
            protected void preRestart(Throwable cause) {
                events.add(name + ".preRestart");
            }
        }).onFailure(IllegalStateException.class, SupervisorStrategy.escalate());
    }

    @Test
    void restartLimit_exhausted_stopsTheActor() {
        // Past withLimit the actor is stopped (the default), after exactly maxRestarts restarts.
        final TestProbe<Integer> probe = TestProbe.create(system);
        final AtomicInteger incarnations = new AtomicInteger();
        final ActorRef<String> ref = system.spawn(Supervise.<String>of(() -> new Counter("c", events, probe.ref(), incarnations))
                .onFailure(IllegalStateException.class, SupervisorStrategy.restart().withLimit(2, Duration.ofMinutes(1))), "c");
        ref.tell("boom");
        ref.tell("boom");
        ref.tell("boom");
        probe.expectTerminated(ref, WAIT);
        assertEquals(3, incarnations.get());
        assertEquals(2, events.count("c.postRestart#2") + events.count("c.postRestart#3"));
    }

    @Test
    void restartLimit_exhaustedWithEscalate_failsTheParent() {
        // withEscalateWhenExhausted: the failure past the limit fails the parent with the same cause.
        final TestProbe<Integer> probe = TestProbe.create(system);
        final AtomicInteger incarnations = new AtomicInteger();
        final AtomicReference<Throwable> parentCause = new AtomicReference<>();
        system.spawn(Supervise.<String>of(() -> new Actor<String>() {
            @Override
            protected void preStart() {
                final ActorRef<String> c = context().spawn(Supervise.<String>of(() -> new Counter("c", events, probe.ref(), incarnations))
                        .onFailure(IllegalStateException.class,
                                SupervisorStrategy.restart().withLimit(1, Duration.ofMinutes(1)).withEscalateWhenExhausted()), "c");
                c.tell("boom");
                c.tell("boom");
            }

            @Override
            protected void receive(String m) { }

            @Override
            protected void preRestart(Throwable cause) {
                parentCause.set(cause);
                events.add("parent.preRestart");
            }

            @Override
            protected void postRestart(Throwable cause) {
                events.add("parent.postRestart"); // no preStart: do not spawn again
            }
        }).onFailure(IllegalStateException.class, SupervisorStrategy.restart()), "parent");
        events.awaitCount("parent.postRestart", 1, WAIT);
        assertTrue(parentCause.get() instanceof IllegalStateException);
        assertEquals("boom in c", parentCause.get().getMessage());
        assertEquals(2, incarnations.get());
    }

    @Test
    void backoff_messagesSentWhileRestarting_areHandledByTheFreshInstanceAfterPostRestart() {
        // Messages that arrive during the backoff wait in the mailbox and are handled, in order, after the restart.
        final TestProbe<Integer> probe = TestProbe.create(system);
        final AtomicInteger incarnations = new AtomicInteger();
        final ActorRef<String> ref = system.spawn(Supervise.<String>of(() -> new Counter("c", events, probe.ref(), incarnations))
                .onFailure(IllegalStateException.class,
                        SupervisorStrategy.restart().withBackoff(Duration.ofMillis(200), Duration.ofMillis(200), 0)), "c");
        ref.tell("boom");
        events.awaitCount("c.preRestart#1", 1, WAIT);
        ref.tell("a");
        ref.tell("b");
        assertEquals(1, probe.expectMessage(WAIT));
        assertEquals(2, probe.expectMessage(WAIT));
        assertEquals(List.of("c.preStart#1", "c.preRestart#1", "c.postRestart#2", "c.a#2", "c.b#2"), events.snapshot());
    }

    @Test
    void backoff_stopDuringTheBackoff_cancelsTheRestart() {
        // A stop during the backoff ends the actor at once: no fresh instance, no postRestart.
        final TestProbe<Integer> probe = TestProbe.create(system);
        final AtomicInteger incarnations = new AtomicInteger();
        final ActorRef<String> ref = system.spawn(Supervise.<String>of(() -> new Counter("c", events, probe.ref(), incarnations))
                .onFailure(IllegalStateException.class,
                        SupervisorStrategy.restart().withBackoff(Duration.ofHours(1), Duration.ofHours(1), 0)), "c");
        ref.tell("boom");
        events.awaitCount("c.preRestart#1", 1, WAIT);
        system.stop(ref);
        probe.expectTerminated(ref, WAIT);
        assertEquals(1, incarnations.get());
        assertEquals(List.of("c.preStart#1", "c.preRestart#1"), events.snapshot());
    }

    @Test
    void resume_whenTheFactoryFailed_stopsInsteadOfResumingNothing() {
        // With no instance to resume (the factory threw), the actor stops rather than failing every message.
        final TestProbe<Object> probe = TestProbe.create(system);
        final ActorRef<String> ref = system.spawn(Supervise.<String>of(() -> {
            throw new IllegalStateException("cannot create");
        }).onFailure(RuntimeException.class, SupervisorStrategy.resume()), "c");
        probe.expectTerminated(ref, WAIT);
    }

    @Test
    @SuppressWarnings("try") // the resource only silences logs while it is open
    void restart_factoryAlwaysFailing_isBoundedByTheLimitWithoutStackOverflow() {
        // Zero-delay restarts of an instance that fails at creation loop through the mailbox, not the stack.
        final TestProbe<Object> probe = TestProbe.create(system);
        final AtomicInteger calls = new AtomicInteger();
        final ActorRef<String> ref;
        try (QuietLogs quiet = new QuietLogs()) {
            ref = system.spawn(Supervise.<String>of(() -> {
                calls.incrementAndGet();
                throw new IllegalStateException("cannot create");
            }).onFailure(RuntimeException.class, SupervisorStrategy.restart().withLimit(20_000, Duration.ofHours(1))), "c");
            probe.expectTerminated(ref, Duration.ofSeconds(30));
        }
        assertEquals(20_001, calls.get());
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("test latch not released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
