package io.troupe.io;

import static io.troupe.io.TestHandlers.ANY_LOCAL_PORT;
import static io.troupe.io.TestHandlers.WAIT;
import static io.troupe.io.TestHandlers.client;
import static io.troupe.io.TestHandlers.readFully;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.ActorSystem;
import io.troupe.io.TestHandlers.Echo;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Socket JFR events and counters: one echoed connection leaves accepted, connected and closed events with its bytes. */
class SocketEventsTest {
    @Test
    void echoedConnection_acceptedConnectedClosedEvents_andByteCounters(@TempDir Path dir) throws Exception {
        // A client's 5,000 bytes echoed back: troupe.SocketAccepted names the listener and the client's address,
        // troupe.SocketConnected and troupe.SocketClosed name one connection actor, the close carries 5,000 bytes each
        // way, and the counters file shows the bytes and no socket left open.
        final Recording r = new Recording();
        for (String e : List.of("troupe.SocketAccepted", "troupe.SocketConnected", "troupe.SocketClosed")) {
            r.enable(e);
        }
        r.start();
        final String clientAddress;
        try (ActorSystem system = ActorSystem.builder("socket-events").parallelism(2).deadLetterLogsPerSecond(0).build()) {
            final Tcp.Bound bound = Tcp.bind(system, ANY_LOCAL_PORT, TcpOptions.defaults(), Echo::new).toCompletableFuture().join();
            final byte[] payload = "0123456789".repeat(500).getBytes(StandardCharsets.US_ASCII);
            try (Socket s = client(bound.localAddress())) {
                clientAddress = s.getLocalSocketAddress().toString();
                s.getOutputStream().write(payload);
                assertArrayEquals(payload, readFully(s.getInputStream(), payload.length));
                s.shutdownOutput();
                assertEquals(-1, s.getInputStream().read(), "the echo handler closes after the peer did");
            }
            final long deadline = System.nanoTime() + WAIT.toNanos();
            Map<String, Long> c = system.counterValues();
            while (c.get("sockets open") != 0 || c.get("bytes written") < payload.length) {
                assertTrue(System.nanoTime() - deadline < 0, "counters did not settle: " + c);
                Thread.onSpinWait();
                c = system.counterValues();
            }
            assertEquals(5_000L, c.get("bytes read"), c.toString());
            assertEquals(5_000L, c.get("bytes written"), c.toString());
            assertEquals(0L, c.get("sockets open"), c.toString());
        }
        r.stop();
        final Path file = dir.resolve("sockets.jfr");
        r.dump(file);
        r.close();
        final List<RecordedEvent> events = new ArrayList<>();
        for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
            if (e.getEventType().getName().startsWith("troupe.Socket")) {
                events.add(e);
            }
        }
        final List<String> names = events.stream().map(e -> e.getEventType().getName()).sorted().collect(Collectors.toList());
        assertEquals(List.of("troupe.SocketAccepted", "troupe.SocketClosed", "troupe.SocketConnected"), names);
        final RecordedEvent accepted = named(events, "troupe.SocketAccepted");
        final RecordedEvent connected = named(events, "troupe.SocketConnected");
        final RecordedEvent closed = named(events, "troupe.SocketClosed");
        assertTrue(accepted.getString("listener").startsWith("/system/"), accepted.toString());
        assertEquals(clientAddress, accepted.getString("remoteAddress"));
        assertEquals(clientAddress, connected.getString("remoteAddress"));
        assertEquals(connected.getString("path"), closed.getString("path"));
        assertEquals(5_000L, closed.getLong("bytesRead"));
        assertEquals(5_000L, closed.getLong("bytesWritten"));
    }

    private static RecordedEvent named(List<RecordedEvent> events, String name) {
        return events.stream().filter(e -> e.getEventType().getName().equals(name)).findFirst().orElseThrow();
    }
}
