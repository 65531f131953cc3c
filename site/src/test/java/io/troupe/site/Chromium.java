package io.troupe.site;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Headless Chromium (Debian's {@code chromium}) driven over the DevTools protocol with the JDK's
 * WebSocket client: no Selenium, no driver binary. One browser, one page (tab) per instance.
 *
 * <p>Threading: {@link #call} may be called from any thread; events are handed to the
 * listeners on the WebSocket's thread. {@link #close} kills the browser and deletes its profile.
 */
final class Chromium implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://\\S+)");

    private final Process process;
    private final Path profile;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<Map<String, Object>>> pending = new ConcurrentHashMap<>();
    private final List<Consumer<Map<String, Object>>> listeners = new CopyOnWriteArrayList<>();
    private final List<String> stderr = new CopyOnWriteArrayList<>();
    private final String sessionId;

    private Chromium(Process process, Path profile, WebSocket socket, String sessionId) {
        this.process = process;
        this.profile = profile;
        this.socket = socket;
        this.sessionId = sessionId;
    }

    /** The browser binary: {@code chromium} on the PATH (Debian), or {@code -Dsite.chromium=PATH}. */
    static Path binary() {
        final String configured = System.getProperty("site.chromium");
        if (configured != null) {
            return Path.of(configured);
        }
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(java.io.File.pathSeparator)) {
            for (String name : List.of("chromium", "chromium-browser")) {
                final Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        throw new IllegalStateException("headless Chromium is needed for the site's browser test and was not found on the PATH:"
                + " install Debian's 'chromium' (apt-get install chromium; .ci/run does it) or pass -Dsite.chromium=/path/to/chromium");
    }

    /** Starts a fresh headless browser and opens one page. */
    static Chromium start(Duration timeout) throws Exception {
        final Path profile = Files.createTempDirectory("troupe-site-chromium");
        final List<String> command = List.of(binary().toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-extensions", "--hide-scrollbars", "--mute-audio",
                "--user-data-dir=" + profile, "--remote-debugging-port=0", "about:blank");
        final Process process = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        final CompletableFuture<String> url = new CompletableFuture<>();
        final List<String> early = new CopyOnWriteArrayList<>();
        final Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    early.add(line);
                    final Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        url.complete(m.group(1));
                    }
                }
            } catch (IOException e) {
                url.completeExceptionally(e);
            }
            url.completeExceptionally(new IllegalStateException("chromium exited before it listened; its stderr:\n" + String.join("\n", early)));
        }, "chromium-stderr");
        reader.setDaemon(true);
        reader.start();
        final String browserUrl;
        try {
            browserUrl = url.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            process.destroyForcibly();
            throw new IllegalStateException("chromium did not start within " + timeout + ": " + e + "\n" + String.join("\n", early), e);
        }
        final Holder holder = new Holder();
        final WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create(browserUrl), holder).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        // Attach to a new tab with a flat session: page commands carry its sessionId.
        final Chromium bootstrap = new Chromium(process, profile, ws, null);
        holder.owner = bootstrap;
        final String targetId = (String) bootstrap.call("Target.createTarget", Map.of("url", "about:blank"), null, timeout).get("targetId");
        final String session = (String) bootstrap.call("Target.attachToTarget", Map.of("targetId", targetId, "flatten", true), null, timeout)
                .get("sessionId");
        final Chromium chromium = new Chromium(process, profile, ws, session);
        chromium.stderr.addAll(early);
        holder.owner = chromium;
        chromium.pending.putAll(bootstrap.pending);
        return chromium;
    }

    /** Adds a listener of every event of the page's session (method, params). */
    void onEvent(Consumer<Map<String, Object>> listener) {
        listeners.add(listener);
    }

    /** Sends a command to the page and waits for its result. */
    Map<String, Object> call(String method, Map<String, Object> params, Duration timeout) {
        return call(method, params, sessionId, timeout);
    }

    private Map<String, Object> call(String method, Map<String, Object> params, String session, Duration timeout) {
        final int id = ids.incrementAndGet();
        final Map<String, Object> message = new LinkedHashMap<>();
        message.put("id", id);
        message.put("method", method);
        message.put("params", params);
        if (session != null) {
            message.put("sessionId", session);
        }
        final CompletableFuture<Map<String, Object>> result = new CompletableFuture<>();
        pending.put(id, result);
        synchronized (socket) {
            socket.sendText(Json.write(message), true).join();
        }
        try {
            return result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(method + " failed or got no answer within " + timeout + ": " + e, e);
        } finally {
            pending.remove(id);
        }
    }

    /** Evaluates a JavaScript expression in the page and returns its value (JSON-like). */
    Object evaluate(String expression, Duration timeout) {
        final Map<String, Object> r = call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true), timeout);
        if (r.containsKey("exceptionDetails")) {
            throw new IllegalStateException("evaluating " + expression + " threw: " + r.get("exceptionDetails"));
        }
        @SuppressWarnings("unchecked")
        final Map<String, Object> value = (Map<String, Object>) r.get("result");
        return value.get("value");
    }

    @SuppressWarnings("unchecked")
    private void dispatch(String text) {
        final Map<String, Object> message = (Map<String, Object>) Json.parse(text);
        final Object id = message.get("id");
        if (id instanceof Double d) {
            final CompletableFuture<Map<String, Object>> f = pending.get(d.intValue());
            if (f != null) {
                if (message.containsKey("error")) {
                    f.completeExceptionally(new IllegalStateException("DevTools error: " + message.get("error")));
                } else {
                    f.complete((Map<String, Object>) message.getOrDefault("result", Map.of()));
                }
            }
        } else if (sessionId != null && sessionId.equals(message.get("sessionId"))) {
            for (Consumer<Map<String, Object>> l : listeners) {
                l.accept(message);
            }
        }
    }

    @Override
    public void close() throws IOException {
        try {
            socket.abort();
        } finally {
            process.destroy();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try (Stream<Path> files = Files.walk(profile)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException ignored) {
                // the profile is in the temp folder; a leftover file there does no harm
            }
        }
    }

    /** Receives the WebSocket's text (in parts) and hands whole messages to the current owner. */
    private static final class Holder implements WebSocket.Listener {
        volatile Chromium owner;
        private final StringBuilder partial = new StringBuilder();
        private final List<String> early = new ArrayList<>();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                final String message = partial.toString();
                partial.setLength(0);
                final Chromium c = owner;
                if (c == null) {
                    early.add(message);
                } else {
                    c.dispatch(message);
                }
            }
            webSocket.request(1);
            return null;
        }
    }
}
