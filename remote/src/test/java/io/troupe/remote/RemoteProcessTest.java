package io.troupe.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.DeadLetter;
import io.troupe.actors.Signal;
import io.troupe.actors.Terminated;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.net.DatagramSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Two real JVM processes: tell both ways, ask, refs in messages, watch, kill, restart as a new incarnation. */
@Timeout(180)
class RemoteProcessTest {
    static final String SECRET = "process-secret";

    static Codecs codecs() {
        return RemoteAskTest.codecs();
    }

    /** What the child's echo does with a message that is not a string command. */
    static void childReceive(Object m, RemoteNode node) {
        if (m instanceof RemoteAskTest.Ping p) {
            p.replyTo().tell(new RemoteAskTest.Pong(p.n() * 2));
        } else if (m instanceof RemoteAskTest.Introduce i) {
            i.friend().tell("hello from " + node.address());
        }
    }

    /** A started child process: its address and uid, from its READY line. */
    record Child(Process process, String address, String uid) {}

    static Child startChild(int port, String parent) throws Exception {
        final String classPath = System.getProperty("java.class.path") + File.pathSeparator + System.getProperty("jdk.module.path", "");
        final List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
                "-cp", classPath, RemoteChild.class.getName(), Integer.toString(port), SECRET, parent));
        final Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        final BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final Thread reader = new Thread(() -> {
            try {
                String line;
                while ((line = out.readLine()) != null) {
                    lines.add(line);
                }
            } catch (java.io.IOException e) {
                // the process ended
            }
        }, "child-stdout");
        reader.setDaemon(true);
        reader.start();
        final String ready = lines.poll(60, TimeUnit.SECONDS);
        assertNotNull(ready, "the child did not start within 60 s");
        final String[] parts = ready.split(" ");
        assertEquals("READY", parts[0], ready);
        return new Child(p, parts[1], parts[2]);
    }

    static int freePort() throws Exception {
        try (DatagramSocket s = new DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static final class Inbox extends Actor<Object> {
        final LinkedBlockingQueue<Object> got;

        Inbox(LinkedBlockingQueue<Object> got) {
            this.got = got;
        }

        @Override
        protected void receive(Object m) {
            if (m instanceof ActorRef<?> ref) {
                context().watch(ref);
                got.add("watching " + ref.path());
            } else {
                got.add(m);
            }
        }

        @Override
        protected void onSignal(Signal signal) {
            got.add(signal);
        }
    }

    @Test
    void tellBothWays_watch_kill_restartAsNewIncarnation() throws Exception {
        final LinkedBlockingQueue<Object> got = new LinkedBlockingQueue<>();
        final LinkedBlockingQueue<DeadLetter> dead = new LinkedBlockingQueue<>();
        final int port = freePort();
        try (ActorSystem parent = ActorSystem.create("parent");
             RemoteNode node = RemoteNode.start(parent, RemoteSettings.udp(0).withSecret(SECRET).withCodecs(codecs())
                     .withFailureDetector(Duration.ofMillis(200), 8.0, Duration.ofSeconds(2)))) {
            final ActorRef<Object> inbox = parent.spawn(() -> new Inbox(got), "inbox");
            Child child = startChild(port, node.address().toString());
            try {
                final ActorRef<String> echo = node.resolve(child.address() + "/user/echo");
                for (int i = 0; i < 200; i++) {
                    echo.tell("ping:" + i);
                }
                for (int i = 0; i < 200; i++) {
                    assertEquals("pong:" + i, got.poll(30, TimeUnit.SECONDS), "in order, both ways");
                }
                // ask: the reply ref travels to the other process and the answer comes back
                final ActorRef<Object> asked = node.resolve(child.address() + "/user/echo");
                for (int i = 0; i < 50; i++) {
                    final int n = i;
                    assertEquals(new RemoteAskTest.Pong(2 * n), asked.<RemoteAskTest.Pong>ask(r -> new RemoteAskTest.Ping(n, r),
                            Duration.ofSeconds(20)).toCompletableFuture().get(30, TimeUnit.SECONDS));
                }
                // a ref inside a message: the child answers the actor it was introduced to
                asked.tell(new RemoteAskTest.Introduce(inbox.narrow()));
                assertEquals("hello from " + child.address(), got.poll(30, TimeUnit.SECONDS));

                inbox.tell(echo);
                assertEquals("watching /user/echo", got.poll(10, TimeUnit.SECONDS));
                echo.tell("ping:last");
                assertEquals("pong:last", got.poll(30, TimeUnit.SECONDS)); // the watch went before it

                final long killedAt = System.nanoTime();
                child.process().destroyForcibly();
                final Object signal = got.poll(30, TimeUnit.SECONDS);
                final long ms = (System.nanoTime() - killedAt) / 1_000_000;
                assertEquals(new Terminated(echo), signal, "Terminated for the watched actor of the killed process");
                // heartbeat 200 ms, acceptable pause 2 s, phi 8: down after 2-3 s of silence (slack for a loaded host)
                assertTrue(ms < 10_000, "declared down after " + ms + " ms");
                System.out.println("killed child declared down after " + ms + " ms");

                // a new process on the same address is a new incarnation
                child = startChild(port, node.address().toString());
                parent.deadLetters().subscribe(dead::add);
                echo.tell("ping:old-ref");
                final DeadLetter letter = dead.poll(30, TimeUnit.SECONDS);
                assertNotNull(letter, "a message through the old incarnation's ref is a dead letter");
                assertEquals("ping:old-ref", letter.message());
                assertEquals(DeadLetter.Reason.REMOTE_UNREACHABLE, letter.reason());
                final ActorRef<String> fresh = node.resolve(child.address() + "/user/echo");
                assertNotEquals(echo, fresh);
                fresh.tell("ping:new");
                assertEquals("pong:new", got.poll(30, TimeUnit.SECONDS));
            } finally {
                child.process().destroyForcibly();
                child.process().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
