package io.troupe.observe;

import io.troupe.actors.internal.counters.CountersLayout;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code troupe-stat}: prints the counters of running actor systems from another process, as
 * AeronStat prints Aeron's, without attaching to the JVM. It maps a system's counters file
 * (see {@code ActorSystem.Builder.countersDirectory}) read-only and prints every counter,
 * once or every second.
 *
 * <pre>
 * java -cp troupe-observe.jar:troupe-actors.jar:... io.troupe.observe.TroupeStat [--once] [--dir DIR] FILE|DIR|PID
 * </pre>
 *
 * <p>A PID is looked up in {@code --dir} (default: the {@code troupe.counters.dir} system
 * property). Exit status: 0 printed, 1 the writing process is not running (a left-over file),
 * 2 not a Troupe counters file or nothing found, 3 bad arguments. Not thread safe: one instance
 * per run; the static methods may be called from any thread.
 */
public final class TroupeStat {
    /** Printed and exit 0. */
    public static final int OK = 0;
    /** The process that wrote the file is not running. */
    public static final int DEAD_PROCESS = 1;
    /** Not a counters file, or none found. */
    public static final int NOT_FOUND = 2;
    /** Bad command line. */
    public static final int USAGE = 3;

    private TroupeStat() {
    }

    /**
     * Runs the tool and exits with its status.
     *
     * @param args {@code [--once] [--dir DIR] FILE|DIR|PID}
     * @throws InterruptedException if interrupted while waiting between prints
     */
    public static void main(String[] args) throws InterruptedException {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs the tool: prints the counters of each file found, once with {@code --once}, else every
     * second until interrupted. Any thread; blocks between prints.
     *
     * @param args the command line
     * @param out where the counters go
     * @param err where problems go
     * @return the exit status ({@link #OK}, {@link #DEAD_PROCESS}, {@link #NOT_FOUND}, {@link #USAGE})
     * @throws InterruptedException if interrupted while waiting between prints
     */
    public static int run(String[] args, PrintStream out, PrintStream err) throws InterruptedException {
        boolean once = false;
        String dir = System.getProperty("troupe.counters.dir");
        String target = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--once" -> once = true;
                case "--dir" -> {
                    if (i + 1 >= args.length) {
                        return usage(err, "--dir needs a directory");
                    }
                    dir = args[++i];
                }
                default -> {
                    if (target != null) {
                        return usage(err, "one FILE, DIR or PID only");
                    }
                    target = args[i];
                }
            }
        }
        if (target == null) {
            return usage(err, "which system? give a counters FILE, a DIR of them, or a PID");
        }
        final List<Path> files;
        try {
            files = resolve(target, dir);
        } catch (IOException e) {
            err.println("troupe-stat: cannot list " + target + ": " + e);
            return NOT_FOUND;
        }
        if (files.isEmpty()) {
            err.println("troupe-stat: no Troupe counters file (" + CountersLayout.SUFFIX + ") found for " + target
                    + (dir == null ? "" : " in " + dir));
            return NOT_FOUND;
        }
        for (;;) {
            int status = OK;
            for (Path f : files) {
                status = Math.max(status, printOne(f, out, err));
            }
            if (once || status != OK) {
                return status;
            }
            out.println();
            Thread.sleep(1000); // the tool's own print interval, not a synchronisation
        }
    }

    private static int usage(PrintStream err, String problem) {
        err.println("troupe-stat: " + problem);
        err.println("usage: troupe-stat [--once] [--dir DIR] FILE|DIR|PID");
        return USAGE;
    }

    /** The counters files that {@code target} names: itself, the files in it, or those of a pid in {@code dir}. */
    static List<Path> resolve(String target, String dir) throws IOException {
        final Path p = Path.of(target);
        if (Files.isRegularFile(p)) {
            return List.of(p);
        }
        if (Files.isDirectory(p)) {
            return list(p, "troupe-");
        }
        if (target.chars().allMatch(Character::isDigit) && dir != null && Files.isDirectory(Path.of(dir))) {
            return list(Path.of(dir), "troupe-" + target + "-");
        }
        return List.of();
    }

    private static List<Path> list(Path dir, String prefix) throws IOException {
        final List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, prefix + "*" + CountersLayout.SUFFIX)) {
            s.forEach(found::add);
        }
        found.sort(null);
        return found;
    }

    /**
     * Maps {@code file} read-only. Any thread.
     *
     * @param file a counters file
     * @return its contents, mapped
     * @throws IOException if it cannot be read
     */
    static ByteBuffer map(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return ch.map(FileChannel.MapMode.READ_ONLY, 0, Math.min(ch.size(), Integer.MAX_VALUE));
        }
    }

    /**
     * Reads the counters in {@code file}. Any thread.
     *
     * @param file a counters file
     * @return label to value, in the file's order
     * @throws IOException if it cannot be read
     * @throws IllegalArgumentException if it is not a Troupe counters file
     */
    public static Map<String, Long> read(Path file) throws IOException {
        final ByteBuffer b = map(Objects.requireNonNull(file, "file"));
        if (!CountersLayout.isCountersFile(b)) {
            throw new IllegalArgumentException(file + " is not a Troupe counters file");
        }
        return CountersLayout.values(b);
    }

    private static int printOne(Path file, PrintStream out, PrintStream err) {
        final ByteBuffer b;
        try {
            b = map(file);
        } catch (IOException e) {
            err.println("troupe-stat: cannot read " + file + ": " + e);
            return NOT_FOUND;
        }
        if (!CountersLayout.isCountersFile(b)) {
            err.println("troupe-stat: " + file + " is not a Troupe counters file (wrong size, magic or version)");
            return NOT_FOUND;
        }
        final long pid = CountersLayout.pid(b);
        final boolean alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        final Map<String, Long> values = CountersLayout.values(b);
        final Long heartbeat = values.get("heartbeat (epoch ms)");
        out.println("system '" + CountersLayout.systemName(b) + "' pid " + pid + (alive ? " (running)" : " (NOT RUNNING)")
                + ", started " + Instant.ofEpochMilli(CountersLayout.startMillis(b))
                + (heartbeat == null ? "" : ", last heartbeat " + (System.currentTimeMillis() - heartbeat) + " ms ago"));
        for (Map.Entry<String, Long> e : values.entrySet()) {
            if (!e.getKey().startsWith("heartbeat")) {
                out.printf("  %-20s %,15d%n", e.getKey(), e.getValue());
            }
        }
        if (!alive) {
            err.println("troupe-stat: process " + pid + " is not running: " + file + " was left by a process that died"
                    + " (the figures are its last)");
            return DEAD_PROCESS;
        }
        return OK;
    }
}
