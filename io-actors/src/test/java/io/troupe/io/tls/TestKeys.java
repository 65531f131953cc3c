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
 * A self-signed key pair and certificate for one name, made at test time with the JDK's
 * {@code keytool} into a temporary PKCS12 keystore under a random password (nothing secret is
 * kept in the repository), with the key also in PEM (for {@code openssl s_client -key}) and
 * SSL contexts built from it. The files are deleted when the JVM exits.
 *
 * @param subject the certificate's subject, for example {@code "CN=a.test"}
 * @param certificate the certificate
 * @param certificatePem the certificate in PEM ({@code -cert}, {@code -CAfile})
 * @param keyPem the private key in PEM, unencrypted ({@code -key})
 * @param keyStore the key and certificate
 * @param password the key store's password
 */
public record TestKeys(String subject, Certificate certificate, Path certificatePem, Path keyPem, KeyStore keyStore,
                       char[] password) {

    /**
     * Makes a key pair and a self-signed certificate for {@code commonName}, naming {@code dnsNames}
     * (and 127.0.0.1) as subject alternative names. About half a second: keytool and openssl runs.
     */
    public static TestKeys generate(String commonName, String... dnsNames) {
        try {
            final Path dir = Files.createTempDirectory("troupe-keys-");
            final byte[] random = new byte[12];
            new SecureRandom().nextBytes(random);
            final String password = HexFormat.of().formatHex(random);
            final Path store = dir.resolve("keys.p12");
            final Path pem = dir.resolve("cert.pem");
            final Path key = dir.resolve("key.pem");
            final StringBuilder san = new StringBuilder("ip:127.0.0.1");
            for (String d : dnsNames) {
                san.append(",dns:").append(d);
            }
            final String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
            ExternalProcess.runOrFail(Duration.ofSeconds(60), keytool, "-genkeypair", "-alias", "key", "-keyalg", "EC",
                    "-groupname", "secp256r1", "-dname", "CN=" + commonName, "-ext", "SAN=" + san, "-validity", "2",
                    "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", password, "-keypass", password);
            ExternalProcess.runOrFail(Duration.ofSeconds(60), keytool, "-exportcert", "-rfc", "-alias", "key",
                    "-file", pem.toString(), "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", password);
            ExternalProcess.runOrFail(Duration.ofSeconds(60), "openssl", "pkcs12", "-in", store.toString(), "-nocerts",
                    "-nodes", "-passin", "pass:" + password, "-out", key.toString());
            for (Path p : List.of(store, pem, key, dir)) {
                p.toFile().deleteOnExit();
            }
            final KeyStore keys = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store)) {
                keys.load(in, password.toCharArray());
            }
            final Certificate cert;
            try (InputStream in = Files.newInputStream(pem)) {
                cert = CertificateFactory.getInstance("X.509").generateCertificate(in);
            }
            return new TestKeys("CN=" + commonName, cert, pem, key, keys, password.toCharArray());
        } catch (IOException | GeneralSecurityException | InterruptedException e) {
            throw new AssertionError("could not generate a test certificate for " + commonName + ": " + e, e);
        }
    }

    /**
     * A context with this key (a server's certificate, or a client's for mutual TLS) that trusts
     * the certificates of {@code trusted} (none: the JDK's default trust).
     */
    public SSLContext context(TestKeys... trusted) {
        try {
            final KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keyStore, password);
            final SSLContext c = SSLContext.getInstance("TLS");
            c.init(kmf.getKeyManagers(), trusted.length == 0 ? null : trustManagers(trusted), null);
            return c;
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    /** A context with no key that trusts (only) the certificates of {@code trusted}. */
    public static SSLContext trusting(TestKeys... trusted) {
        try {
            final SSLContext c = SSLContext.getInstance("TLS");
            c.init(null, trustManagers(trusted), null);
            return c;
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    private static javax.net.ssl.TrustManager[] trustManagers(TestKeys... trusted) throws GeneralSecurityException {
        final KeyStore trust = KeyStore.getInstance("PKCS12");
        try {
            trust.load(null, null);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        for (int i = 0; i < trusted.length; i++) {
            trust.setCertificateEntry("trusted-" + i, trusted[i].certificate());
        }
        final TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        return tmf.getTrustManagers();
    }
}
