package io.troupe.site.snippets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.ActorSystem;
import io.troupe.http.HttpClient;
import io.troupe.http.HttpClientOptions;
import io.troupe.http.HttpOptions;
import io.troupe.http.HttpServer;
import io.troupe.http.Request;
import io.troupe.http.Response;
import io.troupe.http.Routes;
import io.troupe.io.TlsSettings;
import io.troupe.services.Service;
import io.troupe.services.Services;
import java.net.InetSocketAddress;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The code of guides/http.md, run. */
@Timeout(60)
class HttpGuideTest {
    private final ActorSystem system = ActorSystem.builder("http-guide").build();

    @AfterEach
    void stop() {
        system.shutdown().toCompletableFuture().join();
    }

    @Test
    void serverAndClient_roundTrip() {
        // A route with a path parameter answers our own client with the text it built.
        // region server
        Service<Request, Response> routes = Routes.builder()
                .get("/hello/{name}", Services.sync(request ->
                        Response.text(200, "Hello, " + request.pathParam("name") + "!\n")))
                .build();
        HttpOptions options = HttpOptions.defaults()
                .withMaxBodyBytes(1 << 20)                  // 413 above 1 MiB
                .withRequestTimeout(Duration.ofSeconds(5)); // 503 if the handler takes longer
        HttpServer server = HttpServer.bind(system, new InetSocketAddress("127.0.0.1", 0), options, routes)
                .toCompletableFuture().join();              // port 0: any free port
        // endregion

        // region client
        HttpClient client = HttpClient.create(system, HttpClientOptions.defaults()
                .withConnectTimeout(Duration.ofSeconds(2))
                .withRequestTimeout(Duration.ofSeconds(5)));
        Response response = client.get("http://127.0.0.1:" + server.port() + "/hello/troupe")
                .toCompletableFuture().join();
        String text = new String(response.body().toBytes(64 * 1024).toCompletableFuture().join(),
                java.nio.charset.StandardCharsets.UTF_8);  // "Hello, troupe!\n"
        client.close();
        // endregion
        assertEquals(200, response.status());
        assertEquals("Hello, troupe!\n", text);

        try (HttpClient other = HttpClient.create(system)) {
            Response missing = other.get("http://127.0.0.1:" + server.port() + "/nope").toCompletableFuture().join();
            assertEquals(404, missing.status());
        }
        server.close();
    }

    /** The https server and client settings the page shows, given the two contexts. */
    static HttpServer https(ActorSystem system, SSLContext serverContext, SSLContext trustContext,
                            Service<Request, Response> routes) {
        // region https
        TlsSettings serverTls = TlsSettings.of(serverContext)       // key and certificate
                .withApplicationProtocols("http/1.1");               // ALPN: clients offering h2 settle on 1.1
        HttpServer server = HttpServer.bind(system, new InetSocketAddress(0), // 443 in production
                HttpOptions.defaults(), serverTls, routes).toCompletableFuture().join();

        HttpClient client = HttpClient.create(system, HttpClientOptions.defaults()
                .withTls(TlsSettings.of(trustContext)));              // trusts what trustContext trusts;
                                                                     // the host name is verified by default
        // endregion
        client.close();
        return server;
    }

    @Test
    void httpsSettings_bindAndVerifyHostNamesByDefault() throws Exception {
        // Only what the snippet states without a certificate: the https server binds, and the client's
        // TLS settings verify host names unless told not to. (The handshake itself is tested in
        // http's HttpsServerClientsTest with a keytool-made certificate.)
        assertTrue(TlsSettings.of(SSLContext.getDefault()).hostnameVerification());
        HttpServer server = https(system, SSLContext.getDefault(), SSLContext.getDefault(),
                Routes.builder().build());
        assertTrue(server.port() > 0, "bound to a port");
        server.close();
    }
}
