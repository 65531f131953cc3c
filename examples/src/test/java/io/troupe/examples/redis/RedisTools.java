package io.troupe.examples.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs Debian's redis-tools ({@code redis-cli}, {@code redis-benchmark}) for tests. A missing tool
 * fails the test with the command that installs it; every run is bounded in time.
 */
final class RedisTools {
    private RedisTools() {}

    /** What a finished process wrote. */
    record Result(int exitCode, String stdout, String stderr) {}

    /**
     * Runs {@code command} with {@code stdin} as its input and waits for it to exit, at most
     * {@code timeoutSeconds}.
     */
    static Result run(String stdin, long timeoutSeconds, String... command) throws Exception {
        final Process p = start(command);
        final CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
        final CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        try (var in = p.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s; output so far: "
                    + out.getNow("?"));
        }
        return new Result(p.exitValue(), out.get(5, TimeUnit.SECONDS), err.get(5, TimeUnit.SECONDS));
    }

    /** Runs {@code redis-cli -p port} with the script on its input and returns what it printed; it must exit 0. */
    static String cli(int port, String script) throws Exception {
        final Result r = run(script, 30, "redis-cli", "-p", Integer.toString(port));
        assertEquals(0, r.exitCode(), "redis-cli failed: " + r.stderr());
        return r.stdout();
    }

    /** Starts {@code command}; fails the test if the program is not installed. */
    static Process start(String... command) {
        try {
            return new ProcessBuilder(command).start();
        } catch (IOException e) {
            throw new AssertionError(command[0] + " is missing: install Debian's redis-tools (apt-get install redis-tools;"
                    + " .ci/run does it in CI)", e);
        }
    }

    private static String readAll(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The lines of {@code text}. */
    static List<String> lines(String text) {
        return new ArrayList<>(text.lines().toList());
    }
}
