package io.troupe.site.snippets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import java.net.URI;
import java.nio.charset.StandardCharsets;
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

    @Test
    void https_completesAHandshakeAndARequest() throws Exception {
        // The page's https code, run: its server (a certificate for localhost made at test time) and its
        // client (trusting that certificate, verifying the host name) complete a TLS handshake, and the
        // response's body arrives; the JDK's own client gets the same body over the same TLS.
        final TestCertificate certificate = TestCertificate.localhost();
        final SSLContext serverContext = certificate.serverContext;
        final SSLContext trustContext = certificate.trustContext;
        final Service<Request, Response> routes = Routes.builder()
                .get("/hello/{name}", Services.sync(request ->
                        Response.text(200, "Hello, " + request.pathParam("name") + "!\n")))
                .build();
        // region https
        TlsSettings serverTls = TlsSettings.of(serverContext)       // key and certificate
                .withApplicationProtocols("http/1.1");               // ALPN: clients offering h2 settle on 1.1
        HttpServer server = HttpServer.bind(system, new InetSocketAddress(0), // 443 in production
                HttpOptions.defaults(), serverTls, routes).toCompletableFuture().join();

        HttpClient client = HttpClient.create(system, HttpClientOptions.defaults()
                .withTls(TlsSettings.of(trustContext)));              // trusts what trustContext trusts;
                                                                     // the host name is verified by default
        Response response = client.get("https://localhost:" + server.port() + "/hello/tls")
                .toCompletableFuture().join();                       // handshake, then the request
        // endregion
        final String text = new String(response.body().toBytes(64 * 1024).toCompletableFuture().join(), StandardCharsets.UTF_8);
        client.close();
        assertEquals(200, response.status());
        assertEquals("Hello, tls!\n", text);
        assertTrue(TlsSettings.of(trustContext).hostnameVerification(), "host names are verified unless told otherwise");

        final java.net.http.HttpClient jdk = java.net.http.HttpClient.newBuilder().sslContext(trustContext)
                .connectTimeout(Duration.ofSeconds(10)).build();
        final java.net.http.HttpResponse<String> viaJdk = jdk.send(java.net.http.HttpRequest.newBuilder(
                        URI.create("https://localhost:" + server.port() + "/hello/jdk")).timeout(Duration.ofSeconds(20)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, viaJdk.statusCode());
        assertEquals("Hello, jdk!\n", viaJdk.body());
        server.close();
    }

    @Test
    void https_clientThatDoesNotTrustTheCertificate_failsTheHandshake() throws Exception {
        // The handshake is real: the same server refused by a client that trusts only the JDK's
        // default authorities (not the test certificate), with no response.
        final TestCertificate certificate = TestCertificate.localhost();
        final HttpServer server = HttpServer.bind(system, new InetSocketAddress(0), HttpOptions.defaults(),
                TlsSettings.of(certificate.serverContext), Routes.builder()
                        .get("/", Services.sync(request -> Response.text(200, "never\n"))).build())
                .toCompletableFuture().join();
        try (HttpClient client = HttpClient.create(system, HttpClientOptions.defaults()
                .withTls(TlsSettings.of(SSLContext.getDefault())).withRequestTimeout(Duration.ofSeconds(20)))) {
            final java.util.concurrent.CompletableFuture<Response> attempt =
                    client.get("https://localhost:" + server.port() + "/").toCompletableFuture();
            final java.util.concurrent.CompletionException failed =
                    assertThrows(java.util.concurrent.CompletionException.class, attempt::join);
            assertTrue(causes(failed).contains("SSLHandshakeException") || causes(failed).contains("certificate"),
                    "a handshake failure, was: " + causes(failed));
        }
        server.close();
    }

    private static String causes(Throwable t) {
        final StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c.getClass().getName()).append(": ").append(c.getMessage()).append(" / ");
        }
        return sb.toString();
    }
}
