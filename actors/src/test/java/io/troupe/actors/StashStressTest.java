package io.troupe.actors;

import static io.troupe.actors.Testing.SCALE;
import static io.troupe.actors.Testing.TIMEOUT;
import static io.troupe.actors.Testing.join;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Timeout;

/**
 * The stash under load: several threads pipeline commands (a window of 16 each) to a session
 * that asks a backend for each and stashes what arrives meanwhile (a stash just large enough for
 * the windows, a small budget); every command is handled exactly once and each sender's
 * commands in the order sent.
 */
@Timeout(120)
class StashStressTest {
    private static final int SENDERS = 4;
    private static final int PER_SENDER = 5_000 * SCALE;
    /** Commands a sender has in flight at most: the stash's bound is the senders' windows together. */
    private static final int WINDOW = 16;

    sealed interface Msg {}

    record Command(int sender, int seq) implements Msg {}

    record Done(Command command) implements Msg {}

    record Work(Command command, ActorRef<Command> replyTo) {}

    @BothDispatchers
    void pipelinedCommandsFromManyThreads_eachHandledOnceInPerSenderOrder(DispatcherKind kind) throws Exception {
        // Stashing while each ask is outstanding never reorders one sender's commands and never loses or repeats one; senders use send (back-pressure) so nothing overflows.
        try (ActorSystem system = Testing.system(kind)) {
            final AtomicReference<String> verdict = new AtomicReference<>();
            final CountDownLatch done = new CountDownLatch(1);
            final Semaphore[] windows = new Semaphore[SENDERS];
            for (int t = 0; t < SENDERS; t++) {
                windows[t] = new Semaphore(WINDOW);
            }
            final ActorRef<Work> backend = system.spawn(Actor.<Work>of((ctx, w) -> w.replyTo().tell(w.command())), "backend");
            final ActorRef<Msg> session = system.spawn(() -> new Actor<Msg>() {
                private final int[] next = new int[SENDERS];
                private Stash<Msg> stash;
                private boolean waiting;
                private long total;

                @Override
                protected void preStart() {
                    stash = context().stash(SENDERS * WINDOW);
                }

                @Override
                protected void receive(Msg msg) {
                    if (msg instanceof Command c) {
                        if (waiting) {
                            stash.stash(c);
                            return;
                        }
                        waiting = true;
                        context().pipeToSelf(backend.<Command>ask(r -> new Work(c, r), TIMEOUT),
                                (reply, error) -> new Done(error == null ? reply : new Command(-1, -1)));
                    } else if (msg instanceof Done d) {
                        final Command c = d.command();
                        if (c.sender() < 0 || c.seq() != next[c.sender()]) {
                            verdict.compareAndSet(null, "out of order or failed: " + c);
                        } else {
                            next[c.sender()]++;
                            windows[c.sender()].release();
                        }
                        waiting = false;
                        stash.unstashAll();
                        if (++total == (long) SENDERS * PER_SENDER) {
                            verdict.compareAndSet(null, "ok");
                            done.countDown();
                        }
                    }
                }
            }, SpawnOptions.named("session").withMailbox(64, io.troupe.mailbox.OverflowPolicy.DEAD_LETTER).withThroughput(4));
            final List<Thread> threads = new ArrayList<>();
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            for (int t = 0; t < SENDERS; t++) {
                final int sender = t;
                final Thread thread = new Thread(() -> {
                    try {
                        for (int i = 0; i < PER_SENDER; i++) {
                            if (!windows[sender].tryAcquire(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                                throw new AssertionError("sender " + sender + ": no command completed within " + TIMEOUT);
                            }
                            join(session.send(new Command(sender, i)));
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }, "stash-sender-" + t);
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
            Testing.await(done, "every command");
            assertEquals("ok", verdict.get());
            assertEquals(0, system.deadLetters().count());
        }
    }
}
