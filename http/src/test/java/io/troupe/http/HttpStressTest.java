package io.troupe.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.ActorSystem;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Measurements under load, bounded in time: many idle keep-alive connections hold bounded memory;
 * a long upload and download stream through with a flat heap. Scaled by
 * {@code -Dtroupe.stress.scale=N} (the stream is 64 MiB times N: 16 for 1 GiB).
 */
@Timeout(300)
class HttpStressTest {
    private static final int SCALE = Integer.getInteger("troupe.stress.scale", 1);

    private static long usedAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        final Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }

    /**
     * How many connections fit the process's descriptor limit: this JVM holds only the server ends
     * (the clients are in a child JVM, {@link IdleClients}), with a margin.
     */
    private static int connections() {
        long maxFds = 4096;
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean os) {
            maxFds = os.getMaxFileDescriptorCount();
        }
        return (int) Math.min(10_000, maxFds - 1_000);
    }

    /** A child JVM running {@link IdleClients} against {@code address}, its output read line by line. */
    private static final class Clients implements AutoCloseable {
        final Process process;
        final java.io.BufferedReader out;
        final java.io.PrintStream in;

        Clients(InetSocketAddress address, int n, boolean http) throws IOException {
            final String javaCommand = ProcessHandle.current().info().command().orElse("java");
            // surefire puts the modules under test on the module path: the child takes both on its class path
            final String classPath = System.getProperty("java.class.path")
                    + java.io.File.pathSeparator + System.getProperty("jdk.module.path", "");
            process = new ProcessBuilder(javaCommand, "-Xmx256m", "-cp", classPath,
                    IdleClients.class.getName(), address.getHostString(), String.valueOf(address.getPort()),
                    String.valueOf(n), http ? "http" : "raw")
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            out = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            in = new java.io.PrintStream(process.getOutputStream(), true, StandardCharsets.UTF_8);
        }

        /** The child's next line (the class's @Timeout bounds a child that never answers). */
        String line() throws IOException {
            final String line = out.readLine();
            if (line == null) {
                throw new IOException("the client JVM exited (" + process.onExit().join().exitValue() + ")");
            }
            return line;
        }

        String command(String command) throws IOException {
            in.println(command);
            return line();
        }

        @Override
        public void close() throws Exception {
            in.println("close");
            if (!process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    private static void closeAll(List<SocketChannel> channels) throws IOException {
        for (SocketChannel c : channels) {
            c.close();
        }
    }

    @Test
    void idleKeepAliveConnections_boundedMemory_eachStillServed() throws Exception {
        // N idle keep-alive connections (each after one request) cost a bounded number of heap bytes each,
        // measured above the same number of raw NIO connections; afterwards every one still answers.
        // The client ends live in a child JVM, so this JVM's heap and descriptors hold the server ends only.
        final int n = connections();
        // baseline: the same number of plain NIO connections accepted here
        long baseline;
        try (ServerSocketChannel raw = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0), 16_384)) {
            final List<SocketChannel> accepted = new ArrayList<>(n);
            final long before = usedAfterGc();
            try (Clients clients = new Clients((InetSocketAddress) raw.getLocalAddress(), n, false)) {
                for (int i = 0; i < n; i++) {
                    accepted.add(raw.accept());
                }
                assertEquals("opened " + n, clients.line());
                baseline = usedAfterGc() - before;
            }
            closeAll(accepted);
        }
        try (ActorSystem system = ActorSystem.create("http-idle")) {
            final HttpServer server = HttpServer.bind(system, new InetSocketAddress("127.0.0.1", 0),
                    HttpOptions.defaults().withTcp(HttpOptions.defaults().tcp().withBacklog(16_384)), TestApp.routes())
                    .toCompletableFuture().join();
            final InetSocketAddress address = (InetSocketAddress) server.localAddress();
            try (Clients warm = new Clients(address, 200, true)) { // warm up: classes loaded, buffers made
                assertEquals("opened 200", warm.line());
            }
            final long before = usedAfterGc();
            try (Clients clients = new Clients(address, n, true)) {
                assertEquals("opened " + n, clients.line());
                final long total = usedAfterGc() - before;
                final long perConnection = (total - baseline) / n;
                System.out.printf("idle keep-alive connections: %d; heap %d bytes in all, raw NIO baseline %d; "
                        + "troupe-http per connection %d bytes (%d with the NIO baseline)%n",
                        n, total, baseline, perConnection, total / n);
                assertTrue(perConnection < 4096, "per-connection heap " + perConnection + " bytes");
                // every (n/500)th connection is still served, and gets its own answer, byte for byte
                final String checked = clients.command("check");
                assertEquals("checked " + (n + Math.max(1, n / 500) - 1) / Math.max(1, n / 500), checked);
            }
        }
    }

    @Test
    void longUploadAndDownload_heapStaysFlat() throws Exception {
        // 64 MiB x scale up and down: content is the same (SHA-256), and the heap's peak stays far below the size.
        final long n = (64L << 20) * SCALE;
        try (ActorSystem system = ActorSystem.create("http-stream")) {
            final HttpServer server = HttpServer.bind(system, new InetSocketAddress("127.0.0.1", 0),
                    HttpOptions.defaults().withMaxBodyBytes(Long.MAX_VALUE).withBodyReadTimeout(Duration.ofMinutes(5)),
                    TestApp.routes()).toCompletableFuture().join();
            final String base = "http://127.0.0.1:" + server.port();
            final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            final String expected = TestApp.patternSha(n);
            final AtomicLong peak = new AtomicLong();
            final AtomicBoolean sampling = new AtomicBoolean(true);
            final long before = usedAfterGc();
            final Thread sampler = new Thread(() -> {
                final Runtime rt = Runtime.getRuntime();
                while (sampling.get()) {
                    peak.accumulateAndGet(rt.totalMemory() - rt.freeMemory(), Math::max);
                    Thread.onSpinWait();
                    try {
                        Thread.sleep(20); // a sampling period, not a synchronisation
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            sampler.start();
            final long t0 = System.nanoTime();
            final HttpResponse<String> up = client.send(HttpRequest.newBuilder(URI.create(base + "/sha"))
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new HttpServerTest.PatternStream(n))).build(),
                    HttpResponse.BodyHandlers.ofString());
            final long t1 = System.nanoTime();
            assertEquals(expected + " " + n, up.body());
            final HttpResponse<InputStream> down = client.send(HttpRequest.newBuilder(URI.create(base + "/bytes/" + n))
                    .build(), HttpResponse.BodyHandlers.ofInputStream());
            final MessageDigest d = TestApp.sha256();
            try (DigestInputStream in = new DigestInputStream(down.body(), d)) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
            }
            final long t2 = System.nanoTime();
            sampling.set(false);
            sampler.join();
            assertEquals(expected, HexFormat.of().formatHex(d.digest()));
            System.out.printf("streamed %d MiB up in %d ms and down in %d ms; heap used after GC before %d MiB, "
                    + "peak sampled while streaming %d MiB (max heap %d MiB)%n", n >> 20, (t1 - t0) / 1_000_000,
                    (t2 - t1) / 1_000_000, before >> 20, peak.get() >> 20, Runtime.getRuntime().maxMemory() >> 20);
            assertTrue(peak.get() - before < Math.max(n / 2, 400L << 20) || n <= (256L << 20),
                    "peak heap grew by " + ((peak.get() - before) >> 20) + " MiB");
        }
    }
}
