package io.troupe.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.DeadLetter;
import io.troupe.actors.SpawnOptions;
import io.troupe.mailbox.OverflowPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** tell, offer and send across nodes against a full mailbox on the other side. */
@Timeout(60)
class RemoteVerbsTest {
    static final String SECRET = "secret-cookie";

    /** Blocks in its first message until released, then records what it handles. */
    static final class Gate extends Actor<String> {
        private final CountDownLatch entered;
        private final CountDownLatch release;
        private final LinkedBlockingQueue<String> got;

        Gate(CountDownLatch entered, CountDownLatch release, LinkedBlockingQueue<String> got) {
            this.entered = entered;
            this.release = release;
            this.got = got;
        }

        @Override
        protected void receive(String m) {
            if (m.equals("block")) {
                entered.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return;
            }
            got.add(m);
        }
    }

    @Test
    void send_toAFullRemoteMailbox_waitsAndLosesNothing_inOrder() throws Exception {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
        try (ActorSystem a = ActorSystem.create("a"); ActorSystem b = ActorSystem.create("b");
             RemoteNode na = RemoteNode.start(a, RemoteSettings.udp(0).withSecret(SECRET));
             RemoteNode nb = RemoteNode.start(b, RemoteSettings.udp(0).withSecret(SECRET))) {
            a.spawn(() -> new Gate(entered, release, got), SpawnOptions.named("gate").withMailbox(4, OverflowPolicy.DEAD_LETTER));
            final ActorRef<String> gate = nb.resolve(na.address() + "/user/gate");
            gate.send("block");
            assertTrue(entered.await(20, TimeUnit.SECONDS));
            final List<CompletableFuture<Void>> sends = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                sends.add(gate.send("m" + i).toCompletableFuture());
            }
            // the gate holds 4; the rest wait in b's node or in Aeron, none dropped
            release.countDown();
            for (int i = 0; i < 100; i++) {
                assertEquals("m" + i, got.poll(20, TimeUnit.SECONDS));
            }
            CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
            assertEquals(0, a.deadLetters().count(), "no dead letter on the receiving side");
        }
    }

    @Test
    void tell_toAFullRemoteMailbox_followsTheReceiversPolicy_deadLettersThere() throws Exception {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
        final LinkedBlockingQueue<DeadLetter> dead = new LinkedBlockingQueue<>();
        try (ActorSystem a = ActorSystem.create("a"); ActorSystem b = ActorSystem.create("b");
             RemoteNode na = RemoteNode.start(a, RemoteSettings.udp(0).withSecret(SECRET));
             RemoteNode nb = RemoteNode.start(b, RemoteSettings.udp(0).withSecret(SECRET))) {
            a.spawn(() -> new Gate(entered, release, got), SpawnOptions.named("gate").withMailbox(4, OverflowPolicy.DEAD_LETTER));
            a.deadLetters().subscribe(dead::add);
            final ActorRef<String> gate = nb.resolve(na.address() + "/user/gate");
            gate.tell("block");
            assertTrue(entered.await(20, TimeUnit.SECONDS));
            for (int i = 0; i < 10; i++) {
                gate.tell("m" + i);
            }
            final List<Object> dropped = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                final DeadLetter d = dead.poll(20, TimeUnit.SECONDS);
                assertNotNull(d, "dead letter " + i);
                assertEquals(DeadLetter.Reason.MAILBOX_FULL, d.reason());
                dropped.add(d.message());
            }
            assertEquals(List.of("m4", "m5", "m6", "m7", "m8", "m9"), dropped, "the receiver's policy: the newest dropped");
            release.countDown();
            for (int i = 0; i < 4; i++) {
                assertEquals("m" + i, got.poll(20, TimeUnit.SECONDS));
            }
        }
    }

    @Test
    void offer_beforeTheHandshake_isFalse_thenTrue() throws Exception {
        final LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
        try (ActorSystem a = ActorSystem.create("a"); ActorSystem b = ActorSystem.create("b");
             RemoteNode na = RemoteNode.start(a, RemoteSettings.udp(0).withSecret(SECRET));
             RemoteNode nb = RemoteNode.start(b, RemoteSettings.udp(0).withSecret(SECRET))) {
            a.spawn(() -> new Gate(new CountDownLatch(1), new CountDownLatch(0), got), "sink");
            final ActorRef<String> sink = nb.resolve(na.address() + "/user/sink");
            assertFalse(sink.offer("too early"), "no association yet: nothing enqueued (the handshake starts)");
            assertTrue(Await.until(() -> !nb.connectedNodes().isEmpty(), Duration.ofSeconds(10)));
            assertTrue(sink.offer("now"));
            assertEquals("now", got.poll(20, TimeUnit.SECONDS));
        }
    }
}
