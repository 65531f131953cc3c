package io.troupe.actors.sync;

import static io.troupe.actors.sync.SyncTesting.TIMEOUT;
import static io.troupe.actors.sync.SyncTesting.await;
import static io.troupe.actors.sync.SyncTesting.awaitTrue;
import static io.troupe.actors.sync.SyncTesting.block;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.testkit.TestProbe;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LatestValueTest {
    private final ActorSystem system = SyncTesting.system("latest");

    @AfterEach
    void close() {
        system.close();
    }

    @Test
    void setAndGet_newestValueAndVersion_nullRefused() {
        // get() returns the last value set; each set moves the version by one; null is refused and changes nothing.
        final LatestValue<String> cell = LatestValue.create(system, "a");
        assertEquals("a", cell.get());
        assertEquals(0, cell.version());
        cell.set("b");
        cell.set("c");
        assertEquals("c", cell.get());
        assertEquals(2, cell.version());
        final NullPointerException e = assertThrows(NullPointerException.class, () -> cell.set(null));
        assertTrue(e.getMessage().contains("null"), e.getMessage());
        assertEquals("c", cell.get());
        assertEquals(2, cell.version());
        assertThrows(NullPointerException.class, () -> LatestValue.create(system, null));
    }

    @Test
    void busySubscriber_receivesOnlyTheNewestValue_noStaleQueue() {
        // While the subscriber is busy, 1,000 sets leave one notice behind, and it reads the last value:
        // the subscriber sees [initial, 1000, 1001], never an intermediate value.
        final LatestValue<Integer> cell = LatestValue.create(system, 0);
        final CountDownLatch blocked = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final List<Object> seen = new CopyOnWriteArrayList<>();
        final CountDownLatch sawLast = new CountDownLatch(1);
        final ActorRef<Object> subscriber = system.spawn(() -> new Actor<Object>() {
            @Override
            protected void receive(Object m) {
                if (m instanceof LatestValue.Changed<?> c) {
                    final Object v = c.value();
                    seen.add(v);
                    if (v.equals(1001)) {
                        sawLast.countDown();
                    }
                } else if (m.equals("block")) {
                    blocked.countDown();
                    block(release);
                }
            }
        }, "subscriber");
        cell.subscribe(subscriber, c -> c);
        awaitTrue("the initial value is read", () -> seen.size() == 1);
        subscriber.tell("block");
        await(blocked, "the subscriber to block");
        for (int i = 1; i <= 1000; i++) {
            cell.set(i);
        }
        release.countDown();
        awaitTrue("the newest value is read", () -> seen.size() == 2);
        cell.set(1001);
        await(sawLast, "the value set after");
        assertEquals(List.of(0, 1000, 1001), seen);
    }

    @Test
    void setWhileSubscriberReads_isNotLost() {
        // Sets from another thread racing with the subscriber's reads: the subscriber always ends on the last value.
        final LatestValue<Integer> cell = LatestValue.create(system, 0);
        final TestProbe<Object> done = TestProbe.create(system);
        final int last = 20_000;
        final ActorRef<Object> subscriber = system.spawn(SyncTesting.<Object>actor((ctx, m) -> {
            if (m instanceof LatestValue.Changed<?> c && c.value().equals(last)) {
                done.ref().tell("last");
            }
        }), "reader");
        cell.subscribe(subscriber, c -> c);
        for (int i = 1; i <= last; i++) {
            cell.set(i);
        }
        assertEquals("last", done.expectMessage(TIMEOUT));
    }

    @Test
    void stoppedSubscriber_isRemoved_andCancelStopsNotices() {
        // A subscriber that stops leaves the cell; a cancelled one gets no notice for later sets.
        final LatestValue<String> cell = LatestValue.create(system, "x");
        final ActorRef<Object> leaves = system.spawn(SyncTesting.actor((ctx, m) -> { }), "leaves");
        final Subscription s = cell.subscribe(leaves, c -> c);
        system.stop(leaves);
        awaitTrue("the stopped subscriber's subscription closes", s::isClosed);
        assertEquals(0, cell.subscriberCount());

        final TestProbe<Object> probe = TestProbe.create(system);
        final LatestValue.Changed<String> sub = cell.subscribe(probe.ref(), c -> c);
        assertEquals(sub, probe.expectMessage(TIMEOUT));
        assertEquals("x", sub.value()); // re-arms (read from the test thread: the probe does not read)
        sub.cancel();
        cell.set("y");
        final TestProbe<Object> other = TestProbe.create(system);
        final LatestValue.Changed<String> marker = cell.subscribe(other.ref(), c -> c);
        assertEquals(marker, other.expectMessage(TIMEOUT));
        assertEquals(0, probe.pendingMessages(), "a cancelled subscriber was told");
    }
}
