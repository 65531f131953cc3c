package io.troupe.benchmarks.io;

import io.troupe.actors.ActorSystem;
import io.troupe.io.Connection;
import io.troupe.io.ConnectionStage;
import io.troupe.io.Tcp;
import io.troupe.io.TcpOptions;
import io.troupe.io.Tls;
import io.troupe.io.TlsSettings;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Streaming echo throughput in one JVM, TLS against plain TCP in the same run: one operation is
 * a fresh connection from a Troupe client stage that streams {@link #MIB} MiB in 16 KiB writes
 * through an echo stage and waits for every byte to come back ({@code TLS}: both stages wrapped
 * in {@link Tls}, TLS 1.3, the handshake included). The ratio TLS / PLAIN is the cost of
 * encryption, the record layer and the extra copy. A self-signed key is made with the JDK's
 * keytool at setup.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class TlsEchoBenchmark {
    /** MiB streamed (and echoed) per operation. */
    static final int MIB = 8;
    private static final int CHUNK = 16 << 10;

    /** PLAIN (TCP) or TLS. */
    @Param({"PLAIN", "TLS"})
    public String transport;

    private ActorSystem system;
    private InetSocketAddress address;
    private TlsSettings client;

    @Setup(Level.Trial)
    public void start() throws Exception {
        system = ActorSystem.create("tls-bench");
        final InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        final java.util.function.Supplier<ConnectionStage> echo = () -> (connection, data) -> connection.write(data);
        final Tcp.Bound bound;
        if (transport.equals("TLS")) {
            final SSLContext[] contexts = selfSigned();
            client = TlsSettings.of(contexts[1]).withProtocols("TLSv1.3");
            bound = Tcp.serve(system, any, TcpOptions.defaults(), Tls.server(TlsSettings.of(contexts[0]), echo))
                    .toCompletableFuture().join();
        } else {
            bound = Tcp.serve(system, any, TcpOptions.defaults(), echo).toCompletableFuture().join();
        }
        address = (InetSocketAddress) bound.localAddress();
    }

    @TearDown(Level.Trial)
    public void stop() {
        system.close(Duration.ofSeconds(10));
    }

    /** One connection, {@link #MIB} MiB out and back. */
    @Benchmark
    public long streamAndEcho() {
        final CompletableFuture<Long> done = new CompletableFuture<>();
        final ConnectionStage stage = new Streamer((long) MIB << 20, done);
        Tcp.connect(system, address, TcpOptions.defaults(), Duration.ofSeconds(10),
                client == null ? stage : Tls.client(client, "localhost", stage));
        return done.orTimeout(60, TimeUnit.SECONDS).join();
    }

    /** Streams {@code total} bytes in 16 KiB writes while the queue has room; completes when all came back. */
    static final class Streamer implements ConnectionStage {
        private final long total;
        private final CompletableFuture<Long> done;
        private final ByteBuffer chunk = ByteBuffer.allocate(CHUNK);
        private long sent;
        private long received;
        private boolean scheduled;

        Streamer(long total, CompletableFuture<Long> done) {
            this.total = total;
            this.done = done;
        }

        @Override
        public void onConnected(Connection connection) {
            pump(connection);
        }

        private void pump(Connection connection) {
            scheduled = false;
            while (sent < total && !connection.isWritingPaused()) {
                final int n = (int) Math.min(CHUNK, total - sent);
                if (connection.writeRoomBytes() < n + 64 || !connection.write(chunk.clear().limit(n))) {
                    if (!scheduled) {
                        scheduled = true;
                        connection.execute(() -> pump(connection));
                    }
                    return;
                }
                sent += n;
            }
        }

        @Override
        public void onWritingResumed(Connection connection) {
            pump(connection);
        }

        @Override
        public void onReceived(Connection connection, ByteBuffer data) {
            received += data.remaining();
            data.position(data.limit());
            if (received == total) {
                done.complete(received);
                connection.close();
            }
        }

        @Override
        public void onClosed(Connection connection, Tcp.ConnectionClosed why) {
            done.completeExceptionally(new IllegalStateException("closed after " + received + " of " + total + ": " + why));
        }
    }

    /** A server context with a fresh self-signed EC key for localhost, and a client context that trusts it. */
    static SSLContext[] selfSigned() throws Exception {
        final Path dir = Files.createTempDirectory("tls-bench-");
        final Path store = dir.resolve("k.p12");
        final String password = Long.toHexString(new java.security.SecureRandom().nextLong());
        final Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "k", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                "-ext", "SAN=dns:localhost", "-validity", "2", "-keystore", store.toString(), "-storetype", "PKCS12",
                "-storepass", password, "-keypass", password).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("keytool failed");
        }
        final KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keys.load(in, password.toCharArray());
        }
        Files.delete(store);
        Files.delete(dir);
        final KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, password.toCharArray());
        final SSLContext server = SSLContext.getInstance("TLS");
        server.init(kmf.getKeyManagers(), null, null);
        final KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("k", keys.getCertificate("k"));
        final TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        final SSLContext client = SSLContext.getInstance("TLS");
        client.init(null, tmf.getTrustManagers(), null);
        return new SSLContext[] {server, client};
    }
}
