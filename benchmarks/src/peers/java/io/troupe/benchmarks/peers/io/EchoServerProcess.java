package io.troupe.benchmarks.peers.io;

import io.troupe.benchmarks.io.EchoServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * An echo server in a JVM of its own, started with {@code taskset -c <cpus>} so that the server
 * runs on those cores only and the benchmark's JVM, the load generator, on the others. The
 * server JVM is this class's {@link #main}: it starts one {@link PinnedEchoBenchmark.Server},
 * prints its address, and serves until its standard input ends. NOT thread safe: the benchmark
 * thread starts and closes it.
 */
final class EchoServerProcess implements EchoServer {
    /*
     * Implementation overview
     *
     * Threading protocol. start() launches `taskset -c <cpus> java ... EchoServerProcess <server>
     * <threads>` with pipes for stdin and stdout (stderr goes to the benchmark's stderr) and
     * waits for the child's one line on stdout, "listening <host>:<port>". The child then moves
     * System.out to stderr, so nothing more goes into the pipe nobody reads.
     *
     * Invariants. The server JVM's allowed CPUs are exactly the ones asked for, and the
     * benchmark JVM's share none of them: start() reads both from /proc/<pid>/status and fails
     * otherwise, so a run that is not pinned as it says never yields a figure.
     *
     * Shutdown. close() closes the child's stdin; the child reads it to its end, closes the
     * server (every connection, every thread) and exits. If the benchmark JVM dies instead, the
     * pipe ends all the same, so no server JVM outlives its benchmark. A child that has not
     * exited within EXIT_MILLIS is killed.
     */

    /** What the server JVM prints before its address. */
    private static final String LISTENING = "listening ";
    /**
     * The server JVM's flags: a heap as large as the benchmark JVM's ({@code AbstractEchoBenchmark}'s
     * fork), and SLF4J's "no providers" warning (netty-all brings slf4j-api) kept out of JMH's output.
     */
    private static final List<String> SERVER_JVM_ARGS = List.of("-Xms2g", "-Xmx2g", "-Dslf4j.internal.verbosity=ERROR");
    private static final long START_MILLIS = 60_000;
    private static final long EXIT_MILLIS = 15_000;

    private final Process process;
    private final InetSocketAddress address;

    private EchoServerProcess(Process process, InetSocketAddress address) {
        this.process = process;
        this.address = address;
    }

    /**
     * Starts {@code server} with {@code threads} threads in a JVM of its own on {@code cpus}
     * ({@code taskset -c} syntax, e.g. {@code 0}) and waits until it listens.
     *
     * @throws IllegalStateException if this JVM may run on any of {@code cpus} (start it with
     *         {@code taskset -c} on the other cores), or the server JVM did not start, or it is
     *         not pinned to exactly {@code cpus}
     */
    static EchoServerProcess start(PinnedEchoBenchmark.Server server, int threads, String cpus) throws IOException {
        final BitSet serverCpus = parseCpuList(cpus);
        final BitSet clientCpus = allowedCpus(ProcessHandle.current().pid());
        if (clientCpus.intersects(serverCpus)) {
            throw new IllegalStateException("the load generator (this JVM, CPUs " + clientCpus + ") may run on the server's CPUs "
                    + serverCpus + "; start it on the others, e.g. `taskset -c 1 java -jar benchmarks/target/benchmarks.jar ...`"
                    + " (benchmarks/run-pinned.sh does)");
        }
        final List<String> command = new ArrayList<>(List.of("taskset", "-c", cpus,
                Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(SERVER_JVM_ARGS);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), EchoServerProcess.class.getName(),
                server.name(), Integer.toString(threads)));
        final Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            final InetSocketAddress address = awaitAddress(process);
            final BitSet actual = allowedCpus(process.pid());
            if (!actual.equals(serverCpus)) {
                throw new IllegalStateException("the server JVM runs on CPUs " + actual + ", not " + serverCpus);
            }
            return new EchoServerProcess(process, address);
        } catch (IOException | RuntimeException e) {
            process.destroyForcibly();
            throw e;
        }
    }

    private static InetSocketAddress awaitAddress(Process process) throws IOException {
        final BufferedReader out = process.inputReader();
        final CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        final String first;
        try {
            first = line.get(START_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while the server JVM started", e);
        } catch (ExecutionException e) {
            throw new IOException("cannot read the server JVM's address", e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("the server JVM did not listen within " + START_MILLIS + " ms");
        }
        if (first == null || !first.startsWith(LISTENING)) {
            throw new IOException("the server JVM did not start (printed " + first + "; its stderr is above)");
        }
        final String hostPort = first.substring(LISTENING.length());
        final int colon = hostPort.lastIndexOf(':');
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }

    /** The CPUs process {@code pid} may run on, from its {@code Cpus_allowed_list}. */
    private static BitSet allowedCpus(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("Cpus_allowed_list:")) {
                return parseCpuList(line.substring("Cpus_allowed_list:".length()).trim());
            }
        }
        throw new IOException("no Cpus_allowed_list in /proc/" + pid + "/status");
    }

    /** Parses a CPU list as {@code taskset -c} and {@code /proc} write it: {@code 0}, {@code 0-1}, {@code 0,2-3}. */
    static BitSet parseCpuList(String list) {
        final BitSet cpus = new BitSet();
        for (String range : list.split(",")) {
            final String[] ends = range.trim().split("-");
            final int from = Integer.parseInt(ends[0]);
            final int to = ends.length > 1 ? Integer.parseInt(ends[1]) : from;
            cpus.set(from, to + 1);
        }
        if (cpus.isEmpty()) {
            throw new IllegalArgumentException("no CPU in the list " + list);
        }
        return cpus;
    }

    @Override
    public InetSocketAddress address() {
        return address;
    }

    /**
     * The server JVM's CPU time: the sum of the first field (time on a CPU, in ns) of
     * {@code /proc/<pid>/task/<tid>/schedstat} over its live threads. Threads that ended are not
     * counted, which the servers here do not do while measured. -1 if unreadable.
     */
    @Override
    public long cpuNanos() {
        final Path tasks = Path.of("/proc", Long.toString(process.pid()), "task");
        long total = 0;
        try (java.util.stream.Stream<Path> threads = Files.list(tasks)) {
            for (Path t : (Iterable<Path>) threads::iterator) {
                try {
                    final String stat = Files.readString(t.resolve("schedstat")).trim();
                    total += Long.parseLong(stat.substring(0, stat.indexOf(' ')));
                } catch (IOException | RuntimeException gone) {
                    // the thread ended between the listing and the read
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return total;
    }

    @Override
    public void close() {
        try {
            process.getOutputStream().close();
            if (!process.waitFor(EXIT_MILLIS, TimeUnit.MILLISECONDS)) {
                System.err.println("the server JVM did not exit within " + EXIT_MILLIS + " ms of its stdin closing; killed");
                process.destroyForcibly().waitFor();
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The server JVM: {@code EchoServerProcess <server> <threads>} starts that
     * {@link PinnedEchoBenchmark.Server}, prints {@code listening <host>:<port>}, and serves
     * until its standard input ends; then it closes the server and exits.
     */
    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: EchoServerProcess <server> <threads>");
            System.exit(2);
        }
        final PinnedEchoBenchmark.Server server = PinnedEchoBenchmark.Server.valueOf(args[0]);
        try (EchoServer echo = server.start(Integer.parseInt(args[1]))) {
            final InetSocketAddress address = echo.address();
            System.out.println(LISTENING + address.getHostString() + ":" + address.getPort());
            System.out.flush();
            System.setOut(System.err);
            while (System.in.read() >= 0) {
                // nothing comes but the end of the input
            }
        }
        System.exit(0);
    }
}
