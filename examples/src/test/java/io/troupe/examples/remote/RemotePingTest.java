package io.troupe.examples.remote;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The example's one command: two nodes, five asks answered across the wire, Terminated heard. */
@Timeout(120)
class RemotePingTest {
    @Test
    void twoNodesOneCommand() throws Exception {
        final PrintStream out = System.out;
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            RemotePing.main(new String[0]);
        } finally {
            System.setOut(out);
        }
        final String text = captured.toString(StandardCharsets.UTF_8);
        out.print(text);
        int at = 0;
        for (int i = 1; i <= 5; i++) {
            final int found = text.indexOf("pong " + i + " from troupe://pong@127.0.0.1:", at);
            assertTrue(found >= 0, "pong " + i + " in order: " + text);
            at = found;
        }
        assertTrue(text.contains("the watcher heard: Terminated[ref=ActorRef[troupe://pong@127.0.0.1:"), text);
    }
}
