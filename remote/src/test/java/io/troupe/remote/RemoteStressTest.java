package io.troupe.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.driver.ext.DebugReceiveChannelEndpointSupplier;
import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.DeadLetter;
import io.troupe.actors.Signal;
import io.troupe.actors.Terminated;
import java.lang.invoke.MethodHandles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Stress of the transport: three nodes with thread and actor senders mixing tell and send (also
 * over lossy UDP), a watch storm with churn, remote stops and a node going down, an ask storm
 * whose timeouts race the replies, and close while senders send. Every message is accounted for
 * (delivered or a dead letter), each sender's delivered messages in order. Sizes scale with
 * {@code -Dtroupe.stress.scale=N}; every wait is bounded; no sleep synchronises anything.
 */
@Timeout(180)
class RemoteStressTest {
    static final String SECRET = "stress-cookie";
    static final int SCALE = Integer.getInteger("troupe.stress.scale", 1);

    static {
        // the same loss as RemoteTransportTest (the debug endpoint reads these once, when it loads;
        // only drivers built with the debug endpoint supplier lose anything)
        System.setProperty("aeron.debug.receive.data.loss.rate", "0.1");
        System.setProperty("aeron.debug.receive.data.loss.seed", "42");
        System.setProperty("aeron.debug.receive.control.loss.rate", "0.05");
        System.setProperty("aeron.debug.receive.control.loss.seed", "7");
    }

    /** Message {@code seq} of {@code sender} to the sink of node {@code to}; {@code send}: sent with send (lossless). */
    record Num(String sender, String to, int seq, boolean send) {}

    record Question(int id, ActorRef<Answer> replyTo) {}

    record Answer(int id, int value) {}

    static Codecs codecs() {
        final MethodHandles.Lookup lookup = MethodHandles.lookup();
        return Codecs.builder()
                .registerRecord(1, Num.class, lookup)
                .registerRecord(2, Answer.class, lookup)
                .registerRecord(3, Question.class, lookup)
                .build();
    }

    static RemoteSettings udp() {
        return RemoteSettings.udp(0).withSecret(SECRET).withCodecs(codecs());
    }

    /** Every Num, by sender and target: what arrived (in arrival order) and what became a dead letter. */
    static final class Ledger {
        final ConcurrentHashMap<String, ConcurrentLinkedQueue<Integer>> delivered = new ConcurrentHashMap<>();
        final ConcurrentHashMap<String, Set<Integer>> dead = new ConcurrentHashMap<>();
        final ConcurrentHashMap<String, Set<Integer>> sentWithSend = new ConcurrentHashMap<>();
        final ConcurrentHashMap<DeadLetter.Reason, AtomicInteger> reasons = new ConcurrentHashMap<>();
        final CountDownLatch accounted;

        Ledger(int total) {
            accounted = new CountDownLatch(total);
        }

        static String key(Num n) {
            return n.sender() + ">" + n.to();
        }

        void delivered(Num n) {
            delivered.computeIfAbsent(key(n), k -> new ConcurrentLinkedQueue<>()).add(n.seq());
            accounted.countDown();
        }

        void dead(DeadLetter d) {
            if (d.message() instanceof Num n) {
                dead.computeIfAbsent(key(n), k -> ConcurrentHashMap.newKeySet()).add(n.seq());
                reasons.computeIfAbsent(d.reason(), r -> new AtomicInteger()).incrementAndGet();
                accounted.countDown();
            }
        }

        /** Each sender's messages to each node: delivered in order, none twice, with the dead letters exactly all it sent. */
        void check(Set<String> keys, int perKey, boolean sendLossless) {
            assertEquals(new TreeSet<>(keys), new TreeSet<>(union(delivered.keySet(), dead.keySet())), "senders heard of");
            for (String key : keys) {
                final List<Integer> got = new ArrayList<>(delivered.getOrDefault(key, new ConcurrentLinkedQueue<>()));
                for (int i = 1; i < got.size(); i++) {
                    if (got.get(i) <= got.get(i - 1)) {
                        fail(key + ": out of order or twice: " + got.get(i - 1) + " then " + got.get(i));
                    }
                }
                final Set<Integer> lost = dead.getOrDefault(key, Set.of());
                final Set<Integer> all = new TreeSet<>(got);
                for (Integer s : lost) {
                    assertTrue(all.add(s), key + ": " + s + " both delivered and a dead letter");
                }
                assertEquals(perKey, all.size(), key + ": delivered + dead letters == sent");
                assertEquals(perKey - 1, ((TreeSet<Integer>) all).last());
                for (Integer s : sentWithSend.getOrDefault(key, Set.of())) {
                    assertTrue(!sendLossless || !lost.contains(s), key + ": " + s + " was sent with send (lossless) yet is a dead letter");
                }
            }
        }

        private static Set<String> union(Set<String> a, Set<String> b) {
            final Set<String> u = new HashSet<>(a);
            u.addAll(b);
            return u;
        }
    }

    static final class Sink extends Actor<Object> {
        private final Ledger ledger;

        Sink(Ledger ledger) {
            this.ledger = ledger;
        }

        @Override
        protected void receive(Object m) {
            ledger.delivered((Num) m);
        }
    }

    /** A sending actor: batches of numbered messages to every target, the next batch once the last send of this one is handed over. */
    static final class SendingActor extends Actor<Object> {
        private final String name;
        private final List<ActorRef<Object>> targets;
        private final List<String> targetNames;
        private final int perTarget;
        private final Ledger ledger;
        private final CountDownLatch done;
        private final ConcurrentLinkedQueue<Throwable> errors;
        private int next;

        SendingActor(String name, List<ActorRef<Object>> targets, List<String> targetNames, int perTarget, Ledger ledger,
                     CountDownLatch done, ConcurrentLinkedQueue<Throwable> errors) {
            this.name = name;
            this.targets = targets;
            this.targetNames = targetNames;
            this.perTarget = perTarget;
            this.ledger = ledger;
            this.done = done;
            this.errors = errors;
        }

        @Override
        protected void receive(Object m) {
            if (next >= perTarget) {
                done.countDown();
                return;
            }
            CompletableFuture<Void> last = CompletableFuture.completedFuture(null);
            for (int end = Math.min(perTarget, next + 50); next < end; next++) {
                for (int t = 0; t < targets.size(); t++) {
                    last = RemoteStressTest.send(name, targets.get(t), targetNames.get(t), next, ledger, errors);
                }
            }
            context().pipeToSelf(last, (v, e) -> "more");
        }
    }

    /** Waits (bounded) until each send of the window completed, normally or not; empties it. */
    static void settled(List<CompletableFuture<Void>> window) throws Exception {
        CompletableFuture.allOf(window.stream().map(f -> f.handle((v, e) -> null)).toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        window.clear();
    }

    /** One message: one in four with tell, the rest with send. */
    static CompletableFuture<Void> send(String sender, ActorRef<Object> target, String to, int seq, Ledger ledger,
                                        ConcurrentLinkedQueue<Throwable> errors) {
        if (ThreadLocalRandom.current().nextInt(4) == 0) {
            target.tell(new Num(sender, to, seq, false));
            return CompletableFuture.completedFuture(null);
        }
        final Num n = new Num(sender, to, seq, true);
        ledger.sentWithSend.computeIfAbsent(Ledger.key(n), k -> ConcurrentHashMap.newKeySet()).add(seq);
        final CompletableFuture<Void> f = target.send(n).toCompletableFuture();
        f.whenComplete((v, e) -> {
            if (e != null) {
                errors.add(e);
            }
        });
        return f;
    }

    /**
     * Three nodes; on each, 8 threads and 2 actors send {@code perTarget} messages to the sink of
     * each other node. With {@code pendingPerNode} small, messages beyond it (tell or send) are dead
     * letters (REMOTE_BACK_PRESSURED) and such a send's stage fails; with it large, send loses nothing.
     */
    private static void threeNodes(RemoteSettings settings, int perTarget, int pendingPerNode) throws Exception {
        final boolean sendLossless = pendingPerNode > 100_000;
        final int nodes = 3;
        final int threadsPerNode = 8;
        final int actorsPerNode = 2;
        final int sendersPerNode = threadsPerNode + actorsPerNode;
        final Ledger ledger = new Ledger(nodes * sendersPerNode * (nodes - 1) * perTarget);
        final ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<Throwable> stuck = new ConcurrentLinkedQueue<>();
        final List<ActorSystem> systems = new ArrayList<>();
        final List<RemoteNode> remote = new ArrayList<>();
        final List<Thread> threads = new ArrayList<>();
        final Set<String> keys = new HashSet<>();
        try {
            for (int i = 0; i < nodes; i++) {
                final ActorSystem s = ActorSystem.create("n" + i);
                systems.add(s);
                s.deadLetters().subscribe(ledger::dead);
                s.spawn(() -> new Sink(ledger), "sink");
                remote.add(RemoteNode.start(s, settings.withPendingPerNode(pendingPerNode)));
            }
            final CountDownLatch start = new CountDownLatch(1);
            final CountDownLatch actorsDone = new CountDownLatch(nodes * actorsPerNode);
            for (int i = 0; i < nodes; i++) {
                final List<ActorRef<Object>> targets = new ArrayList<>();
                final List<String> names = new ArrayList<>();
                for (int j = 0; j < nodes; j++) {
                    if (j != i) {
                        targets.add(remote.get(i).resolve(remote.get(j).address() + "/user/sink"));
                        names.add("n" + j);
                    }
                }
                for (int t = 0; t < sendersPerNode; t++) {
                    for (String to : names) {
                        keys.add("n" + i + "-s" + t + ">" + to);
                    }
                }
                for (int t = 0; t < threadsPerNode; t++) {
                    final String name = "n" + i + "-s" + t;
                    final Thread thread = new Thread(() -> {
                        try {
                            start.await();
                            final List<CompletableFuture<Void>> window = new ArrayList<>();
                            for (int seq = 0; seq < perTarget; seq++) {
                                for (int k = 0; k < targets.size(); k++) {
                                    window.add(send(name, targets.get(k), names.get(k), seq, ledger, errors));
                                }
                                if (window.size() >= 64) {
                                    settled(window);
                                }
                            }
                            settled(window);
                        } catch (Exception e) {
                            stuck.add(e);
                        }
                    }, name);
                    threads.add(thread);
                    thread.start();
                }
                for (int t = threadsPerNode; t < sendersPerNode; t++) {
                    final String name = "n" + i + "-s" + t;
                    systems.get(i).spawn(() -> new SendingActor(name, targets, names, perTarget, ledger, actorsDone, errors), "sender" + t)
                            .tell("go");
                }
            }
            final long t0 = System.nanoTime();
            start.countDown();
            for (Thread t : threads) {
                t.join(90_000);
            }
            assertTrue(actorsDone.await(90, TimeUnit.SECONDS), "the sending actors finished");
            assertTrue(stuck.isEmpty(), "every sender's sends completed: " + stuck.peek());
            assertTrue(ledger.accounted.await(60, TimeUnit.SECONDS),
                    "every message delivered or a dead letter; missing " + ledger.accounted.getCount() + ", " + errors.size()
                            + " sends failed, the first: " + errors.peek());
            final long ms = (System.nanoTime() - t0) / 1_000_000;
            if (sendLossless) {
                assertTrue(errors.isEmpty(), errors.size() + " sends failed, the first: " + errors.peek());
            } else {
                assertTrue(errors.stream().allMatch(e -> e instanceof RemoteDeliveryException), "sends fail only as undeliverable: "
                        + errors.stream().filter(e -> !(e instanceof RemoteDeliveryException)).findFirst());
                final long sendsDead = ledger.dead.entrySet().stream().mapToLong(e -> e.getValue().stream()
                        .filter(ledger.sentWithSend.getOrDefault(e.getKey(), Set.of())::contains).count()).sum();
                assertEquals(errors.size(), sendsDead, "each failed send is a dead letter, and each send dead letter a failed send");
                assertTrue(ledger.reasons.keySet().stream().allMatch(r -> r == DeadLetter.Reason.REMOTE_BACK_PRESSURED), "why: " + ledger.reasons);
            }
            ledger.check(keys, perTarget, sendLossless);
            System.out.println("three nodes (pending per node " + pendingPerNode + "): " + keys.size() * perTarget
                    + " messages accounted in " + ms + " ms; dead letters " + ledger.reasons);
        } finally {
            remote.forEach(RemoteNode::close);
            systems.forEach(ActorSystem::close);
        }
    }

    @Test
    void threeNodes_threadsAndActorsMixTellAndSend_eachSendersOrder_everyMessageOnceOrADeadLetter() throws Exception {
        threeNodes(udp(), 400 * SCALE, 1 << 20);
    }

    @Test
    void threeNodes_smallPendingBound_sendsAndTellsBeyondItAreDeadLetters_everyMessageAccounted() throws Exception {
        threeNodes(udp(), 400 * SCALE, 16);
    }

    @Test
    void threeNodes_overUdpLosingTenPercent_sameAccounting() throws Exception {
        final MediaDriver.Context ctx = new MediaDriver.Context()
                .aeronDirectoryName(Path.of("/dev/shm", "troupe-stress-lossy-" + ProcessHandle.current().pid()).toString())
                .threadingMode(ThreadingMode.SHARED).termBufferSparseFile(true).dirDeleteOnStart(true).dirDeleteOnShutdown(true)
                .receiveChannelEndpointSupplier(new DebugReceiveChannelEndpointSupplier());
        try (MediaDriver driver = MediaDriver.launchEmbedded(ctx)) {
            threeNodes(udp().withAeronDirectory(Path.of(driver.aeronDirectoryName())), 150 * SCALE, 1 << 20);
            final long naks = driver.context().systemCounters().get(io.aeron.driver.status.SystemCounterDescriptor.NAK_MESSAGES_SENT).get();
            assertTrue(naks > 0, "the loss was real: " + naks + " NAKs");
        }
    }

    /** A sink with a small mailbox that works a little on each message: the senders outrun it. */
    static final class SlowSink extends Actor<Object> {
        private final Ledger ledger;
        long sink;

        SlowSink(Ledger ledger) {
            this.ledger = ledger;
        }

        @Override
        protected void receive(Object m) {
            long h = ((Num) m).seq();
            for (int i = 0; i < 2_000; i++) {
                h = h * 0x9E3779B97F4A7C15L + i;
            }
            sink += h;
            ledger.delivered((Num) m);
        }
    }

    @Test
    void aeronBackPressuredBySlowReceiver_sendersKeepTheirOrder_nothingLostOrDoubled() throws Exception {
        final int senders = 4;
        final int perSender = 3_000 * SCALE;
        final Ledger ledger = new Ledger(senders * perSender);
        final ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        // a 256-byte maximum makes the smallest term (64 KiB): Aeron back-pressures after a few hundred frames
        final RemoteSettings small = udp().withMaxMessageSize(256).withPendingPerNode(1 << 20);
        try (ActorSystem a = ActorSystem.create("a"); ActorSystem b = ActorSystem.create("b");
             RemoteNode na = RemoteNode.start(a, small); RemoteNode nb = RemoteNode.start(b, small)) {
            a.spawn(() -> new SlowSink(ledger), io.troupe.actors.SpawnOptions.named("sink")
                    .withMailbox(8, io.troupe.mailbox.OverflowPolicy.DEAD_LETTER));
            a.deadLetters().subscribe(ledger::dead);
            b.deadLetters().subscribe(ledger::dead);
            final ActorRef<Object> sink = nb.resolve(na.address() + "/user/sink");
            final Set<String> keys = new HashSet<>();
            final List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < senders; t++) {
                final String name = "s" + t;
                keys.add(name + ">a");
                final Thread thread = new Thread(() -> {
                    try {
                        final List<CompletableFuture<Void>> window = new ArrayList<>();
                        for (int seq = 0; seq < perSender; seq++) {
                            final Num n = new Num(name, "a", seq, true);
                            ledger.sentWithSend.computeIfAbsent(Ledger.key(n), k -> ConcurrentHashMap.newKeySet()).add(seq);
                            final CompletableFuture<Void> f = sink.send(n).toCompletableFuture();
                            f.whenComplete((v, e) -> {
                                if (e != null) {
                                    errors.add(e);
                                }
                            });
                            window.add(f);
                            if (window.size() >= 512) {
                                settled(window);
                            }
                        }
                        settled(window);
                    } catch (Exception e) {
                        errors.add(e);
                    }
                }, name);
                threads.add(thread);
                thread.start();
            }
            for (Thread t : threads) {
                t.join(90_000);
            }
            assertTrue(ledger.accounted.await(60, TimeUnit.SECONDS), "every message delivered; missing " + ledger.accounted.getCount());
            assertTrue(errors.isEmpty(), errors.size() + " sends failed, the first: " + errors.peek());
            ledger.check(keys, perSender, true);
            final long pressured = b.deadLetters().count();
            System.out.println("back-pressured: " + senders * perSender + " sends in order; dead letters at the sender " + pressured);
        }
    }

    /** Watches the refs it is given (watch, unwatch, watch again: churn), then records Terminated. */
    static final class Watcher extends Actor<Object> {
        private final ConcurrentLinkedQueue<ActorRef<?>> terminated;
        private final CountDownLatch ready;
        private final CountDownLatch heard;

        Watcher(ConcurrentLinkedQueue<ActorRef<?>> terminated, CountDownLatch ready, CountDownLatch heard) {
            this.terminated = terminated;
            this.ready = ready;
            this.heard = heard;
        }

        @Override
        protected void receive(Object m) {
            @SuppressWarnings("unchecked")
            final List<ActorRef<?>> refs = (List<ActorRef<?>>) m;
            for (ActorRef<?> ref : refs) {
                context().watch(ref);
                context().unwatch(ref);
                context().watch(ref);
            }
            ready.countDown();
        }

        @Override
        protected void onSignal(Signal signal) {
            if (signal instanceof Terminated t) {
                terminated.add(t.ref());
                heard.countDown();
            }
        }
    }

    static final class Target extends Actor<Object> {
        @Override
        protected void receive(Object m) {
            context().stop(context().self());
        }
    }

    @Test
    void watchStorm_remoteStopsAndANodeDown_eachWatcherGetsTerminatedOncePerWatchedActor() throws Exception {
        final int onB = 20 * SCALE;
        final int onC = 10 * SCALE;
        final int watchers = 10;
        final RemoteSettings fastDetector = udp().withFailureDetector(Duration.ofMillis(100), 8.0, Duration.ofMillis(1000));
        try (ActorSystem a = ActorSystem.create("a"); ActorSystem b = ActorSystem.create("b"); ActorSystem c = ActorSystem.create("c");
             RemoteNode na = RemoteNode.start(a, fastDetector); RemoteNode nb = RemoteNode.start(b, fastDetector)) {
            final RemoteNode nc = RemoteNode.start(c, fastDetector);
            try {
                final List<ActorRef<Object>> localB = new ArrayList<>();
                final List<ActorRef<Object>> localC = new ArrayList<>();
                final List<ActorRef<?>> refs = new ArrayList<>();
                for (int i = 0; i < onB; i++) {
                    localB.add(b.spawn(Target::new, "t" + i));
                    refs.add(na.resolve(nb.address() + "/user/t" + i));
                }
                for (int i = 0; i < onC; i++) {
                    localC.add(c.spawn(Target::new, "t" + i));
                    refs.add(na.resolve(nc.address() + "/user/t" + i));
                }
                // associated with b and c first: c going down is then found by the failure detector
                // (a watch through a handshake that never completes is RemoteRaceTest's)
                b.spawn(() -> new Answerer(ConcurrentHashMap.newKeySet()), "ping");
                c.spawn(() -> new Answerer(ConcurrentHashMap.newKeySet()), "ping");
                for (RemoteNode n : List.of(nb, nc)) {
                    final ActorRef<Object> ping = na.resolve(n.address() + "/user/ping");
                    assertEquals(new Answer(1, 2), ping.<Answer>ask(r -> new Question(1, r), Duration.ofSeconds(20))
                            .toCompletableFuture().get(30, TimeUnit.SECONDS));
                }
                final CountDownLatch ready = new CountDownLatch(watchers);
                final CountDownLatch heard = new CountDownLatch(watchers * refs.size());
                final List<ConcurrentLinkedQueue<ActorRef<?>>> got = new ArrayList<>();
                for (int w = 0; w < watchers; w++) {
                    final ConcurrentLinkedQueue<ActorRef<?>> q = new ConcurrentLinkedQueue<>();
                    got.add(q);
                    final List<ActorRef<?>> mine = new ArrayList<>(refs);
                    Collections.shuffle(mine);
                    a.spawn(() -> new Watcher(q, ready, heard), "w" + w).tell(mine);
                }
                assertTrue(ready.await(30, TimeUnit.SECONDS), "watchers set up");
                // stops race the WATCH frames still on their way; then c goes down with half its actors stopping
                Collections.shuffle(localB);
                localB.forEach(t -> t.tell("stop"));
                Collections.shuffle(localC);
                localC.subList(0, onC / 2).forEach(t -> t.tell("stop"));
                nc.close();
                assertTrue(heard.await(60, TimeUnit.SECONDS), "every Terminated came; missing " + heard.getCount());
                for (int w = 0; w < watchers; w++) {
                    final List<ActorRef<?>> list = new ArrayList<>(got.get(w));
                    assertEquals(refs.size(), list.size(), "w" + w + ": one Terminated per watched actor");
                    assertEquals(new HashSet<>(refs), new HashSet<>(list), "w" + w + ": for each watched actor, once");
                }
            } finally {
                nc.close();
            }
        }
    }

    static final class Answerer extends Actor<Object> {
        private final Set<Integer> replied;

        Answerer(Set<Integer> replied) {
            this.replied = replied;
        }

        @Override
        protected void receive(Object m) {
            final Question q = (Question) m;
            replied.add(q.id());
            q.replyTo().tell(new Answer(q.id(), 2 * q.id()));
        }
    }

    @Test
    void askStorm_timeoutsRaceReplies_everyStageCompletesOnce_lateRepliesAreDeadLetters() throws Exception {
        final int asks = 2_000 * SCALE;
        final int threads = 4;
        final Set<Integer> replied = ConcurrentHashMap.newKeySet();
        final Set<Integer> late = ConcurrentHashMap.newKeySet();
        final ConcurrentLinkedQueue<DeadLetter.Reason> lateReasons = new ConcurrentLinkedQueue<>();
        final AtomicIntegerArray completions = new AtomicIntegerArray(asks);
        final Set<Integer> answered = ConcurrentHashMap.newKeySet();
        final Set<Integer> timedOut = ConcurrentHashMap.newKeySet();
        final Set<Integer> notSent = ConcurrentHashMap.newKeySet();
        final ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
        try (ActorSystem a = ActorSystem.create("a"); ActorSystem b = ActorSystem.create("b");
             RemoteNode na = RemoteNode.start(a, udp()); RemoteNode nb = RemoteNode.start(b, udp())) {
            a.deadLetters().subscribe(d -> {
                if (d.message() instanceof Answer ans) {
                    if (!late.add(ans.id())) {
                        wrong.add("late reply twice: " + ans.id());
                    }
                    lateReasons.add(d.reason());
                }
            });
            b.spawn(() -> new Answerer(replied), "answerer");
            final ActorRef<Object> answerer = na.resolve(nb.address() + "/user/answerer");
            answerer.<Answer>ask(r -> new Question(-1, r), Duration.ofSeconds(20)).toCompletableFuture().get(30, TimeUnit.SECONDS);
            replied.remove(-1); // associated: from here on, timeouts race replies, not the handshake
            final CompletableFuture<?>[] stages = new CompletableFuture<?>[asks];
            final List<Thread> askers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                final int first = t;
                final Thread thread = new Thread(() -> {
                    for (int id = first; id < asks; id += threads) {
                        final int n = id;
                        final Duration timeout = Duration.ofMillis(1 + ThreadLocalRandom.current().nextInt(30));
                        if (n >= 8 * threads) {
                            stages[n - 8 * threads].handle((v, e) -> null).join(); // at most 8 asks in flight per thread
                        }
                        stages[n] = answerer.<Answer>ask(r -> new Question(n, r), timeout).toCompletableFuture().whenComplete((ans, e) -> {
                            if (completions.incrementAndGet(n) != 1) {
                                wrong.add("completed twice: " + n);
                            }
                            if (e == null) {
                                if (ans.id() != n || ans.value() != 2 * n) {
                                    wrong.add("ask " + n + " answered " + ans);
                                }
                                answered.add(n);
                            } else if (e instanceof TimeoutException) {
                                timedOut.add(n);
                            } else {
                                notSent.add(n);
                            }
                        });
                    }
                }, "asker-" + t);
                askers.add(thread);
                thread.start();
            }
            for (Thread t : askers) {
                t.join(60_000);
            }
            try {
                CompletableFuture.allOf(stages).get(60, TimeUnit.SECONDS);
            } catch (ExecutionException expected) {
                // some failed; each is classified above
            }
            // every request that went out is answered, and each answer completes its stage or is a dead letter
            assertTrue(Await.until(() -> replied.size() + notSent.size() >= asks && answered.size() + late.size() >= replied.size(),
                    Duration.ofSeconds(30)), "replied " + replied.size() + ", not sent " + notSent.size() + ", answered "
                    + answered.size() + ", late " + late.size());
            assertTrue(wrong.isEmpty(), wrong.toString());
            for (int i = 0; i < asks; i++) {
                assertEquals(1, completions.get(i), "ask " + i + " completed once");
            }
            assertEquals(asks, answered.size() + timedOut.size() + notSent.size());
            final Set<Integer> covered = new HashSet<>(answered);
            for (Integer id : late) {
                assertTrue(covered.add(id), "ask " + id + ": answered and a late reply");
                assertTrue(timedOut.contains(id), "ask " + id + ": a late reply only for a timed-out ask");
            }
            assertEquals(new TreeSet<>(replied), new TreeSet<>(covered), "each reply completed its ask or is a dead letter");
            assertTrue(notSent.stream().noneMatch(replied::contains), "no reply to a request that was not sent");
            assertTrue(lateReasons.stream().allMatch(r -> r == DeadLetter.Reason.ASK_TIMED_OUT), "late replies say why: " + lateReasons);
            System.out.println("ask storm: " + answered.size() + " answered, " + timedOut.size() + " timed out (" + late.size()
                    + " replies came late), " + notSent.size() + " not sent");
        }
    }

    @Test
    void closeWhileSendersSendBothWays_everyStageCompletes_deliveredInOrder_failuresAreDeadLetters() throws Exception {
        final int senders = 4;
        final ConcurrentHashMap<String, ConcurrentLinkedQueue<Integer>> delivered = new ConcurrentHashMap<>();
        final ConcurrentHashMap<String, Set<Integer>> dead = new ConcurrentHashMap<>();
        final ConcurrentHashMap<String, Set<Integer>> failed = new ConcurrentHashMap<>();
        final ConcurrentHashMap<String, Set<Integer>> sent = new ConcurrentHashMap<>();
        final CountDownLatch warm = new CountDownLatch(senders * 100);
        final RemoteSettings fastDetector = udp().withFailureDetector(Duration.ofMillis(100), 8.0, Duration.ofMillis(1000));
        try (ActorSystem a = ActorSystem.create("a"); ActorSystem b = ActorSystem.create("b");
             RemoteNode nb = RemoteNode.start(b, fastDetector)) {
            final RemoteNode na = RemoteNode.start(a, fastDetector);
            try {
                for (ActorSystem s : List.of(a, b)) {
                    s.spawn(() -> new Actor<Object>() {
                        @Override
                        protected void receive(Object m) {
                            final Num n = (Num) m;
                            delivered.computeIfAbsent(Ledger.key(n), k -> new ConcurrentLinkedQueue<>()).add(n.seq());
                            warm.countDown();
                        }
                    }, "sink");
                    s.deadLetters().subscribe(d -> {
                        if (d.message() instanceof Num n) {
                            dead.computeIfAbsent(Ledger.key(n), k -> ConcurrentHashMap.newKeySet()).add(n.seq());
                        }
                    });
                }
                final ActorRef<Object> toB = na.resolve(nb.address() + "/user/sink");
                final ActorRef<Object> toA = nb.resolve(na.address() + "/user/sink");
                final List<Thread> threads = new ArrayList<>();
                final ConcurrentLinkedQueue<CompletableFuture<Void>> all = new ConcurrentLinkedQueue<>();
                for (int t = 0; t < 2 * senders; t++) {
                    final boolean fromA = t < senders;
                    final String name = (fromA ? "a" : "b") + t;
                    final ActorRef<Object> target = fromA ? toB : toA;
                    final Thread thread = new Thread(() -> {
                        for (int seq = 0; seq < 1_000_000; seq++) {
                            final Num n = new Num(name, fromA ? "b" : "a", seq, true);
                            sent.computeIfAbsent(Ledger.key(n), k -> ConcurrentHashMap.newKeySet()).add(seq);
                            final CompletableFuture<Void> f = target.send(n).toCompletableFuture();
                            all.add(f);
                            final int s = seq;
                            f.whenComplete((v, e) -> {
                                if (e != null) {
                                    failed.computeIfAbsent(Ledger.key(n), k -> ConcurrentHashMap.newKeySet()).add(s);
                                }
                            });
                            if (seq % 32 == 31) {
                                try {
                                    f.get(60, TimeUnit.SECONDS);
                                } catch (ExecutionException e) {
                                    return; // a's node closed, or b declared a down: stop
                                } catch (Exception e) {
                                    throw new AssertionError(name + ": a send did not complete", e);
                                }
                            }
                        }
                    }, name);
                    threads.add(thread);
                    thread.start();
                }
                assertTrue(warm.await(30, TimeUnit.SECONDS), "traffic both ways");
                na.close(); // while both sides send
                for (Thread t : threads) {
                    t.join(60_000);
                    assertTrue(!t.isAlive(), t.getName() + " stopped once its sends failed");
                }
                for (CompletableFuture<Void> f : all) {
                    try {
                        f.get(30, TimeUnit.SECONDS);
                    } catch (ExecutionException e) {
                        assertTrue(e.getCause() instanceof RemoteDeliveryException, "fails as undeliverable: " + e.getCause());
                    }
                }
                assertTrue(Await.until(() -> failed.values().stream().mapToInt(Set::size).sum()
                        <= dead.values().stream().mapToInt(Set::size).sum(), Duration.ofSeconds(10)), "each failed send is a dead letter");
                for (Map.Entry<String, Set<Integer>> e : sent.entrySet()) {
                    final List<Integer> got = new ArrayList<>(delivered.getOrDefault(e.getKey(), new ConcurrentLinkedQueue<>()));
                    for (int i = 1; i < got.size(); i++) {
                        assertTrue(got.get(i) > got.get(i - 1), e.getKey() + ": in order, once");
                    }
                    final Set<Integer> f = failed.getOrDefault(e.getKey(), Set.of());
                    assertEquals(f, dead.getOrDefault(e.getKey(), Set.of()), e.getKey() + ": the failed sends are the dead letters");
                    for (Integer s : got) {
                        assertTrue(!f.contains(s), e.getKey() + ": " + s + " delivered yet failed");
                    }
                }
            } finally {
                na.close();
            }
        }
    }
}
