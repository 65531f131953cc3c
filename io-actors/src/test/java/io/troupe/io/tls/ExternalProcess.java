package io.troupe.io.tls;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A real client run as a process (openssl, curl, keytool): its stdin to write to, and its
 * stdout and stderr merged into one transcript that a test waits on for a given text (woken by
 * each new output, never polled). Every wait is bounded; {@link #close()} kills the process.
 */
public final class ExternalProcess implements AutoCloseable {
    private final Process process;
    private final String command;
    private final StringBuilder output = new StringBuilder();
    private final Thread reader;

    private ExternalProcess(Process process, String command) {
        this.process = process;
        this.command = command;
        this.reader = new Thread(this::pump, "output of " + command);
        this.reader.setDaemon(true);
        this.reader.start();
    }

    /**
     * Starts {@code command}; its program must be installed (looked up on PATH unless given as a
     * path): a missing one fails the test at once, with the package to install.
     */
    public static ExternalProcess start(String... command) throws IOException {
        requireInstalled(command[0]);
        final ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        return new ExternalProcess(pb.start(), String.join(" ", command));
    }

    /** Runs {@code command} to its end within {@code timeout}; fails unless it exits with 0. Returns its output. */
    public static String runOrFail(Duration timeout, String... command) throws IOException, InterruptedException {
        try (ExternalProcess p = start(command)) {
            p.stdin().close();
            final int exit = p.awaitExit(timeout);
            if (exit != 0) {
                throw new AssertionError(p.command + " exited with " + exit + ":\n" + p.output());
            }
            return p.output();
        }
    }

    /** Fails unless {@code program} is on PATH (or is an executable path). */
    public static void requireInstalled(String program) {
        if (program.contains(File.separator)) {
            if (!new File(program).canExecute()) {
                throw new AssertionError(program + " is missing");
            }
            return;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (new File(dir, program).canExecute()) {
                return;
            }
        }
        throw new AssertionError(program + " is not installed (not on PATH): this test drives the real client;"
                + " install it with apt-get install " + program + " (.ci/run does)");
    }

    /** The process's stdin. */
    public OutputStream stdin() {
        return process.getOutputStream();
    }

    /** Writes {@code text} (UTF-8) to stdin and flushes. */
    public void send(String text) throws IOException {
        stdin().write(text.getBytes(StandardCharsets.UTF_8));
        stdin().flush();
    }

    /** Everything the process has printed so far (stdout and stderr). */
    public String output() {
        synchronized (output) {
            return output.toString();
        }
    }

    /**
     * Waits until the output, from character {@code from} on, contains {@code text}; returns the
     * index just past it. Fails after {@code timeout}, or if the process ends without printing it.
     */
    public int awaitOutput(String text, int from, Duration timeout) throws InterruptedException {
        final long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (output) {
            for (;;) {
                final int at = output.indexOf(text, from);
                if (at >= 0) {
                    return at + text.length();
                }
                final long left = deadline - System.nanoTime();
                if (left <= 0 || !reader.isAlive()) {
                    throw new AssertionError("'" + text + "' not printed by " + command
                            + (reader.isAlive() ? " within " + timeout : " before it ended") + "; output:\n" + output);
                }
                TimeUnit.NANOSECONDS.timedWait(output, left);
            }
        }
    }

    /** Waits for the process to end within {@code timeout} (and for its output to be read); its exit code. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError(command + " still running after " + timeout + "; output:\n" + output());
        }
        reader.join(timeout.toMillis());
        return process.exitValue();
    }

    private void pump() {
        final byte[] buffer = new byte[8192];
        try (InputStream in = process.getInputStream()) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                synchronized (output) {
                    output.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
                    output.notifyAll();
                }
            }
        } catch (IOException e) {
            // the process ended
        } finally {
            synchronized (output) {
                output.notifyAll();
            }
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
