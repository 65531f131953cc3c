package io.troupe.io;

import static io.troupe.io.TestHandlers.ANY_LOCAL_PORT;
import static io.troupe.io.TestHandlers.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.testkit.TestProbe;
import io.troupe.io.TestHandlers.Forwarder;
import io.troupe.io.TestHandlers.HandlerStarted;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** How a connection couples its reading to its write queue, and how it reports refused writes. */
@Timeout(60)
class TcpBackPressureTest {
    private ActorSystem system;

    @BeforeEach
    void start() {
        system = ActorSystem.create("tcp-back-pressure");
    }

    @AfterEach
    void stop() {
        system.close();
    }

    @Test
    void ignoredWriteRejected_loggedOnceWithReasonAndCountedAtClose() throws Exception {
        // Refused writes are never silent: the first is logged with its reason, and the close logs how many there were.
        try (CapturedLog log = new CapturedLog("io.troupe.io.internal.TcpConnection")) {
            final TestProbe<Object> probe = TestProbe.create(system);
            final Tcp.Bound bound = Tcp.bind(system, ANY_LOCAL_PORT, TcpOptions.defaults().withWriteQueue(1024, 512, 256),
                    Forwarder.to(probe.ref())).toCompletableFuture().join();
            try (Socket peer = TestHandlers.client(bound.localAddress())) {
                probe.expectMessageClass(HandlerStarted.class, WAIT);
                final ActorRef<Tcp.Command> connection = probe.expectMessageClass(Tcp.Connected.class, WAIT).connection();
                probe.watch(connection);
                for (int i = 0; i < 3; i++) {
                    connection.tell(Tcp.Write.of(new byte[2048]));
                    probe.expectMessageClass(Tcp.WriteRejected.class, WAIT);
                }
                final Tcp.ConnectionStats stats = connection.<Tcp.ConnectionStats>ask(Tcp.GetStats::new, WAIT)
                        .toCompletableFuture().join();
                assertEquals(3, stats.writesRejected(), stats.toString());
                connection.tell(Tcp.Write.utf8("ok"));
                connection.tell(new Tcp.Close());
                probe.expectMessage(new Tcp.Closed(), WAIT);
                probe.expectTerminated(connection, WAIT); // after postStop, which logs the count
                assertEquals("ok", new String(peer.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            }
            final String text = log.text();
            assertEquals(1, occurrences(text, "refused a write of"), "one line per refusal would flood the log:\n" + text);
            assertTrue(text.contains("refused a write of 2048 bytes") && text.contains("larger than the whole write queue"), text);
            assertTrue(text.contains("closed after refusing 3 writes (6144 bytes)"), text);
        }
    }

    private static int occurrences(String text, String part) {
        int n = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
            n++;
        }
        return n;
    }
}
