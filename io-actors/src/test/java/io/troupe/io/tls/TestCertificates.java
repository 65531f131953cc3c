package io.troupe.io.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A key pair and self-signed certificate for {@code localhost} and {@code 127.0.0.1}, made at
 * test time with the JDK's {@code keytool} into a temporary PKCS12 keystore under a random
 * password (nothing secret is kept in the repository), and the SSL contexts the TLS tests need.
 * Made once per test JVM; the files are deleted when it exits.
 */
public final class TestCertificates {
    private static TestCertificates instance;

    private final Path dir;
    private final Path certificatePem;
    private final SSLContext server;
    private final SSLContext client;

    private TestCertificates(Path dir, Path certificatePem, SSLContext server, SSLContext client) {
        this.dir = dir;
        this.certificatePem = certificatePem;
        this.server = server;
        this.client = client;
    }

    /** The certificates of this JVM, generated at the first call (about a second: two keytool runs). */
    public static synchronized TestCertificates get() {
        if (instance == null) {
            try {
                instance = generate();
            } catch (IOException | GeneralSecurityException | InterruptedException e) {
                throw new AssertionError("could not generate the test certificate with keytool: " + e, e);
            }
        }
        return instance;
    }

    private static TestCertificates generate() throws IOException, GeneralSecurityException, InterruptedException {
        final Path dir = Files.createTempDirectory("troupe-tls-");
        final byte[] random = new byte[12];
        new SecureRandom().nextBytes(random);
        final String password = HexFormat.of().formatHex(random);
        final Path keystore = dir.resolve("server.p12");
        final Path pem = dir.resolve("server-cert.pem");
        final String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        ExternalProcess.runOrFail(Duration.ofSeconds(60), keytool, "-genkeypair", "-alias", "server", "-keyalg", "EC",
                "-groupname", "secp256r1", "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1",
                "-validity", "2", "-keystore", keystore.toString(), "-storetype", "PKCS12",
                "-storepass", password, "-keypass", password);
        ExternalProcess.runOrFail(Duration.ofSeconds(60), keytool, "-exportcert", "-rfc", "-alias", "server",
                "-file", pem.toString(), "-keystore", keystore.toString(), "-storetype", "PKCS12", "-storepass", password);
        for (Path p : List.of(keystore, pem, dir)) {
            p.toFile().deleteOnExit();
        }
        final char[] pass = password.toCharArray();
        final KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            keys.load(in, pass);
        }
        final KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, pass);
        final SSLContext server = SSLContext.getInstance("TLS");
        server.init(kmf.getKeyManagers(), null, null);

        final Certificate cert;
        try (InputStream in = Files.newInputStream(pem)) {
            cert = CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        final KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("server", cert);
        final TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        final SSLContext client = SSLContext.getInstance("TLS");
        client.init(null, tmf.getTrustManagers(), null);
        return new TestCertificates(dir, pem, server, client);
    }

    /** The server's context: its key and certificate. */
    public SSLContext serverContext() {
        return server;
    }

    /** A client context that trusts (only) the server's certificate. */
    public SSLContext clientContext() {
        return client;
    }

    /** The server's certificate in PEM, for {@code curl --cacert} and {@code openssl -CAfile}. */
    public Path certificatePem() {
        return certificatePem;
    }

    @Override
    public String toString() {
        return "TestCertificates[" + dir + "]";
    }
}
