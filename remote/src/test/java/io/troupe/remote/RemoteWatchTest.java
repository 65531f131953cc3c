package io.troupe.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.Signal;
import io.troupe.actors.Terminated;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class RemoteWatchTest {
    static final String SECRET = "secret-cookie";

    /** Watches the ref it is told about; reports what it hears. */
    static final class Watcher extends Actor<Object> {
        private final LinkedBlockingQueue<Object> events;

        Watcher(LinkedBlockingQueue<Object> events) {
            this.events = events;
        }

        @Override
        protected void receive(Object m) {
            if (m instanceof ActorRef<?> ref) {
                context().watch(ref);
                events.add("watching");
            }
        }

        @Override
        protected void onSignal(Signal signal) {
            events.add(signal);
        }
    }

    static final class Sink extends Actor<String> {
        @Override
        protected void receive(String m) {
            if (m.equals("stop")) {
                context().stop(context().self());
            }
        }
    }

    @Test
    void remoteActorStops_watcherGetsTerminatedForTheRefItWatched() throws Exception {
        final LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
        try (ActorSystem a = ActorSystem.create("a"); ActorSystem b = ActorSystem.create("b");
             RemoteNode na = RemoteNode.start(a, RemoteSettings.udp(0).withSecret(SECRET));
             RemoteNode nb = RemoteNode.start(b, RemoteSettings.udp(0).withSecret(SECRET))) {
            a.spawn(Sink::new, "sink");
            final ActorRef<String> sink = nb.resolve(na.address() + "/user/sink");
            final ActorRef<Object> watcher = b.spawn(() -> new Watcher(events), "watcher");
            watcher.tell(sink);
            assertEquals("watching", events.poll(10, TimeUnit.SECONDS));
            sink.tell("stop");
            final Object signal = events.poll(20, TimeUnit.SECONDS);
            assertEquals(new Terminated(sink), signal);
            assertNull(events.poll(300, TimeUnit.MILLISECONDS), "Terminated exactly once");
        }
    }

    @Test
    void watchingAPathWithNoActor_terminatedAtOnce() throws Exception {
        final LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
        try (ActorSystem a = ActorSystem.create("a"); ActorSystem b = ActorSystem.create("b");
             RemoteNode na = RemoteNode.start(a, RemoteSettings.udp(0).withSecret(SECRET));
             RemoteNode nb = RemoteNode.start(b, RemoteSettings.udp(0).withSecret(SECRET))) {
            final ActorRef<String> nobody = nb.resolve(na.address() + "/user/nobody");
            final ActorRef<Object> watcher = b.spawn(() -> new Watcher(events), "watcher");
            watcher.tell(nobody);
            assertEquals("watching", events.poll(10, TimeUnit.SECONDS));
            assertEquals(new Terminated(nobody), events.poll(20, TimeUnit.SECONDS));
        }
    }

    @Test
    void nodeGoesAway_terminatedWithinTheDetectorsBound() throws Exception {
        final LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
        final RemoteSettings fast = RemoteSettings.udp(0).withSecret(SECRET)
                .withFailureDetector(Duration.ofMillis(50), 8.0, Duration.ofMillis(300));
        try (ActorSystem b = ActorSystem.create("b"); RemoteNode nb = RemoteNode.start(b, fast)) {
            final ActorRef<String> sink;
            final long closedAt;
            try (ActorSystem a = ActorSystem.create("a"); RemoteNode na = RemoteNode.start(a, fast)) {
                a.spawn(Sink::new, "sink");
                sink = nb.resolve(na.address() + "/user/sink");
                final ActorRef<Object> watcher = b.spawn(() -> new Watcher(events), "watcher");
                watcher.tell(sink);
                assertEquals("watching", events.poll(10, TimeUnit.SECONDS));
                sink.tell("hello"); // the handshake runs; the watch is registered on the other side
                assertTrue(awaitEstablished(nb), "handshake");
                closedAt = System.nanoTime();
            }
            final Object signal = events.poll(20, TimeUnit.SECONDS);
            assertNotNull(signal, "no Terminated after the node went away");
            assertEquals(new Terminated(sink), signal);
            final long tookMs = (System.nanoTime() - closedAt) / 1_000_000;
            assertTrue(tookMs < 10_000, "took " + tookMs + " ms");
        }
    }

    private static boolean awaitEstablished(RemoteNode node) throws InterruptedException {
        return Await.until(() -> !node.connectedNodes().isEmpty(), Duration.ofSeconds(10));
    }
}
