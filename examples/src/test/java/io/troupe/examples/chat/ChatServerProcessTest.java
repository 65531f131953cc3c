package io.troupe.examples.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The chat server's main as a separate process, stopped the way an operator stops it: SIGTERM
 * runs the graceful shutdown through the JVM hook the example opts into
 * ({@code ActorSystem.Builder.shutdownOnJvmExit}), so a connected client hears the goodbye
 * before the end of the stream. Without the hook the JVM would exit and the kernel would close
 * the socket with no goodbye.
 */
@Timeout(120)
class ChatServerProcessTest {
    private static final Pattern LISTENING = Pattern.compile("chat listening on .*:(\\d+) \\(try");

    @Test
    void sigterm_runsTheGracefulShutdown_clientHearsGoodbyeThenEof_processExits() throws Exception {
        // A client connected to `ChatServer 0` (any free port) reads "* server shutting down: bye" and then EOF after
        // the process gets SIGTERM, and the process exits with 143 (128 + SIGTERM) once the hook has run.
        final String java = ProcessHandle.current().info().command()
                .orElse(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
        final String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        final Process server = new ProcessBuilder(List.of(java, "-cp", classPath, ChatServer.class.getName(), "0"))
                .redirectErrorStream(true).start();
        try {
            final BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            final StringBuilder seen = new StringBuilder();
            int port = -1;
            for (String line; port < 0 && (line = out.readLine()) != null; ) {
                seen.append(line).append('\n');
                final Matcher m = LISTENING.matcher(line);
                if (m.find()) {
                    port = Integer.parseInt(m.group(1));
                }
            }
            assertTrue(port > 0, "the server did not say where it listens:\n" + seen);
            try (LineClient alice = LineClient.connect(LineClient.loopback(port))) {
                alice.send("/nick alice");
                assertEquals("* you are alice", alice.readLine());
                server.destroy(); // SIGTERM
                assertEquals("* server shutting down: bye", alice.readLine());
                assertNull(alice.readLine(), "EOF after the goodbye");
            }
            assertTrue(server.waitFor(60, TimeUnit.SECONDS), "the process did not exit after SIGTERM");
            assertEquals(143, server.exitValue(), "exit status after SIGTERM");
        } finally {
            server.destroyForcibly();
        }
    }
}
