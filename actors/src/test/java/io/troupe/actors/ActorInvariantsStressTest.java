package io.troupe.actors;

import static io.troupe.actors.Testing.SCALE;
import static io.troupe.actors.Testing.TIMEOUT;
import static io.troupe.actors.Testing.await;
import static io.troupe.actors.Testing.awaitTrue;
import static io.troupe.actors.Testing.block;
import static io.troupe.actors.Testing.hasQueuedSystemMessage;
import static io.troupe.actors.Testing.join;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.testkit.TestProbe;
import io.troupe.mailbox.OverflowPolicy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Timeout;

/**
 * DESIGN.md's actor invariants 1-5 under load, on both dispatchers. Counts scale with
 * {@code troupe.stress.scale}; every wait is bounded; assertions are on counts and orders only.
 */
@Timeout(180)
class ActorInvariantsStressTest {

    /** Runs {@code body} on {@code threads} new threads at once and waits (bounded) for all of them. */
    private static void onThreads(int threads, ThrowingIntConsumer body) throws InterruptedException {
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final CountDownLatch start = new CountDownLatch(1);
        final List<Thread> started = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            final int index = t;
            final Thread thread = new Thread(() -> {
                try {
                    start.await();
                    body.accept(index);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "stress-sender-" + t);
            thread.start();
            started.add(thread);
        }
        start.countDown();
        for (Thread t : started) {
            t.join(4 * TIMEOUT.toMillis());
            assertTrue(!t.isAlive(), t.getName() + " finished");
        }
        if (failure.get() != null) {
            throw new AssertionError("a sender failed", failure.get());
        }
    }

    @FunctionalInterface
    private interface ThrowingIntConsumer {
        void accept(int index) throws Exception;
    }

    // ---------------------------------------------------------------- invariant 1

    /** Counts in a plain int and detects two handlers running at once. */
    static final class PlainCounter extends Actor<Object> {
        record Get(ActorRef<int[]> replyTo) {}

        private final AtomicInteger inside = new AtomicInteger();
        private int count;
        private int overlaps;

        @Override
        protected void receive(Object m) {
            if (inside.incrementAndGet() != 1) {
                overlaps++;
            }
            if (m instanceof Get g) {
                g.replyTo().tell(new int[] {count, overlaps});
            } else {
                count++;
            }
            inside.decrementAndGet();
        }
    }

    @BothDispatchers
    void oneMessageAtATime_manySenders_plainCounterIsExact(DispatcherKind kind) throws Exception {
        // Invariant 1: one message at a time, each handling happens-before the next: a plain int incremented by every message from many threads and actors ends exact, and no two handlings overlap.
        final int threads = 4;
        final int actorSenders = 4;
        final int perSender = 50_000 * SCALE;
        final int total = (threads + actorSenders) * perSender;
        try (ActorSystem system = Testing.system(kind)) {
            final ActorRef<Object> counter = system.spawn(PlainCounter::new,
                    SpawnOptions.named("counter").withMailbox(total + 1, OverflowPolicy.DEAD_LETTER));
            final CountDownLatch actorsDone = new CountDownLatch(actorSenders);
            for (int a = 0; a < actorSenders; a++) {
                system.spawn(Actor.<String>of((ctx, m) -> {
                    for (int i = 0; i < perSender; i++) {
                        counter.tell(i);
                    }
                    actorsDone.countDown();
                }), "sender-" + a).tell("go");
            }
            onThreads(threads, t -> {
                for (int i = 0; i < perSender; i++) {
                    counter.tell(i);
                }
            });
            await(actorsDone, "the sender actors");
            final int[] result = join(counter.<int[]>ask(PlainCounter.Get::new, TIMEOUT));
            assertEquals(total, result[0], "messages counted");
            assertEquals(0, result[1], "overlapping handlings");
            assertEquals(0, system.deadLetters().count());
        }
    }

    // ---------------------------------------------------------------- invariant 2

    record Numbered(int sender, int seq) {}

    /** Checks per-sender sequence numbers; answers with {received, out-of-order}. */
    static final class OrderChecker extends Actor<Object> {
        record Get(ActorRef<long[]> replyTo) {}

        private final Map<Integer, Integer> next = new HashMap<>();
        private long received;
        private long outOfOrder;

        @Override
        protected void receive(Object m) {
            if (m instanceof Numbered n) {
                final int expected = next.getOrDefault(n.sender(), 0);
                if (n.seq() != expected) {
                    outOfOrder++;
                }
                next.put(n.sender(), n.seq() + 1);
                received++;
            } else if (m instanceof Get g) {
                g.replyTo().tell(new long[] {received, outOfOrder});
            }
        }
    }

    @BothDispatchers
    void perSenderOrder_manySendersManyReceivers_orderKept(DispatcherKind kind) throws Exception {
        // Invariant 2: messages from one sender to one receiver arrive in the order sent, for every pair among many sender threads, sender actors and receivers, with tell and send mixed.
        final int receivers = 8;
        final int threadSenders = 4;
        final int actorSenders = 4;
        final int perPair = 5_000 * SCALE;
        try (ActorSystem system = Testing.system(kind)) {
            final List<ActorRef<Object>> targets = new ArrayList<>();
            for (int r = 0; r < receivers; r++) {
                targets.add(system.spawn(OrderChecker::new, SpawnOptions.named("receiver-" + r)
                        .withMailbox((threadSenders + actorSenders) * perPair + 1, OverflowPolicy.DEAD_LETTER)));
            }
            final CountDownLatch actorsDone = new CountDownLatch(actorSenders);
            for (int a = 0; a < actorSenders; a++) {
                final int id = threadSenders + a;
                system.spawn(Actor.<String>of((ctx, m) -> {
                    for (int i = 0; i < perPair; i++) {
                        for (ActorRef<Object> target : targets) {
                            if ((i & 1) == 0) {
                                target.tell(new Numbered(id, i));
                            } else {
                                target.send(new Numbered(id, i));
                            }
                        }
                    }
                    actorsDone.countDown();
                }), "sender-" + a).tell("go");
            }
            onThreads(threadSenders, id -> {
                for (int i = 0; i < perPair; i++) {
                    for (ActorRef<Object> target : targets) {
                        if ((i & 1) == 0) {
                            target.tell(new Numbered(id, i));
                        } else {
                            target.send(new Numbered(id, i));
                        }
                    }
                }
            });
            await(actorsDone, "the sender actors");
            for (ActorRef<Object> target : targets) {
                final long[] r = join(target.<long[]>ask(OrderChecker.Get::new, TIMEOUT));
                assertEquals((long) (threadSenders + actorSenders) * perPair, r[0], "received by " + target.path());
                assertEquals(0, r[1], "out of order at " + target.path());
            }
        }
    }

    // ---------------------------------------------------------------- invariant 3

    @BothDispatchers
    void stop_fullMailboxes_postStopBeforeQueuedMessagesWhichBecomeDeadLetters(DispatcherKind kind) {
        // Invariant 3: a Stop overtakes a full mailbox: postStop runs before any queued user message is handled, and all of them become dead letters.
        final int actors = 10;
        final int capacity = 1_000;
        // Every actor blocks a worker while its mailbox is filled: one worker each, plus spares.
        try (ActorSystem system = Testing.builder(kind).parallelism(actors + 2).build()) {
            final ConcurrentHashMap<ActorRef<?>, LongAdder> dead = new ConcurrentHashMap<>();
            system.deadLetters().subscribe(d -> {
                if (d.reason() == DeadLetter.Reason.RECIPIENT_STOPPED) {
                    dead.computeIfAbsent(d.recipient(), r -> new LongAdder()).increment();
                }
            });
            final CountDownLatch entered = new CountDownLatch(actors);
            final CountDownLatch release = new CountDownLatch(1);
            final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
            final AtomicInteger postStops = new AtomicInteger();
            final List<ActorRef<String>> refs = new ArrayList<>();
            final Map<ActorRef<String>, Integer> queued = new HashMap<>();
            try {
                for (int a = 0; a < actors; a++) {
                    refs.add(system.spawn(() -> new Actor<String>() {
                        private boolean stopped;

                        @Override
                        protected void receive(String m) {
                            if (stopped) {
                                problems.add(m + " handled after postStop");
                            }
                            if (m.equals("block")) {
                                entered.countDown();
                                block(release);
                            } else {
                                problems.add(m + " handled although a Stop was queued before it was");
                            }
                        }

                        @Override
                        protected void postStop() {
                            stopped = true;
                            postStops.incrementAndGet();
                        }
                    }, SpawnOptions.named("full-" + a).withMailbox(capacity, OverflowPolicy.DEAD_LETTER)));
                }
                refs.forEach(r -> r.tell("block"));
                await(entered, "every actor to block");
                for (ActorRef<String> ref : refs) {
                    int n = 0;
                    while (ref.offer("queued-" + n)) {
                        n++;
                    }
                    queued.put(ref, n);
                    system.stop(ref);
                    awaitTrue("the Stop of " + ref.path() + " is queued", () -> hasQueuedSystemMessage(ref));
                }
            } finally {
                release.countDown();
            }
            final TestProbe<String> probe = TestProbe.create(system);
            for (ActorRef<String> ref : refs) {
                probe.expectTerminated(ref, TIMEOUT);
                assertTrue(queued.get(ref) > 0);
                assertEquals(queued.get(ref).longValue(), dead.get(ref).sum(), "dead letters of " + ref.path());
            }
            assertEquals(actors, postStops.get());
            assertEquals(List.of(), List.copyOf(problems));
        }
    }

    @BothDispatchers
    void watch_watcherMailboxFlooded_terminatedOvertakesQueuedMessages(DispatcherKind kind) {
        // Invariant 3: a Terminated signal reaches a watcher whose mailbox is flooded before any of the user messages queued ahead of it.
        try (ActorSystem system = Testing.system(kind)) {
            final ActorRef<String> target = system.spawn(Actor.<String>of((ctx, m) -> {}), "target");
            final CountDownLatch watching = new CountDownLatch(1);
            final CountDownLatch entered = new CountDownLatch(1);
            final CountDownLatch release = new CountDownLatch(1);
            final ConcurrentLinkedQueue<String> log = new ConcurrentLinkedQueue<>();
            final CountDownLatch done = new CountDownLatch(1);
            final int flood = 5_000;
            final ActorRef<String> watcher = system.spawn(() -> new Actor<String>() {
                private int handled;

                @Override
                protected void preStart() {
                    context().watch(target);
                    watching.countDown();
                }

                @Override
                protected void receive(String m) {
                    log.add(m);
                    if (m.equals("block")) {
                        entered.countDown();
                        block(release);
                    } else if (++handled == flood) {
                        done.countDown();
                    }
                }

                @Override
                protected void onSignal(Signal signal) {
                    log.add("terminated " + signal.ref().name());
                }
            }, SpawnOptions.named("watcher").withMailbox(flood + 1, OverflowPolicy.DEAD_LETTER));
            try {
                await(watching, "the watch");
                watcher.tell("block");
                await(entered, "the watcher to block");
                for (int i = 0; i < flood; i++) {
                    watcher.tell("m" + i);
                }
                system.stop(target);
                awaitTrue("the death notice is queued", () -> hasQueuedSystemMessage(watcher));
            } finally {
                release.countDown();
            }
            await(done, "the flood to be handled");
            final List<String> seen = List.copyOf(log);
            assertEquals("block", seen.get(0));
            assertEquals("terminated target", seen.get(1), "the signal came right after the message in hand");
            assertEquals(flood + 2, seen.size());
        }
    }

    // ---------------------------------------------------------------- invariant 4

    @BothDispatchers
    void overload_smallMailbox_sentEqualsHandledPlusDeadLetters(DispatcherKind kind) throws Exception {
        // Invariant 4: under overload no message is lost silently: every sent message is either handled or a dead letter, exactly, under both dropping policies.
        for (OverflowPolicy policy : List.of(OverflowPolicy.DEAD_LETTER, OverflowPolicy.DROP_OLDEST)) {
            final int threads = 4;
            final int perThread = 50_000 * SCALE;
            final long sent = (long) threads * perThread;
            final LongAdder handled = new LongAdder();
            final LongAdder dead = new LongAdder();
            final TestProbe<String> probe;
            final ActorRef<Integer> target;
            final ActorSystem system = Testing.system(kind);
            try {
                probe = TestProbe.create(system);
                target = system.spawn(Actor.<Integer>of((ctx, m) -> {
                    handled.increment();
                    Thread.onSpinWait(); // a little work, so that senders outrun the actor
                }), SpawnOptions.named("target").withMailbox(8, policy));
                system.deadLetters().subscribe(d -> {
                    if (d.recipient() == target) {
                        dead.increment();
                    }
                });
                onThreads(threads, t -> {
                    for (int i = 0; i < perThread; i++) {
                        target.tell(i);
                    }
                });
                awaitTrue("every message handled or dead (" + policy + ")", () -> handled.sum() + dead.sum() == sent);
                system.stop(target);
                probe.expectTerminated(target, TIMEOUT);
            } finally {
                assertEquals(List.of(), system.close(TIMEOUT));
            }
            assertEquals(sent, handled.sum() + dead.sum(), policy + ": handled " + handled.sum() + ", dead " + dead.sum());
            assertTrue(dead.sum() > 0 && handled.sum() > 0, policy + ": the mailbox overflowed and still delivered");
        }
    }

    // ---------------------------------------------------------------- invariant 5

    /** A node of the tree: spawns `fanOut` children down to `depth`, then keeps itself busy. */
    static final class Node extends Actor<Object> {
        private final int level;
        private final int depth;
        private final int fanOut;
        private final ConcurrentLinkedQueue<ActorRef<?>> registry;
        private final ConcurrentHashMap<String, Long> postStopOrder;
        private final AtomicLong clock;

        Node(int level, int depth, int fanOut, ConcurrentLinkedQueue<ActorRef<?>> registry,
             ConcurrentHashMap<String, Long> postStopOrder, AtomicLong clock) {
            this.level = level;
            this.depth = depth;
            this.fanOut = fanOut;
            this.registry = registry;
            this.postStopOrder = postStopOrder;
            this.clock = clock;
        }

        @Override
        protected void preStart() {
            if (level < depth) {
                for (int i = 0; i < fanOut; i++) {
                    context().spawn(() -> new Node(level + 1, depth, fanOut, registry, postStopOrder, clock), "n" + i);
                }
            }
            registry.add(self());
            self().tell("tick");
        }

        @Override
        protected void receive(Object m) {
            self().tell("tick"); // busy until stopped
        }

        @Override
        protected void postStop() {
            postStopOrder.put(self().path(), clock.incrementAndGet());
        }
    }

    /** Watches every ref it is given and counts Terminated per ref. */
    static final class CountingWatcher extends Actor<List<ActorRef<?>>> {
        private final ConcurrentHashMap<ActorRef<?>, Integer> counts;
        private final CountDownLatch watched;

        CountingWatcher(ConcurrentHashMap<ActorRef<?>, Integer> counts, CountDownLatch watched) {
            this.counts = counts;
            this.watched = watched;
        }

        @Override
        protected void receive(List<ActorRef<?>> refs) {
            refs.forEach(context()::watch);
            watched.countDown();
        }

        @Override
        protected void onSignal(Signal signal) {
            counts.merge(signal.ref(), 1, Integer::sum);
        }
    }

    @BothDispatchers
    void stopTree_busyDepth3FanOut10_childrenStopFirstAndWatchersHearOnce(DispatcherKind kind) {
        // Invariant 5: stopping a busy tree (depth 3, fan-out 10) runs every child's postStop before its parent's, and every watcher, even one whose watch races the stop, gets Terminated exactly once per actor.
        final int depth = 3;
        final int fanOut = 10;
        final int nodes = 1 + 10 + 100 + 1_000;
        final int watchers = 3;
        final ConcurrentLinkedQueue<ActorRef<?>> registry = new ConcurrentLinkedQueue<>();
        final ConcurrentHashMap<String, Long> postStopOrder = new ConcurrentHashMap<>();
        final List<ConcurrentHashMap<ActorRef<?>, Integer>> counts = new ArrayList<>();
        final ActorSystem system = Testing.system(kind);
        try {
            final TestProbe<String> probe = TestProbe.create(system);
            final ActorRef<Object> root = system.spawn(
                    () -> new Node(0, depth, fanOut, registry, postStopOrder, new AtomicLong()), "root");
            awaitTrue("the whole tree started", () -> registry.size() == nodes);
            final List<ActorRef<?>> all = List.copyOf(registry);
            final CountDownLatch watched = new CountDownLatch(watchers);
            for (int w = 0; w < watchers; w++) {
                final ConcurrentHashMap<ActorRef<?>, Integer> c = new ConcurrentHashMap<>();
                counts.add(c);
                system.<List<ActorRef<?>>>spawn(() -> new CountingWatcher(c, watched), "watcher-" + w).tell(all);
            }
            await(watched, "the watchers to issue their watches"); // the Watch messages may still be in flight
            system.stop(root);
            probe.expectTerminated(root, TIMEOUT);
            for (ConcurrentHashMap<ActorRef<?>, Integer> c : counts) {
                awaitTrue("a watcher heard of every node", () -> c.size() == nodes);
            }
        } finally {
            assertEquals(List.of(), system.close(TIMEOUT));
        }
        // After close no signal can arrive any more: a duplicate would show now.
        for (ConcurrentHashMap<ActorRef<?>, Integer> c : counts) {
            assertEquals(nodes, c.size());
            c.forEach((ref, n) -> assertEquals(1, n, "Terminated signals for " + ref.path()));
        }
        assertEquals(nodes, postStopOrder.size());
        postStopOrder.forEach((path, order) -> {
            final String parent = path.substring(0, path.lastIndexOf('/'));
            final Long parentOrder = postStopOrder.get(parent);
            if (parentOrder != null) {
                assertTrue(order < parentOrder, path + " stopped after its parent");
            }
        });
    }
}
