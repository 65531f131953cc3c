package io.troupe.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.troupe.mailbox.OverflowPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Timeout;

/**
 * MUTE_SENDER under many muting and resuming rounds: small capacities, random bursts, actors
 * flooding each other in a ring (which must not wait for each other for ever), and Stops racing
 * with muting. Every message arrives exactly once, in per-sender order; nothing is a dead letter.
 */
class MuteSenderStressTest {

    /** One hop of the ring: counts what it receives, checks per-sender order, floods the next one. */
    private static final class Node extends Actor<long[]> {
        private final int id;
        private final List<ActorRef<long[]>> ring;
        private final long perNode;
        private final AtomicLong received;
        private final long expected;
        private final CountDownLatch done;
        private final ConcurrentLinkedQueue<String> problems;
        private final long[] lastSeq;
        private long sent;

        Node(int id, int nodes, List<ActorRef<long[]>> ring, long perNode, AtomicLong received, long expected,
             CountDownLatch done, ConcurrentLinkedQueue<String> problems) {
            this.id = id;
            this.ring = ring;
            this.perNode = perNode;
            this.received = received;
            this.expected = expected;
            this.done = done;
            this.problems = problems;
            this.lastSeq = new long[nodes]; // the ring is still being filled while the first nodes start
            java.util.Arrays.fill(lastSeq, -1);
        }

        @Override
        protected void receive(long[] m) {
            if (m[0] < 0) { // "go": a random burst to the next node, then go on
                final int burst = 1 + ThreadLocalRandom.current().nextInt(40);
                final ActorRef<long[]> next = ring.get((id + 1) % ring.size());
                for (int i = 0; i < burst && sent < perNode; i++) {
                    next.tell(new long[] {id, sent++});
                }
                if (sent < perNode) {
                    self().tell(new long[] {-1, 0});
                }
                return;
            }
            final int from = (int) m[0];
            if (m[1] != lastSeq[from] + 1) {
                problems.add("node " + id + " got " + m[1] + " from " + from + " after " + lastSeq[from]);
            }
            lastSeq[from] = m[1];
            if (received.incrementAndGet() == expected) {
                done.countDown();
            }
        }
    }

    @BothDispatchers
    @Timeout(180)
    void ringOfFloodingActors_smallCapacities_nothingLostOrReordered_noDeadlock(DispatcherKind kind) {
        // Each node floods the next with random bursts into a mailbox of capacity 8: all arrive, in order.
        for (int round = 0; round < 10 * Testing.SCALE; round++) {
            try (ActorSystem system = Testing.builder(kind).build()) {
                final int nodes = 6;
                final long perNode = 20_000;
                final AtomicLong received = new AtomicLong();
                final CountDownLatch done = new CountDownLatch(1);
                final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
                final List<ActorRef<long[]>> ring = new ArrayList<>();
                final List<ActorRef<long[]>> view = java.util.Collections.unmodifiableList(ring);
                final int capacity = 4 + round % 8;
                for (int i = 0; i < nodes; i++) {
                    final int id = i;
                    ring.add(system.spawn(() -> new Node(id, nodes, view, perNode, received, nodes * perNode, done, problems),
                            SpawnOptions.named("node-" + i).withMailbox(capacity, OverflowPolicy.MUTE_SENDER)));
                }
                ring.forEach(r -> r.send(new long[] {-1, 0})); // from outside the actors: send, never a lossy tell
                try {
                    if (!done.await(Testing.TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                        final StringBuilder dump = new StringBuilder();
                        ring.forEach(r -> dump.append('\n').append(((ActorCell<?>) r).muteDiagnostics()));
                        throw new AssertionError("round " + round + " (capacity " + capacity + ", " + kind + ") stuck at "
                                + received.get() + " of " + nodes * perNode + ", dead letters " + system.deadLetters().count()
                                + ", problems " + problems.size() + " " + problems.peek() + ":" + dump);
                    }
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
                assertEquals(nodes * perNode, received.get());
                assertEquals(List.of(), List.copyOf(problems));
                assertEquals(0, system.deadLetters().count());
            }
        }
    }

    @BothDispatchers
    @Timeout(180)
    void stopsRacingWithMuting_everyActorTerminates(DispatcherKind kind) {
        // Muted (parked) senders stopped at random moments still terminate, and so does the system.
        for (int round = 0; round < 20 * Testing.SCALE; round++) {
            try (ActorSystem system = Testing.builder(kind).build()) {
                final ActorRef<Object> sink = system.spawn(Actor.of((ctx, m) -> { }),
                        SpawnOptions.named("sink").withMailbox(2, OverflowPolicy.MUTE_SENDER));
                final List<ActorRef<String>> senders = new ArrayList<>();
                for (int s = 0; s < 8; s++) {
                    senders.add(system.spawn(Actor.<String>of((ctx, m) -> {
                        for (int i = 0; i < 10; i++) {
                            sink.tell(i);
                        }
                        ctx.self().tell("again");
                    }), "sender-" + s));
                }
                senders.forEach(s -> s.tell("go"));
                final List<java.util.concurrent.CompletionStage<Void>> stops = new ArrayList<>();
                for (ActorRef<String> s : senders) {
                    stops.add(system.stop(s));
                }
                stops.forEach(Testing::join);
                assertEquals(List.of(), system.close(Testing.TIMEOUT));
            }
        }
    }
}
