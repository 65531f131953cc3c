package io.troupe.actors;

import static io.troupe.actors.Testing.TIMEOUT;
import static io.troupe.actors.Testing.await;
import static io.troupe.actors.Testing.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Bad input to the observability hooks (issue 15): a counters directory that cannot hold the file, a dump while closing. */
@Timeout(60)
class ObserveBadInputTest {
    private static final String COUNTERS_LOGGER = "io.troupe.actors.SystemCounters";

    @TempDir
    Path dir;

    /** Starts a system whose counters directory is {@code counters}, works it, and returns the warnings logged. */
    private static List<String> startAndCount(Path counters) throws Exception {
        try (CapturedLog log = new CapturedLog(COUNTERS_LOGGER);
             ActorSystem system = Testing.builder(DispatcherKind.WORK_STEALING).countersDirectory(counters).build()) {
            assertTrue(system.countersFile().isEmpty(), "no counters file in " + counters);
            final CountDownLatch got = new CountDownLatch(20);
            final ActorRef<String> a = system.spawn(Actor.<String>of((ctx, m) -> got.countDown()), "a");
            for (int i = 0; i < 20; i++) {
                a.tell("m" + i);
            }
            await(got, "the 20 messages");
            // The counters count in memory: the spawned actor, and the messages once the watchdog folds them in.
            awaitTrue("20 messages counted", () -> system.counterValues().get("messages handled") >= 20);
            final Map<String, Long> values = system.counterValues();
            assertEquals(1L, values.get("actors alive"));
            assertEquals(1L, values.get("actors spawned"));
            final String text = log.text();
            final List<String> warnings = text.lines().filter(l -> l.startsWith("WARNING")).collect(Collectors.toList());
            // The warning's message is the line after JUL's "WARNING:" line prefix.
            final Matcher m = Pattern.compile("WARNING: (.*)").matcher(text);
            assertTrue(m.find(), "a warning was logged: " + text);
            assertTrue(m.group(1).contains(counters.toString()) && m.group(1).contains("kept in memory only"), m.group(1));
            return warnings;
        }
    }

    @Test
    void missingCountersDirectory_systemStarts_oneWarning_countersInMemory() throws Exception {
        // A counters directory that does not exist costs exactly one warning, naming it; the system starts and counts in memory.
        final List<String> warnings = startAndCount(dir.resolve("missing"));
        assertEquals(1, warnings.size(), "one warning: " + warnings);
        assertEquals(List.of(), listing(dir), "nothing created");
    }

    @Test
    void readOnlyCountersDirectory_systemStarts_oneWarning_countersInMemory() throws Exception {
        // A directory the process cannot create the file in: one warning, the system starts and counts in memory.
        final Path readOnly = readOnlyDirectory();
        final List<String> warnings = startAndCount(readOnly);
        assertEquals(1, warnings.size(), "one warning: " + warnings);
    }

    @Test
    void fileInPlaceOfTheCountersDirectory_systemStarts_oneWarning() throws Exception {
        // A path that is a regular file, not a directory: one warning, counters in memory, the file untouched.
        final Path file = Files.writeString(dir.resolve("not-a-dir"), "keep me");
        final List<String> warnings = startAndCount(file);
        assertEquals(1, warnings.size(), "one warning: " + warnings);
        assertEquals("keep me", Files.readString(file));
    }

    private static List<Path> listing(Path d) throws IOException {
        try (var files = Files.list(d)) {
            return files.collect(Collectors.toList());
        }
    }

    /** A directory this process cannot create files in: a r-x temp directory, or (running as root, which ignores that) /sys. */
    private Path readOnlyDirectory() throws IOException {
        final Path ro = dir.resolve("ro");
        Files.createDirectory(ro);
        Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-xr-xr-x"));
        if (!Files.isWritable(ro)) {
            return ro;
        }
        final Path sys = Path.of("/sys");
        Assumptions.assumeTrue(Files.isDirectory(sys), "no directory this process cannot write to");
        try {
            Files.createFile(sys.resolve("troupe-probe"));
            Files.delete(sys.resolve("troupe-probe"));
            Assumptions.abort("root can write everywhere here");
        } catch (IOException expected) {
            assertTrue(expected instanceof java.nio.file.AccessDeniedException, "/sys refused with " + expected);
        }
        return sys;
    }

    @Test
    void dumpOfAClosingSystem_returnsWhatIsThere() throws Exception {
        // While close() waits for an actor whose postStop is blocked, a dump answers with the tree as it is: the guardian
        // and the parent STOPPING (waiting for their children), the child STOPPED (postStop is its last step); after
        // close, the guardians STOPPED.
        final CountDownLatch inPostStop = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final ActorSystem system = Testing.system(DispatcherKind.WORK_STEALING);
        system.spawn(() -> new Actor<String>() {
            @Override
            protected void preStart() {
                context().spawn(() -> new Actor<String>() {
                    @Override
                    protected void receive(String message) {
                    }

                    @Override
                    protected void postStop() {
                        inPostStop.countDown();
                        Testing.block(release);
                    }
                }, "child");
            }

            @Override
            protected void receive(String message) {
            }
        }, "parent");
        awaitTrue("the child to exist", () -> system.dump().find("/user/parent/child").isPresent());
        final CompletableFuture<List<String>> closing = CompletableFuture.supplyAsync(() -> system.close(TIMEOUT));
        try {
            await(inPostStop, "the child's postStop");
            final ActorDump dump = system.dump();
            assertEquals(List.of("/user STOPPING", "/user/parent STOPPING", "/user/parent/child STOPPED"),
                    dump.actors().stream().filter(e -> e.path().startsWith("/user"))
                            .map(e -> e.path() + " " + e.state()).collect(Collectors.toList()));
        } finally {
            release.countDown();
        }
        assertEquals(List.of(), Testing.join(closing));
        assertEquals(List.of("/user STOPPED", "/system STOPPED"),
                system.dump().actors().stream().map(e -> e.path() + " " + e.state()).collect(Collectors.toList()));
    }
}
