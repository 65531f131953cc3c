package io.troupe.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The tracing switch is a constant to compiled code until a system turns tracing on (issue 15:
 * tracing off costs nothing); turning it on must reach code compiled while it was off. Needs a
 * JVM in which nothing traced yet, so it runs {@link TracingSwitchMain} in one of its own, with
 * compilation made synchronous ({@code -Xbatch}) so the hot send and handle paths are compiled
 * with the switch folded before the traced system starts.
 */
@Timeout(120)
class TracingSwitchTest {
    @Test
    void codeCompiledWhileTracingWasOffTracesOnceItIsOn() throws Exception {
        final Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        final Path out = java.nio.file.Files.createTempFile("tracing-switch", ".log");
        try {
            final Process p = new ProcessBuilder(List.of(javaBin.toString(), "-Xbatch", "-Xmx256m",
                    "-cp", classPath(), TracingSwitchMain.class.getName()))
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(90, TimeUnit.SECONDS)) { // a file, not a pipe: a hung child cannot hang this test
                p.destroyForcibly();
                throw new AssertionError("the child JVM did not exit within 90 s: " + java.nio.file.Files.readString(out));
            }
            final String text = java.nio.file.Files.readString(out, StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), text);
            assertTrue(text.contains("ok: 3 spans"), text);
        } finally {
            java.nio.file.Files.deleteIfExists(out);
        }
    }

    /** This JVM's class path and module path (surefire puts the module under test on the latter), as one class path. */
    private static String classPath() {
        final String modules = System.getProperty("jdk.module.path", "");
        final String classes = System.getProperty("java.class.path", "");
        return modules.isEmpty() ? classes : classes.isEmpty() ? modules : modules + java.io.File.pathSeparator + classes;
    }
}
