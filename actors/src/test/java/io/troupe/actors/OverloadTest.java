package io.troupe.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.internal.ActivationProbe;
import io.troupe.mailbox.BoundedMailbox;
import io.troupe.mailbox.OverflowPolicy;
import io.troupe.timers.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Overload that does not lose data quietly: overflow warnings and counts, the unbounded mailbox, the executor. */
@Timeout(60)
class OverloadTest {

    /** Blocks on its first message until released, then records the others. */
    private static final class Gated extends Actor<Object> {
        private final CountDownLatch entered;
        private final CountDownLatch release;
        private final List<Object> seen;

        Gated(CountDownLatch entered, CountDownLatch release, List<Object> seen) {
            this.entered = entered;
            this.release = release;
            this.seen = seen;
        }

        @Override
        protected void receive(Object message) {
            if ("block".equals(message)) {
                entered.countDown();
                Testing.block(release);
            } else {
                seen.add(message);
            }
        }
    }

    private static int occurrences(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    @Test
    void overflow_isWarnedOncePerReceiverPerSecond_namingReceiverCapacityAndFix_andCountedPerReceiver() throws Exception {
        // Each overflowing receiver gets one WARNING per clock second with its path, capacity, losses and the fixes.
        final ManualClock clock = new ManualClock();
        final CountDownLatch release = new CountDownLatch(1);
        try (CapturedLog log = new CapturedLog("io.troupe.actors.DeadLetters");
             ActorSystem system = ActorSystem.builder(Testing.uniqueName("overflow")).clock(clock).deadLetterLogsPerSecond(10).build()) {
            final CountDownLatch entered = new CountDownLatch(2);
            final List<Object> seen = Collections.synchronizedList(new ArrayList<>());
            final SpawnOptions five = SpawnOptions.defaults().withMailbox(5, OverflowPolicy.DEAD_LETTER);
            final ActorRef<Object> a = system.spawn(() -> new Gated(entered, release, seen), five.withName("a"));
            final ActorRef<Object> b = system.spawn(() -> new Gated(entered, release, seen), five.withName("b"));
            a.tell("block");
            b.tell("block");
            Testing.await(entered, "both receivers to block");
            for (int i = 0; i < 20; i++) {
                a.tell(i);
            }
            for (int i = 0; i < 7; i++) {
                b.tell(i);
            }
            assertEquals(15, system.deadLetters().overflowCount(a));
            assertEquals(2, system.deadLetters().overflowCount(b));
            String text = log.text();
            assertEquals(1, occurrences(text, "the mailbox of /user/a is full"), text);
            assertEquals(1, occurrences(text, "the mailbox of /user/b is full"), text);
            assertTrue(text.contains("WARNING"), text);
            assertTrue(text.contains("/user/a is full (capacity 5, policy DEAD_LETTER): 1 message(s) lost"), text);
            assertTrue(text.contains("ref.send(m)") && text.contains("OverflowPolicy.MUTE_SENDER")
                    && text.contains("larger capacity"), text);

            clock.advance(Duration.ofSeconds(1));
            for (int i = 0; i < 3; i++) {
                a.tell("late-" + i);
            }
            text = log.text();
            assertEquals(2, occurrences(text, "the mailbox of /user/a is full"), text);
            // The second warning counts what the first did not report: 14 of the burst and the new one.
            assertTrue(text.contains("/user/a is full (capacity 5, policy DEAD_LETTER): 15 message(s) lost as dead letters"
                    + " since the last warning, 16 in all"), text);
            assertEquals(18, system.deadLetters().overflowCount(a));
            release.countDown();
        }
    }

    @Test
    void unboundedMailbox_byName_takesMoreThanTheDefaultCapacity_inOrder_withNoDeadLetter() {
        // withUnboundedMailbox: 50,000 messages to a blocked actor (5x the default bound) all arrive, in order.
        try (ActorSystem system = Testing.system(DispatcherKind.WORK_STEALING)) {
            final CountDownLatch entered = new CountDownLatch(1);
            final CountDownLatch release = new CountDownLatch(1);
            final List<Object> seen = Collections.synchronizedList(new ArrayList<>());
            final SpawnOptions options = SpawnOptions.named("sink").withUnboundedMailbox();
            assertEquals(BoundedMailbox.MAX_CAPACITY, options.mailboxCapacity());
            final ActorRef<Object> sink = system.spawn(() -> new Gated(entered, release, seen), options);
            sink.tell("block");
            Testing.await(entered, "the sink to block");
            final List<Object> expected = new ArrayList<>();
            for (int i = 0; i < 50_000; i++) {
                sink.tell(i);
                expected.add(i);
            }
            release.countDown();
            Testing.awaitTrue("every message handled", () -> seen.size() == expected.size());
            assertEquals(expected, seen);
            assertEquals(0, system.deadLetters().count());
        }
    }

    @Test
    void executor_runsTasksOnTheDispatcherWorkers_andRefusesThemOnceStopped() {
        // system.executor() runs async continuations on the actor workers; after close it rejects with a clear error.
        final ActorSystem system = Testing.system(DispatcherKind.WORK_STEALING);
        final Thread worker = Testing.join(CompletableFuture.supplyAsync(Thread::currentThread, system.executor()));
        assertTrue(worker instanceof ActivationProbe.ProbeHolder, "ran on " + worker.getName());
        final String continued = Testing.join(CompletableFuture.completedFuture("x")
                .thenApplyAsync(x -> x + Thread.currentThread().getName(), system.executor()));
        assertTrue(continued.startsWith("x" + system.name()), continued);
        system.close();
        final RejectedExecutionException e = assertThrows(RejectedExecutionException.class,
                () -> system.executor().execute(() -> { }));
        assertTrue(e.getMessage().contains(system.name()), e.getMessage());
    }

    private static String awaitLog(CapturedLog log, String part) {
        final String[] text = {""};
        Testing.awaitTrue("a log line with '" + part + "'", () -> {
            try {
                text[0] = log.text();
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
            return text[0].contains(part);
        });
        return text[0];
    }

    @Test
    void slowHandler_blockedOnALatch_isReportedAsBlocked_withTheSpawnBlockingAdvice() throws Exception {
        // A handler parked on a latch is reported as blocked, names the actor, and advises spawnBlocking.
        final CountDownLatch release = new CountDownLatch(1);
        try (CapturedLog log = new CapturedLog(Actor.class.getName()); // Actor.of lambdas log as io.troupe.actors.Actor
             ActorSystem system = Testing.builder(DispatcherKind.WORK_STEALING).slowHandlerThreshold(Duration.ofMillis(40)).build()) {
            final ActorRef<String> sleeper = system.spawn(Actor.<String>of((ctx, m) -> Testing.block(release)), "sleeper");
            sleeper.tell("block");
            final String text = awaitLog(log, "[/user/sleeper] this actor has been running one handler");
            release.countDown();
            assertTrue(text.contains("blocked (thread"), text);
            assertTrue(text.contains("context().spawnBlocking"), text);
            assertTrue(!text.contains("busy on the CPU"), text);
        } finally {
            release.countDown();
        }
    }

    @Test
    void slowHandler_spinningOnTheCpu_isReportedAsBusy_andAdvisedAgainstSpawnBlocking() throws Exception {
        // A handler computing in a loop is reported as busy on the CPU, with the advice to split the work.
        final java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        try (CapturedLog log = new CapturedLog(Actor.class.getName()); // Actor.of lambdas log as io.troupe.actors.Actor
             ActorSystem system = Testing.builder(DispatcherKind.WORK_STEALING).slowHandlerThreshold(Duration.ofMillis(40)).build()) {
            final ActorRef<String> spinner = system.spawn(Actor.<String>of((ctx, m) -> {
                long x = 0;
                while (!stop.get()) {
                    x += System.identityHashCode(m) ^ x;
                }
                ctx.log().log(System.Logger.Level.TRACE, "spun " + x);
            }), "spinner");
            spinner.tell("spin");
            final String text = awaitLog(log, "[/user/spinner] this actor has been running one handler");
            stop.set(true);
            assertTrue(text.contains("busy on the CPU"), text);
            assertTrue(text.contains("spawnBlocking is for blocking calls, not for CPU work"), text);
        } finally {
            stop.set(true);
        }
    }
}
