package io.troupe.actors.sync;

import static io.troupe.actors.sync.SyncTesting.TIMEOUT;
import static io.troupe.actors.sync.SyncTesting.await;
import static io.troupe.actors.sync.SyncTesting.awaitTrue;
import static io.troupe.actors.sync.SyncTesting.block;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.SpawnOptions;
import io.troupe.actors.testkit.TestProbe;
import io.troupe.mailbox.OverflowPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TopicTest {
    private final ActorSystem system = SyncTesting.system("topic");

    @AfterEach
    void close() {
        system.close();
    }

    @Test
    void publish_fromOutside_everySubscriberGetsEveryMessageInOrder() {
        // Every current subscriber receives every message published after it subscribed, in publish order.
        final Topic<String> topic = Topic.create(system, String.class, 16);
        final List<TestProbe<Object>> probes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            final TestProbe<Object> p = TestProbe.create(system);
            topic.subscribe(p.ref(), m -> m, l -> l);
            probes.add(p);
        }
        for (int i = 0; i < 10; i++) {
            topic.publish("m" + i);
        }
        for (TestProbe<Object> p : probes) {
            final List<Object> got = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                got.add(p.expectMessage(TIMEOUT));
            }
            assertEquals(List.of("m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9"), got);
        }
    }

    @Test
    void publish_fromInsideHandler_reachesSubscribers() {
        // A handler publishes like any thread; the subscriber gets the messages in the order the handler published them.
        final Topic<String> topic = Topic.named(system, "chat", String.class, 16);
        final TestProbe<Object> probe = TestProbe.create(system);
        topic.subscribe(probe.ref(), m -> m, l -> l);
        final ActorRef<String> publisher = system.spawn(SyncTesting.<String>actor((ctx, m) -> {
            topic.publish(m + "-1");
            topic.publish(m + "-2");
        }), "publisher");
        publisher.tell("a");
        publisher.tell("b");
        final List<Object> got = List.of(probe.expectMessage(TIMEOUT), probe.expectMessage(TIMEOUT),
                probe.expectMessage(TIMEOUT), probe.expectMessage(TIMEOUT));
        assertEquals(List.of("a-1", "a-2", "b-1", "b-2"), got);
    }

    @Test
    void slowSubscriber_fallsBehindByMoreThanBound_getsLaggedWithExactCountAndGoesOn() {
        // A subscriber whose mailbox stays full while the ring wraps gets what its mailbox held, then
        // Lagged(exact count), then the last `bound` messages: nothing lost uncounted, nothing twice.
        final int bound = 8;
        final CountDownLatch blocked = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final List<Object> got = new CopyOnWriteArrayList<>();
        final CountDownLatch done = new CountDownLatch(1);
        final ActorRef<Object> slow = system.spawn(() -> new Actor<Object>() {
            @Override
            protected void receive(Object m) {
                if (m.equals("block")) {
                    blocked.countDown();
                    block(release);
                    return;
                }
                got.add(m);
                if (Integer.valueOf(99).equals(m)) {
                    done.countDown();
                }
            }
        }, SpawnOptions.named("slow").withMailbox(4, OverflowPolicy.DEAD_LETTER));
        final Topic<Integer> topic = Topic.create(system, Integer.class, bound);
        topic.subscribe(slow, m -> m, l -> l);
        slow.tell("block");
        await(blocked, "the subscriber to block");
        // Published from a handler, the fan-out runs inline, so what reached the mailbox is exact.
        // (From an outside thread it runs in the topic's deliverer actors, which may start after
        // the ring wrapped: then the subscriber lags earlier, still exactly counted.)
        final CountDownLatch published = new CountDownLatch(1);
        system.spawn(SyncTesting.<String>actor((ctx, m) -> {
            for (int i = 0; i < 100; i++) {
                topic.publish(i);
            }
            published.countDown();
        }), "publisher").tell("go");
        await(published, "the publisher");
        release.countDown();
        await(done, "the last message");
        final List<Object> expected = new ArrayList<>(List.of(0, 1, 2, 3, 4, new Topic.Lagged(87)));
        for (int i = 92; i < 100; i++) {
            expected.add(i);
        }
        assertEquals(expected, got);
    }

    @Test
    void stoppedSubscriber_isRemoved() {
        // The topic watches its subscribers: one that stops leaves the topic, the others stay.
        final Topic<String> topic = Topic.create(system, String.class, 4);
        final TestProbe<Object> stays = TestProbe.create(system);
        final ActorRef<Object> leaves = system.spawn(SyncTesting.actor((ctx, m) -> { }), "leaves");
        topic.subscribe(stays.ref(), m -> m, l -> l);
        final Subscription s = topic.subscribe(leaves, m -> m, l -> l);
        assertEquals(2, topic.subscriberCount());
        system.stop(leaves);
        awaitTrue("the stopped subscriber's subscription closes", s::isClosed);
        assertEquals(1, topic.subscriberCount());
        topic.publish("still here");
        assertEquals("still here", stays.expectMessage(TIMEOUT));
    }

    @Test
    void subscribingStoppedActor_closesTheSubscriptionAtOnce() {
        // Subscribing an actor that already stopped is not an error that is lost: the watch fires at once and the subscription closes.
        final Topic<String> topic = Topic.create(system, String.class, 4);
        final ActorRef<Object> gone = system.spawn(SyncTesting.actor((ctx, m) -> { }), "gone");
        final TestProbe<Object> watcher = TestProbe.create(system);
        watcher.watch(gone);
        system.stop(gone);
        watcher.expectTerminated(gone, TIMEOUT);
        final Subscription s = topic.subscribe(gone, m -> m, l -> l);
        awaitTrue("the subscription of a stopped actor closes", s::isClosed);
        assertEquals(0, topic.subscriberCount());
    }

    @Test
    void cancel_stopsDelivery() {
        // After cancel() returns, no message published later reaches the subscriber.
        final Topic<String> topic = Topic.create(system, String.class, 4);
        final TestProbe<Object> probe = TestProbe.create(system);
        final Subscription s = topic.subscribe(probe.ref(), m -> m, l -> l);
        topic.publish("before");
        assertEquals("before", probe.expectMessage(TIMEOUT));
        s.cancel();
        assertTrue(s.isClosed());
        topic.publish("after");
        final TestProbe<Object> later = TestProbe.create(system);
        topic.subscribe(later.ref(), m -> m, l -> l);
        topic.publish("marker");
        assertEquals("marker", later.expectMessage(TIMEOUT));
        assertEquals(0, probe.pendingMessages(), "the cancelled subscriber got a message");
    }

    @Test
    void publishNull_isAClearErrorAndPublishesNothing() {
        // null is refused with a message naming it, and the topic's sequence does not move.
        final Topic<String> topic = Topic.create(system, String.class, 4);
        final NullPointerException e = assertThrows(NullPointerException.class, () -> topic.publish(null));
        assertTrue(e.getMessage().contains("null"), e.getMessage());
        assertEquals(0, topic.published());
    }

    @Test
    void named_sameNameSameTopic_otherTypeOrBoundIsAClearError() {
        // Topics by name: the same name gives the same object; another type or bound under that name is refused, naming both.
        final Topic<String> a = Topic.named(system, "news", String.class, 32);
        assertSame(a, Topic.named(system, "news", String.class, 32));
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Topic.named(system, "news", Integer.class, 32));
        assertTrue(e.getMessage().contains("java.lang.String") && e.getMessage().contains("java.lang.Integer"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Topic.named(system, "news", String.class, 64));
        assertThrows(IllegalArgumentException.class, () -> Topic.create(system, String.class, 0));
    }
}
