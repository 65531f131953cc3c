package io.troupe.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorDump;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.http.Body;
import io.troupe.http.Headers;
import io.troupe.http.Request;
import io.troupe.http.Response;
import io.troupe.services.Service;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The console over real HTTP: its JSON read with the JDK's client and parsed by a strict parser,
 * and its page loaded in headless Chromium, on a system with a known tree (a parent with two
 * children) and an actor held in its handler on a latch.
 */
@Timeout(180)
class ConsoleTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    /** The message the blocker is held in. */
    record Hold(CountDownLatch entered, CountDownLatch release) {}

    /** A parent that spawns two children before it takes any message. */
    static final class Parent extends Actor<String> {
        @Override
        protected void preStart() {
            context().spawn(Actor.<String>of((ctx, m) -> { }), "child-1");
            context().spawn(Actor.<String>of((ctx, m) -> { }), "child-2");
        }

        @Override
        protected void receive(String message) {
        }
    }

    private ActorSystem system;
    private Console console;
    private HttpClient client;
    private final CountDownLatch release = new CountDownLatch(1);
    private ActorRef<Object> blocker;

    @BeforeEach
    void start() {
        system = ActorSystem.builder("console-test").parallelism(3).deadLetterLogsPerSecond(0)
                .onSlowHandler((path, running) -> { }).build();
        system.spawn(Parent::new, "parent");
        blocker = system.spawn(Actor.of((ctx, m) -> {
            if (m instanceof Hold h) {
                h.entered().countDown();
                try {
                    h.release().await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }), "blocker");
        console = Console.serve(system, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .toCompletableFuture().orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
        client = HttpClient.newBuilder().connectTimeout(WAIT).build();
    }

    @AfterEach
    void stop() {
        release.countDown();
        if (console != null) {
            console.close();
        }
        system.close();
    }

    /** Holds the blocker in its handler with {@code queued} messages behind it. */
    private void hold(int queued) throws InterruptedException {
        final CountDownLatch entered = new CountDownLatch(1);
        blocker.tell(new Hold(entered, release));
        assertTrue(entered.await(WAIT.toSeconds(), TimeUnit.SECONDS), "the blocker never ran");
        for (int i = 0; i < queued; i++) {
            blocker.tell("queued-" + i);
        }
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        final HttpRequest request = HttpRequest.newBuilder(URI.create(console.url()).resolve(path)).timeout(WAIT).GET().build();
        return client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private Map<String, Object> getJson(String path) throws IOException, InterruptedException {
        final HttpResponse<String> r = get(path);
        assertEquals(200, r.statusCode(), path + ": " + r.body());
        assertEquals("application/json; charset=utf-8", r.headers().firstValue("Content-Type").orElse(""), path);
        return MiniJson.object(r.body());
    }

    /** Reads {@code path} until {@code condition} holds (a probe: the dump and the counters are racy snapshots). */
    private Map<String, Object> awaitJson(String path, String what, Predicate<Map<String, Object>> condition) throws Exception {
        final long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            final Map<String, Object> json = getJson(path);
            if (condition.test(json)) {
                return json;
            }
            assertTrue(System.nanoTime() - deadline < 0, "timed out waiting for " + what + "; last " + path + ": " + json);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> actors(Map<String, Object> dump) {
        return (List<Map<String, Object>>) dump.get("actors");
    }

    private static Map<String, Map<String, Object>> byPath(Map<String, Object> dump) {
        final Map<String, Map<String, Object>> m = new LinkedHashMap<>();
        for (Map<String, Object> a : actors(dump)) {
            m.put((String) a.get("path"), a);
        }
        return m;
    }

    private static boolean running(Map<String, Object> dump, String path, String messageType) {
        final Map<String, Object> a = byPath(dump).get(path);
        return a != null && "RUNNING".equals(a.get("state")) && messageType.equals(a.get("message"));
    }

    @Test
    void dump_showsTheTree_andTheBlockedActorRunningItsMessage() throws Exception {
        hold(3);
        final Map<String, Object> dump = awaitJson("/api/dump", "the tree and the blocker RUNNING Hold",
                d -> byPath(d).containsKey("/user/parent/child-2") && running(d, "/user/blocker", Hold.class.getName()));

        assertEquals("console-test", dump.get("system"));
        assertEquals(10_000L, dump.get("max"));
        assertEquals(0L, dump.get("omitted"));
        final Map<String, Map<String, Object>> actors = byPath(dump);
        final List<String> user = actors.keySet().stream().filter(p -> p.startsWith("/user")).toList();
        // Breadth first: the guardian, its children in the order spawned, then the grandchildren.
        assertEquals(List.of("/user", "/user/parent", "/user/blocker", "/user/parent/child-1", "/user/parent/child-2"), user);
        assertEquals(2L, actors.get("/user/parent").get("children"));
        assertEquals(Parent.class.getName(), actors.get("/user/parent").get("class"));
        assertEquals(0L, actors.get("/user/parent/child-1").get("children"));

        final Map<String, Object> blocked = actors.get("/user/blocker");
        assertEquals("RUNNING", blocked.get("state"));
        assertEquals(Hold.class.getName(), blocked.get("message"));
        assertEquals(3L, blocked.get("mailboxDepth"), "the three messages queued behind the held one");
        final ActorDump.Entry direct = system.dump().find("/user/blocker").orElseThrow();
        assertEquals((long) direct.mailboxCapacity(), blocked.get("mailboxCapacity"));
        assertTrue((Long) blocked.get("handlingMillis") >= 0);
        for (String idle : List.of("/user/parent", "/user/parent/child-1", "/user/parent/child-2")) {
            assertEquals("IDLE", actors.get(idle).get("state"), idle);
            assertEquals(null, actors.get(idle).get("message"), idle);
        }
    }

    @Test
    void dump_isBounded_withTheRestCounted() throws Exception {
        final Map<String, Object> full = awaitJson("/api/dump", "the tree", d -> byPath(d).containsKey("/user/parent/child-2"));
        final int total = actors(full).size();
        final Map<String, Object> two = getJson("/api/dump?max=2");
        assertEquals(2L, two.get("max"));
        // Breadth first from the two guardians: the first two are /user and /system.
        assertEquals(List.of("/user", "/system"), actors(two).stream().map(a -> a.get("path")).toList());
        // The tree does not change in between (no actor starts or stops), so the count is exact.
        assertEquals((long) total - 2, two.get("omitted"));
        final Map<String, Object> none = getJson("/api/dump?max=0");
        assertEquals(List.of(), actors(none));
        assertEquals((long) total, none.get("omitted"));

        final HttpResponse<String> bad = get("/api/dump?max=-1");
        assertEquals(400, bad.statusCode(), bad.body());
        assertEquals(400, get("/api/dump?max=lots").statusCode());
        assertEquals(404, get("/api/nothing").statusCode());
        assertEquals(404, get("/console/").statusCode());
    }

    @Test
    void counters_areTheSystemsInOrder_andIncreaseWithMessages() throws Exception {
        final Map<String, Object> before = getJson("/api/counters");
        assertEquals("console-test", before.get("system"));
        assertEquals(new ArrayList<>(system.counterValues().keySet()), names(before));
        final long handledBefore = counter(before, "messages handled");

        final CountDownLatch got = new CountDownLatch(50);
        final ActorRef<String> sink = system.spawn(Actor.<String>of((ctx, m) -> got.countDown()), "sink");
        for (int i = 0; i < 50; i++) {
            sink.tell("m" + i);
        }
        assertTrue(got.await(WAIT.toSeconds(), TimeUnit.SECONDS));
        // The watchdog folds the workers' counts into the counters every scan.
        final Map<String, Object> after = awaitJson("/api/counters", "50 more messages handled",
                c -> counter(c, "messages handled") >= handledBefore + 50);
        assertTrue(counter(after, "actors spawned") > counter(before, "actors spawned"), "the sink was spawned");
        assertTrue((Long) after.get("monotonicMillis") >= (Long) before.get("monotonicMillis"));
    }

    @Test
    void loopbackConsole_answersOnlyRequestsToLocalhostOrAnIpAddress() {
        // DNS rebinding: a page of evil.example whose name now resolves to 127.0.0.1 sends Host: evil.example.
        final Service<Request, Response> loopback = Console.service(system, true);
        for (String host : List.of("evil.example", "evil.example:9090", "127.0.0.1.evil.example", "localhost.evil.example",
                "127.0.0.1:90x", "[::1]x", "")) {
            assertEquals(403, status(loopback, host), "Host: " + host);
        }
        for (String host : List.of("127.0.0.1", "127.0.0.1:9090", "localhost", "LOCALHOST:9090", "app.localhost:1", "[::1]:9090",
                "[::1]", "10.0.0.7:80")) {
            assertEquals(200, status(loopback, host), "Host: " + host);
        }
        assertEquals(200, status(Console.service(system, false), "evil.example"), "bound elsewhere, any name is the user's choice");
    }

    private static int status(Service<Request, Response> service, String host) {
        final Request request = Request.of("GET", "/api/counters", "HTTP/1.1", Headers.of("Host", host), Body.empty(), null);
        return service.call(request).toCompletableFuture().orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join().status();
    }

    @SuppressWarnings("unchecked")
    private static List<String> names(Map<String, Object> counters) {
        return ((List<Map<String, Object>>) counters.get("counters")).stream().map(c -> (String) c.get("name")).toList();
    }

    @SuppressWarnings("unchecked")
    private static long counter(Map<String, Object> counters, String name) {
        return ((List<Map<String, Object>>) counters.get("counters")).stream().filter(c -> name.equals(c.get("name")))
                .map(c -> (Long) c.get("value")).findFirst().orElseThrow(() -> new AssertionError("no counter " + name));
    }

    @Test
    void json_escapesQuotesBackslashesAndControls_andParsesBack() {
        // Actor names cannot hold quotes or backslashes (SpawnOptions), nor class names, so the encoder is
        // driven directly with a dump that does: what it writes must parse back to the same strings.
        final StringBuilder controls = new StringBuilder();
        for (char c = 0; c < 0x20; c++) {
            controls.append(c);
        }
        final String path = "/user/a\"b\\c";
        final String type = "com.example.Msg\"quoted\\back</script><!--&\u2028\u2029\uD83D\uDE00" + controls;
        final ActorDump dump = new ActorDump(List.of(
                new ActorDump.Entry(path, "com.example.A\\B", ActorDump.State.RUNNING, 1, 16, type, Duration.ofMillis(1500), "d\"1", 0),
                new ActorDump.Entry("/user/plain", null, ActorDump.State.IDLE, 0, 16, null, Duration.ZERO, "default", 2)), 7);
        final String json = ConsoleJson.dump("sys\"tem\\", 2, dump);
        assertFalse(json.chars().anyMatch(c -> c < 0x20 && c != '\n'), "no raw control character but the newlines between entries");
        assertFalse(json.contains("</script>"), "nothing that closes a script if pasted into HTML");

        final Map<String, Object> parsed = MiniJson.object(json);
        assertEquals("sys\"tem\\", parsed.get("system"));
        assertEquals(7L, parsed.get("omitted"));
        final List<Map<String, Object>> actors = actors(parsed);
        assertEquals(2, actors.size());
        assertEquals(path, actors.get(0).get("path"));
        assertEquals(type, actors.get(0).get("message"));
        assertEquals("com.example.A\\B", actors.get(0).get("class"));
        assertEquals("d\"1", actors.get(0).get("dispatcher"));
        assertEquals(1500L, actors.get(0).get("handlingMillis"));
        assertEquals(null, actors.get(1).get("class"));
        assertEquals(null, actors.get(1).get("message"));
        assertEquals(2L, actors.get(1).get("children"));

        final Map<String, Long> values = new LinkedHashMap<>();
        values.put("we\"ird\\name\n", 42L);
        values.put("plain", 0L);
        final Map<String, Object> counters = MiniJson.object(ConsoleJson.counters("s", 5, values));
        assertEquals(List.of("we\"ird\\name\n", "plain"), names(counters));
        assertEquals(42L, counter(counters, "we\"ird\\name\n"));
    }

    @Test
    void page_inHeadlessChromium_rendersTheTreeAndCounters_andMarksTheStuckActor() throws Exception {
        hold(0);
        // The page marks an actor stuck once its handler has run for more than a second.
        awaitJson("/api/dump", "the blocker in its handler for over a second", d -> {
            final Map<String, Object> a = byPath(d).get("/user/blocker");
            return a != null && "RUNNING".equals(a.get("state")) && (Long) a.get("handlingMillis") > 1000
                    && byPath(d).containsKey("/user/parent/child-2");
        });
        final HttpResponse<String> page = get("/");
        assertEquals(200, page.statusCode());
        assertEquals("text/html; charset=utf-8", page.headers().firstValue("Content-Type").orElse(""));
        assertFalse(page.body().contains("/user/parent"), "the page as served has no data; the script fills it in");

        final String dom = dumpDom(console.url());
        for (String p : List.of("/user", "/user/parent", "/user/blocker", "/user/parent/child-1", "/user/parent/child-2")) {
            assertTrue(dom.contains("<tr data-path=\"" + p + "\""), "no row for " + p + " in the DOM:\n" + dom);
        }
        // The page shows the tree depth first: each actor under its parent, siblings in the order spawned.
        final List<String> rows = new ArrayList<>();
        final Matcher paths = Pattern.compile("<tr data-path=\"(/user[^\"]*)\"").matcher(dom);
        while (paths.find()) {
            rows.add(paths.group(1));
        }
        assertEquals(List.of("/user", "/user/parent", "/user/parent/child-1", "/user/parent/child-2", "/user/blocker"), rows);
        final Matcher row = Pattern.compile("<tr data-path=\"/user/blocker\" class=\"([a-z]+)\">(.*?)</tr>").matcher(dom);
        assertTrue(row.find(), "no blocker row with a class:\n" + dom);
        assertEquals("stuck", row.group(1), "the blocker is highlighted as stuck");
        assertTrue(row.group(2).contains(">Hold<"), "the row shows the message type: " + row.group(2));
        assertTrue(dom.contains("stuck in a handler for more than 1 s: /user/blocker"), dom);
        for (String name : system.counterValues().keySet()) {
            assertTrue(dom.contains("<tr data-counter=\"" + name + "\""), "no row for counter " + name + " in the DOM:\n" + dom);
        }
        assertFalse(dom.contains("class=\"error\""), "the page reported an error:\n" + dom);
        assertTrue(Pattern.compile("<div id=\"status\"[^>]*>updated ").matcher(dom).find(), "the status line says updated:\n" + dom);
        // 3 s of virtual time is three polls: the rates (per second, between two polls) are filled in.
        final Matcher rate = Pattern.compile("<tr data-counter=\"messages handled\">.*?<td class=\"num rate\">([^<]*)</td>").matcher(dom);
        assertTrue(rate.find(), "no rate cell for messages handled:\n" + dom);
        assertTrue(rate.group(1).matches("-?\\d+\\.\\d"), "a rate per second after the second poll, was '" + rate.group(1) + "'");
    }

    /** Loads {@code url} in a fresh headless Chromium and returns the DOM after the page's script ran (3 s of virtual time). */
    private static String dumpDom(String url) throws Exception {
        final Path chromium = Path.of("/usr/bin/chromium");
        assertTrue(Files.isExecutable(chromium), "headless Chromium is needed: apt-get install chromium (.ci/run does it)");
        final Path profile = Files.createTempDirectory("troupe-console-chromium");
        final Path out = Files.createTempFile("troupe-console-chromium", ".html");
        final Path err = Files.createTempFile("troupe-console-chromium", ".err");
        try {
            final Process p = new ProcessBuilder(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--user-data-dir=" + profile, "--virtual-time-budget=3000", "--dump-dom", url)
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            try {
                assertTrue(p.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "chromium did not exit within " + WAIT + ": " + Files.readString(err));
            } finally {
                p.destroyForcibly();
            }
            assertEquals(0, p.exitValue(), "chromium failed: " + Files.readString(err));
            return Files.readString(out);
        } finally {
            try (Stream<Path> files = Files.walk(profile)) {
                for (Path f : files.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
