package io.troupe.site;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every page of the site in a real browser: headless Chromium loads it from a local HTTP server
 * at desktop (1280x800) and phone (390x844) sizes, and the test fails on a console error, an
 * uncaught exception, a failed request, an image that did not load, a link inside the site that
 * does not answer 200, or a page wider than a phone's screen. Screenshots of each page at both
 * sizes go to {@code target/screenshots} (out of git).
 */
class BrowserTest {
    private static final Duration STEP = Duration.ofSeconds(20);
    private static final Map<String, int[]> VIEWPORTS = Map.of("desktop", new int[] {1280, 800}, "phone", new int[] {390, 844});

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void everyPage_inChromium_loadsCleanlyAtDesktopAndPhoneWidths() throws Exception {
        // Each page, at both sizes: no console error, no exception, no failed request, every image
        // decoded, every internal link answers 200, no sideways scrolling; screenshots taken.
        final Path site = SiteFiles.output();
        final List<String> pages = SiteFiles.pages(site);
        final Path shots = Path.of(System.getProperty("site.screenshots", "target/screenshots"));
        Files.createDirectories(shots);
        final List<String> problems = new CopyOnWriteArrayList<>();
        final HttpServer server = serve(site, problems);
        final String base = "http://127.0.0.1:" + server.getAddress().getPort() + "/";
        final Set<String> links = new LinkedHashSet<>();
        try (Chromium chromium = Chromium.start(Duration.ofSeconds(30))) {
            final List<String> pageProblems = new CopyOnWriteArrayList<>();
            final CompletableFuture<?>[] loaded = {new CompletableFuture<>()};
            chromium.onEvent(event -> {
                final String method = (String) event.get("method");
                @SuppressWarnings("unchecked")
                final Map<String, Object> params = (Map<String, Object>) event.getOrDefault("params", Map.of());
                switch (method) {
                    case "Page.loadEventFired" -> loaded[0].complete(null);
                    case "Runtime.consoleAPICalled" -> {
                        final String type = (String) params.get("type");
                        if (type.equals("error") || type.equals("assert") || type.equals("warning")) {
                            pageProblems.add("console." + type + ": " + params.get("args"));
                        }
                    }
                    case "Runtime.exceptionThrown" -> pageProblems.add("uncaught exception: " + params.get("exceptionDetails"));
                    case "Log.entryAdded" -> {
                        @SuppressWarnings("unchecked")
                        final Map<String, Object> entry = (Map<String, Object>) params.get("entry");
                        if ("error".equals(entry.get("level")) || "warning".equals(entry.get("level"))) {
                            pageProblems.add("log " + entry.get("level") + ": " + entry.get("text") + " " + entry.getOrDefault("url", ""));
                        }
                    }
                    case "Network.loadingFailed" -> pageProblems.add("request failed: " + params.get("errorText"));
                    case "Network.responseReceived" -> {
                        @SuppressWarnings("unchecked")
                        final Map<String, Object> response = (Map<String, Object>) params.get("response");
                        final double status = (Double) response.get("status");
                        if (status >= 400) {
                            pageProblems.add("HTTP " + (int) status + " for " + response.get("url"));
                        }
                    }
                    default -> { }
                }
            });
            for (String domain : List.of("Page", "Runtime", "Log", "Network")) {
                chromium.call(domain + ".enable", Map.of(), STEP);
            }
            for (Map.Entry<String, int[]> viewport : new java.util.TreeMap<>(VIEWPORTS).entrySet()) {
                final String size = viewport.getKey();
                final int width = viewport.getValue()[0];
                final int height = viewport.getValue()[1];
                chromium.call("Emulation.setDeviceMetricsOverride", Map.of("width", width, "height", height,
                        "deviceScaleFactor", 1, "mobile", size.equals("phone")), STEP);
                for (String page : pages) {
                    pageProblems.clear();
                    loaded[0] = new CompletableFuture<>();
                    chromium.call("Page.navigate", Map.of("url", base + page), STEP);
                    loaded[0].get(STEP.toMillis(), TimeUnit.MILLISECONDS);
                    final Object badImages = chromium.evaluate("Array.from(document.images)"
                            + ".filter(i => !i.complete || i.naturalWidth === 0).map(i => i.getAttribute('src'))", STEP);
                    if (badImages instanceof List<?> l && !l.isEmpty()) {
                        pageProblems.add("images that did not load: " + l);
                    }
                    // Against the emulated width, not innerWidth: a phone's layout viewport widens to fit wide content.
                    final Object wide = chromium.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)", STEP);
                    if (wide instanceof Double d && d > width) {
                        pageProblems.add("the page is " + (d.intValue() - width) + " px wider than the " + width + " px window (sideways scrolling)");
                    }
                    final Object hrefs = chromium.evaluate("Array.from(document.querySelectorAll('a[href]')).map(a => a.href)", STEP);
                    if (hrefs instanceof List<?> l) {
                        for (Object href : l) {
                            links.add(String.valueOf(href));
                        }
                    }
                    screenshot(chromium, shots.resolve(page.replace('/', '_').replaceAll("\\.html$", "") + "-" + size + ".png"), width);
                    for (String p : pageProblems) {
                        problems.add(page + " (" + size + "): " + p);
                    }
                }
            }
        } finally {
            server.stop(0);
        }
        final HttpServer again = serve(site, problems);
        try {
            checkLinks(links, base, "http://127.0.0.1:" + again.getAddress().getPort() + "/", problems);
        } finally {
            again.stop(0);
        }
        assertEquals(List.of(), problems, "problems found in the browser");
        assertTrue(links.size() >= pages.size(), "the pages had too few links (" + links.size() + "): did they render?");
    }

    /**
     * A screenshot of the window; of the whole page (at most 6,000 px tall) with
     * {@code -Dsite.fullPageScreenshots=true}, which takes about twice as long.
     */
    private static void screenshot(Chromium chromium, Path file, int width) throws IOException {
        final Map<String, Object> r;
        if (Boolean.getBoolean("site.fullPageScreenshots")) {
            final Object height = chromium.evaluate("document.documentElement.scrollHeight", STEP);
            final double h = Math.min(6000, height instanceof Double d ? d : 800);
            final Map<String, Object> clip = Map.of("x", 0, "y", 0, "width", width, "height", h, "scale", 1);
            r = chromium.call("Page.captureScreenshot", Map.of("format", "png", "clip", clip, "captureBeyondViewport", true), STEP);
        } else {
            r = chromium.call("Page.captureScreenshot", Map.of("format", "png"), STEP);
        }
        Files.write(file, Base64.getDecoder().decode((String) r.get("data")));
    }

    /** Every link the browser saw that points into the site answers 200 (fragments: LinkCheckTest). */
    private static void checkLinks(Set<String> links, String oldBase, String base, List<String> problems) throws Exception {
        final HttpClient client = HttpClient.newBuilder().connectTimeout(STEP).build();
        final Map<String, Integer> seen = new HashMap<>();
        for (String link : links) {
            if (!link.startsWith(oldBase)) {
                continue;
            }
            String path = link.substring(oldBase.length());
            final int hash = path.indexOf('#');
            if (hash >= 0) {
                path = path.substring(0, hash);
            }
            if (seen.containsKey(path)) {
                continue;
            }
            final HttpResponse<Void> r = client.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(STEP).build(),
                    HttpResponse.BodyHandlers.discarding());
            seen.put(path, r.statusCode());
            if (r.statusCode() != 200) {
                problems.add("link " + path + " answers " + r.statusCode());
            }
        }
    }

    /** Serves the site's folder on an ephemeral port of 127.0.0.1; a 404 is recorded as a problem. */
    private static HttpServer serve(Path site, List<String> problems) throws IOException {
        final HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        final Path rootDir = site.toAbsolutePath().normalize();
        server.createContext("/", exchange -> {
            try (exchange) {
                String path = exchange.getRequestURI().getPath();
                Path file = rootDir.resolve(path.substring(1)).normalize();
                if (Files.isDirectory(file)) {
                    file = file.resolve("index.html");
                }
                if (!file.startsWith(rootDir) || !Files.isRegularFile(file)) {
                    if (!path.equals("/favicon.ico")) {
                        problems.add("the server had no " + path);
                    }
                    exchange.sendResponseHeaders(404, -1);
                    return;
                }
                final byte[] body = Files.readAllBytes(file);
                exchange.getResponseHeaders().set("Content-Type", contentType(file.toString()));
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        });
        server.start();
        return server;
    }

    private static String contentType(String name) {
        final Map<String, String> types = new HashMap<>(Map.of(".html", "text/html; charset=utf-8", ".css", "text/css; charset=utf-8",
                ".svg", "image/svg+xml", ".png", "image/png", ".js", "text/javascript; charset=utf-8",
                ".json", "application/json", ".zip", "application/zip", ".gif", "image/gif"));
        for (Map.Entry<String, String> t : types.entrySet()) {
            if (name.endsWith(t.getKey())) {
                return t.getValue();
            }
        }
        return "application/octet-stream";
    }
}
