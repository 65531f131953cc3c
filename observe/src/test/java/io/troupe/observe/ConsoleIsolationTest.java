package io.troupe.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The console runs on threads of its own: a system whose every worker is blocked still shows its tree. */
@Timeout(120)
class ConsoleIsolationTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    record Hold(CountDownLatch entered, CountDownLatch release) {}

    @Test
    void everyWorkerBlocked_theConsoleStillServesTheTreeAndCounters() throws Exception {
        // Both workers of the observed system are held in handlers; the console, served from its own small system,
        // answers the dump (both blocked actors RUNNING their Hold) and the counters within the client's timeout.
        final CountDownLatch release = new CountDownLatch(1);
        try (ActorSystem system = ActorSystem.builder("blocked").parallelism(2).onSlowHandler((p, d) -> { }).build()) {
            final CountDownLatch entered = new CountDownLatch(2);
            for (String name : List.of("w1", "w2")) {
                final ActorRef<Hold> a = system.spawn(Actor.<Hold>of((ctx, h) -> {
                    h.entered().countDown();
                    try {
                        h.release().await(2 * WAIT.toSeconds(), TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }), name);
                a.tell(new Hold(entered, release));
            }
            try {
                assertTrue(entered.await(WAIT.toSeconds(), TimeUnit.SECONDS), "both workers blocked");
                // The console is started while the system is blocked: serving it needs nothing from its workers either.
                try (Console console = Console.serve(system, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                        .toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS)) {
                    final HttpClient client = HttpClient.newBuilder().connectTimeout(WAIT).build();
                    final HttpResponse<String> dump = client.send(HttpRequest.newBuilder(URI.create(console.url() + "api/dump"))
                            .timeout(WAIT).GET().build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                    assertEquals(200, dump.statusCode(), dump.body());
                    @SuppressWarnings("unchecked")
                    final List<Map<String, Object>> actors = (List<Map<String, Object>>) MiniJson.object(dump.body()).get("actors");
                    final List<String> running = actors.stream().filter(a -> ((String) a.get("path")).matches("/user/w\\d"))
                            .map(a -> a.get("path") + " " + a.get("state") + " " + a.get("message")).sorted().toList();
                    assertEquals(List.of("/user/w1 RUNNING " + Hold.class.getName(), "/user/w2 RUNNING " + Hold.class.getName()),
                            running);
                    final HttpResponse<String> counters = client.send(HttpRequest.newBuilder(URI.create(console.url()
                            + "api/counters")).timeout(WAIT).GET().build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                    assertEquals(200, counters.statusCode());
                    assertEquals("blocked", MiniJson.object(counters.body()).get("system"));
                }
            } finally {
                release.countDown();
            }
        }
    }
}
