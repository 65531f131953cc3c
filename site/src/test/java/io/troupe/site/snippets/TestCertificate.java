package io.troupe.site.snippets;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A key pair and self-signed certificate for {@code localhost} and {@code 127.0.0.1}, made at test
 * time with the JDK's {@code keytool} under a random password (nothing secret in the repository),
 * and the two SSL contexts the https snippet needs. A minimal copy of http's test {@code TestTls}
 * (test code of another module is not on this module's path). Made once per test JVM; the files
 * are deleted when it exits.
 */
final class TestCertificate {
    private static TestCertificate instance;

    /** Holds the key and the certificate: what a server presents. */
    final SSLContext serverContext;
    /** Trusts the test certificate only. */
    final SSLContext trustContext;

    private TestCertificate(SSLContext serverContext, SSLContext trustContext) {
        this.serverContext = serverContext;
        this.trustContext = trustContext;
    }

    static synchronized TestCertificate localhost() {
        if (instance == null) {
            try {
                instance = generate();
            } catch (IOException | GeneralSecurityException | InterruptedException e) {
                throw new AssertionError("could not generate the test certificate with keytool: " + e, e);
            }
        }
        return instance;
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        final byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("keytool failed: " + new String(out));
        }
    }

    private static TestCertificate generate() throws IOException, GeneralSecurityException, InterruptedException {
        final Path dir = Files.createTempDirectory("troupe-site-https-");
        final byte[] random = new byte[12];
        new SecureRandom().nextBytes(random);
        final String password = HexFormat.of().formatHex(random);
        final Path keystore = dir.resolve("server.p12");
        final Path pem = dir.resolve("server-cert.pem");
        keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2", "-keystore", keystore.toString(),
                "-storetype", "PKCS12", "-storepass", password, "-keypass", password);
        keytool("-exportcert", "-rfc", "-alias", "server", "-file", pem.toString(), "-keystore", keystore.toString(),
                "-storetype", "PKCS12", "-storepass", password);
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
        return new TestCertificate(server, client);
    }
}
