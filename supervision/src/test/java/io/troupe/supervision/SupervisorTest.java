package io.troupe.supervision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.ChildFailed;
import io.troupe.actors.Signal;
import io.troupe.actors.testkit.TestProbe;
import io.troupe.supervision.ChildSpec.RestartType;
import io.troupe.supervision.Supervisor.ChildInfo;
import io.troupe.supervision.Supervisor.ChildState;
import io.troupe.supervision.Supervisor.Command;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** OTP-style supervisors: strategies, restart types, restart limit, ordered and forced shutdown, dynamic children. */
class SupervisorTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private ActorSystem system;
    private final Recorder events = new Recorder();
    private final Map<String, AtomicInteger> created = new ConcurrentHashMap<>();
    private final CountDownLatch release = new CountDownLatch(1);

    @BeforeEach
    void start() {
        system = ActorSystem.builder("supervisors").parallelism(4).build();
    }

    @AfterEach
    void stop() {
        release.countDown();
        assertEquals(List.of(), system.close(WAIT));
    }

    /** A child that records its hooks; "crash" throws, "stop" stops it normally, "block" blocks its thread until released. */
    private Supplier<Actor<String>> worker(String id) {
        return () -> {
            created.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
            return new Actor<String>() {
                @Override
                protected void preStart() {
                    events.add(id + ".preStart");
                }

                @Override
                protected void receive(String m) {
                    switch (m) {
                        case "crash" -> throw new IllegalStateException(id + " crashed");
                        case "stop" -> context().stop(self());
                        case "block" -> {
                            events.add(id + ".blocked");
                            awaitRelease();
                        }
                        default -> events.add(id + "." + m);
                    }
                }

                @Override
                protected void postStop() {
                    events.add(id + ".postStop");
                }
            };
        };
    }

    private void awaitRelease() {
        try {
            if (!release.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("test latch not released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private List<ChildInfo> which(ActorRef<Command> sup) {
        return sup.<List<ChildInfo>>ask(Supervisor.WhichChildren::new, WAIT).toCompletableFuture().join();
    }

    @SuppressWarnings("unchecked")
    private ActorRef<String> ref(ActorRef<Command> sup, String id) {
        for (ChildInfo c : which(sup)) {
            if (c.id().equals(id)) {
                return (ActorRef<String>) c.ref();
            }
        }
        throw new AssertionError("no child " + id);
    }

    /**
     * The children's ids in the order their current incarnations were spawned: an incarnation is
     * named {@code id-n}, with n growing at every spawn of the supervisor (see {@link ChildSpec}).
     */
    private List<String> spawnOrder(ActorRef<Command> sup) {
        return which(sup).stream()
                .sorted(Comparator.comparingLong((ChildInfo c) -> {
                    final String name = c.ref().name();
                    return Long.parseLong(name.substring(name.lastIndexOf('-') + 1));
                }))
                .map(ChildInfo::id)
                .toList();
    }

    private ActorRef<Command> spawnSupervisor(Supervisor.Strategy strategy, SupervisorStrategy restarts, String... ids) {
        final Supervisor.Builder b = Supervisor.builder(strategy).restarts(restarts);
        for (String id : ids) {
            b.child(ChildSpec.of(id, worker(id)));
        }
        final ActorRef<Command> sup = system.spawn(b.build(), "sup");
        awaitStarted(ids);
        events.clear();
        return sup;
    }

    /**
     * Waits until each child has run its first preStart. Children start concurrently, so a test
     * that clears the events or expects an exact list must wait for every one of them, not only
     * for the last spawned.
     */
    private void awaitStarted(String... ids) {
        for (String id : ids) {
            events.awaitCount(id + ".preStart", 1, WAIT);
        }
    }

    private static SupervisorStrategy unlimited() {
        return SupervisorStrategy.restart();
    }

    @Test
    void oneForOne_childCrashes_onlyThatChildRestartsWithANewRef() {
        // ONE_FOR_ONE replaces only the failed child; its siblings keep their refs and see no hooks.
        final ActorRef<Command> sup = spawnSupervisor(Supervisor.Strategy.ONE_FOR_ONE, unlimited(), "c1", "c2", "c3");
        final ActorRef<String> c1 = ref(sup, "c1");
        final ActorRef<String> c2 = ref(sup, "c2");
        final ActorRef<String> c3 = ref(sup, "c3");
        c2.tell("crash");
        events.awaitCount("c2.preStart", 1, WAIT);
        assertEquals(List.of("c2.postStop", "c2.preStart"), events.snapshot());
        final List<ChildInfo> after = which(sup);
        assertSame(c1, after.get(0).ref());
        assertNotSame(c2, after.get(1).ref());
        assertSame(c3, after.get(2).ref());
        assertEquals(List.of("c1", "c2", "c3"), after.stream().map(ChildInfo::id).toList());
        assertTrue(after.stream().allMatch(c -> c.state() == ChildState.RUNNING), after.toString());
    }

    @Test
    void allForOne_childCrashes_stopsOthersInReverseOrderThenRespawnsAllInStartOrder() {
        // ALL_FOR_ONE: the failed child is gone, the others stop last-started first, then all are spawned again in start order.
        final ActorRef<Command> sup = spawnSupervisor(Supervisor.Strategy.ALL_FOR_ONE, unlimited(), "c1", "c2", "c3");
        final ActorRef<String> c1 = ref(sup, "c1");
        ref(sup, "c2").tell("crash");
        final List<String> seen = events.awaitSize(6, WAIT);
        assertEquals(List.of("c2.postStop", "c3.postStop", "c1.postStop"), seen.subList(0, 3));
        // preStarts run concurrently (spawning is asynchronous): only the spawns have an order
        assertEquals(Set.of("c1.preStart", "c2.preStart", "c3.preStart"), Set.copyOf(seen.subList(3, 6)));
        assertNotSame(c1, ref(sup, "c1"));
        assertEquals(List.of("c1", "c2", "c3"), spawnOrder(sup));
    }

    @Test
    void restForOne_childCrashes_restartsItAndTheLaterOnesOnlyInStartOrder() {
        // REST_FOR_ONE: children started after the failed one stop (last first) and are spawned again with it in start order; earlier ones are untouched.
        final ActorRef<Command> sup = spawnSupervisor(Supervisor.Strategy.REST_FOR_ONE, unlimited(), "c1", "c2", "c3", "c4");
        final ActorRef<String> c1 = ref(sup, "c1");
        ref(sup, "c2").tell("crash");
        final List<String> seen = events.awaitSize(6, WAIT);
        assertEquals(List.of("c2.postStop", "c4.postStop", "c3.postStop"), seen.subList(0, 3));
        // preStarts run concurrently (spawning is asynchronous): only the spawns have an order
        assertEquals(Set.of("c2.preStart", "c3.preStart", "c4.preStart"), Set.copyOf(seen.subList(3, 6)));
        assertSame(c1, ref(sup, "c1"));
        assertEquals(1, created.get("c1").get());
        assertEquals(List.of("c1", "c2", "c3", "c4"), spawnOrder(sup));
    }

    @Test
    void restartTypes_normalStopAndCrash_followPermanentTransientTemporary() {
        // PERMANENT restarts after any exit, TRANSIENT only after a failure, TEMPORARY never and is removed.
        final TestProbe<Object> probe = TestProbe.create(system);
        final ActorRef<Command> sup = system.spawn(Supervisor.builder(Supervisor.Strategy.ONE_FOR_ONE).restarts(unlimited())
                .child(ChildSpec.of("perm", worker("perm")))
                .child(ChildSpec.of("trans", worker("trans")).withRestart(RestartType.TRANSIENT))
                .child(ChildSpec.of("crashy", worker("crashy")).withRestart(RestartType.TRANSIENT))
                .child(ChildSpec.of("temp", worker("temp")).withRestart(RestartType.TEMPORARY))
                .build(), "sup");
        awaitStarted("perm", "trans", "crashy", "temp");
        final ActorRef<String> perm = ref(sup, "perm");
        final ActorRef<String> trans = ref(sup, "trans");
        final ActorRef<String> crashy = ref(sup, "crashy");
        final ActorRef<String> temp = ref(sup, "temp");
        perm.tell("stop");
        trans.tell("stop");
        crashy.tell("crash");
        temp.tell("crash");
        // once a probe saw them terminate, the supervisor has their termination queued ahead of the ask
        for (ActorRef<String> r : List.of(perm, trans, crashy, temp)) {
            probe.expectTerminated(r, WAIT);
        }
        events.awaitCount("perm.preStart", 2, WAIT);
        events.awaitCount("crashy.preStart", 2, WAIT);
        final List<ChildInfo> after = which(sup);
        assertEquals(List.of("perm", "trans", "crashy"), after.stream().map(ChildInfo::id).toList());
        assertEquals(List.of(ChildState.RUNNING, ChildState.STOPPED, ChildState.RUNNING), after.stream().map(ChildInfo::state).toList());
        assertEquals(RestartType.TRANSIENT, after.get(1).restartType());
        assertSame(trans, after.get(1).ref(), "a stopped child reports its last ref");
        assertEquals(1, created.get("trans").get());
        assertEquals(1, created.get("temp").get());
    }

    /** A plain parent that records the signals it gets about its children. */
    private Supplier<Actor<Object>> parentOf(Supplier<Actor<Command>> sup, AtomicReference<ActorRef<Command>> supRef) {
        return () -> new Actor<Object>() {
            @Override
            protected void preStart() {
                supRef.set(context().spawn(sup, "sup"));
            }

            @Override
            protected void receive(Object m) { }

            @Override
            protected void onSignal(Signal s) {
                if (s instanceof ChildFailed f) {
                    events.add("parent.ChildFailed:" + f.cause().getClass().getSimpleName() + ":" + f.cause().getCause().getMessage());
                }
            }

            @Override
            protected void preRestart(Throwable cause) {
                events.add("parent.preRestart:" + cause.getClass().getSimpleName());
            }

            @Override
            protected void postRestart(Throwable cause) {
                events.add("parent.postRestart");
            }
        };
    }

    @Test
    void restartLimit_exceeded_stopsChildrenInOrderThenFailsTowardsTheParent() {
        // Past the limit the supervisor stops its remaining children (reverse order) and fails: the parent gets ChildFailed.
        final AtomicReference<ActorRef<Command>> supRef = new AtomicReference<>();
        final Supplier<Actor<Command>> sup = Supervisor.builder(Supervisor.Strategy.ONE_FOR_ONE)
                .restarts(SupervisorStrategy.restart().withLimit(2, Duration.ofMinutes(1)))
                .child(ChildSpec.of("c1", worker("c1"))).child(ChildSpec.of("c2", worker("c2"))).child(ChildSpec.of("c3", worker("c3")))
                .build();
        system.spawn(parentOf(sup, supRef), "parent");
        awaitStarted("c1", "c2", "c3");
        final TestProbe<Object> probe = TestProbe.create(system);
        for (int i = 1; i <= 2; i++) {
            ref(supRef.get(), "c2").tell("crash");
            events.awaitCount("c2.preStart", i + 1, WAIT);
        }
        events.clear();
        ref(supRef.get(), "c2").tell("crash");
        probe.expectTerminated(supRef.get(), WAIT);
        final List<String> seen = events.awaitSize(4, WAIT);
        assertEquals(List.of("c2.postStop", "c3.postStop", "c1.postStop", "parent.ChildFailed:RestartIntensityExceededException:c2 crashed"), seen);
        assertEquals(3, created.get("c2").get());
    }

    @Test
    void restartLimit_exceededWithEscalate_failsTheParentItself() {
        // withEscalateWhenExhausted: the supervisor's refusal fails its parent, which here restarts.
        final AtomicReference<ActorRef<Command>> supRef = new AtomicReference<>();
        final Supplier<Actor<Command>> sup = Supervisor.builder(Supervisor.Strategy.ONE_FOR_ONE)
                .restarts(SupervisorStrategy.restart().withLimit(0, Duration.ofMinutes(1)).withEscalateWhenExhausted())
                .child(ChildSpec.of("c1", worker("c1")))
                .build();
        system.spawn(Supervise.of(parentOf(sup, supRef))
                .onFailure(RestartIntensityExceededException.class, SupervisorStrategy.restart()), "parent");
        events.awaitCount("c1.preStart", 1, WAIT);
        ref(supRef.get(), "c1").tell("crash");
        final List<String> seen = events.awaitCount("parent.postRestart", 1, WAIT);
        assertEquals(List.of("c1.preStart", "c1.postStop", "parent.preRestart:RestartIntensityExceededException", "parent.postRestart"), seen);
    }

    @Test
    void restartLimit_windowSlides_allowsRestartsSpacedFurtherThanWithin() {
        // The limit counts restarts within the window only (manual clock): spaced failures never exhaust it.
        final AtomicLong now = new AtomicLong();
        final ActorRef<Command> sup = system.spawn(Supervisor.builder(Supervisor.Strategy.ONE_FOR_ONE)
                .restarts(SupervisorStrategy.restart().withLimit(1, Duration.ofSeconds(10)))
                .nanoClock(now::get)
                .child(ChildSpec.of("c1", worker("c1"))).build(), "sup");
        for (int i = 1; i <= 3; i++) {
            events.awaitCount("c1.preStart", i, WAIT);
            now.addAndGet(Duration.ofSeconds(11).toNanos());
            ref(sup, "c1").tell("crash");
        }
        events.awaitCount("c1.preStart", 4, WAIT);
        final TestProbe<Object> probe = TestProbe.create(system);
        ref(sup, "c1").tell("crash"); // same instant as the last restart: over the limit
        probe.expectTerminated(sup, WAIT);
    }

    @Test
    void nestedSupervisors_innerLimitExceeded_outerRestartsTheWholeSubtree() {
        // A supervisor that gives up is a failed child of its own supervisor, which restarts it with fresh children.
        final Supplier<Actor<Command>> inner = Supervisor.builder(Supervisor.Strategy.ONE_FOR_ONE)
                .restarts(SupervisorStrategy.restart().withLimit(0, Duration.ofMinutes(1)))
                .child(ChildSpec.of("leaf", worker("leaf"))).build();
        final ActorRef<Command> outer = system.spawn(Supervisor.builder(Supervisor.Strategy.ONE_FOR_ONE)
                .restarts(SupervisorStrategy.restart().withLimit(1, Duration.ofMinutes(1)))
                .child(ChildSpec.ofSupervisor("inner", inner)).build(), "outer");
        events.awaitCount("leaf.preStart", 1, WAIT);
        @SuppressWarnings("unchecked")
        final ActorRef<Command> inner1 = (ActorRef<Command>) which(outer).get(0).ref();
        ref(inner1, "leaf").tell("crash");
        events.awaitCount("leaf.preStart", 2, WAIT);
        final ChildInfo info = which(outer).get(0);
        assertNotSame(inner1, info.ref());
        assertEquals(ChildState.RUNNING, info.state());
        assertEquals(List.of("leaf.preStart", "leaf.postStop", "leaf.preStart"), events.snapshot());
    }

    @Test
    void shutdown_stopsChildrenInReverseStartOrderThenTheSupervisor() {
        // Shutdown stops the last-started child first, waits for each, and terminates the supervisor last.
        final ActorRef<Command> sup = spawnSupervisor(Supervisor.Strategy.ONE_FOR_ONE, unlimited(), "c1", "c2", "c3");
        final TestProbe<Object> probe = TestProbe.create(system);
        probe.watch(sup);
        sup.tell(new Supervisor.Shutdown());
        probe.expectTerminated(sup, WAIT);
        assertEquals(List.of("c3.postStop", "c2.postStop", "c1.postStop"), events.snapshot());
    }

    @Test
    void shutdown_childStuckPastItsDeadline_isForcedAndTheNextOneStops() {
        // A child that overruns its deadline is forced: the supervisor moves on, yet terminates only after it.
        final ActorRef<Command> sup = system.spawn(Supervisor.builder(Supervisor.Strategy.ONE_FOR_ONE)
                .child(ChildSpec.of("c1", worker("c1")))
                .child(ChildSpec.of("c2", worker("c2")).withShutdown(Duration.ofMillis(50)))
                .child(ChildSpec.of("c3", worker("c3"))).build(), "sup");
        awaitStarted("c1", "c2", "c3");
        ref(sup, "c2").tell("block");
        events.awaitCount("c2.blocked", 1, WAIT);
        events.clear();
        final TestProbe<Object> probe = TestProbe.create(system);
        probe.watch(sup);
        sup.tell(new Supervisor.Shutdown());
        // c1 can only stop if the supervisor gave up waiting for c2, which is blocked until we release it
        events.awaitCount("c1.postStop", 1, WAIT);
        assertEquals(List.of("c3.postStop", "c1.postStop"), events.snapshot());
        release.countDown();
        probe.expectTerminated(sup, WAIT);
        assertEquals(List.of("c3.postStop", "c1.postStop", "c2.postStop"), events.snapshot());
    }

    @Test
    void shutdown_childWithStopMessage_handlesQueuedMessagesFirst() {
        // A stop message is an ordinary message: the child handles what was queued before it, then stops itself.
        final ActorRef<Command> sup = system.spawn(Supervisor.builder(Supervisor.Strategy.ONE_FOR_ONE)
                .child(ChildSpec.of("c1", worker("c1")).withStopMessage("stop")).build(), "sup");
        events.awaitCount("c1.preStart", 1, WAIT);
        final ActorRef<String> c1 = ref(sup, "c1");
        final TestProbe<Object> probe = TestProbe.create(system);
        probe.watch(sup);
        c1.tell("x1");
        c1.tell("x2");
        sup.tell(new Supervisor.Shutdown());
        probe.expectTerminated(sup, WAIT);
        assertEquals(List.of("c1.preStart", "c1.x1", "c1.x2", "c1.postStop"), events.snapshot());
    }

    @Test
    void backoff_shutdownDuringTheBackoff_cancelsThePendingRestart() {
        // While a restart waits its backoff the child is RESTARTING; a shutdown then cancels it: the factory is not called again.
        final ActorRef<Command> sup = spawnSupervisor(Supervisor.Strategy.ONE_FOR_ONE,
                SupervisorStrategy.restart().withBackoff(Duration.ofHours(1), Duration.ofHours(1), 0), "c1", "c2");
        final TestProbe<Object> probe = TestProbe.create(system);
        final ActorRef<String> c1 = ref(sup, "c1");
        c1.tell("crash");
        probe.expectTerminated(c1, WAIT);
        assertEquals(List.of(ChildState.RESTARTING, ChildState.RUNNING), which(sup).stream().map(ChildInfo::state).toList());
        probe.watch(sup);
        sup.tell(new Supervisor.Shutdown());
        probe.expectTerminated(sup, WAIT);
        assertEquals(1, created.get("c1").get());
        assertEquals(List.of("c1.postStop", "c2.postStop"), events.snapshot());
    }

    @Test
    void backoff_restartAfterTheDelay_handsOutANewRefThatWorks() {
        // A restart with backoff ends with a fresh, working incarnation.
        final ActorRef<Command> sup = spawnSupervisor(Supervisor.Strategy.ONE_FOR_ONE,
                SupervisorStrategy.restart().withBackoff(Duration.ofMillis(20), Duration.ofMillis(100), 0.2), "c1");
        final ActorRef<String> old = ref(sup, "c1");
        old.tell("crash");
        events.awaitCount("c1.preStart", 1, WAIT);
        final ActorRef<String> fresh = ref(sup, "c1");
        assertNotSame(old, fresh);
        fresh.tell("hello");
        events.awaitCount("c1.hello", 1, WAIT);
    }

    @Test
    void dynamicChildren_addWhichRemove_keepStartOrderAndAnswerEachRequest() {
        // AddChild appends and spawns, RemoveChild stops and forgets, WhichChildren reports the start order.
        final ActorRef<Command> sup = spawnSupervisor(Supervisor.Strategy.ONE_FOR_ONE, unlimited(), "c1", "c2");
        final TestProbe<Supervisor.ChildReply> replies = TestProbe.create(system);
        sup.tell(new Supervisor.AddChild(ChildSpec.of("c3", worker("c3")), replies.ref()));
        final Supervisor.ChildAdded added = replies.expectMessageClass(Supervisor.ChildAdded.class, WAIT);
        assertEquals("c3", added.id());
        sup.tell(new Supervisor.AddChild(ChildSpec.of("c1", worker("c1")), replies.ref()));
        assertEquals("c1", replies.expectMessageClass(Supervisor.ChildRejected.class, WAIT).id());
        assertEquals(List.of("c1", "c2", "c3"), which(sup).stream().map(ChildInfo::id).toList());
        assertSame(added.ref(), which(sup).get(2).ref());

        sup.tell(new Supervisor.RemoveChild("c2", replies.ref()));
        assertEquals(new Supervisor.ChildRemoved("c2"), replies.expectMessage(WAIT));
        assertTrue(events.snapshot().contains("c2.postStop"), "removed only after it stopped");
        assertEquals(List.of("c1", "c3"), which(sup).stream().map(ChildInfo::id).toList());
        sup.tell(new Supervisor.RemoveChild("nope", replies.ref()));
        assertEquals("nope", replies.expectMessageClass(Supervisor.ChildRejected.class, WAIT).id());
        assertEquals(1, created.get("c2").get());
    }

    @Test
    void removeChild_duringItsBackoff_cancelsItsRestart() {
        // Removing a child whose restart waits cancels that restart.
        final ActorRef<Command> sup = spawnSupervisor(Supervisor.Strategy.ONE_FOR_ONE,
                SupervisorStrategy.restart().withBackoff(Duration.ofMillis(300), Duration.ofMillis(300), 0), "c1", "c2");
        final TestProbe<Object> probe = TestProbe.create(system);
        final ActorRef<String> c1 = ref(sup, "c1");
        c1.tell("crash");
        probe.expectTerminated(c1, WAIT);
        final TestProbe<Supervisor.ChildReply> replies = TestProbe.create(system);
        sup.tell(new Supervisor.RemoveChild("c1", replies.ref()));
        assertEquals(new Supervisor.ChildRemoved("c1"), replies.expectMessage(WAIT));
        // the backoff timer still fires; by the time c2 has handled a message sent after it, no respawn happened
        sup.tell(new Supervisor.AddChild(ChildSpec.of("c1", worker("c1")), replies.ref()));
        replies.expectMessageClass(Supervisor.ChildAdded.class, WAIT);
        events.awaitCount("c1.preStart", 1, WAIT);
        assertEquals(2, created.get("c1").get(), "the initial one and the re-added one, no respawn");
    }

    @Test
    void builder_badSettings_failFastNamingTheParameter() {
        // Misuse is reported at build time with the parameter's name.
        assertThrows(IllegalArgumentException.class, () -> Supervisor.builder(Supervisor.Strategy.ONE_FOR_ONE)
                .child(ChildSpec.of("a", worker("a"))).child(ChildSpec.of("a", worker("a"))));
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Supervisor.builder(Supervisor.Strategy.ONE_FOR_ONE).restarts(SupervisorStrategy.resume()));
        assertTrue(e.getMessage().contains("restart()"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ChildSpec.of("bad/id", worker("x")));
        final IllegalArgumentException neg = assertThrows(IllegalArgumentException.class,
                () -> ChildSpec.of("a", worker("a")).withShutdown(Duration.ofSeconds(-1)));
        assertTrue(neg.getMessage().contains("shutdown"), neg.getMessage());
        final NullPointerException npe = assertThrows(NullPointerException.class, () -> ChildSpec.of("a", null));
        assertEquals("factory", npe.getMessage());
        assertFalse(Supervisor.builder(Supervisor.Strategy.REST_FOR_ONE).build().get() == null);
    }
}
