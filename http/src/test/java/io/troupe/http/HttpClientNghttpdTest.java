package io.troupe.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.troupe.actors.ActorSystem;
import io.troupe.io.TlsSettings;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Troupe's HTTP/2 client against a server nobody here wrote: {@code nghttpd} (Debian's
 * nghttp2-server), in cleartext with prior knowledge and over TLS with ALPN h2, with a small
 * stream limit and small windows so that the client's flow control and stream limit are what
 * carries the requests: many concurrent GETs, a download and an echoed upload compared byte for
 * byte. Fails loudly if nghttpd is missing.
 */
@Timeout(120)
class HttpClientNghttpdTest {
    @TempDir
    Path dir;

    private ActorSystem system;
    private final List<Process> processes = new ArrayList<>();
    private byte[] big;

    @BeforeEach
    void start() throws IOException {
        system = ActorSystem.create("http-client-nghttpd-test");
        Files.createDirectories(dir.resolve("docs"));
        Files.writeString(dir.resolve("docs/hello.txt"), TestApp.HELLO);
        big = new byte[3 * 1024 * 1024 + 5];
        new Random(2).nextBytes(big);
        Files.write(dir.resolve("docs/big.bin"), big);
    }

    @AfterEach
    void stop() {
        for (Process p : processes) {
            p.destroyForcibly();
        }
        system.close();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Starts nghttpd on a free port of 127.0.0.1 and returns the port once it listens. */
    private int nghttpd(String... args) throws IOException {
        final int port = freePort();
        final String nghttpd = Files.isExecutable(Path.of("/usr/sbin/nghttpd")) ? "/usr/sbin/nghttpd" : "nghttpd";
        final List<String> command = new ArrayList<>(List.of(nghttpd, "-v", "-a", "127.0.0.1",
                "-d", dir.resolve("docs").toString()));
        command.addAll(List.of(args));
        command.add(1, "--workers=1");
        final int portAt = command.indexOf("PORT");
        if (portAt >= 0) {
            command.set(portAt, Integer.toString(port));
        } else {
            command.add(Integer.toString(port));
        }
        final Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError("nghttpd is needed (Debian package nghttp2-server): " + e, e);
        }
        processes.add(p);
        final BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null && !line.contains("listen")) {
            // its first lines: options, then "IPv4: listen 127.0.0.1:port" once bound
        }
        if (line == null) {
            throw new AssertionError("nghttpd exited before listening: " + command);
        }
        final Thread drain = new Thread(() -> {
            try (InputStream in = p.getInputStream()) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
            } catch (IOException e) {
                // the process ended
            }
        }, "nghttpd-output");
        drain.setDaemon(true);
        drain.start();
        return port;
    }

    private static byte[] bytes(Response r) throws Exception {
        return r.body().toBytes(64 << 20).toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    @Test
    void priorKnowledge_fourStreamsAtMostAndSmallWindows_everyBodyIntact() throws Exception {
        // at most 4 concurrent streams; stream windows of 2^14 - 1, connection window 2^16 - 1
        final int port = nghttpd("--no-tls", "-m", "4", "-w", "14", "-W", "16", "--echo-upload");
        try (HttpClient client = HttpClient.create(system, HttpClientOptions.defaults()
                .withHttp2(HttpClientOptions.Http2.PRIOR_KNOWLEDGE))) {
            final String base = "http://127.0.0.1:" + port;
            final List<CompletableFuture<Response>> hellos = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                hellos.add(client.get(base + "/hello.txt").toCompletableFuture());
            }
            final CompletableFuture<Response> download = client.get(base + "/big.bin").toCompletableFuture();
            final byte[] upload = new byte[1024 * 1024 + 3];
            new Random(3).nextBytes(upload);
            final CompletableFuture<Response> echo = client.send("POST", base + "/echo", Headers.empty(),
                    Body.of(upload)).toCompletableFuture();
            for (CompletableFuture<Response> f : hellos) {
                final Response r = f.get(60, TimeUnit.SECONDS);
                assertEquals(200, r.status());
                assertEquals(TestApp.HELLO, new String(bytes(r), StandardCharsets.UTF_8));
            }
            assertArrayEquals(big, bytes(download.get(60, TimeUnit.SECONDS)));
            final Response echoed = echo.get(60, TimeUnit.SECONDS);
            assertEquals(200, echoed.status());
            assertArrayEquals(upload, bytes(echoed));
        }
    }

    @Test
    void alpnH2_overTls_helloAndDownload() throws Exception {
        final Path key = dir.resolve("key.pem");
        final Path cert = dir.resolve("cert.pem");
        final Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key.toString(), "-out", cert.toString(),
                "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost", "-days", "1")
                .redirectErrorStream(true).start();
        final byte[] opensslOut = openssl.getInputStream().readAllBytes();
        assertEquals(0, openssl.waitFor(), new String(opensslOut, StandardCharsets.UTF_8));
        final int port = nghttpd("PORT", key.toString(), cert.toString());

        final KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(cert)) {
            trust.setCertificateEntry("nghttpd", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        final TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        final SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);

        try (HttpClient client = HttpClient.create(system, HttpClientOptions.defaults()
                .withHttp2(HttpClientOptions.Http2.ALPN).withTls(TlsSettings.of(context)))) {
            final String base = "https://localhost:" + port;
            final Response hello = client.get(base + "/hello.txt").toCompletableFuture().get(60, TimeUnit.SECONDS);
            assertEquals(TestApp.HELLO, new String(bytes(hello), StandardCharsets.UTF_8));
            assertArrayEquals(big, bytes(client.get(base + "/big.bin").toCompletableFuture().get(60, TimeUnit.SECONDS)));
        }
    }
}
