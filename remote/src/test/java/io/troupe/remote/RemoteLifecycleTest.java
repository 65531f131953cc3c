package io.troupe.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.ActorTerminatedException;
import io.troupe.actors.DeadLetter;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The node's one thread runs the embedded driver and the Aeron client's conductor: no other
 * thread may touch them while it runs, and when it stops (close, or an Error out of a turn) the
 * node must behave as closed. Each scenario is held in place by a test hook, not by timing.
 */
@Timeout(90)
class RemoteLifecycleTest {
    static final String SECRET = "secret-cookie";

    /** An agent-turn hook that holds the node thread at the start of a turn until released. */
    static final class Hold implements Runnable {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        volatile Thread thread;

        @Override
        public void run() {
            if (release.getCount() == 0) {
                return;
            }
            thread = Thread.currentThread();
            entered.countDown();
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        Thread awaitHeld() throws InterruptedException {
            assertTrue(entered.await(20, TimeUnit.SECONDS), "the node thread reached the hook");
            return thread;
        }
    }

    /** Thrown into a turn of the node thread. */
    static final class InjectedError extends Error {
        InjectedError() {
            super("injected by the test: the node thread dies");
        }
    }

    static RemoteSettings settings() {
        return RemoteSettings.udp(0).withSecret(SECRET).withHandshakeTimeout(Duration.ofSeconds(120));
    }

    /**
     * AgentRunner.close() returns at once to a second caller while the first one still waits for
     * the node thread; if close() let that caller go on, it would close Aeron (the client's
     * conductor) and the media driver (its agents, its mapped files) under the node thread, which
     * invokes both: two threads in the driver. The second close() must return only after the
     * node thread has stopped.
     */
    @Test
    void secondClose_whileTheFirstWaitsForTheNodeThread_returnsOnlyOnceThatThreadHasStopped() throws Exception {
        try (ActorSystem a = ActorSystem.create("a")) {
            final RemoteNode na = RemoteNode.start(a, settings());
            final Hold hold = new Hold();
            na.agentTurnHook = hold;
            try {
                final Thread nodeThread = hold.awaitHeld();
                final Thread first = new Thread(na::close, "first-close");
                first.start();
                // the first closer now waits in AgentRunner.close (Thread.join) for the held thread
                assertTrue(Await.until(() -> first.getState() == Thread.State.TIMED_WAITING, Duration.ofSeconds(10)),
                        "the first close() waits for the node thread");
                final AtomicBoolean nodeThreadAliveWhenSecondReturned = new AtomicBoolean();
                final Thread second = new Thread(() -> {
                    na.close();
                    nodeThreadAliveWhenSecondReturned.set(nodeThread.isAlive());
                }, "second-close");
                second.start();
                // either it waits for the first closer, or it went through (and closed Aeron under the held thread)
                assertTrue(Await.until(() -> second.getState() == Thread.State.BLOCKED || second.getState() == Thread.State.TERMINATED,
                        Duration.ofSeconds(10)), "the second close() waits or returned");
                hold.release.countDown();
                first.join(20_000);
                second.join(20_000);
                assertFalse(first.isAlive(), "the first close() returned");
                assertFalse(second.isAlive(), "the second close() returned");
                assertFalse(nodeThreadAliveWhenSecondReturned.get(), "the second close() returned while the node thread still ran");
            } finally {
                hold.release.countDown();
                na.close();
            }
        }
    }

    /**
     * An Error out of a turn ends the node thread (AgentRunner rethrows it, without the agent's
     * onClose): nothing runs the driver, the handshake, the timers any more. The node must then
     * behave as closed: the ask in flight fails now (not never: its deadline was the dead
     * thread's to check), and what is sent later is a dead letter at once, not queued forever.
     */
    @Test
    void nodeThreadDiesOfAnError_askInFlightFails_laterSendsAreDeadLetters() throws Exception {
        final LinkedBlockingQueue<DeadLetter> dead = new LinkedBlockingQueue<>();
        try (ActorSystem a = ActorSystem.create("a"); ActorSystem b = ActorSystem.create("b");
             RemoteNode na = RemoteNode.start(a, settings()); RemoteNode nb = RemoteNode.start(b, settings())) {
            // b's thread is held: a's handshake gets no answer, the ask waits (for 120 s)
            final Hold holdB = new Hold();
            nb.agentTurnHook = holdB;
            try {
                holdB.awaitHeld();
                a.deadLetters().subscribe(d -> {
                    if ("after".equals(d.message())) {
                        dead.add(d);
                    }
                });
                final ActorRef<Object> far = na.resolve(nb.address() + "/user/nobody");
                final CompletableFuture<Object> reply = far.ask(replyTo -> "ping", Duration.ofSeconds(120)).toCompletableFuture();
                final AtomicBoolean thrown = new AtomicBoolean();
                na.agentTurnHook = () -> {
                    if (thrown.compareAndSet(false, true)) {
                        throw new InjectedError();
                    }
                };
                final ExecutionException failed = assertThrows(ExecutionException.class, () -> reply.get(20, TimeUnit.SECONDS),
                        "the ask in flight fails once the node thread is gone");
                assertInstanceOf(ActorTerminatedException.class, failed.getCause());
                far.tell("after");
                final DeadLetter letter = dead.poll(10, TimeUnit.SECONDS);
                assertNotNull(letter, "a message sent after the node thread died is a dead letter");
                assertEquals(DeadLetter.Reason.REMOTE_UNREACHABLE, letter.reason());
            } finally {
                holdB.release.countDown();
            }
        }
    }

    /**
     * An interrupt of the node thread stops it (AgentRunner and the driver's AgentInvoker both
     * stop on an interrupted thread with no work): the node must then behave as closed, so an
     * ask made afterwards fails now instead of waiting for a deadline nobody checks.
     */
    @Test
    void nodeThreadInterrupted_itStops_anAskMadeAfterwardsFails() throws Exception {
        try (ActorSystem a = ActorSystem.create("a"); RemoteNode na = RemoteNode.start(a, settings())) {
            final Hold hold = new Hold();
            na.agentTurnHook = hold;
            try {
                final Thread nodeThread = hold.awaitHeld();
                nodeThread.interrupt();
                assertTrue(Await.until(() -> !nodeThread.isAlive(), Duration.ofSeconds(10)), "the interrupted node thread stops");
                final ActorRef<Object> far = na.resolve("troupe://b@127.0.0.1:9/user/nobody");
                final CompletableFuture<Object> reply = far.ask(replyTo -> "ping", Duration.ofSeconds(120)).toCompletableFuture();
                final ExecutionException failed = assertThrows(ExecutionException.class, () -> reply.get(10, TimeUnit.SECONDS),
                        "an ask through a node whose thread stopped fails");
                assertInstanceOf(RemoteDeliveryException.class, failed.getCause());
            } finally {
                hold.release.countDown();
            }
        }
    }

    /**
     * The node thread stalls (a slow codec or dead-letter subscriber run on it) past the Aeron
     * client liveness timeout: its own driver drops the client and the client's conductor closes
     * itself, with the node's subscription and publications. The node must then stop and behave
     * as closed, not run on deaf (nothing received, ever) while sends queue and asks wait.
     */
    @Test
    void nodeThreadStallsPastTheClientLivenessTimeout_theNodeStopsAsClosed() throws Exception {
        final String property = "aeron.client.liveness.timeout";
        try (ActorSystem a = ActorSystem.create("a")) {
            final RemoteNode na;
            System.setProperty(property, "1500ms"); // read by the embedded driver's context, in start
            try {
                na = RemoteNode.start(a, settings());
            } finally {
                System.clearProperty(property);
            }
            try {
                final AtomicBoolean stalled = new AtomicBoolean();
                final CountDownLatch stalling = new CountDownLatch(1);
                final Thread[] nodeThread = new Thread[1];
                na.agentTurnHook = () -> {
                    if (stalled.compareAndSet(false, true)) {
                        nodeThread[0] = Thread.currentThread();
                        stalling.countDown();
                        // the stall itself (the scenario, not a synchronisation): 2.5 s on the node thread
                        final long until = System.nanoTime() + 2_500_000_000L;
                        while (System.nanoTime() - until < 0) {
                            java.util.concurrent.locks.LockSupport.parkNanos(until - System.nanoTime());
                        }
                    }
                };
                assertTrue(stalling.await(10, TimeUnit.SECONDS));
                assertTrue(Await.until(() -> !nodeThread[0].isAlive(), Duration.ofSeconds(20)),
                        "the node thread stops once its Aeron client has closed");
                final ActorRef<Object> far = na.resolve("troupe://b@127.0.0.1:9/user/nobody");
                final CompletableFuture<Object> reply = far.ask(replyTo -> "ping", Duration.ofSeconds(120)).toCompletableFuture();
                final ExecutionException failed = assertThrows(ExecutionException.class, () -> reply.get(10, TimeUnit.SECONDS));
                assertInstanceOf(RemoteDeliveryException.class, failed.getCause());
            } finally {
                na.close();
            }
        }
    }

    @Test
    void closedNode_isAssociatedWithNobody() throws Exception {
        try (ActorSystem a = ActorSystem.create("a"); ActorSystem b = ActorSystem.create("b");
             RemoteNode nb = RemoteNode.start(b, settings())) {
            final RemoteNode na = RemoteNode.start(a, settings());
            try {
                final LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
                b.spawn(Actor.<String>of((ctx, m) -> got.add(m)), "sink");
                na.resolve(nb.address() + "/user/sink").tell("hello");
                assertEquals("hello", got.poll(20, TimeUnit.SECONDS));
                assertTrue(Await.until(() -> na.connectedNodes().contains(nb.address()), Duration.ofSeconds(10)), "associated");
            } finally {
                na.close();
            }
            assertEquals(java.util.Set.of(), na.connectedNodes(), "a closed node is associated with nobody");
        }
    }
}
