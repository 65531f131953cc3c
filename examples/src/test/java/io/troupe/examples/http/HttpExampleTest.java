package io.troupe.examples.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.ActorSystem;
import io.troupe.http.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The HTTP example end to end: the hello, and the key-value API through the JDK's client and curl. */
@Timeout(60)
class HttpExampleTest {
    private ActorSystem system;
    private String base;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void start() {
        system = ActorSystem.create("http-example-test");
        final HttpServer server = HttpExample.start(system, new InetSocketAddress("127.0.0.1", 0))
                .toCompletableFuture().join();
        base = "http://127.0.0.1:" + server.port();
    }

    @AfterEach
    void stop() {
        system.close();
    }

    private HttpResponse<String> send(String method, String path, String body) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(URI.create(base + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void hello() throws Exception {
        // GET / answers the short plain-text hello.
        final HttpResponse<String> r = send("GET", "/", null);
        assertEquals(200, r.statusCode());
        assertEquals("Hello, World!\n", r.body());
    }

    @Test
    void keyValue_putGetReplaceDelete() throws Exception {
        // The key-value resource: create (201), read, replace (200), delete (204), then 404; bad JSON is 400.
        assertEquals(404, send("GET", "/kv/a", null).statusCode());
        HttpResponse<String> r = send("PUT", "/kv/a", "{\"n\": 1}");
        assertEquals(201, r.statusCode());
        assertEquals("{\"key\":\"a\",\"value\":{\"n\":1}}", r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(""));
        r = send("GET", "/kv/a", null);
        assertEquals("{\"key\":\"a\",\"value\":{\"n\":1}}", r.body());
        r = send("PUT", "/kv/a", "[1,2,3]");
        assertEquals(200, r.statusCode());
        assertEquals("{\"key\":\"a\",\"value\":[1,2,3]}", send("GET", "/kv/a", null).body());
        assertEquals(204, send("DELETE", "/kv/a", null).statusCode());
        r = send("GET", "/kv/a", null);
        assertEquals(404, r.statusCode());
        assertEquals("{\"error\":\"no value under 'a'\"}", r.body());
        assertEquals(400, send("PUT", "/kv/b", "{not json").statusCode());
        assertEquals(405, send("POST", "/kv/b", "1").statusCode());
    }

    @Test
    void curl_putThenGet() throws Exception {
        // curl, a client nobody here wrote, writes a value and reads it back on one keep-alive connection.
        final Process p = new ProcessBuilder(List.of("curl", "-s", "-X", "PUT", "--data", "{\"x\":true}", base + "/kv/k",
                "--next", "-s", base + "/kv/k")).start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals("{\"key\":\"k\",\"value\":{\"x\":true}}{\"key\":\"k\",\"value\":{\"x\":true}}", out);
    }
}
