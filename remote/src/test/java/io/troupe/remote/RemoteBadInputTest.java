package io.troupe.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aeron.Aeron;
import io.aeron.Publication;
import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.DeadLetter;
import io.troupe.remote.internal.Wire;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class RemoteBadInputTest {
    static final String SECRET = "secret-cookie";
    private final List<String> log = new CopyOnWriteArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord r) {
            log.add(r.getLevel() + " " + r.getMessage());
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    @BeforeEach
    void capture() {
        Logger.getLogger(RemoteNode.class.getName()).addHandler(handler);
    }

    @AfterEach
    void release() {
        Logger.getLogger(RemoteNode.class.getName()).removeHandler(handler);
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

    private boolean logged(String part) {
        return Await.until(() -> log.stream().anyMatch(l -> l.contains(part)), Duration.ofSeconds(10));
    }

    @Test
    void wrongSecret_refusedAndLogged_nodeKeepsServingOthers() throws Exception {
        final LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
        final LinkedBlockingQueue<DeadLetter> dead = new LinkedBlockingQueue<>();
        try (ActorSystem a = ActorSystem.create("a"); ActorSystem b = ActorSystem.create("b"); ActorSystem c = ActorSystem.create("c");
             RemoteNode na = RemoteNode.start(a, RemoteSettings.udp(0).withSecret(SECRET));
             RemoteNode nb = RemoteNode.start(b, RemoteSettings.udp(0).withSecret(SECRET));
             RemoteNode nc = RemoteNode.start(c, RemoteSettings.udp(0).withSecret("not-the-secret")
                     .withHandshakeTimeout(Duration.ofMillis(1500)))) {
            a.spawn(() -> new Sink(got), "sink");
            c.deadLetters().subscribe(dead::add);
            final ActorRef<String> fromC = nc.resolve(na.address() + "/user/sink");
            fromC.tell("from a stranger");
            final DeadLetter letter = dead.poll(20, TimeUnit.SECONDS);
            assertEquals("from a stranger", letter.message());
            assertEquals(DeadLetter.Reason.REMOTE_UNREACHABLE, letter.reason());
            assertTrue(logged("does not prove the shared secret"), "refusal logged: " + log);
            assertTrue(na.refusedFrames() > 0);
            assertTrue(na.connectedNodes().isEmpty() && nc.connectedNodes().isEmpty(), "nobody associated with the stranger");

            nb.<String>resolve(na.address() + "/user/sink").tell("from a friend");
            assertEquals("from a friend", got.poll(20, TimeUnit.SECONDS));
            assertEquals(List.of(), List.copyOf(got), "nothing from the stranger arrived");
        }
    }

    @Test
    void garbageOnThePort_andGarbageFrames_refused_nodeKeepsServing() throws Exception {
        final LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
        try (ActorSystem a = ActorSystem.create("a"); ActorSystem b = ActorSystem.create("b");
             RemoteNode na = RemoteNode.start(a, RemoteSettings.udp(0).withSecret(SECRET));
             RemoteNode nb = RemoteNode.start(b, RemoteSettings.udp(0).withSecret(SECRET))) {
            a.spawn(() -> new Sink(got), "sink");
            final Random random = new Random(42);
            // raw UDP garbage: Aeron's driver discards what is not an Aeron frame
            try (DatagramSocket socket = new DatagramSocket()) {
                for (int i = 0; i < 200; i++) {
                    final byte[] junk = new byte[1 + random.nextInt(1400)];
                    random.nextBytes(junk);
                    socket.send(new DatagramPacket(junk, junk.length, InetAddress.getLoopbackAddress(), na.address().port()));
                }
            }
            // well-formed Aeron messages that are not Troupe frames, or frames from nobody we know
            final String dir = "/dev/shm/troupe-garbage-" + ProcessHandle.current().pid();
            try (io.aeron.driver.MediaDriver driver = io.aeron.driver.MediaDriver.launchEmbedded(new io.aeron.driver.MediaDriver.Context()
                    .aeronDirectoryName(dir).threadingMode(io.aeron.driver.ThreadingMode.SHARED).dirDeleteOnShutdown(true).dirDeleteOnStart(true));
                 Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(dir));
                 Publication p = aeron.addPublication("aeron:udp?endpoint=127.0.0.1:" + na.address().port(), RemoteNode.UDP_STREAM)) {
                assertTrue(Await.until(p::isConnected, Duration.ofSeconds(10)), "connected");
                final long before = na.refusedFrames();
                int sent = 0;
                for (int i = 0; i < 300; i++) {
                    final byte[] junk = new byte[1 + random.nextInt(600)];
                    random.nextBytes(junk);
                    if (i % 3 == 1 && junk.length >= Wire.HEADER) {
                        new UnsafeBuffer(junk).putInt(0, Wire.MAGIC); // a header, then garbage: a stranger's frame
                        junk[4] = (byte) (4 + random.nextInt(6));
                    }
                    if (i % 3 == 2 && junk.length >= Wire.HEADER) {
                        new UnsafeBuffer(junk).putInt(0, Wire.MAGIC);
                        junk[4] = (byte) (1 + random.nextInt(3)); // a garbled handshake
                    }
                    while (p.offer(new UnsafeBuffer(junk)) < 0) {
                        Thread.onSpinWait();
                    }
                    sent++;
                }
                final int expected = sent;
                assertTrue(Await.until(() -> na.refusedFrames() - before >= expected, Duration.ofSeconds(10)),
                        "refused " + (na.refusedFrames() - before) + " of " + expected);
            }
            assertTrue(logged("refused"), "logged");
            nb.<String>resolve(na.address() + "/user/sink").tell("still here");
            assertEquals("still here", got.poll(20, TimeUnit.SECONDS));
            assertTrue(na.connectedNodes().equals(java.util.Set.of(nb.address())), "only b is associated: " + na.connectedNodes());
        }
    }

    @Test
    void classUnregisteredAtTheReceiver_andAnOversizedFrame_refusedWithALogLine_nodeKeepsServing() throws Exception {
        final LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
        final LinkedBlockingQueue<Object> gotObjects = new LinkedBlockingQueue<>();
        try (ActorSystem a = ActorSystem.create("a"); ActorSystem b = ActorSystem.create("b");
             RemoteNode na = RemoteNode.start(a, RemoteSettings.udp(0).withSecret(SECRET).withMaxMessageSize(1024));
             RemoteNode nb = RemoteNode.start(b, RemoteSettings.udp(0).withSecret(SECRET).withCodecs(RemoteAskTest.codecs()))) {
            a.spawn(() -> new Actor<Object>() {
                @Override
                protected void receive(Object m) {
                    if (m instanceof String s) {
                        got.add(s);
                    } else {
                        gotObjects.add(m);
                    }
                }
            }, "sink");
            final ActorRef<Object> sink = nb.resolve(na.address() + "/user/sink");
            sink.tell("first");
            assertEquals("first", got.poll(20, TimeUnit.SECONDS));
            final long before = na.refusedFrames();
            sink.tell(new RemoteAskTest.Pong(1)); // b knows Pong (id 2), a does not
            sink.tell("x".repeat(4000)); // b may send it (1 MiB), a accepts at most 1 KiB
            sink.tell("after");
            assertEquals("after", got.poll(20, TimeUnit.SECONDS), "the node keeps serving; nothing else came through");
            assertTrue(Await.until(() -> na.refusedFrames() - before >= 2, Duration.ofSeconds(10)), "both refused");
            assertTrue(logged("cannot decode"), "the unregistered id is logged: " + log);
            assertTrue(log.stream().anyMatch(l -> l.contains("above the maximum")), "the oversized frame is logged: " + log);
            assertEquals(List.of(), List.copyOf(gotObjects), "nothing undecodable delivered");
        }
    }

    @Test
    void unencodableMessage_deadLetterAtTheSender_sendFails() throws Exception {
        final LinkedBlockingQueue<DeadLetter> dead = new LinkedBlockingQueue<>();
        try (ActorSystem a = ActorSystem.create("a"); ActorSystem b = ActorSystem.create("b");
             RemoteNode na = RemoteNode.start(a, RemoteSettings.udp(0).withSecret(SECRET));
             RemoteNode nb = RemoteNode.start(b, RemoteSettings.udp(0).withSecret(SECRET).withMaxMessageSize(1024))) {
            b.deadLetters().subscribe(dead::add);
            final ActorRef<Object> sink = nb.resolve(na.address() + "/user/sink");
            final Object unregistered = new java.util.concurrent.atomic.AtomicInteger(7);
            sink.tell(unregistered);
            final DeadLetter letter = dead.poll(10, TimeUnit.SECONDS);
            assertEquals(DeadLetter.Reason.REMOTE_NOT_ENCODABLE, letter.reason());
            assertTrue(log.stream().anyMatch(l -> l.contains("AtomicInteger")), "the log names the class: " + log);
            final CompletionException e = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class,
                    () -> sink.send("x".repeat(4096)).toCompletableFuture().join());
            assertInstanceOf(RemoteDeliveryException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("1024"), e.getCause().getMessage());
        }
    }
}
