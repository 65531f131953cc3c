package io.troupe.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.ActorTerminatedException;
import io.troupe.actors.DeadLetter;
import java.lang.invoke.MethodHandles;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** ask across nodes, and refs inside messages (actors, adapters, a third node's actors). */
@Timeout(90)
class RemoteAskTest {
    static final String SECRET = "secret-cookie";

    record Ping(int n, ActorRef<Pong> replyTo) {}

    record Pong(int n) {}

    record Introduce(ActorRef<String> friend) {}

    record Hold(ActorRef<Pong> replyTo) {}

    static Codecs codecs() {
        final MethodHandles.Lookup lookup = MethodHandles.lookup();
        return Codecs.builder()
                .registerRecord(1, Ping.class, lookup)
                .registerRecord(2, Pong.class, lookup)
                .registerRecord(3, Introduce.class, lookup)
                .registerRecord(4, Hold.class, lookup)
                .build();
    }

    static RemoteSettings settings() {
        return RemoteSettings.udp(0).withSecret(SECRET).withCodecs(codecs());
    }

    /** Answers Ping with Pong; greets whoever it is introduced to; keeps Hold's ref to answer later. */
    static final class Responder extends Actor<Object> {
        private final LinkedBlockingQueue<ActorRef<Pong>> held;

        Responder(LinkedBlockingQueue<ActorRef<Pong>> held) {
            this.held = held;
        }

        @Override
        protected void receive(Object m) {
            if (m instanceof Ping p) {
                p.replyTo().tell(new Pong(p.n()));
            } else if (m instanceof Introduce i) {
                i.friend().tell("hello from " + context().self().path());
            } else if (m instanceof Hold h) {
                held.add(h.replyTo());
            }
        }
    }

    static final class Sink extends Actor<String> {
        private final LinkedBlockingQueue<String> got;

        Sink(LinkedBlockingQueue<String> got) {
            this.got = got;
        }

        @Override
        protected void receive(String m) {
            got.add(m);
        }
    }

    @Test
    void ask_replyComesBackOverTheWire_manyInFlight() throws Exception {
        try (ActorSystem a = ActorSystem.create("a"); ActorSystem b = ActorSystem.create("b");
             RemoteNode na = RemoteNode.start(a, settings()); RemoteNode nb = RemoteNode.start(b, settings())) {
            a.spawn(() -> new Responder(new LinkedBlockingQueue<>()), "responder");
            final ActorRef<Object> responder = nb.resolve(na.address() + "/user/responder");
            for (int round = 0; round < 3; round++) {
                final java.util.List<java.util.concurrent.CompletableFuture<Pong>> asks = new java.util.ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    final int n = i;
                    asks.add(responder.<Pong>ask(replyTo -> new Ping(n, replyTo), Duration.ofSeconds(20)).toCompletableFuture());
                }
                for (int i = 0; i < 200; i++) {
                    assertEquals(new Pong(i), asks.get(i).get(30, TimeUnit.SECONDS));
                }
            }
        }
    }

    @Test
    void ask_timesOut_thenTheLateReplyIsADeadLetter() throws Exception {
        final LinkedBlockingQueue<ActorRef<Pong>> held = new LinkedBlockingQueue<>();
        final LinkedBlockingQueue<DeadLetter> dead = new LinkedBlockingQueue<>();
        try (ActorSystem a = ActorSystem.create("a"); ActorSystem b = ActorSystem.create("b");
             RemoteNode na = RemoteNode.start(a, settings()); RemoteNode nb = RemoteNode.start(b, settings())) {
            a.spawn(() -> new Responder(held), "responder");
            b.deadLetters().subscribe(dead::add);
            final ActorRef<Object> responder = nb.resolve(na.address() + "/user/responder");
            final var stage = responder.<Pong>ask(Hold::new, Duration.ofMillis(300)).toCompletableFuture();
            final ExecutionException e = assertThrows(ExecutionException.class, () -> stage.get(20, TimeUnit.SECONDS));
            assertInstanceOf(TimeoutException.class, e.getCause());
            final ActorRef<Pong> late = held.poll(20, TimeUnit.SECONDS);
            late.tell(new Pong(99));
            final DeadLetter d = dead.poll(20, TimeUnit.SECONDS);
            assertEquals(new Pong(99), d.message());
            assertEquals(DeadLetter.Reason.ASK_TIMED_OUT, d.reason());
        }
    }

    @Test
    void ask_nodeDeclaredDown_failsTheStage() throws Exception {
        final LinkedBlockingQueue<ActorRef<Pong>> held = new LinkedBlockingQueue<>();
        final RemoteSettings fast = settings().withFailureDetector(Duration.ofMillis(50), 8.0, Duration.ofMillis(300));
        try (ActorSystem b = ActorSystem.create("b"); RemoteNode nb = RemoteNode.start(b, fast)) {
            final java.util.concurrent.CompletableFuture<Pong> stage;
            try (ActorSystem a = ActorSystem.create("a"); RemoteNode na = RemoteNode.start(a, fast)) {
                a.spawn(() -> new Responder(held), "responder");
                final ActorRef<Object> responder = nb.resolve(na.address() + "/user/responder");
                stage = responder.<Pong>ask(Hold::new, Duration.ofSeconds(60)).toCompletableFuture();
                held.poll(20, TimeUnit.SECONDS); // it arrived; a goes away without answering
            }
            final ExecutionException e = assertThrows(ExecutionException.class, () -> stage.get(20, TimeUnit.SECONDS));
            assertInstanceOf(ActorTerminatedException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("down"), e.getCause().getMessage());
        }
    }

    @Test
    void refsInMessages_actorsAdaptersAndAThirdNodesActors_stayUsable() throws Exception {
        final LinkedBlockingQueue<String> atB = new LinkedBlockingQueue<>();
        final LinkedBlockingQueue<String> atC = new LinkedBlockingQueue<>();
        try (ActorSystem a = ActorSystem.create("a"); ActorSystem b = ActorSystem.create("b"); ActorSystem c = ActorSystem.create("c");
             RemoteNode na = RemoteNode.start(a, settings()); RemoteNode nb = RemoteNode.start(b, settings());
             RemoteNode nc = RemoteNode.start(c, settings())) {
            a.spawn(() -> new Responder(new LinkedBlockingQueue<>()), "responder");
            final ActorRef<String> sinkB = b.spawn(() -> new Sink(atB), "sink");
            c.spawn(() -> new Sink(atC), "sink");
            final ActorRef<Object> responderFromB = nb.resolve(na.address() + "/user/responder");
            // a local actor of b travels to a, which answers it directly
            responderFromB.tell(new Introduce(sinkB));
            assertEquals("hello from /user/responder", atB.poll(20, TimeUnit.SECONDS));
            // a ref to c's actor travels from b to a: a reaches c directly
            final ActorRef<String> sinkCFromB = nb.resolve(nc.address() + "/user/sink");
            responderFromB.tell(new Introduce(sinkCFromB));
            assertEquals("hello from /user/responder", atC.poll(20, TimeUnit.SECONDS));
            assertTrue(Await.until(() -> na.connectedNodes().contains(nc.address()), Duration.ofSeconds(10)), "a associated with c itself");
            // a message adapter (not a spawned actor) travels under /temp and stays usable
            final LinkedBlockingQueue<String> adapted = new LinkedBlockingQueue<>();
            b.spawn(() -> new Actor<String>() {
                @Override
                protected void preStart() {
                    final ActorRef<String> adapter = context().messageAdapter(String.class, s -> "adapted: " + s);
                    responderFromB.tell(new Introduce(adapter));
                }

                @Override
                protected void receive(String m) {
                    adapted.add(m);
                }
            }, "adapting");
            assertEquals("adapted: hello from /user/responder", adapted.poll(20, TimeUnit.SECONDS));
            // an anonymous actor (no path to resolve by name) travels under /temp as well
            final LinkedBlockingQueue<String> atAnonymous = new LinkedBlockingQueue<>();
            final ActorRef<String> anonymous = b.spawnAnonymous(() -> new Sink(atAnonymous));
            responderFromB.tell(new Introduce(anonymous));
            assertEquals("hello from /user/responder", atAnonymous.poll(20, TimeUnit.SECONDS));
            assertTrue(nb.uriOf(anonymous).path().startsWith("/temp/$ref-"), nb.uriOf(anonymous).toString());
            // a ref that names the receiving node itself resolves to the local actor, not a remote ref
            assertEquals(sinkB, nb.resolve(nb.address() + "/user/sink"));
        }
    }
}
