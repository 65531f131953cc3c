package io.troupe.actors;

import static io.troupe.actors.Testing.TIMEOUT;
import static io.troupe.actors.Testing.await;
import static io.troupe.actors.Testing.block;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.testkit.TestProbe;
import io.troupe.mailbox.OverflowPolicy;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The three core defects of issue #18, each pinned: a self-driving actor with a small mailbox
 * keeps going; a dead-lettered {@code pipeToSelf} result has content and the right sender, and
 * logging it cannot throw; an actor stopping with such a result queued finishes stopping.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class CoreDefectsTest {
    private static final int STEPS = 1_000_000 * Testing.SCALE;
    private static final int PIPED_STEPS = 100_000 * Testing.SCALE;
    /** The million-step tests on a shared 2-core machine. */
    private static final java.time.Duration LONG_WAIT = java.time.Duration.ofSeconds(60);

    // ---------------------------------------------------------------- 1. a self-continuation always fits

    @ParameterizedTest(name = "{0}, capacity {1}")
    @CsvSource({"WORK_STEALING, 1", "WORK_STEALING, 2", "WORK_STEALING, 16",
                "FORK_JOIN, 1", "FORK_JOIN, 2", "FORK_JOIN, 16"})
    void tellSelf_capacityAtMostTheBudget_neverDeadLettersTheContinuation(DispatcherKind kind, int capacity) {
        // The capacity bounds messages waiting, not those handled in the current batch: an actor whose mailbox is smaller than its throughput budget can send itself its next step a million times, and none becomes a dead letter.
        try (ActorSystem system = Testing.system(kind)) {
            final ConcurrentLinkedQueue<DeadLetter> dead = new ConcurrentLinkedQueue<>();
            system.deadLetters().subscribe(dead::add);
            final TestProbe<Integer> probe = TestProbe.create(system);
            final ActorRef<Integer> stepper = system.spawn(Actor.<Integer>of((ctx, step) -> {
                if (step < STEPS) {
                    ctx.self().tell(step + 1);
                } else {
                    probe.ref().tell(step);
                }
            }), SpawnOptions.named("stepper").withMailbox(capacity, OverflowPolicy.DEAD_LETTER));
            stepper.tell(1);
            assertEquals(STEPS, probe.expectMessage(LONG_WAIT));
            assertEquals(List.of(), List.copyOf(dead));
        }
    }

    @ParameterizedTest(name = "{0}, capacity {1}")
    @CsvSource({"WORK_STEALING, 1", "WORK_STEALING, 2", "WORK_STEALING, 16",
                "FORK_JOIN, 1", "FORK_JOIN, 2", "FORK_JOIN, 16"})
    void pipeToSelfOfSend_capacityAtMostTheBudget_neverDeadLettersTheContinuation(DispatcherKind kind, int capacity) {
        // The README's lossless pattern, send then pipeToSelf of its stage, drives an actor with a tiny mailbox to the end: every step reaches the sink in order and no continuation is dead-lettered.
        try (ActorSystem system = Testing.system(kind)) {
            final ConcurrentLinkedQueue<DeadLetter> dead = new ConcurrentLinkedQueue<>();
            system.deadLetters().subscribe(dead::add);
            final TestProbe<String> probe = TestProbe.create(system);
            final ActorRef<Integer> sink = system.spawn(new java.util.function.Supplier<Actor<Integer>>() {
                @Override
                public Actor<Integer> get() {
                    return new Actor<>() {
                        private int expected = 1;

                        @Override
                        protected void receive(Integer step) {
                            if (step != expected) {
                                probe.ref().tell("out of order: " + step + " where " + expected + " was due");
                            }
                            expected = step + 1;
                            if (step == PIPED_STEPS) {
                                probe.ref().tell("sink done");
                            }
                        }
                    };
                }
            }, SpawnOptions.named("sink").withMailbox(capacity, OverflowPolicy.DEAD_LETTER));
            final ActorRef<Integer> producer = system.spawn(Actor.<Integer>of((ctx, step) -> {
                if (step <= PIPED_STEPS) {
                    ctx.pipeToSelf(sink.send(step), (ok, error) -> error == null ? step + 1 : null);
                }
            }), SpawnOptions.named("producer").withMailbox(capacity, OverflowPolicy.DEAD_LETTER));
            producer.tell(1);
            assertEquals("sink done", probe.expectMessage(LONG_WAIT));
            assertEquals(List.of(), List.copyOf(dead));
        }
    }

    // ---------------------------------------------------------------- 2. dead letters have content and the right sender

    @BothDispatchers
    void pipeToSelfOfVoidStage_recipientStopped_deadLetterNamesPlaceholderAndThePipingActor(DispatcherKind kind) {
        // A pipeToSelf result of a CompletionStage<Void> that finds its actor stopped is a dead letter carrying a readable placeholder (never null), sent by the actor that piped it, not by whichever actor completed the stage on its thread.
        try (ActorSystem system = Testing.builder(kind).deadLetterLogsPerSecond(100).build()) {
            final ConcurrentLinkedQueue<DeadLetter> dead = new ConcurrentLinkedQueue<>();
            system.deadLetters().subscribe(dead::add);
            final TestProbe<String> probe = TestProbe.create(system);
            final CountDownLatch entered = new CountDownLatch(1);
            final CountDownLatch release = new CountDownLatch(1);
            // The consumer: blocked with a full mailbox of capacity 1, so the producer's send waits.
            final ActorRef<String> consumer = system.spawn(() -> ActorApiTest.blocker(entered, release, probe.ref()),
                    SpawnOptions.named("consumer").withMailbox(1, OverflowPolicy.DEAD_LETTER));
            consumer.tell("block");
            await(entered, "the consumer to block");
            consumer.tell("filler");
            final ActorRef<String> producer = system.spawn(Actor.<String>of((ctx, m) -> {
                final CompletionStage<Void> sent = consumer.send("waiting");
                ctx.pipeToSelf(sent, (ok, error) -> "sent");
                probe.ref().tell("piped");
                ctx.stop(ctx.self());
            }), "producer");
            probe.watch(producer);
            producer.tell("go");
            assertEquals("piped", probe.expectMessage(TIMEOUT));
            probe.expectTerminated(producer, TIMEOUT);
            release.countDown(); // the consumer takes "filler": the waiting send goes in, its stage completes on the consumer's thread
            assertEquals("filler", probe.expectMessage(TIMEOUT));
            assertEquals("waiting", probe.expectMessage(TIMEOUT));
            Testing.awaitTrue("the piped result to become a dead letter", () -> !dead.isEmpty());
            final DeadLetter letter = dead.peek();
            assertSame(DeadLetter.Placeholder.NULL_STAGE_RESULT, letter.message());
            assertSame(producer, letter.sender());
            assertSame(producer, letter.recipient());
            assertEquals(DeadLetter.Reason.RECIPIENT_STOPPED, letter.reason());
        }
    }

    @Test
    void deadLetter_nullMessage_isRefused() {
        // A dead letter always carries something a person can read: null is refused where the letter is made.
        assertThrows(NullPointerException.class, () -> new DeadLetter(null, null, null, DeadLetter.Reason.MAILBOX_FULL));
    }

    @Test
    void sendWithRoom_returnsAStageThatAnswersAndCannotBeChanged() {
        // The stage of a send that went in at once answers isDone and join like any completed future, and nobody can overwrite what others see.
        try (ActorSystem system = Testing.system(DispatcherKind.WORK_STEALING)) {
            final ActorRef<String> sink = system.spawn(Actor.<String>of((ctx, m) -> { }), "sink");
            final CompletableFuture<Void> f = sink.send("a").toCompletableFuture();
            assertTrue(f.isDone());
            assertFalse(f.isCompletedExceptionally());
            assertEquals(null, f.join());
            assertSame(f, f.toCompletableFuture());
            assertFalse(f.complete(null));
            assertFalse(f.completeExceptionally(new IllegalStateException("no")));
            assertThrows(UnsupportedOperationException.class, () -> f.obtrudeException(new IllegalStateException("no")));
            assertFalse(sink.send("b").toCompletableFuture().isCompletedExceptionally());
        }
    }

    // ---------------------------------------------------------------- 3. stopping always finishes

    @BothDispatchers
    void stop_withUndeliverablePipedResultQueued_finishesAndTellsEveryWatcher(DispatcherKind kind) {
        // An actor that stops with a null pipeToSelf result still in its mailbox (dead-lettered at close, with logging on) finishes stopping: its watcher hears Terminated, and close() reports nothing left.
        final ActorSystem system = Testing.builder(kind).deadLetterLogsPerSecond(100).build();
        try {
            final TestProbe<String> probe = TestProbe.create(system);
            final CountDownLatch entered = new CountDownLatch(1);
            final CountDownLatch release = new CountDownLatch(1);
            final CompletableFuture<Void> stage = new CompletableFuture<>();
            final ActorRef<String> actor = system.spawn(Actor.<String>of((ctx, m) -> {
                if (m.equals("pipe")) {
                    ctx.pipeToSelf(stage, (ok, error) -> "result");
                } else if (m.equals("block")) {
                    entered.countDown();
                    block(release);
                }
            }), "piper");
            probe.watch(actor);
            actor.tell("pipe");
            actor.tell("block");
            await(entered, "the actor to block");
            stage.complete(null); // the result is queued behind the blocked handler
            system.stop(actor); // processed after the handler returns, with the result still queued
            release.countDown();
            probe.expectTerminated(actor, TIMEOUT);
        } finally {
            assertEquals(List.of(), system.close(TIMEOUT));
        }
    }

    @Test
    void stop_deadLetterSubscriberAndPostStopThrow_stillFinishesAndTellsEveryWatcher() {
        // Whatever postStop or a dead-letter subscriber throws while an actor stops and its queue is drained, the watchers hear Terminated and close() reports nothing left.
        final ActorSystem system = Testing.builder(DispatcherKind.WORK_STEALING).deadLetterLogsPerSecond(100).build();
        try {
            system.deadLetters().subscribe(letter -> {
                throw new IllegalStateException("a broken subscriber");
            });
            final TestProbe<String> probe = TestProbe.create(system);
            final CountDownLatch entered = new CountDownLatch(1);
            final CountDownLatch release = new CountDownLatch(1);
            final ActorRef<String> actor = system.spawn(() -> new Actor<String>() {
                @Override
                protected void receive(String m) {
                    if (m.equals("block")) {
                        entered.countDown();
                        block(release);
                    }
                }

                @Override
                protected void postStop() {
                    throw new IllegalStateException("a broken postStop");
                }
            }, "broken");
            probe.watch(actor);
            actor.tell("block");
            await(entered, "the actor to block");
            actor.tell("queued 1");
            actor.tell("queued 2");
            system.stop(actor);
            release.countDown();
            probe.expectTerminated(actor, TIMEOUT);
        } finally {
            assertEquals(List.of(), system.close(TIMEOUT));
        }
    }

    @Test
    void close_actorStuckInItsHandler_namesThatActorFirst() {
        // close() names the actor that held the stop up (with what it was doing) ahead of its ancestors, which only waited for it.
        final ActorSystem system = Testing.system(DispatcherKind.WORK_STEALING);
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        try {
            final ActorRef<String> parent = system.spawn(Actor.<String>of((ctx, m) -> {
                final ActorRef<String> child = ctx.spawn(Actor.<String>of((c, x) -> {
                    entered.countDown();
                    block(release);
                }), "stuck");
                child.tell("block");
            }), "parent");
            parent.tell("spawn");
            await(entered, "the child to block");
            final List<String> leftovers = system.close(java.time.Duration.ofMillis(300));
            assertTrue(leftovers.get(0).startsWith("/user/parent/stuck (running"), String.valueOf(leftovers));
            final int user = leftovers.indexOf("/user");
            assertTrue(user > 0 && leftovers.indexOf("/user/parent") == user + 1, String.valueOf(leftovers));
        } finally {
            release.countDown();
        }
    }
}
