package io.troupe.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorDump;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** troupe-stat, run as a separate JVM, prints a running system's counters from its file, and says so clearly when it cannot. */
@Timeout(120)
class TroupeStatProcessTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    record Result(int exit, String out, String err) {}

    /** Runs TroupeStat in a new JVM on the class path this module's classes and troupe-actors came from. */
    static Result runTool(String... args) throws Exception {
        final String cp = location(TroupeStat.class) + File.pathSeparator + location(ActorSystem.class);
        final List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", cp, TroupeStat.class.getName()));
        cmd.addAll(List.of(args));
        final Process p = new ProcessBuilder(cmd).start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        final String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "troupe-stat did not exit");
        return new Result(p.exitValue(), out, err);
    }

    private static String location(Class<?> c) throws Exception {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    static long counter(String out, String label) {
        final Matcher m = Pattern.compile("(?m)^  " + Pattern.quote(label) + "\\s+([\\d,]+)$").matcher(out);
        assertTrue(m.find(), "no line for '" + label + "' in:\n" + out);
        return Long.parseLong(m.group(1).replace(",", ""));
    }

    static void awaitTrue(String what, java.util.function.BooleanSupplier condition) {
        final long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() - deadline < 0, "timed out waiting for " + what);
            Thread.onSpinWait();
        }
    }

    @Test
    void runningSystem_printedFromAnotherProcess(@TempDir Path dir) throws Exception {
        // The counters a running system keeps in its file are what another JVM prints: exact dead letters and live
        // actors, a handled count that covers the messages sent, and the system's name and running pid.
        try (ActorSystem system = ActorSystem.builder("stat-test").parallelism(2).deadLetterLogsPerSecond(0)
                .countersDirectory(dir).build()) {
            final Path file = system.countersFile().orElseThrow();
            assertEquals(dir.resolve("troupe-" + ProcessHandle.current().pid() + "-stat-test.counters"), file);
            final CountDownLatch got = new CountDownLatch(100);
            final ActorRef<String> counter = system.spawn(Actor.<String>of((ctx, m) -> got.countDown()), "counter");
            system.spawn(Actor.<String>of((ctx, m) -> { }), "idle-1");
            system.spawn(Actor.<String>of((ctx, m) -> { }), "idle-2");
            for (int i = 0; i < 100; i++) {
                counter.tell("m" + i);
            }
            assertTrue(got.await(WAIT.toSeconds(), TimeUnit.SECONDS));
            final ActorRef<String> gone = system.spawn(Actor.<String>of((ctx, m) -> ctx.stop(ctx.self())), "gone");
            system.whenTerminated(gone);
            gone.tell("stop");
            system.whenTerminated(gone).toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            for (int i = 0; i < 7; i++) {
                gone.tell("late " + i);
            }
            // the watchdog folds the workers' message counts in every scan (50 ms by default)
            awaitTrue("the counters to show the work", () -> system.counterValues().get("messages handled") >= 100);

            final Result r = runTool("--once", file.toString());
            assertEquals(TroupeStat.OK, r.exit(), r.err());
            assertTrue(r.out().startsWith("system 'stat-test' pid " + ProcessHandle.current().pid() + " (running)"), r.out());
            assertEquals(7, counter(r.out(), "dead letters"));
            assertEquals(3, counter(r.out(), "actors alive"));
            assertEquals(4, counter(r.out(), "actors spawned"));
            assertTrue(counter(r.out(), "messages handled") >= 101, r.out());
            assertEquals(0, counter(r.out(), "failures"));

            // By pid, through the directory, gives the same system.
            final Result byPid = runTool("--once", "--dir", dir.toString(), Long.toString(ProcessHandle.current().pid()));
            assertEquals(TroupeStat.OK, byPid.exit(), byPid.err());
            assertEquals(7, counter(byPid.out(), "dead letters"));
        }
        // Closing the system deletes its file.
        try (var left = Files.list(dir)) {
            assertEquals(List.of(), left.toList());
        }
    }

    @Test
    void leftOverFileOfDeadProcess_andForeignFile_saidClearly(@TempDir Path dir) throws Exception {
        // A file whose writer is gone is printed with NOT RUNNING and exit 1; a file that is not a counters file, or a
        // pid with no file, is refused with exit 2 and says why.
        final Path copy = dir.resolve("troupe-1-dead.counters");
        try (ActorSystem system = ActorSystem.builder("dead").countersDirectory(dir).build()) {
            Files.copy(system.countersFile().orElseThrow(), copy);
        }
        final ByteBuffer patched = ByteBuffer.wrap(Files.readAllBytes(copy)).order(ByteOrder.nativeOrder());
        final long deadPid = deadPid();
        patched.putLong(24, deadPid); // CountersLayout.PID_OFFSET
        Files.write(copy, patched.array());
        final Result dead = runTool("--once", copy.toString());
        assertEquals(TroupeStat.DEAD_PROCESS, dead.exit(), dead.out() + dead.err());
        assertTrue(dead.out().contains("pid " + deadPid + " (NOT RUNNING)"), dead.out());
        assertTrue(dead.err().contains("process " + deadPid + " is not running"), dead.err());

        final Path foreign = dir.resolve("notes.txt");
        Files.writeString(foreign, "hello, not counters");
        final Result notOurs = runTool("--once", foreign.toString());
        assertEquals(TroupeStat.NOT_FOUND, notOurs.exit());
        assertTrue(notOurs.err().contains("is not a Troupe counters file"), notOurs.err());

        final Result noFile = runTool("--once", "--dir", dir.toString(), "424242");
        assertEquals(TroupeStat.NOT_FOUND, noFile.exit());
        assertTrue(noFile.err().contains("no Troupe counters file"), noFile.err());
    }

    @Test
    void missingDirectory_systemStartsWithCountersInMemory(@TempDir Path dir) {
        // A counters directory that does not exist costs a warning, not the system: counters still count, in memory.
        try (ActorSystem system = ActorSystem.builder("nodir").deadLetterLogsPerSecond(0)
                .countersDirectory(dir.resolve("missing")).build()) {
            assertTrue(system.countersFile().isEmpty());
            system.spawn(Actor.<String>of((ctx, m) -> { }), "a");
            final Map<String, Long> values = system.counterValues();
            assertEquals(1L, values.get("actors alive"));
        }
    }

    /** A pid that no running process has (a short-lived child's, after it exited). */
    private static long deadPid() throws IOException, InterruptedException {
        final Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-version")
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        p.waitFor();
        final long pid = p.pid();
        awaitTrue("the child to be reaped", () -> ProcessHandle.of(pid).isEmpty());
        return pid;
    }

    @Test
    void dumpPrinter_showsRunningActorWithMessageAndTime() throws Exception {
        // The printed dump marks the blocked actor RUNNING with its message's class and the time it has run.
        record Stuck(CountDownLatch entered, CountDownLatch release) {}
        try (ActorSystem system = ActorSystem.builder("dump-print").parallelism(2)
                .slowHandlerThreshold(Duration.ofMillis(20)).onSlowHandler((p, d) -> { }).build()) {
            final ActorRef<Stuck> stuck = system.spawn(Actor.<Stuck>of((ctx, m) -> {
                m.entered().countDown();
                try {
                    m.release().await(WAIT.toSeconds(), TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }), "stuck");
            final CountDownLatch entered = new CountDownLatch(1);
            final CountDownLatch release = new CountDownLatch(1);
            stuck.tell(new Stuck(entered, release));
            assertTrue(entered.await(WAIT.toSeconds(), TimeUnit.SECONDS));
            awaitTrue("the watchdog to time the handler",
                    () -> system.dump().find("/user/stuck").orElseThrow().timeInHandler().toMillis() >= 20);
            final ActorDump dump = system.dump();
            final String printed = DumpPrinter.format(dump);
            release.countDown();
            final String line = printed.lines().filter(l -> l.startsWith("/user/stuck ")).findFirst().orElseThrow();
            // handled 0 (its turn is still running: counted when it ends), restarts 0
            assertTrue(line.matches("/user/stuck\\s+RUNNING\\s+0/10000\\s+0\\s+0\\s+Stuck \\(\\d+ ms\\).*"), line);
            assertTrue(printed.lines().anyMatch(l -> l.matches("/user\\s+IDLE\\s+.*")), printed);
        }
    }
}
