package io.troupe.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aeron.Aeron;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.DeadLetter;
import io.troupe.actors.Signal;
import io.troupe.actors.Terminated;
import io.troupe.remote.internal.Handshake;
import io.troupe.remote.internal.Wire;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Races found in the concurrency review of the transport, each pinned by a deterministic
 * scenario: a sender paused (in its codec) across a peer's restart, use of a node after close,
 * and a watch of an earlier incarnation's ref while the current one is watched.
 */
@Timeout(90)
class RemoteRaceTest {
    static final String SECRET = "secret-cookie";

    /** A message whose encoding can be held on a latch: a sender paused mid-send. */
    static final class Slow {
        final String text;

        Slow(String text) {
            this.text = text;
        }
    }

    static volatile CountDownLatch encodeEntered;
    static volatile CountDownLatch encodeRelease;

    static Codecs codecs() {
        return Codecs.builder().register(100, Slow.class, new Codec<Slow>() {
            @Override
            public void encode(Slow value, MessageWriter out) {
                final CountDownLatch entered = encodeEntered;
                final CountDownLatch release = encodeRelease;
                if (entered != null && value.text.startsWith("slow")) {
                    entered.countDown();
                    try {
                        release.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                out.writeString(value.text);
            }

            @Override
            public Slow decode(MessageReader in) {
                return new Slow(in.readString());
            }
        }).build();
    }

    static RemoteSettings settings(int port) {
        // a lenient detector: a restart is noticed by the new incarnation's handshake, not by silence
        return RemoteSettings.udp(port).withSecret(SECRET).withCodecs(codecs())
                .withFailureDetector(Duration.ofMillis(100), 8.0, Duration.ofSeconds(60));
    }

    /** Records what it receives (a Slow by its text) and its signals; watches refs it is told about. */
    static final class Recorder extends Actor<Object> {
        private final LinkedBlockingQueue<Object> got;

        Recorder(LinkedBlockingQueue<Object> got) {
            this.got = got;
        }

        @Override
        protected void receive(Object m) {
            if (m instanceof ActorRef<?> ref) {
                context().watch(ref);
                got.add("watching");
            } else if ("stop".equals(m)) {
                context().stop(context().self());
            } else {
                got.add(m instanceof Slow s ? s.text : m);
            }
        }

        @Override
        protected void onSignal(Signal signal) {
            got.add(signal);
        }
    }

    /** Node b restarted on its port: the new incarnation, known to node a (a heard from it). */
    record Restarted(ActorSystem system, RemoteNode node, LinkedBlockingQueue<Object> sink) implements AutoCloseable {
        @Override
        public void close() {
            node.close();
            system.close();
        }
    }

    private static Restarted restart(ActorSystem b, RemoteNode nb, RemoteNode na, LinkedBlockingQueue<Object> gotA) throws Exception {
        final int port = nb.address().port();
        nb.close();
        b.close();
        final ActorSystem b2 = ActorSystem.create("b");
        final RemoteNode nb2 = RemoteNode.start(b2, settings(port));
        final LinkedBlockingQueue<Object> sink = new LinkedBlockingQueue<>();
        b2.spawn(() -> new Recorder(sink), "sink");
        nb2.resolve(na.address() + "/user/inbox").tell("hello from the new b");
        // heard only once a trusts the new incarnation (a frame from an untrusted uid is refused)
        assertEquals("hello from the new b", gotA.poll(30, TimeUnit.SECONDS));
        return new Restarted(b2, nb2, sink);
    }

    @Test
    void senderPausedAcrossAPeerRestart_itsMessageForTheOldIncarnationIsADeadLetter_notDeliveredToTheNewOne() throws Exception {
        final LinkedBlockingQueue<Object> gotA = new LinkedBlockingQueue<>();
        final LinkedBlockingQueue<DeadLetter> dead = new LinkedBlockingQueue<>();
        try (ActorSystem a = ActorSystem.create("a"); RemoteNode na = RemoteNode.start(a, settings(0))) {
            a.spawn(() -> new Recorder(gotA), "inbox");
            a.deadLetters().subscribe(d -> {
                if (d.message() instanceof Slow) {
                    dead.add(d);
                }
            });
            final ActorSystem b = ActorSystem.create("b");
            final RemoteNode nb = RemoteNode.start(b, settings(0));
            final LinkedBlockingQueue<Object> gotB = new LinkedBlockingQueue<>();
            b.spawn(() -> new Recorder(gotB), "sink");
            final ActorRef<Object> old = na.resolve(nb.address() + "/user/sink");
            old.tell("warm");
            assertEquals("warm", gotB.poll(20, TimeUnit.SECONDS)); // established with the first incarnation

            encodeEntered = new CountDownLatch(1);
            encodeRelease = new CountDownLatch(1);
            final Thread sender = new Thread(() -> old.tell(new Slow("slow-for-the-old-incarnation")), "paused-sender");
            sender.start();
            try {
                assertTrue(encodeEntered.await(10, TimeUnit.SECONDS), "the sender is inside tell, past the incarnation check");
                try (Restarted b2 = restart(b, nb, na, gotA)) {
                    encodeRelease.countDown();
                    sender.join(10_000);
                    final DeadLetter letter = dead.poll(10, TimeUnit.SECONDS);
                    assertNotNull(letter, "the message for the old incarnation is a dead letter");
                    assertEquals(DeadLetter.Reason.REMOTE_UNREACHABLE, letter.reason());
                    na.resolve(b2.node().address() + "/user/sink").tell("marker");
                    assertEquals("marker", b2.sink().poll(20, TimeUnit.SECONDS), "the new incarnation got nothing meant for the old one");
                }
            } finally {
                encodeEntered = null;
                encodeRelease.countDown();
            }
        }
    }

    @Test
    void watchOfAnOldIncarnationsRef_whileTheNewOnesIsWatched_terminatedAtOnce() throws Exception {
        final LinkedBlockingQueue<Object> gotA = new LinkedBlockingQueue<>();
        try (ActorSystem a = ActorSystem.create("a"); RemoteNode na = RemoteNode.start(a, settings(0))) {
            a.spawn(() -> new Recorder(gotA), "inbox");
            final ActorSystem b = ActorSystem.create("b");
            final RemoteNode nb = RemoteNode.start(b, settings(0));
            final LinkedBlockingQueue<Object> gotB = new LinkedBlockingQueue<>();
            b.spawn(() -> new Recorder(gotB), "sink");
            final ActorRef<Object> old = na.resolve(nb.address() + "/user/sink");
            old.tell("warm");
            assertEquals("warm", gotB.poll(20, TimeUnit.SECONDS));
            try (Restarted b2 = restart(b, nb, na, gotA)) {
                final ActorRef<Object> current = na.resolve(b2.node().address() + "/user/sink");
                final LinkedBlockingQueue<Object> w1 = new LinkedBlockingQueue<>();
                final LinkedBlockingQueue<Object> w2 = new LinkedBlockingQueue<>();
                a.spawn(() -> new Recorder(w1), "w1").tell(current);
                assertEquals("watching", w1.poll(10, TimeUnit.SECONDS));
                a.spawn(() -> new Recorder(w2), "w2").tell(old);
                assertEquals("watching", w2.poll(10, TimeUnit.SECONDS));
                assertEquals(new Terminated(old), w2.poll(10, TimeUnit.SECONDS), "the old incarnation's actor is gone");
                current.tell("stop");
                assertEquals(new Terminated(current), w1.poll(20, TimeUnit.SECONDS), "the current one's watch still works");
            }
        }
    }

    @Test
    void askSendAndWatchAfterClose_completeInsteadOfHanging() throws Exception {
        try (ActorSystem a = ActorSystem.create("a")) {
            final RemoteNode na = RemoteNode.start(a, settings(0));
            final ActorRef<Object> far = na.resolve("troupe://b@127.0.0.1:9/user/x"); // never associated
            na.close();
            final CompletableFuture<Object> asked = far.ask(r -> "question", Duration.ofMillis(200)).toCompletableFuture();
            final ExecutionException e1 = assertThrows(ExecutionException.class, () -> asked.get(10, TimeUnit.SECONDS));
            assertInstanceOf(Exception.class, e1.getCause());
            final CompletableFuture<Void> sent = far.send("m").toCompletableFuture();
            final ExecutionException e2 = assertThrows(ExecutionException.class, () -> sent.get(10, TimeUnit.SECONDS));
            assertInstanceOf(RemoteDeliveryException.class, e2.getCause());
            final LinkedBlockingQueue<Object> w = new LinkedBlockingQueue<>();
            a.spawn(() -> new Recorder(w), "w").tell(far);
            assertEquals("watching", w.poll(10, TimeUnit.SECONDS));
            assertEquals(new Terminated(far), w.poll(10, TimeUnit.SECONDS), "a watch through a closed node: Terminated");
        }
    }

    /** A hand-driven peer: its own driver, a subscription on a port of its own, a publication to one node. */
    static final class FakePeer implements AutoCloseable {
        final long uid = 0x5EED_0000_0000_0001L;
        final MediaDriver driver;
        final Aeron aeron;
        final Subscription sub;
        final Publication pub;
        final String address;
        final LinkedBlockingQueue<byte[]> frames = new LinkedBlockingQueue<>();

        FakePeer(RemoteNode target) {
            final String dir = "/dev/shm/troupe-fake-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
            driver = MediaDriver.launchEmbedded(new MediaDriver.Context().aeronDirectoryName(dir).threadingMode(ThreadingMode.SHARED)
                    .dirDeleteOnShutdown(true).dirDeleteOnStart(true));
            aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(dir));
            sub = aeron.addSubscription("aeron:udp?endpoint=127.0.0.1:0", RemoteNode.UDP_STREAM);
            assertTrue(Await.until(() -> sub.tryResolveChannelEndpointPort() != null, Duration.ofSeconds(10)));
            final String endpoint = io.aeron.ChannelUri.parse(sub.tryResolveChannelEndpointPort()).get("endpoint");
            address = "troupe://f@127.0.0.1:" + endpoint.substring(endpoint.lastIndexOf(':') + 1);
            pub = aeron.addPublication("aeron:udp?endpoint=127.0.0.1:" + target.address().port(), RemoteNode.UDP_STREAM);
            assertTrue(Await.until(pub::isConnected, Duration.ofSeconds(10)), "connected");
        }

        void send(ExpandableArrayBuffer b, int length) {
            final long deadline = System.nanoTime() + 10_000_000_000L;
            while (pub.offer(b, 0, length) < 0) {
                assertTrue(System.nanoTime() - deadline < 0, "offered");
                Thread.onSpinWait();
            }
        }

        /** The next frame of {@code type} this peer receives, within 10 s. */
        byte[] next(byte type) {
            final long deadline = System.nanoTime() + 10_000_000_000L;
            while (System.nanoTime() - deadline < 0) {
                sub.poll((buf, offset, length, header) -> {
                    final byte[] f = new byte[length];
                    buf.getBytes(offset, f);
                    frames.add(f);
                }, 16);
                for (byte[] f : frames) {
                    if (f[4] == type) {
                        frames.remove(f);
                        return f;
                    }
                }
                Thread.onSpinWait();
            }
            throw new AssertionError("no frame of type " + type);
        }

        @Override
        public void close() {
            pub.close();
            sub.close();
            aeron.close();
            driver.close();
        }
    }

    @Test
    void helloRetriedBeforeTheAckArrived_theAuthForTheFirstAckIsAccepted() throws Exception {
        final byte[] secret = settings(0).secret();
        try (ActorSystem b = ActorSystem.create("b"); RemoteNode nb = RemoteNode.start(b, settings(0)); FakePeer fake = new FakePeer(nb)) {
            final byte[] nonce = Handshake.newNonce();
            final ExpandableArrayBuffer out = new ExpandableArrayBuffer(256);
            int o = Wire.header(out, 0, Wire.HELLO, (byte) 0, fake.uid, 0);
            out.putBytes(o, nonce);
            o = Wire.putString(out, o + Wire.NONCE, fake.address);
            o = Wire.putString(out, o, "b");
            fake.send(out, o);
            final byte[] firstAck = fake.next(Wire.HELLO_ACK);
            fake.send(out, o); // the retry of a HELLO whose answer was slow
            fake.next(Wire.HELLO_ACK);
            final long bUid = new UnsafeBuffer(firstAck).getLong(8);
            final byte[] ackNonce = Arrays.copyOfRange(firstAck, Wire.HEADER, Wire.HEADER + Wire.NONCE);
            o = Wire.header(out, 0, Wire.AUTH, (byte) 0, fake.uid, bUid);
            out.putBytes(o, Handshake.mac(secret, Handshake.ROLE_AUTH, ackNonce, fake.uid, bUid));
            fake.send(out, o + Wire.MAC); // the initiator is established once this is sent: so must the responder be
            assertTrue(Await.until(() -> nb.connectedNodes().contains(NodeAddress.parse(fake.address)), Duration.ofSeconds(10)),
                    "the AUTH answering the first HELLO_ACK is accepted (refused frames: " + nb.refusedFrames() + ")");
        }
    }

    @Test
    void aHelloAckThatProvesNothing_isNotAnsweredWithAValidAuth() throws Exception {
        final byte[] secret = settings(0).secret();
        try (ActorSystem a = ActorSystem.create("a"); RemoteNode na = RemoteNode.start(a, settings(0)); FakePeer fake = new FakePeer(na)) {
            na.resolve(fake.address + "/user/x").tell("knock"); // a handshake with the fake's address is under way
            fake.next(Wire.HELLO);
            // a HELLO_ACK with a nonce of the fake's choosing and no valid MAC, as from a uid of its choosing
            final long chosenUid = 0x0BAD_0000_0000_0007L;
            final byte[] chosenNonce = Handshake.newNonce();
            final ExpandableArrayBuffer out = new ExpandableArrayBuffer(256);
            int o = Wire.header(out, 0, Wire.HELLO_ACK, (byte) 0, chosenUid, na.uid);
            out.putBytes(o, chosenNonce);
            out.setMemory(o + Wire.NONCE, Wire.MAC, (byte) 0);
            o = Wire.putString(out, o + Wire.NONCE + Wire.MAC, fake.address);
            fake.send(out, o);
            final byte[] auth = fake.next(Wire.AUTH);
            final byte[] mac = Arrays.copyOfRange(auth, Wire.HEADER, Wire.HEADER + Wire.MAC);
            assertTrue(!Arrays.equals(Handshake.mac(secret, Handshake.ROLE_AUTH, chosenNonce, na.uid, chosenUid), mac),
                    "the node must not MAC a nonce chosen by a peer that proved nothing (a signing oracle)");
        }
    }

    @Test
    void watchThroughAHandshakeThatNeverCompletes_terminatedWhenItTimesOut() throws Exception {
        try (ActorSystem a = ActorSystem.create("a");
             RemoteNode na = RemoteNode.start(a, settings(0).withHandshakeTimeout(Duration.ofMillis(500)))) {
            final ActorRef<Object> nobody = na.resolve("troupe://b@127.0.0.1:9/user/x"); // nothing listens there
            final LinkedBlockingQueue<Object> w = new LinkedBlockingQueue<>();
            a.spawn(() -> new Recorder(w), "w").tell(nobody);
            assertEquals("watching", w.poll(10, TimeUnit.SECONDS));
            assertEquals(new Terminated(nobody), w.poll(10, TimeUnit.SECONDS), "the node is unreachable: Terminated");
        }
    }
}
