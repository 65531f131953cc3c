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
        try (ConsoleFeed feed = ConsoleFeed.start(system, system)) {
            loopbackOnly(Console.service(system, feed, true), Console.service(system, feed, false));
        }
    }

    private void loopbackOnly(Service<Request, Response> loopback, Service<Request, Response> anyHost) {
        for (String host : List.of("evil.example", "evil.example:9090", "127.0.0.1.evil.example", "localhost.evil.example",
                "127.0.0.1:90x", "[::1]x", "")) {
            assertEquals(403, status(loopback, host), "Host: " + host);
        }
        for (String host : List.of("127.0.0.1", "127.0.0.1:9090", "localhost", "LOCALHOST:9090", "app.localhost:1", "[::1]:9090",
                "[::1]", "10.0.0.7:80")) {
            assertEquals(200, status(loopback, host), "Host: " + host);
        }
        assertEquals(200, status(anyHost, "evil.example"), "bound elsewhere, any name is the user's choice");
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
                new ActorDump.Entry(path, "com.example.A\\B", ActorDump.State.RUNNING, 1, 16, type, Duration.ofMillis(1500), "d\"1", 0, 12, 1),
                new ActorDump.Entry("/user/plain", null, ActorDump.State.IDLE, 0, 16, null, Duration.ZERO, "default", 2, 0, 0)), 7);
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
        assertEquals(12L, actors.get(0).get("messagesHandled"));
        assertEquals(1L, actors.get(0).get("restarts"));
        assertEquals(0L, actors.get(1).get("messagesHandled"));

        final Map<String, Long> values = new LinkedHashMap<>();
        values.put("we\"ird\\name\n", 42L);
        values.put("plain", 0L);
        final Map<String, Object> counters = MiniJson.object(ConsoleJson.counters("s", 5, values));
        assertEquals(List.of("we\"ird\\name\n", "plain"), names(counters));
        assertEquals(42L, counter(counters, "we\"ird\\name\n"));
    }

    /** Reads server-sent events from {@code /api/events}: each {@code tick}'s data, parsed. */
    private final class EventReader implements AutoCloseable {
        private final java.util.Iterator<String> lines;
        private final java.util.stream.Stream<String> stream;

        EventReader() throws IOException, InterruptedException {
            final HttpRequest request = HttpRequest.newBuilder(URI.create(console.url()).resolve("/api/events")).GET().build();
            final HttpResponse<java.util.stream.Stream<String>> r = client.send(request, HttpResponse.BodyHandlers.ofLines());
            assertEquals(200, r.statusCode());
            assertEquals("text/event-stream; charset=utf-8", r.headers().firstValue("Content-Type").orElse(""));
            stream = r.body();
            lines = stream.iterator();
        }

        /** The next tick's data (blocks until it comes; the test's @Timeout bounds it). */
        Map<String, Object> next() {
            String event = null;
            while (lines.hasNext()) {
                final String line = lines.next();
                if (line.startsWith("event: ")) {
                    event = line.substring(7);
                } else if (line.startsWith("data: ")) {
                    assertEquals("tick", event, "every event is a tick");
                    return MiniJson.object(line.substring(6));
                }
            }
            throw new AssertionError("the event stream ended");
        }

        @Override
        public void close() {
            stream.close();
        }
    }

    /** An actor that handles a message every 20 ms, so the counters move while a page watches. */
    private void pulse() {
        system.spawn(() -> new Actor<Object>() {
            @Override
            protected void preStart() {
                context().timers().startTimerAtFixedRate("beat", "beat", Duration.ofMillis(20));
            }

            @Override
            protected void receive(Object message) {
            }
        }, "pulse");
    }

    /** Sends {@code n} messages to an actor that has stopped: n dead letters to /user/gone. */
    private void deadLetters(int n) throws Exception {
        final ActorRef<String> gone = system.spawn(Actor.<String>of((ctx, m) -> ctx.stop(ctx.self())), "gone");
        gone.tell("stop");
        system.whenTerminated(gone).toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        for (int i = 0; i < n; i++) {
            gone.tell("late-" + i);
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<String, Object> event, String key) {
        return (List<Map<String, Object>>) event.get(key);
    }

    @Test
    void events_tickEverySecond_withCountersSlowestHandlersAndRecentDeadLetters() throws Exception {
        // The event stream pushes ticks whose counters are the system's, in order, and move as it works; the blocked
        // handler is listed among the slowest (running), and the dead letters sent to a stopped actor are listed, newest last.
        pulse();
        hold(0);
        deadLetters(3);
        try (EventReader events = new EventReader()) {
            Map<String, Object> first = events.next();
            assertEquals("console-test", first.get("system"));
            assertEquals(new ArrayList<>(system.counterValues().keySet()), names(first));
            Map<String, Object> later = events.next();
            final long deadline = System.nanoTime() + WAIT.toNanos();
            while (counter(later, "messages handled") == counter(first, "messages handled")
                    || list(later, "slowest").stream().noneMatch(s -> "/user/blocker".equals(s.get("path")))) {
                assertTrue(System.nanoTime() - deadline < 0, "no tick showed the work and the blocker: " + later);
                first = later;
                later = events.next();
            }
            assertTrue((Long) later.get("monotonicMillis") > (Long) first.get("monotonicMillis"), "ticks are ordered in time");
            final Map<String, Object> blocked = list(later, "slowest").stream()
                    .filter(s -> "/user/blocker".equals(s.get("path"))).findFirst().orElseThrow();
            assertEquals(Hold.class.getName(), blocked.get("message"));
            assertEquals(Boolean.TRUE, blocked.get("running"));
            final List<String> letters = list(later, "deadLetters").stream()
                    .map(d -> d.get("reason") + " " + d.get("message") + " " + d.get("recipient") + " " + d.get("sender")).toList();
            final String letter = "RECIPIENT_STOPPED java.lang.String /user/gone null"; // sent from the test thread: no sender
            assertEquals(List.of(letter, letter, letter), letters);
            assertEquals(3L, later.get("deadLettersTotal"));
        }
    }

    @Test
    void page_inHeadlessChromium_showsTheTree_chartsThatUpdate_slowestAndDeadLetters_noErrors() throws Exception {
        // In a real browser at desktop width, with no console error or exception: the page shows the test system's actors
        // depth first with the stuck one highlighted, every counter with a rate, a chart whose values change between two
        // reads (a pulse actor keeps the handled count moving), the blocker among the slowest handlers, the dead letters;
        // a screenshot goes to target/screenshots (out of git).
        pulse();
        hold(0);
        deadLetters(2);
        final Duration step = Duration.ofSeconds(30);
        final Path shots = Path.of(System.getProperty("observe.screenshots", "target/screenshots"));
        Files.createDirectories(shots);
        final List<String> problems = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (DevToolsChromium chromium = DevToolsChromium.start(1440, 900, step)) {
            chromium.onEvent(event -> {
                @SuppressWarnings("unchecked")
                final Map<String, Object> params = (Map<String, Object>) event.getOrDefault("params", Map.of());
                switch ((String) event.get("method")) {
                    case "Runtime.consoleAPICalled" -> {
                        if (List.of("error", "assert", "warning").contains(params.get("type"))) {
                            problems.add("console." + params.get("type") + ": " + params.get("args"));
                        }
                    }
                    case "Runtime.exceptionThrown" -> problems.add("uncaught exception: " + params.get("exceptionDetails"));
                    case "Log.entryAdded" -> {
                        @SuppressWarnings("unchecked")
                        final Map<String, Object> entry = (Map<String, Object>) params.get("entry");
                        if ("error".equals(entry.get("level"))) {
                            problems.add("log error: " + entry.get("text") + " " + entry.getOrDefault("url", ""));
                        }
                    }
                    default -> { }
                }
            });
            for (String domain : List.of("Page", "Runtime", "Log")) {
                chromium.call(domain + ".enable", Map.of(), step);
            }
            chromium.call("Emulation.setDeviceMetricsOverride", Map.of("width", 1440, "height", 900, "deviceScaleFactor", 1,
                    "mobile", false), step);
            chromium.call("Page.navigate", Map.of("url", console.url()), step);

            // The blocker stuck for over a second, the tree, and a chart with at least two points.
            final String chartValues = "(document.querySelector('svg[data-chart=\"messages handled\"]') || {getAttribute: () => ''})"
                    + ".getAttribute('data-values')";
            awaitPage(chromium, "the tree, the stuck blocker, two chart points, the slowest handler and the dead letters",
                    "document.querySelector('tr[data-path=\"/user/blocker\"].stuck') !== null"
                    + " && document.querySelector('tr[data-path=\"/user/parent/child-2\"]') !== null"
                    + " && " + chartValues + ".split(',').length >= 2"
                    + " && document.querySelector('tr[data-slow=\"/user/blocker\"]') !== null"
                    + " && document.querySelectorAll('tr[data-dead-letter=\"/user/gone\"]').length === 2");
            final List<?> rows = (List<?>) chromium.evaluate("Array.from(document.querySelectorAll('#actors tr[data-path]'))"
                    + ".map(r => r.getAttribute('data-path')).filter(p => p.startsWith('/user'))", step);
            assertEquals(List.of("/user", "/user/parent", "/user/parent/child-1", "/user/parent/child-2", "/user/blocker",
                    "/user/pulse"), rows, "the tree, depth first, siblings in the order spawned");
            assertEquals("Hold", chromium.evaluate("document.querySelector('tr[data-path=\"/user/blocker\"] td:nth-child(4)').textContent", step));
            final List<?> counterRows = (List<?>) chromium.evaluate(
                    "Array.from(document.querySelectorAll('#counters tr[data-counter]')).map(r => r.getAttribute('data-counter'))", step);
            assertEquals(new ArrayList<>(system.counterValues().keySet()), counterRows);
            final Object rate = chromium.evaluate(
                    "document.querySelector('tr[data-counter=\"messages handled\"] td.rate').textContent", step);
            assertTrue(String.valueOf(rate).matches("\\d+\\.\\d"), "a rate per second, was '" + rate + "'");

            // The chart updates: its values change between two reads, and the handled count grows.
            final String valuesBefore = (String) chromium.evaluate(chartValues, step);
            final long lastBefore = Long.parseLong((String) chromium.evaluate(
                    "document.querySelector('tr[data-counter=\"messages handled\"] td[data-last]').getAttribute('data-last')", step));
            awaitPage(chromium, "the chart to change", chartValues + " !== " + DevToolsChromium.write(valuesBefore));
            final long lastAfter = Long.parseLong((String) chromium.evaluate(
                    "document.querySelector('tr[data-counter=\"messages handled\"] td[data-last]').getAttribute('data-last')", step));
            assertTrue(lastAfter > lastBefore, "messages handled grew on the page: " + lastBefore + " -> " + lastAfter);

            assertEquals(Boolean.FALSE, chromium.evaluate("document.getElementById('status').classList.contains('error')", step));
            final Map<String, Object> shot = chromium.call("Page.captureScreenshot", Map.of("format", "png"), step);
            Files.write(shots.resolve("console-desktop.png"), java.util.Base64.getDecoder().decode((String) shot.get("data")));
        }
        assertEquals(List.of(), problems, "problems in the browser");
    }

    /** Evaluates {@code condition} in the page until it is true (bounded by WAIT). */
    private static void awaitPage(DevToolsChromium chromium, String what, String condition) {
        final long deadline = System.nanoTime() + WAIT.toNanos();
        while (!Boolean.TRUE.equals(chromium.evaluate(condition, Duration.ofSeconds(30)))) {
            assertTrue(System.nanoTime() - deadline < 0, "timed out waiting in the page for " + what + "; DOM:\n"
                    + chromium.evaluate("document.body.innerHTML", Duration.ofSeconds(30)));
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
    }
}
