package io.troupe.observe;

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
 * WebSocket client, as the site module's browser test drives it: one browser, one page. Unlike
 * {@code --dump-dom}, the page can be read several times while it lives (a live page fed by
 * server-sent events never lets virtual time run out). {@link #call} from any thread; events go
 * to the listeners on the WebSocket's thread; {@link #close} kills the browser and deletes its profile.
 */
final class DevToolsChromium implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://\\S+)");

    private final Process process;
    private final Path profile;
    private volatile WebSocket socket;
    private volatile String sessionId;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Long, CompletableFuture<Map<String, Object>>> pending = new ConcurrentHashMap<>();
    private final List<Consumer<Map<String, Object>>> listeners = new CopyOnWriteArrayList<>();

    private DevToolsChromium(Process process, Path profile) {
        this.process = process;
        this.profile = profile;
    }

    /** Starts a headless browser with a window of {@code width} x {@code height} and attaches to a new page. */
    static DevToolsChromium start(int width, int height, Duration timeout) throws Exception {
        final Path chromium = Path.of("/usr/bin/chromium");
        if (!Files.isExecutable(chromium)) {
            throw new AssertionError("headless Chromium is needed: apt-get install chromium (.ci/run does it)");
        }
        final Path profile = Files.createTempDirectory("troupe-console-chromium");
        final Process process = new ProcessBuilder(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-extensions", "--hide-scrollbars", "--mute-audio",
                "--window-size=" + width + "," + height, "--user-data-dir=" + profile, "--remote-debugging-port=0",
                "about:blank").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        final DevToolsChromium c = new DevToolsChromium(process, profile);
        try {
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
                url.completeExceptionally(new IllegalStateException("chromium exited: " + String.join("\n", early)));
            }, "chromium-stderr");
            reader.setDaemon(true);
            reader.start();
            final String browser = url.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            c.socket = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(URI.create(browser), new Listener(c))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            final String target = (String) c.call("Target.createTarget", Map.of("url", "about:blank"), timeout).get("targetId");
            c.sessionId = (String) c.call("Target.attachToTarget", Map.of("targetId", target, "flatten", true), timeout)
                    .get("sessionId");
            return c;
        } catch (Exception | AssertionError e) {
            c.close();
            throw e;
        }
    }

    /** Adds a listener of the page's events ({@code method}, {@code params}). */
    void onEvent(Consumer<Map<String, Object>> listener) {
        listeners.add(listener);
    }

    /** Sends a command (to the page once attached) and waits for its result. */
    Map<String, Object> call(String method, Map<String, Object> params, Duration timeout) {
        final long id = ids.incrementAndGet();
        final Map<String, Object> message = new LinkedHashMap<>();
        message.put("id", id);
        message.put("method", method);
        message.put("params", params);
        if (sessionId != null) {
            message.put("sessionId", sessionId);
        }
        final CompletableFuture<Map<String, Object>> result = new CompletableFuture<>();
        pending.put(id, result);
        try {
            synchronized (this) {
                socket.sendText(write(message), true).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
            return result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(method + " failed or got no answer within " + timeout + ": " + e, e);
        } finally {
            pending.remove(id);
        }
    }

    /** Evaluates {@code expression} in the page and returns its value (strings, Long/Double, lists, maps). */
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
        final Map<String, Object> message = MiniJson.object(text);
        if (message.get("id") instanceof Long id) {
            final CompletableFuture<Map<String, Object>> f = pending.get(id);
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

    /** JSON for the commands: maps, lists, strings, numbers and booleans. */
    static String write(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof String s) {
            final StringBuilder sb = new StringBuilder("\"");
            for (char ch : s.toCharArray()) {
                switch (ch) {
                    case '"' -> sb.append("\\\"");
                    case '\\' -> sb.append("\\\\");
                    default -> {
                        if (ch < 0x20) {
                            sb.append(String.format("\\u%04x", (int) ch));
                        } else {
                            sb.append(ch);
                        }
                    }
                }
            }
            return sb.append('"').toString();
        }
        if (value instanceof Map<?, ?> m) {
            final StringBuilder sb = new StringBuilder("{");
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (sb.length() > 1) {
                    sb.append(',');
                }
                sb.append(write(String.valueOf(e.getKey()))).append(':').append(write(e.getValue()));
            }
            return sb.append('}').toString();
        }
        if (value instanceof List<?> l) {
            final StringBuilder sb = new StringBuilder("[");
            for (Object o : l) {
                if (sb.length() > 1) {
                    sb.append(',');
                }
                sb.append(write(o));
            }
            return sb.append(']').toString();
        }
        return String.valueOf(value); // numbers and booleans
    }

    @Override
    public void close() throws IOException {
        try {
            if (socket != null) {
                socket.abort();
            }
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
                // a leftover file in the temp folder does no harm
            }
        }
    }

    /** Joins the WebSocket's text parts into messages. */
    private static final class Listener implements WebSocket.Listener {
        private final DevToolsChromium owner;
        private final StringBuilder partial = new StringBuilder();

        Listener(DevToolsChromium owner) {
            this.owner = owner;
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                final String message = partial.toString();
                partial.setLength(0);
                owner.dispatch(message);
            }
            webSocket.request(1);
            return null;
        }
    }
}
