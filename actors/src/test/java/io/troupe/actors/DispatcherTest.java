package io.troupe.actors;

import static io.troupe.actors.Testing.TIMEOUT;
import static io.troupe.actors.Testing.await;
import static io.troupe.actors.Testing.awaitTrue;
import static io.troupe.actors.Testing.block;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.testkit.TestProbe;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/** Dispatcher behaviour seen from actors: fairness, shutdown, threads, slow-handler reports; on both dispatchers. */
class DispatcherTest {
    private static final int THROUGHPUT = 64;

    /** Floods itself: every handled message tells itself another; counts what it handled. */
    static final class Flooder extends Actor<Object> {
        record Tick() {}

        /** Tell {@code target} "go" with this flooder's count once it has handled {@code at} messages. */
        record WakeAt(long at, ActorRef<Long> target) {}

        final AtomicLong handled;
        private WakeAt wake;

        Flooder(AtomicLong handled) {
            this.handled = handled;
        }

        @Override
        protected void preStart() {
            self().tell(new Tick());
        }

        @Override
        protected void receive(Object m) {
            if (m instanceof WakeAt w) {
                wake = w;
                return;
            }
            final long n = handled.incrementAndGet();
            if (wake != null && n >= wake.at()) {
                wake.target().tell(n);
                wake = null;
            }
            self().tell(new Tick());
        }
    }

    @BothDispatchers
    void flooder_wakesAnotherActor_itRunsWithinAFewBudgetsOfFlooderMessages(DispatcherKind kind) {
        // An actor made ready by a flooding actor runs after at most a few throughput budgets of the flooder's messages: the flooder yields after each budget.
        try (ActorSystem system = Testing.builder(kind).throughput(THROUGHPUT).build()) {
            final TestProbe<Long> probe = TestProbe.create(system);
            final AtomicLong first = new AtomicLong();
            final AtomicLong second = new AtomicLong();
            // The woken actor reports how many flooder messages were handled between its wake-up and its run.
            final ActorRef<Long> woken = system.spawn(Actor.<Long>of((ctx, toldAt) -> probe.ref().tell(first.get() - toldAt)), "woken");
            final ActorRef<Object> f1 = system.spawn(() -> new Flooder(first), "flooder-1");
            system.spawn(() -> new Flooder(second), "flooder-2"); // keeps the other worker busy too
            final List<Long> delays = new ArrayList<>();
            for (int round = 1; round <= 5; round++) {
                f1.tell(new Flooder.WakeAt(first.get() + 10_000, woken));
                delays.add(probe.expectMessage(TIMEOUT));
            }
            for (long d : delays) {
                assertTrue(d >= 0 && d <= 4L * THROUGHPUT,
                        "flooder messages between wake-up and run, per round: " + delays + " (throughput " + THROUGHPUT + ")");
            }
        }
    }

    @BothDispatchers
    void allWorkersFlooded_tellFromOutside_stillRuns(DispatcherKind kind) {
        // A message told from a non-dispatcher thread is handled even while every worker runs a flooding actor: injected work is not starved.
        try (ActorSystem system = Testing.builder(kind).throughput(THROUGHPUT).build()) {
            final TestProbe<String> probe = TestProbe.create(system);
            final AtomicLong handled = new AtomicLong();
            for (int i = 0; i < 4; i++) {
                system.spawn(() -> new Flooder(handled), "flooder-" + i);
            }
            awaitTrue("the flooders are running", () -> handled.get() > 100_000);
            final ActorRef<String> quiet = system.spawn(Actor.<String>of((ctx, m) -> probe.ref().tell(m)), "quiet");
            for (int i = 0; i < 20; i++) {
                quiet.tell("m" + i);
                probe.expectMessage("m" + i, TIMEOUT);
            }
        }
    }

    @BothDispatchers
    void allWorkersPingPonging_tellFromOutside_stillRuns(DispatcherKind kind) {
        // Pairs of actors that wake each other with one message per activation never use up a budget, yet cannot starve a tell from outside.
        try (ActorSystem system = Testing.builder(kind).throughput(THROUGHPUT).build()) {
            final TestProbe<String> probe = TestProbe.create(system);
            final AtomicLong handled = new AtomicLong();
            for (int pair = 0; pair < 4; pair++) {
                final ActorRef<ActorRef<?>> a = system.spawn(pingPonger(handled), "ping-" + pair);
                final ActorRef<ActorRef<?>> b = system.spawn(pingPonger(handled), "pong-" + pair);
                a.tell(b);
            }
            awaitTrue("the pairs are playing", () -> handled.get() > 100_000);
            final ActorRef<String> quiet = system.spawn(Actor.<String>of((ctx, m) -> probe.ref().tell(m)), "quiet");
            for (int i = 0; i < 20; i++) {
                quiet.tell("m" + i);
                probe.expectMessage("m" + i, TIMEOUT);
            }
        }
    }

    @BothDispatchers
    void oneWorker_twoPingPongPairs_bothKeepProgressing(DispatcherKind kind) {
        // With a single worker, two pairs of actors that wake each other both keep making progress: one pair's rally through the LIFO slot never starves the other pair.
        try (ActorSystem system = Testing.builder(kind).parallelism(1).throughput(THROUGHPUT).build()) {
            final AtomicLong first = new AtomicLong();
            final AtomicLong second = new AtomicLong();
            final ActorRef<ActorRef<?>> a1 = system.spawn(pingPonger(first), "ping-1");
            final ActorRef<ActorRef<?>> b1 = system.spawn(pingPonger(first), "pong-1");
            final ActorRef<ActorRef<?>> a2 = system.spawn(pingPonger(second), "ping-2");
            final ActorRef<ActorRef<?>> b2 = system.spawn(pingPonger(second), "pong-2");
            a1.tell(b1);
            a2.tell(b2);
            for (int round = 1; round <= 5; round++) {
                final long f = first.get();
                final long s = second.get();
                awaitTrue("both pairs moved on in round " + round + " from " + f + " and " + s + " messages",
                        () -> first.get() >= f + 1_000 && second.get() >= s + 1_000);
            }
        }
    }

    @BothDispatchers
    void actorWakesTwoAndBlocks_anIdleWorkerRunsTheFirstWhileItBlocks(DispatcherKind kind) {
        // When a running actor wakes B and then C and blocks, a sleeping worker is woken and runs B while the waker still blocks (C holds the waker's LIFO slot, B waits in its local queue).
        try (ActorSystem system = Testing.builder(kind).build()) {
            final TestProbe<Boolean> probe = TestProbe.create(system);
            final ActorRef<CountDownLatch> b = system.spawn(Actor.<CountDownLatch>of((ctx, ran) -> ran.countDown()), "b");
            final ActorRef<CountDownLatch> c = system.spawn(Actor.<CountDownLatch>of((ctx, ran) -> { }), "c");
            final ActorRef<CountDownLatch> a = system.spawn(Actor.<CountDownLatch>of((ctx, bRan) -> {
                b.tell(bRan);
                c.tell(new CountDownLatch(1));
                try {
                    probe.ref().tell(bRan.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    probe.ref().tell(false);
                }
            }), "a");
            for (int round = 1; round <= 5; round++) {
                // Only a sleeping worker can be missed: start each round with every worker parked.
                awaitTrue("every worker of " + system.name() + " is parked", () -> workersParked(system.name()));
                a.tell(new CountDownLatch(1));
                assertTrue(probe.expectMessage(Duration.ofMillis(2 * TIMEOUT.toMillis())),
                        "round " + round + ": b did not run while a blocked, though a worker was idle");
            }
        }
    }

    /** Whether every dispatcher thread of the system is parked (waiting), as an idle worker is. */
    private static boolean workersParked(String systemName) {
        final Set<Thread> workers = threadsOf(systemName).stream()
                .filter(t -> t.getName().contains("-worker-") || t.getName().contains("-fj-"))
                .collect(Collectors.toSet());
        return !workers.isEmpty() && workers.stream()
                .allMatch(t -> t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING);
    }

    /** Answers every ref it gets by sending its own ref back: an endless rally of one message at a time. */
    @SuppressWarnings("unchecked")
    private static java.util.function.Supplier<Actor<ActorRef<?>>> pingPonger(AtomicLong handled) {
        return Actor.of((ctx, other) -> {
            handled.incrementAndGet();
            ((ActorRef<ActorRef<?>>) other).tell(ctx.self());
        });
    }

    @BothDispatchers
    void close_whileActorsBusy_stopsEverythingAndReturnsEmptyList(DispatcherKind kind) {
        // Closing a system whose actors are all busy stops every one of them within the timeout: close returns no leftovers.
        final ActorSystem system = Testing.system(kind);
        final AtomicLong handled = new AtomicLong();
        final ConcurrentLinkedQueue<String> stopped = new ConcurrentLinkedQueue<>();
        for (int i = 0; i < 20; i++) {
            system.spawn(() -> new Actor<Object>() {
                @Override
                protected void preStart() {
                    for (int k = 0; k < 3; k++) {
                        context().spawn(() -> new Flooder(handled), "child-" + k);
                    }
                    self().tell("tick");
                }

                @Override
                protected void receive(Object m) {
                    handled.incrementAndGet();
                    self().tell("tick");
                }

                @Override
                protected void postStop() {
                    stopped.add(self().path());
                }
            }, "busy-" + i);
        }
        awaitTrue("the actors are busy", () -> handled.get() > 200_000);
        assertEquals(List.of(), system.close(TIMEOUT));
        assertEquals(20, stopped.size());
        assertEquals(List.of(), system.close(TIMEOUT), "a second close returns the same outcome");
    }

    private static Set<Thread> threadsOf(String systemName) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(systemName + "-"))
                .collect(Collectors.toSet());
    }

    @BothDispatchers
    void close_twentySystems_leavesNoThreadBehind(DispatcherKind kind) throws Exception {
        // After close, no thread named after the system is still alive (workers, blocking pool), and opening and closing 20 systems leaves no extra timer thread.
        final long timerThreadsBefore = timerThreads();
        for (int i = 0; i < 20; i++) {
            final ActorSystem system = Testing.system(kind);
            final String name = system.name();
            final TestProbe<String> probe = TestProbe.create(system);
            final ActorRef<String> ref = system.spawn(Actor.<String>of((ctx, m) -> {
                ctx.timers().startSingleTimer("t", "timer", Duration.ofMillis(1));
                ctx.spawnBlocking(() -> "blocking", (v, e) -> "done");
                probe.ref().tell(m);
            }), "worker");
            ref.tell("hello");
            probe.expectMessage("hello", TIMEOUT);
            final Set<String> during = threadsOf(name).stream().map(Thread::getName).collect(Collectors.toCollection(TreeSet::new));
            assertTrue(during.stream().anyMatch(n -> n.contains("-worker-") || n.contains("-fj-")),
                    "the system had started threads: " + during);
            assertEquals(List.of(), system.close(TIMEOUT));
            // A pool's awaitTermination may return while its last thread is still unwinding: join them, bounded.
            for (Thread t : threadsOf(name)) {
                t.join(TIMEOUT.toMillis());
            }
            final Set<String> after = threadsOf(name).stream().map(Thread::getName).collect(Collectors.toCollection(TreeSet::new));
            assertEquals(Set.of(), after, "threads of " + name + " still alive after close (had " + during + ")");
        }
        // The timer thread is named "troupe-timer", not after its system: count them instead.
        awaitTrue("no timer thread left behind (" + timerThreadsBefore + " before)", () -> timerThreads() <= timerThreadsBefore);
    }

    private static long timerThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().contains("troupe-timer")).count();
    }

    @BothDispatchers
    void slowHandler_pastThreshold_reportedWithActorPath(DispatcherKind kind) {
        // A handler that runs past the threshold is reported to the listener with the actor's path, while it still runs.
        final ConcurrentLinkedQueue<String> reported = new ConcurrentLinkedQueue<>();
        final CountDownLatch report = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch entered = new CountDownLatch(1);
        try (ActorSystem system = Testing.builder(kind)
                .slowHandlerThreshold(Duration.ofMillis(50))
                .onSlowHandler((path, elapsed) -> {
                    reported.add(path);
                    report.countDown();
                })
                .build()) {
            try {
                final ActorRef<String> sloth = system.spawn(Actor.<String>of((ctx, m) -> {
                    entered.countDown();
                    block(release); // released by the test only after the report arrived
                }), "sloth");
                sloth.tell("work");
                await(entered, "the handler to start");
                await(report, "the slow-handler report");
                assertEquals("/user/sloth", reported.peek());
            } finally {
                release.countDown();
            }
        }
        assertEquals(List.of("/user/sloth"), List.copyOf(reported), "reported once per handler run");
    }

    @BothDispatchers
    void quickHandlers_neverReported(DispatcherKind kind) {
        // Handlers that finish quickly are never reported, however many there are.
        final ConcurrentLinkedQueue<String> reported = new ConcurrentLinkedQueue<>();
        try (ActorSystem system = Testing.builder(kind)
                .slowHandlerThreshold(Duration.ofSeconds(5))
                .onSlowHandler((path, elapsed) -> reported.add(path))
                .build()) {
            final TestProbe<Integer> probe = TestProbe.create(system);
            final ActorRef<Integer> quick = system.spawn(Actor.<Integer>of((ctx, m) -> {
                if (m % 10_000 == 0) {
                    probe.ref().tell(m);
                }
            }), "quick");
            for (int i = 1; i <= 50_000; i++) {
                Testing.join(quick.send(i));
            }
            for (int i = 1; i <= 5; i++) {
                probe.expectMessage(i * 10_000, TIMEOUT);
            }
        }
        assertEquals(List.of(), List.copyOf(reported));
    }
}
