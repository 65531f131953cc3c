package io.troupe.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.Terminated;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Interleavings of senders, watchers and the node thread that luck rarely produces, each forced
 * by a test hook of RemoteNode (package-private, null in production) at the one point where it
 * matters, so that the property is checked every run.
 */
@Timeout(90)
class RemoteInterleavingTest {
    static final String SECRET = "secret-cookie";

    static RemoteSettings settings() {
        return RemoteSettings.udp(0).withSecret(SECRET);
    }

    /**
     * Per-sender order across the hand-over from the pending queue to the direct path: flush
     * lowers {@code pendingCount} only after the pending message is in the publication, so a
     * sender that tells at the moment flush is about to offer the pending one still sees a count
     * above 0 and queues behind it. Lowered before the offer, that sender would write straight
     * to the publication, ahead of the message it sent first.
     */
    @Test
    void senderTellsWhileFlushOffersItsPendingMessage_theLaterMessageDoesNotOvertake() throws Exception {
        final LinkedBlockingQueue<Object> got = new LinkedBlockingQueue<>();
        try (ActorSystem a = ActorSystem.create("a"); ActorSystem b = ActorSystem.create("b");
             RemoteNode na = RemoteNode.start(a, settings()); RemoteNode nb = RemoteNode.start(b, settings())) {
            b.spawn(() -> new RemoteRaceTest.Recorder(got), "sink");
            final ActorRef<Object> sink = na.resolve(nb.address() + "/user/sink");
            final AtomicBoolean told = new AtomicBoolean();
            // on the node thread, at the moment flush is about to offer "first": the same sender
            // (this ref, this thread of the node) tells "second"; the association is established
            na.beforePendingOfferHook = m -> {
                if ("first".equals(m) && told.compareAndSet(false, true)) {
                    sink.tell("second");
                }
            };
            sink.tell("first"); // before the handshake: it waits in the pending queue
            assertEquals("first", got.poll(20, TimeUnit.SECONDS));
            assertEquals("second", got.poll(10, TimeUnit.SECONDS));
            assertTrue(told.get(), "the hook told \"second\" while \"first\" was being flushed");
        }
    }

    /**
     * The watch reconcile: callers change the watches, then queue a reconcile that looks at the
     * watches when it runs. Forced order: w1's unwatch removes the last watch; before it queues
     * its reconcile, w2 watches the same ref and queues its own; w1's is queued last. The peer
     * must still be watching for w2 (the last change), so w2 hears Terminated when the remote
     * actor stops. A command that carried the unwatching caller's intent (send UNWATCH) would run
     * last and leave w2 watching a ref the peer no longer reports on.
     */
    @Test
    @SuppressWarnings("unchecked")
    void unwatchQueuedAfterAWatchItPreceded_theLastRunSeesTheWatchHeld_watcherGetsTerminated() throws Exception {
        final LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
        try (ActorSystem a = ActorSystem.create("a"); ActorSystem b = ActorSystem.create("b");
             RemoteNode na = RemoteNode.start(a, settings()); RemoteNode nb = RemoteNode.start(b, settings())) {
            b.spawn(() -> new RemoteRaceTest.Recorder(new LinkedBlockingQueue<>()), "sink");
            final ActorRef<Object> w1 = a.spawn(() -> new RemoteRaceTest.Recorder(new LinkedBlockingQueue<>()), "w1");
            final ActorRef<Object> w2 = a.spawn(() -> new RemoteRaceTest.Recorder(events), "w2");
            final RemoteRef<Object> sink = (RemoteRef<Object>) na.<Object>resolve(nb.address() + "/user/sink");
            // a's node thread held: the commands below run, and the frames go, in the order they were queued
            final RemoteLifecycleTest.Hold hold = new RemoteLifecycleTest.Hold();
            na.agentTurnHook = hold;
            try {
                hold.awaitHeld();
                sink.watchedBy(w1); // the first watch of the ref: a reconcile is queued
                na.afterUnwatchChangeHook = () -> {
                    na.afterUnwatchChangeHook = null;
                    w2.tell(sink); // w2 watches (on its own thread) and queues its reconcile
                    try {
                        assertEquals("watching", events.poll(10, TimeUnit.SECONDS));
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                };
                sink.unwatchedBy(w1); // w1's watch goes; w2's comes; then w1's reconcile is queued, last
                sink.tell("stop"); // not yet associated: it waits, and goes after the WATCH/UNWATCH frames
            } finally {
                hold.release.countDown();
            }
            assertEquals(new Terminated(sink), events.poll(20, TimeUnit.SECONDS),
                    "the peer still watches the sink for w2: w2 hears that it stopped");
        }
    }
}
