package io.troupe.site;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The tutorial's commands, as a newcomer types them: every {@code exec:java} line names a main
 * class of the module it runs; the servers started the way the pages say (each main class with the
 * page's arguments, on a free port instead of the page's) answer the clients the pages use, with
 * the pages' own client command lines ({@code redis-cli}, {@code redis-benchmark}) for mini-redis.
 * No nested Maven: the main classes run in JVMs of their own on this module's class path, which
 * holds troupe-examples.
 */
@Timeout(180)
class TutorialTest {
    private static final Pattern EXEC = Pattern.compile(
            "^mvn .*-pl (\\S+) exec:java -Dexec\\.mainClass=(\\S+)(?: -Dexec\\.args=(\\S+))?\\s*$");
    private static final long WAIT_SECONDS = 60;

    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void stopAll() throws InterruptedException {
        for (Process p : started) {
            p.destroy();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    /** The lines of the page's ```sh blocks, in order. */
    static List<String> shellLines(String page) throws IOException {
        final List<String> lines = new ArrayList<>();
        boolean inShell = false;
        for (String line : Files.readAllLines(SiteFiles.root().resolve("site/src/pages").resolve(page))) {
            if (line.startsWith("```")) {
                inShell = !inShell && line.strip().equals("```sh");
            } else if (inShell && !line.isBlank()) {
                lines.add(line.strip());
            }
        }
        return lines;
    }

    /** A server started as its page says: its module, main class and arguments. */
    record Run(String page, String module, String mainClass, String args) {}

    static List<Run> runs() throws IOException {
        final List<Run> runs = new ArrayList<>();
        for (String page : List.of("tutorial/echo.md", "tutorial/chat.md", "tutorial/redis-shards.md")) {
            for (String line : shellLines(page)) {
                final Matcher m = EXEC.matcher(line);
                if (m.matches()) {
                    runs.add(new Run(page, m.group(1), m.group(2), m.group(3)));
                }
            }
        }
        return runs;
    }

    @Test
    void everyRunCommand_namesAMainClassOfTheModuleItRuns() throws Exception {
        // Each `mvn -pl MODULE exec:java -Dexec.mainClass=C` of the tutorial names a class whose source
        // is in MODULE and which has a public static main(String[]); and the tutorial tells to build
        // and install first, as getting started does.
        final List<Run> runs = runs();
        assertEquals(List.of("io.troupe.examples.echo.EchoServer", "io.troupe.examples.chat.ChatServer",
                "io.troupe.examples.redis.MiniRedis"), runs.stream().map(Run::mainClass).toList());
        for (Run run : runs) {
            assertTrue(Files.isRegularFile(SiteFiles.root().resolve(run.module()).resolve("src/main/java")
                    .resolve(run.mainClass().replace('.', '/') + ".java")), run + ": no such source in " + run.module());
            final Method main = Class.forName(run.mainClass()).getMethod("main", String[].class);
            assertTrue(Modifier.isStatic(main.getModifiers()) && Modifier.isPublic(main.getModifiers()), run.toString());
        }
        assertEquals(List.of("mvn -B install -DskipTests"), shellLines("tutorial/index.md"), "the tutorial installs first");
        assertTrue(shellLines("getting-started.md").contains("mvn -B install -DskipTests"), "as getting started does");
    }

    /** A server's JVM and the lines it printed. */
    record Server(Process process, LinkedBlockingQueue<String> lines) {}

    /** Starts {@code run}'s main class with the page's arguments, the port replaced by {@code port}. */
    private Server start(Run run, int port, String pagePort) throws IOException {
        final List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), run.mainClass()));
        if (run.args() == null) {
            command.add(Integer.toString(port)); // the page runs the default port; the port is the first argument
        } else {
            assertEquals(pagePort, run.args(), "the port the page's clients use");
            command.add(Integer.toString(port));
        }
        final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        started.add(p);
        final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    lines.add(line);
                }
            } catch (IOException e) {
                lines.add("unreadable: " + e);
            }
        }, "tutorial-server-output");
        reader.setDaemon(true);
        reader.start();
        return new Server(p, lines);
    }

    /** Waits for the server's line containing {@code contains}; fails as soon as the server has exited without it. */
    private static String awaitLine(Server server, String contains) throws InterruptedException {
        final StringBuilder seen = new StringBuilder();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (System.nanoTime() < deadline) {
            final String line = server.lines().poll(1, TimeUnit.SECONDS);
            if (line == null) {
                if (!server.process().isAlive() && server.lines().isEmpty()) {
                    seen.append("(exited with ").append(server.process().exitValue()).append(")\n");
                    break;
                }
                continue;
            }
            seen.append(line).append('\n');
            if (line.contains(contains)) {
                return line;
            }
        }
        throw new AssertionError("no line with '" + contains + "' within " + WAIT_SECONDS + " s; output:\n" + seen);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static Run run(String page) throws IOException {
        return runs().stream().filter(r -> r.page().equals(page)).findFirst().orElseThrow();
    }

    @Test
    void echo_asChapterOneRunsIt_sendsEveryLineBack() throws Exception {
        // Chapter 1's server, started as the page says, echoes what a client (the page's nc) types.
        final int port = freePort();
        awaitLine(start(run("tutorial/echo.md"), port, null), "listening on");
        assertTrue(shellLines("tutorial/echo.md").stream().anyMatch(l -> l.startsWith("nc 127.0.0.1 7007")), "the page's client");
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write("hello, echo\n".getBytes(StandardCharsets.UTF_8));
            final BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("hello, echo", in.readLine());
        }
    }

    @Test
    void chat_asChapterTwoRunsIt_relaysALineToTheRoom() throws Exception {
        // Chapter 2's server, started as the page says: two clients (the page's nc) pick nicks, join
        // lobby, and a line one says reaches the other.
        final int port = freePort();
        awaitLine(start(run("tutorial/chat.md"), port, "7008"), "chat listening on");
        try (Socket a = new Socket("127.0.0.1", port); Socket b = new Socket("127.0.0.1", port)) {
            a.setSoTimeout(20_000);
            b.setSoTimeout(20_000);
            final BufferedReader ina = new BufferedReader(new InputStreamReader(a.getInputStream(), StandardCharsets.UTF_8));
            final BufferedReader inb = new BufferedReader(new InputStreamReader(b.getInputStream(), StandardCharsets.UTF_8));
            final OutputStream outa = a.getOutputStream();
            final OutputStream outb = b.getOutputStream();
            assertTrue(ina.readLine().startsWith("* welcome"));
            assertTrue(inb.readLine().startsWith("* welcome"));
            outa.write("/nick alice\n/join lobby\n".getBytes(StandardCharsets.UTF_8));
            assertEquals("* you are alice", ina.readLine());
            assertEquals("* you joined lobby (nobody else here)", ina.readLine());
            outb.write("/nick bob\n/join lobby\n".getBytes(StandardCharsets.UTF_8));
            assertEquals("* you are bob", inb.readLine());
            assertEquals("* you joined lobby with alice", inb.readLine());
            assertEquals("* bob joined", ina.readLine());
            outa.write("hello, bob\n".getBytes(StandardCharsets.UTF_8));
            assertEquals("alice: hello, bob", inb.readLine());
        }
    }

    /** What a finished command printed; it must exit 0 within the bound. */
    private static String runCommand(List<String> command) throws Exception {
        final Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError(command.get(0) + " is missing: install Debian's redis-tools (apt-get install redis-tools;"
                    + " .ci/run does it in CI)", e);
        }
        p.getOutputStream().close();
        final CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
        if (!p.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(command + " did not finish in " + WAIT_SECONDS + " s");
        }
        final String printed = out.get(10, TimeUnit.SECONDS);
        assertEquals(0, p.exitValue(), command + " failed: " + printed);
        return printed;
    }

    private static String readAll(InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "unreadable: " + e;
        }
    }

    /** The page's command line, split on spaces (none of them quotes), with its port replaced and its comment cut. */
    private static List<String> asRun(String line, String pagePort, int port) {
        final String command = line.replaceFirst("\\s+#.*$", "").strip();
        final List<String> words = new ArrayList<>(List.of(command.split("\\s+")));
        final int p = words.indexOf("-p");
        assertTrue(p >= 0 && words.get(p + 1).equals(pagePort), "'" + line + "' uses port " + pagePort);
        words.set(p + 1, Integer.toString(port));
        return words;
    }

    @Test
    void miniRedis_asTheTutorialRunsIt_answersTheTutorialsRedisCliLines() throws Exception {
        // The end of the tutorial: mini-redis started as chapter 6 says answers chapter 6's redis-cli
        // and redis-benchmark lines, and chapter 8's subscribe/publish pair, typed as the pages
        // show them (only the port differs).
        final Run run = run("tutorial/redis-shards.md");
        final String pagePort = run.args();
        final int port = freePort();
        awaitLine(start(run, port, pagePort), "mini-redis listening on");

        final List<String> shards = shellLines("tutorial/redis-shards.md");
        final List<String> cli = shards.stream().filter(l -> l.startsWith("redis-cli ")).toList();
        assertEquals(List.of("redis-cli -p " + pagePort + " set greeting hello", "redis-cli -p " + pagePort + " get greeting"), cli);
        assertEquals("OK\n", runCommand(asRun(cli.get(0), pagePort, port)));
        assertEquals("hello\n", runCommand(asRun(cli.get(1), pagePort, port)));

        final String benchmark = shards.stream().filter(l -> l.startsWith("redis-benchmark ")).findFirst().orElseThrow();
        final List<String> bench = asRun(benchmark, pagePort, port);
        bench.addAll(List.of("-n", "2000")); // the page's run, shortened: 2,000 requests per test, not 100,000
        final String rates = runCommand(bench);
        assertTrue(rates.contains("SET: ") && rates.contains("GET: ") && rates.contains("requests per second"), rates);

        final List<String> expiry = shellLines("tutorial/redis-expiry.md");
        assertEquals(2, expiry.size(), expiry.toString());
        assertEquals("OK\n", runCommand(asRun(expiry.get(0), pagePort, port)));
        final int ttl = Integer.parseInt(runCommand(asRun(expiry.get(1), pagePort, port)).strip());
        assertTrue(ttl >= 1 && ttl <= 10, "TTL of a key set with EX 10, read at once: " + ttl);

        final List<String> pubsub = shellLines("tutorial/redis-pubsub.md");
        assertEquals(2, pubsub.size(), pubsub.toString());
        final Process subscriber = new ProcessBuilder(asRun(pubsub.get(0), pagePort, port)).redirectErrorStream(true).start();
        started.add(subscriber);
        final LinkedBlockingQueue<String> heard = new LinkedBlockingQueue<>();
        final Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(subscriber.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    heard.add(line);
                }
            } catch (IOException e) {
                heard.add("unreadable: " + e);
            }
        }, "redis-cli-subscriber");
        reader.setDaemon(true);
        reader.start();
        // redis-cli without a terminal prints each reply's parts one a line: subscribe, news, 1.
        assertEquals(List.of("subscribe", "news", "1"), List.of(next(heard), next(heard), next(heard)));

        final Matcher promised = Pattern.compile("# .*\\(integer\\) (\\d+)$").matcher(pubsub.get(1));
        assertTrue(promised.find(), "the page says what publish answers: " + pubsub.get(1));
        assertEquals(promised.group(1) + "\n", runCommand(asRun(pubsub.get(1), pagePort, port)));
        assertEquals(List.of("message", "news", "hello"), List.of(next(heard), next(heard), next(heard)));
    }

    private static String next(LinkedBlockingQueue<String> lines) throws InterruptedException {
        final String line = lines.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        assertTrue(line != null, "nothing within " + WAIT_SECONDS + " s");
        return line;
    }
}
