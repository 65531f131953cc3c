package io.troupe.actors;

import static io.troupe.actors.Testing.SCALE;
import static io.troupe.actors.Testing.TIMEOUT;
import static io.troupe.actors.Testing.join;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.mailbox.OverflowPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Timeout;

/**
 * Message adapters under load: several threads send through an adapter and straight to the
 * actor at once, with back-pressure (send) against a small mailbox; every message arrives once,
 * converted, and each sender's messages in the order sent.
 */
@Timeout(120)
class MessageAdapterStressTest {
    private static final int SENDERS = 4;
    private static final int PER_SENDER = 50_000 * SCALE;

    /** A message in the foreign protocol. */
    record Tick(int sender, int seq) {}

    @BothDispatchers
    void adapterAndDirectSends_manyThreads_eachSendersOrderKeptNothingLost(DispatcherKind kind) throws Exception {
        // Each sender alternates adapter and direct sends (send: waits for room in a 64-slot mailbox); the actor sees every sender's sequence 0..n-1 in order, adapted messages converted.
        try (ActorSystem system = Testing.system(kind)) {
            final AtomicReference<String> verdict = new AtomicReference<>();
            final CountDownLatch done = new CountDownLatch(1);
            final CountDownLatch ready = new CountDownLatch(1);
            final AtomicReference<ActorRef<Tick>> adapterRef = new AtomicReference<>();
            final ActorRef<long[]> actor = system.spawn(() -> new Actor<long[]>() {
                private final int[] next = new int[SENDERS];
                private long adapted;
                private long total;

                @Override
                protected void preStart() {
                    // converted into {sender, seq, 1}: the 1 marks a message that came through the adapter
                    adapterRef.set(context().messageAdapter(Tick.class, t -> new long[] {t.sender(), t.seq(), 1}));
                    ready.countDown();
                }

                @Override
                protected void receive(long[] m) {
                    final int s = (int) m[0];
                    if (m[1] != next[s]) {
                        verdict.compareAndSet(null, "sender " + s + ": expected " + next[s] + " got " + m[1]);
                    }
                    if ((m[1] % 2 == 0) != (m[2] == 1)) {
                        verdict.compareAndSet(null, "sender " + s + " seq " + m[1] + " took the wrong path");
                    }
                    next[s] = (int) m[1] + 1;
                    adapted += m[2];
                    if (++total == (long) SENDERS * PER_SENDER) {
                        verdict.compareAndSet(null, "ok adapted=" + adapted);
                        done.countDown();
                    }
                }
            }, SpawnOptions.named("sink").withMailbox(64, OverflowPolicy.DEAD_LETTER));
            Testing.await(ready, "the adapter");
            final ActorRef<Tick> adapter = adapterRef.get();
            final List<Thread> threads = new ArrayList<>();
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            for (int t = 0; t < SENDERS; t++) {
                final int sender = t;
                final Thread thread = new Thread(() -> {
                    try {
                        for (int i = 0; i < PER_SENDER; i++) {
                            if (i % 2 == 0) {
                                join(adapter.send(new Tick(sender, i)));
                            } else {
                                join(actor.send(new long[] {sender, i, 0}));
                            }
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }, "adapter-sender-" + t);
                thread.start();
                threads.add(thread);
            }
            for (Thread thread : threads) {
                thread.join(6 * TIMEOUT.toMillis());
                assertTrue(!thread.isAlive(), thread.getName() + " finished");
            }
            if (failure.get() != null) {
                throw new AssertionError("a sender failed", failure.get());
            }
            Testing.await(done, "every message");
            assertEquals("ok adapted=" + (long) SENDERS * PER_SENDER / 2, verdict.get());
            assertEquals(0, system.deadLetters().count());
        }
    }
}
