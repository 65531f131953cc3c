package io.troupe.site.snippets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.DeadLetter;
import io.troupe.actors.Signal;
import io.troupe.actors.Terminated;
import io.troupe.remote.ActorUri;
import io.troupe.remote.Codecs;
import io.troupe.remote.NodeAddress;
import io.troupe.remote.RemoteDeliveryException;
import io.troupe.remote.RemoteNode;
import io.troupe.remote.RemoteRef;
import io.troupe.remote.RemoteSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The code of guides/remote.md, run: two nodes in one JVM over Aeron UDP on loopback (and two over
 * IPC through one external media driver). Needs {@code --add-exports
 * java.base/jdk.internal.misc=ALL-UNNAMED} (site/pom.xml's surefire argLine).
 */
@Timeout(120)
class RemoteGuideTest {
    private static final String SECRET = "guide-secret-42";
    private static final Duration TEN_SECONDS = Duration.ofSeconds(10);

    // region protocol
    /** A request: a number, and the ref to answer (a ref travels inside the message). */
    record Ping(int n, ActorRef<Pong> replyTo) {}

    /** The answer, with the path of the actor that answered. */
    record Pong(int n, String from) {}

    /** Both nodes register the same classes under the same ids: only these are ever decoded. */
    static Codecs codecs() {
        return Codecs.builder()
                .registerRecord(1, Ping.class)
                .registerRecord(2, Pong.class)
                .build();
    }
    // endregion

    // region ponger
    /** Answers each Ping to the ref it carries, wherever that ref lives. */
    static final class Ponger extends Actor<Ping> {
        @Override
        protected void receive(Ping ping) {
            ping.replyTo().tell(new Pong(ping.n(), self().path()));
        }
    }
    // endregion

    /** Collects what it is told, and the Terminated of what it watches. */
    static final class Inbox extends Actor<Object> {
        private final LinkedBlockingQueue<Object> got;

        Inbox(LinkedBlockingQueue<Object> got) {
            this.got = got;
        }

        @Override
        protected void receive(Object m) {
            got.add(m);
        }
    }

    // region watcher
    /** Watches the ref it is told (local or remote) and reports its Terminated. */
    static final class Watcher extends Actor<ActorRef<?>> {
        private final CompletableFuture<ActorRef<?>> watching;
        private final CompletableFuture<Terminated> gone;

        Watcher(CompletableFuture<ActorRef<?>> watching, CompletableFuture<Terminated> gone) {
            this.watching = watching;
            this.gone = gone;
        }

        @Override
        protected void receive(ActorRef<?> ref) {
            context().watch(ref);     // one WATCH frame to the ref's node
            watching.complete(ref);
        }

        @Override
        protected void onSignal(Signal signal) {
            if (signal instanceof Terminated t) {
                gone.complete(t);     // the actor stopped, or its node was declared down
            }
        }
    }
    // endregion

    @Test
    void twoNodes_askAcrossTheWire_refsInMessages_otherVerbs() throws Exception {
        final LinkedBlockingQueue<Object> inboxGot = new LinkedBlockingQueue<>();
        // region start
        try (ActorSystem pongSystem = ActorSystem.create("pong");
             ActorSystem pingSystem = ActorSystem.create("ping");
             RemoteNode pongNode = RemoteNode.start(pongSystem,
                     RemoteSettings.udp(0).withSecret(SECRET).withCodecs(codecs()));   // 127.0.0.1, any free port
             RemoteNode pingNode = RemoteNode.start(pingSystem,
                     RemoteSettings.udp(0).withSecret(SECRET).withCodecs(codecs()))) {
            pongSystem.spawn(Ponger::new, "ponger");
            NodeAddress pong = pongNode.address();                  // troupe://pong@127.0.0.1:PORT
            ActorRef<Ping> ponger = pingNode.resolve(pong + "/user/ponger");
            // ... use ponger like any ActorRef
            // endregion
            assertEquals(new NodeAddress("pong", "127.0.0.1", pong.port()), pong);
            assertInstanceOf(RemoteRef.class, ponger);

            // region verbs
            boolean taken = ponger.offer(new Ping(0, null));        // false: no handshake yet, nothing waits
            Pong pong1 = ponger.<Pong>ask(replyTo -> new Ping(1, replyTo), Duration.ofSeconds(5))
                    .toCompletableFuture().join();                  // Pong[n=1, from=/user/ponger]
            ActorRef<Pong> inbox = pingSystem.spawn(() -> new Inbox(inboxGot), "inbox").narrow();
            ponger.tell(new Ping(2, inbox));                        // the Pong goes to the inbox, across the wire
            ponger.send(new Ping(3, inbox)).toCompletableFuture().join();  // waits (no thread) while Aeron back-pressures
            boolean takenNow = ponger.offer(new Ping(4, inbox));    // true now: handed to Aeron
            // endregion
            assertFalse(taken, "offer before the first handshake");
            assertEquals(new Pong(1, "/user/ponger"), pong1);
            assertTrue(takenNow, "offer once associated");
            assertEquals(new Pong(2, "/user/ponger"), inboxGot.poll(10, TimeUnit.SECONDS));
            assertEquals(new Pong(3, "/user/ponger"), inboxGot.poll(10, TimeUnit.SECONDS));
            assertEquals(new Pong(4, "/user/ponger"), inboxGot.poll(10, TimeUnit.SECONDS));

            // region addresses
            ActorUri uri = pingNode.uriOf(inbox);                   // troupe://ping@127.0.0.1:PORT/user/inbox
            ActorUri parsed = ActorUri.parse("troupe://pong@127.0.0.1:25520/user/ponger");
            NodeAddress node = parsed.node();                       // troupe://pong@127.0.0.1:25520
            String path = parsed.path();                            // /user/ponger
            // endregion
            assertEquals(new ActorUri(pingNode.address(), "/user/inbox"), uri);
            assertEquals(new NodeAddress("pong", "127.0.0.1", 25520), node);
            assertEquals("/user/ponger", path);
            assertEquals(java.util.Set.of(pingNode.address()), pongNode.connectedNodes());
        }
    }

    @Test
    void unregisteredClass_andOversizedMessage_refusedAtTheSender() throws Exception {
        final LinkedBlockingQueue<DeadLetter> dead = new LinkedBlockingQueue<>();
        try (ActorSystem pongSystem = ActorSystem.create("pong"); ActorSystem pingSystem = ActorSystem.create("ping");
             RemoteNode pongNode = RemoteNode.start(pongSystem, RemoteSettings.udp(0).withSecret(SECRET).withCodecs(codecs()));
             RemoteNode pingNode = RemoteNode.start(pingSystem, RemoteSettings.udp(0).withSecret(SECRET).withCodecs(codecs())
                     .withMaxMessageSize(64 * 1024))) {
            pingSystem.deadLetters().subscribe(dead::add);
            final ActorRef<Object> sink = pingNode.resolve(pongNode.address() + "/user/sink");
            // region refused
            sink.tell(new AtomicInteger(7));            // no codec: a dead letter here, REMOTE_NOT_ENCODABLE, logged
            CompletableFuture<Void> sent = sink.send("x".repeat(100_000)).toCompletableFuture();
            // sent fails with RemoteDeliveryException: 100,000 bytes is above withMaxMessageSize(64 * 1024)
            // endregion
            final DeadLetter first = dead.poll(10, TimeUnit.SECONDS);
            assertNotNull(first, "the unregistered class is a dead letter at the sender");
            assertEquals(DeadLetter.Reason.REMOTE_NOT_ENCODABLE, first.reason());
            final CompletionException e = assertThrows(CompletionException.class, sent::join);
            assertInstanceOf(RemoteDeliveryException.class, e.getCause());
            final DeadLetter second = dead.poll(10, TimeUnit.SECONDS);
            assertNotNull(second, "the oversized message is a dead letter at the sender too");
            assertEquals(DeadLetter.Reason.REMOTE_NOT_ENCODABLE, second.reason());
        }
    }

    @Test
    void wrongSecret_isRefused_theMessageIsADeadLetterAtTheSender() throws Exception {
        final LinkedBlockingQueue<DeadLetter> dead = new LinkedBlockingQueue<>();
        try (ActorSystem pongSystem = ActorSystem.create("pong"); ActorSystem other = ActorSystem.create("other");
             RemoteNode pongNode = RemoteNode.start(pongSystem, RemoteSettings.udp(0).withSecret(SECRET).withCodecs(codecs()));
             RemoteNode stranger = RemoteNode.start(other, RemoteSettings.udp(0).withSecret("not-the-secret")
                     .withHandshakeTimeout(Duration.ofSeconds(1)))) {
            final long before = pongNode.refusedFrames();
            other.deadLetters().subscribe(dead::add);
            stranger.resolve(pongNode.address() + "/user/ponger").tell("hello");
            final DeadLetter letter = dead.poll(20, TimeUnit.SECONDS);
            assertNotNull(letter, "the stranger's message is a dead letter once its handshake times out");
            assertEquals("hello", letter.message());
            assertEquals(DeadLetter.Reason.REMOTE_UNREACHABLE, letter.reason());
            assertTrue(pongNode.refusedFrames() > before, "the node refused the stranger's handshake");
            assertTrue(pongNode.connectedNodes().isEmpty(), "and is associated with nobody");
        }
    }

    @Test
    void nodeGoesAway_watcherHearsTerminated_restartIsANewIncarnation() throws Exception {
        final LinkedBlockingQueue<DeadLetter> dead = new LinkedBlockingQueue<>();
        final CompletableFuture<ActorRef<?>> watching = new CompletableFuture<>();
        final CompletableFuture<Terminated> gone = new CompletableFuture<>();
        // region detector
        RemoteSettings settings = RemoteSettings.udp(0).withSecret(SECRET).withCodecs(codecs())
                .withFailureDetector(Duration.ofMillis(200), 8.0, Duration.ofSeconds(1)); // down after ~1-2 s of silence
        // endregion
        try (ActorSystem pingSystem = ActorSystem.create("ping"); RemoteNode pingNode = RemoteNode.start(pingSystem, settings)) {
            final ActorRef<Ping> ponger;
            final int port;
            try (ActorSystem pongSystem = ActorSystem.create("pong"); RemoteNode pongNode = RemoteNode.start(pongSystem, settings)) {
                pongSystem.spawn(Ponger::new, "ponger");
                port = pongNode.address().port();
                ponger = pingNode.resolve(pongNode.address() + "/user/ponger");
                ponger.<Pong>ask(r -> new Ping(1, r), TEN_SECONDS).toCompletableFuture().join(); // associated
                // region watch
                pingSystem.spawn(() -> new Watcher(watching, gone), "watcher").tell(ponger);
                // ... the pong node goes away: gone completes with Terminated(ponger)
                // endregion
                assertEquals(ponger, watching.get(10, TimeUnit.SECONDS));
            } // the pong node goes away: no more heartbeats, the ping node declares it down
            assertEquals(new Terminated(ponger), gone.get(20, TimeUnit.SECONDS));

            // the same system name on the same address: a new incarnation
            try (ActorSystem pongSystem = ActorSystem.create("pong");
                 RemoteNode pongNode = RemoteNode.start(pongSystem, RemoteSettings.udp(port).withSecret(SECRET).withCodecs(codecs()))) {
                pongSystem.spawn(Ponger::new, "ponger");
                pingSystem.deadLetters().subscribe(dead::add);
                // region incarnation
                ponger.tell(new Ping(3, null));      // a ref to the old incarnation: a dead letter, REMOTE_UNREACHABLE
                ActorRef<Ping> fresh = pingNode.resolve(pongNode.address() + "/user/ponger");  // resolve again
                Pong answer = fresh.<Pong>ask(r -> new Ping(4, r), TEN_SECONDS).toCompletableFuture().join();
                // endregion
                final DeadLetter letter = dead.poll(10, TimeUnit.SECONDS);
                assertNotNull(letter, "a message through the old incarnation's ref is a dead letter");
                assertEquals(new Ping(3, null), letter.message());
                assertEquals(DeadLetter.Reason.REMOTE_UNREACHABLE, letter.reason());
                assertNotEquals(ponger, fresh);
                assertEquals(new Pong(4, "/user/ponger"), answer);
            }
        }
    }

    @Test
    void ipc_throughOneExternalDriver_andTheIdleSettings() throws Exception {
        final MediaDriver.Context context = new MediaDriver.Context()
                .aeronDirectoryName(System.getProperty("java.io.tmpdir") + "/troupe-site-guide-" + ProcessHandle.current().pid())
                .threadingMode(ThreadingMode.SHARED).termBufferSparseFile(true).dirDeleteOnStart(true).dirDeleteOnShutdown(true);
        try (MediaDriver driver = MediaDriver.launchEmbedded(context)) {
            // region ipc
            Path aeron = Path.of(driver.aeronDirectoryName());     // a driver that runs already (here: one the test started)
            RemoteSettings pongSettings = RemoteSettings.ipc(1).withAeronDirectory(aeron)   // troupe://pong@ipc:1
                    .withSecret(SECRET).withCodecs(codecs())
                    .withResponsiveIdle();                           // never parks over 1 ms: lowest latency, more idle CPU
            RemoteSettings pingSettings = RemoteSettings.ipc(2).withAeronDirectory(aeron)   // troupe://ping@ipc:2
                    .withSecret(SECRET).withCodecs(codecs())
                    .withDeepIdle(Duration.ofMillis(500), Duration.ofMillis(10)); // after 500 ms idle, park 10 ms at a time
            // endregion
            try (ActorSystem pongSystem = ActorSystem.create("pong"); ActorSystem pingSystem = ActorSystem.create("ping");
                 RemoteNode pongNode = RemoteNode.start(pongSystem, pongSettings);
                 RemoteNode pingNode = RemoteNode.start(pingSystem, pingSettings)) {
                assertEquals("troupe://pong@ipc:1", pongNode.address().toString());
                assertEquals("troupe://ping@ipc:2", pingNode.address().toString());
                pongSystem.spawn(Ponger::new, "ponger");
                final ActorRef<Ping> ponger = pingNode.resolve("troupe://pong@ipc:1/user/ponger");
                assertEquals(new Pong(5, "/user/ponger"),
                        ponger.<Pong>ask(r -> new Ping(5, r), TEN_SECONDS).toCompletableFuture().get(20, TimeUnit.SECONDS));
            }
        }
    }
}
