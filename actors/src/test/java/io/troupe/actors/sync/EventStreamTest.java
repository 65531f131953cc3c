package io.troupe.actors.sync;

import static io.troupe.actors.sync.SyncTesting.TIMEOUT;
import static io.troupe.actors.sync.SyncTesting.await;
import static io.troupe.actors.sync.SyncTesting.awaitTrue;
import static io.troupe.actors.sync.SyncTesting.block;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.DeadLetter;
import io.troupe.actors.SpawnOptions;
import io.troupe.actors.internal.FailurePolicy;
import io.troupe.actors.testkit.TestProbe;
import io.troupe.mailbox.OverflowPolicy;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class EventStreamTest {
    private final ActorSystem system = SyncTesting.system("events");

    @AfterEach
    void close() {
        system.close();
    }

    /** Skips events about other actors (probes, the runtime's own) and returns the next one about {@code ref}. */
    private static SystemEvent nextAbout(TestProbe<Object> probe, ActorRef<?> ref) {
        for (;;) {
            final Object m = probe.expectMessage(TIMEOUT);
            if (m instanceof SystemEvent.ActorStopped s && s.ref().equals(ref)
                    || m instanceof SystemEvent.ActorFailed f && f.ref().equals(ref)
                    || m instanceof SystemEvent.ActorRestarted r && r.ref().equals(ref)
                    || m instanceof SystemEvent.DeadLettered d && ref.equals(d.letter().recipient())) {
                return (SystemEvent) m;
            }
        }
    }

    @Test
    void stoppedFailedAndDeadLetter_reachSubscribers() {
        // A plain stop is ActorStopped, a stop by failure is ActorFailed with the cause, an undeliverable message is DeadLettered.
        final TestProbe<Object> probe = TestProbe.create(system);
        final EventStream events = EventStream.of(system);
        assertSame(events, EventStream.of(system));
        events.subscribe(probe.ref(), e -> e, l -> l);

        final ActorRef<Object> quiet = system.spawn(SyncTesting.actor((ctx, m) -> { }), "quiet");
        system.stop(quiet);
        assertEquals(new SystemEvent.ActorStopped(quiet), nextAbout(probe, quiet));

        final IllegalStateException boom = new IllegalStateException("boom (on purpose)");
        final ActorRef<Object> failing = system.spawn(SyncTesting.actor((ctx, m) -> {
            throw boom;
        }), "failing");
        failing.tell("go");
        assertEquals(new SystemEvent.ActorFailed(failing, boom), nextAbout(probe, failing));

        quiet.tell("too late");
        final SystemEvent.DeadLettered d = (SystemEvent.DeadLettered) nextAbout(probe, quiet);
        assertEquals("too late", d.letter().message());
        assertEquals(DeadLetter.Reason.RECIPIENT_STOPPED, d.letter().reason());
    }

    @Test
    void restart_isPublished() {
        // A supervised actor that fails and restarts gives ActorRestarted with the cause, and no stop event.
        final TestProbe<Object> probe = TestProbe.create(system);
        EventStream.of(system).subscribe(probe.ref(), e -> e, l -> l);
        final IllegalStateException boom = new IllegalStateException("boom (on purpose)");
        final ActorRef<Object> restarting = system.spawn(new RestartingFactory(boom), "restarting");
        restarting.tell("fail");
        assertEquals(new SystemEvent.ActorRestarted(restarting, boom), nextAbout(probe, restarting));
        system.stop(restarting);
        assertEquals(new SystemEvent.ActorStopped(restarting), nextAbout(probe, restarting));
    }

    @Test
    void slowSubscriber_getsLaggedWithExactCount() {
        // The topic's lag rule: a subscriber that falls more than BOUND events behind receives
        // exactly (events published since it subscribed) - (events received) as Lagged counts.
        final EventStream events = EventStream.of(system);
        final CountDownLatch blocked = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicLong received = new AtomicLong();
        final AtomicLong lagged = new AtomicLong();
        final ActorRef<Object> slow = system.spawn(() -> new Actor<Object>() {
            @Override
            protected void receive(Object m) {
                if (m.equals("block")) {
                    blocked.countDown();
                    block(release);
                } else if (m instanceof Topic.Lagged l) {
                    lagged.addAndGet(l.missed());
                } else {
                    received.incrementAndGet();
                }
            }
        }, SpawnOptions.named("slow").withMailbox(8, OverflowPolicy.DEAD_LETTER));
        final long start = events.published(); // nothing else publishes in this test
        events.subscribe(slow, e -> e, l -> l);
        slow.tell("block");
        await(blocked, "the subscriber to block");
        final ActorRef<Object> gone = system.spawn(SyncTesting.actor((ctx, m) -> { }), "gone");
        final TestProbe<Object> watcher = TestProbe.create(system);
        watcher.watch(gone);
        system.stop(gone);
        watcher.expectTerminated(gone, TIMEOUT);
        final int letters = EventStream.BOUND * 3;
        for (int i = 0; i < letters; i++) {
            gone.tell(i);
        }
        final long published = events.published() - start;
        assertEquals(letters + 1, published, "the stop of 'gone' and its dead letters");
        release.countDown();
        awaitTrue("received + lagged == published (" + published + ")", () -> received.get() + lagged.get() == published);
        assertTrue(lagged.get() > 0, "the blocked subscriber lagged");
        assertTrue(received.get() >= EventStream.BOUND, "it got the last BOUND events after its lag: " + received.get());
    }

    /** A factory whose actors restart on any failure (the supervision module's bridge, used directly). */
    private record RestartingFactory(RuntimeException boom) implements Supplier<Actor<Object>>, FailurePolicy.Carrier {
        @Override
        public Actor<Object> get() {
            return new Actor<>() {
                @Override
                protected void receive(Object message) {
                    throw boom;
                }
            };
        }

        @Override
        public FailurePolicy failurePolicy() {
            return new FailurePolicy() {
                @Override
                public Object newState() {
                    return null;
                }

                @Override
                public Decision decide(Object state, Throwable cause, long nowNanos) {
                    return Decision.of(Directive.RESTART);
                }
            };
        }
    }
}
