package io.troupe.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** SpawnOptions.withThroughput: an actor's own budget decides when it yields to the actors it woke. */
class ThroughputOptionTest {
    /** On one worker: A blocks, gets "kick", "a1", "a2" queued; "kick" wakes B; the order shows when A yielded. */
    private static List<String> order(SpawnOptions optionsOfA) {
        final List<String> handled = new CopyOnWriteArrayList<>();
        final CountDownLatch blocked = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch done = new CountDownLatch(4);
        try (ActorSystem system = Testing.builder(DispatcherKind.WORK_STEALING).parallelism(1).build()) {
            final ActorRef<String> b = system.spawn(Actor.<String>of((ctx, m) -> {
                handled.add("B:" + m);
                done.countDown();
            }), "b");
            final ActorRef<String> a = system.spawn(Actor.<String>of((ctx, m) -> {
                if (m.equals("block")) {
                    blocked.countDown();
                    Testing.await(release, "release");
                    return;
                }
                handled.add("A:" + m);
                if (m.equals("kick")) {
                    b.tell("b");
                }
                done.countDown();
            }), optionsOfA);
            a.tell("block");
            Testing.await(blocked, "A blocked");
            a.tell("kick");
            a.tell("a1");
            a.tell("a2");
            release.countDown();
            Testing.await(done, "all four handled");
        }
        return handled;
    }

    @Test
    void withThroughput_one_yieldsAfterEachMessageSoTheWokenActorRuns() {
        // With a budget of 1, the actor yields after each message: B, woken by "kick", runs before A's next message.
        assertEquals(List.of("A:kick", "B:b", "A:a1", "A:a2"), order(SpawnOptions.named("a").withThroughput(1)));
    }

    @Test
    void defaultThroughput_handlesItsQueuedMessagesBeforeTheWokenActor() {
        // With the default budget (64) the actor handles its queued messages first, then B runs.
        assertEquals(List.of("A:kick", "A:a1", "A:a2", "B:b"), order(SpawnOptions.named("a")));
    }

    @Test
    void withThroughput_notPositive_isRefused() {
        // A non-positive budget is a clear error naming the value.
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SpawnOptions.defaults().withThroughput(0));
        assertEquals("throughput must be positive, was 0", e.getMessage());
    }
}
