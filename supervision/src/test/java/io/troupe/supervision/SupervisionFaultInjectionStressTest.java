package io.troupe.supervision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.SpawnOptions;
import io.troupe.mailbox.OverflowPolicy;
import io.troupe.supervision.Supervisor.ChildInfo;
import io.troupe.supervision.Supervisor.Command;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Fault injection under load: 10,000 supervised workers under four supervisors, two sender
 * threads, 1% of messages throwing. Bounded in time (5 s times {@code troupe.stress.scale});
 * asserts exact counts, never timings.
 */
@Timeout(180)
class SupervisionFaultInjectionStressTest {
    private static final String SYSTEM = "sup-stress";
    private static final int SUPERVISORS = 4;
    private static final int WORKERS_PER_SUPERVISOR = 2_500;
    private static final int SENDERS = 2;
    /** Most messages in flight (sent, neither handled nor dead) before a sender backs off: bounds the heap. */
    private static final long MAX_IN_FLIGHT = 200_000;

    /** What a message asks the worker to do. */
    enum Kind { WORK, FAIL_RESTART, FAIL_RESUME, FAIL_STOP }

    record Work(Kind kind) {}

    private final LongAdder sent = new LongAdder();
    private final LongAdder handled = new LongAdder();
    private final LongAdder droppedAsFailing = new LongAdder();
    private final LongAdder deadLettered = new LongAdder();

    private final class Worker extends Actor<Work> {
        @Override
        protected void receive(Work w) {
            switch (w.kind()) {
                case WORK -> handled.increment();
                case FAIL_RESTART -> {
                    droppedAsFailing.increment();
                    throw new IllegalStateException("injected: restart");
                }
                case FAIL_RESUME -> {
                    droppedAsFailing.increment();
                    throw new IllegalArgumentException("injected: resume");
                }
                default -> {
                    droppedAsFailing.increment();
                    throw new UnsupportedOperationException("injected: not supervised in place; the supervisor respawns");
                }
            }
        }
    }

    @Test
    void faultInjection_tenThousandWorkersUnderLoad_accountsForEveryMessageAndShutsDownClean() throws Exception {
        // handled + dropped-as-failing + dead-lettered == sent, exactly; close leaves no actor and no thread behind.
        final int scale = Math.max(1, Integer.getInteger("troupe.stress.scale", 1));
        final long runNanos = Duration.ofSeconds(5).toNanos() * scale;
        final ActorSystem system = ActorSystem.builder(SYSTEM).deadLetterLogsPerSecond(0).build();
        final List<String> leftovers;
        final QuietLogs quiet = new QuietLogs();
        // subscribed until after close(): close() dead-letters whatever is still queued
        final AutoCloseable subscription = system.deadLetters().subscribe(d -> {
            if (d.message() instanceof Work) {
                deadLettered.increment();
            }
        });
        try {
            final Supervise<Work> worker = Supervise.<Work>of(Worker::new)
                    .onFailure(IllegalStateException.class, SupervisorStrategy.restart())
                    .onFailure(IllegalArgumentException.class, SupervisorStrategy.resume());
            final SpawnOptions mailbox = SpawnOptions.defaults().withMailbox(256, OverflowPolicy.DEAD_LETTER);
            final List<ActorRef<Work>> workers = new ArrayList<>(SUPERVISORS * WORKERS_PER_SUPERVISOR);
            for (int s = 0; s < SUPERVISORS; s++) {
                final Supervisor.Builder b = Supervisor.builder(Supervisor.Strategy.ONE_FOR_ONE).restarts(SupervisorStrategy.restart());
                for (int w = 0; w < WORKERS_PER_SUPERVISOR; w++) {
                    b.child(ChildSpec.of("w" + w, worker).withSpawnOptions(mailbox));
                }
                final ActorRef<Command> sup = system.spawn(b.build(), "sup" + s);
                final List<ChildInfo> kids = sup.<List<ChildInfo>>ask(Supervisor.WhichChildren::new, Duration.ofSeconds(30))
                        .toCompletableFuture().get();
                assertEquals(WORKERS_PER_SUPERVISOR, kids.size());
                for (ChildInfo c : kids) {
                    @SuppressWarnings("unchecked")
                    final ActorRef<Work> ref = (ActorRef<Work>) c.ref();
                    workers.add(ref);
                }
            }

            final long deadline = System.nanoTime() + runNanos;
            final List<Thread> senders = new ArrayList<>();
            for (int i = 0; i < SENDERS; i++) {
                final Thread t = new Thread(() -> send(workers, deadline), "stress-sender-" + i);
                senders.add(t);
                t.start();
            }
            for (Thread t : senders) {
                t.join(runNanos / 1_000_000 + 30_000);
                assertFalse(t.isAlive(), "sender did not finish");
            }
        } finally {
            leftovers = system.close(Duration.ofSeconds(30));
            subscription.close();
            quiet.close();
        }
        assertEquals(List.of(), leftovers);
        assertTrue(sent.sum() > 0);
        assertTrue(droppedAsFailing.sum() > 0, "faults were injected");
        assertEquals(sent.sum(), handled.sum() + droppedAsFailing.sum() + deadLettered.sum(),
                "sent " + sent + ", handled " + handled + ", dropped as failing " + droppedAsFailing + ", dead letters " + deadLettered);
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(SYSTEM)) {
                t.join(10_000); // a bounded wait for threads that are in their last instructions
                assertFalse(t.isAlive(), "thread still alive after close: " + t.getName());
            }
        }
    }

    private void send(List<ActorRef<Work>> workers, long deadline) {
        final ThreadLocalRandom random = ThreadLocalRandom.current();
        final Work work = new Work(Kind.WORK);
        long n = 0;
        while (System.nanoTime() - deadline < 0) {
            if ((n & 1023) == 0) {
                while (sent.sum() - handled.sum() - droppedAsFailing.sum() - deadLettered.sum() > MAX_IN_FLIGHT
                        && System.nanoTime() - deadline < 0) {
                    Thread.yield(); // back-pressure, not synchronisation: the assertion never depends on it
                }
            }
            n++;
            final Work w;
            if (n % 100 != 0) {
                w = work;
            } else if (n % 10_000 == 0) {
                w = new Work(Kind.FAIL_STOP);
            } else {
                w = new Work(n % 200 == 0 ? Kind.FAIL_RESUME : Kind.FAIL_RESTART);
            }
            workers.get(random.nextInt(workers.size())).tell(w);
            sent.increment();
        }
    }
}
