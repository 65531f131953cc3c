package io.troupe.site;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.ActorSystem;
import io.troupe.http.HttpClient;
import io.troupe.http.HttpServer;
import io.troupe.http.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** SiteServer on an ephemeral port: files with their types, 404, and no way out of the root. */
@Timeout(60)
class SiteServerTest {
    @TempDir
    Path dir;

    private ActorSystem system;
    private HttpServer server;
    private HttpClient client;
    private Path root;

    @BeforeEach
    void start() throws IOException {
        root = Files.createDirectories(dir.resolve("site"));
        Files.writeString(root.resolve("index.html"), "<!doctype html><title>home</title>");
        Files.createDirectories(root.resolve("css"));
        Files.writeString(root.resolve("css/site.css"), "body { margin: 0 }");
        Files.writeString(dir.resolve("secret.txt"), "outside the root");
        system = ActorSystem.builder("site-server-test").build();
        server = SiteServer.serve(system, new InetSocketAddress("127.0.0.1", 0), root).toCompletableFuture().join();
        client = HttpClient.create(system);
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
        system.shutdown().toCompletableFuture().join();
    }

    private Response get(String path) {
        return client.get("http://127.0.0.1:" + server.port() + path).toCompletableFuture().join();
    }

    private static String text(Response r) {
        return new String(r.body().toBytes(1 << 20).toCompletableFuture().join(), StandardCharsets.UTF_8);
    }

    /** A request written byte for byte, so no client can normalise the path first. */
    private String raw(String target) throws IOException {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            final OutputStream out = s.getOutputStream();
            out.write(("GET " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            final InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void servesFilesWithTheirTypes() {
        final Response index = get("/index.html");
        assertEquals(200, index.status());
        assertEquals("text/html; charset=utf-8", index.headers().get("Content-Type"));
        assertEquals("<!doctype html><title>home</title>", text(index));

        final Response root = get("/");
        assertEquals(200, root.status());
        assertEquals("<!doctype html><title>home</title>", text(root));

        final Response css = get("/css/site.css");
        assertEquals(200, css.status());
        assertEquals("text/css; charset=utf-8", css.headers().get("Content-Type"));
        assertEquals("body { margin: 0 }", text(css));
    }

    @Test
    void escapedNamesAreDecodedOnce() throws IOException {
        // the server decodes the path once: "%25" is a literal '%', "%20" a space
        Files.writeString(root.resolve("100% done.txt"), "percent");
        final String answer = raw("/100%25%20done.txt");
        assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
        assertTrue(answer.endsWith("percent"), answer);
        // decoded twice, "%2525" would become '%' too: it must name "%25" literally (absent here)
        assertTrue(raw("/100%2525%20done.txt").startsWith("HTTP/1.1 404"));
    }

    @Test
    void missingFileIs404() {
        final Response missing = get("/nope.html");
        assertEquals(404, missing.status());
        assertEquals("not found: /nope.html\n", text(missing));
    }

    @Test
    void traversalIsRefused() throws IOException {
        for (String target : new String[] {"/../secret.txt", "/css/../../secret.txt", "/%2e%2e/secret.txt",
                "/css/%2E%2E/%2e%2e/secret.txt", "/..%5csecret.txt"}) {
            final String answer = raw(target);
            assertTrue(answer.startsWith("HTTP/1.1 400 "), target + " answered: " + answer);
            assertTrue(!answer.contains("outside the root"), target + " leaked the file: " + answer);
        }
    }
}
