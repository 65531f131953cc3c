package io.troupe.remote.internal;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The cryptography of the shared-secret handshake between two nodes (issue 17): like Erlang's
 * distribution cookie, a node that does not know the secret is refused, but the secret itself never
 * crosses the wire; each side proves it knows the secret by a MAC over a fresh challenge of the
 * other side. Stateless static functions; any thread.
 *
 * <h2>The protocol (run by the transport)</h2>
 * <pre>
 * A -> B  HELLO     (uidA, addrA, nonceA)
 * B -> A  HELLO_ACK (uidB, nonceB, mac(secret, ROLE_ACK,  nonceA, uidB, uidA))
 * A -> B  AUTH      (mac(secret, ROLE_AUTH, nonceB, uidA, uidB))
 * </pre>
 * <ol>
 *   <li>A, the connecting node, sends its incarnation uid, its address and a fresh
 *       {@link #newNonce() nonce}.</li>
 *   <li>B answers with its uid, its own fresh nonce and a MAC over A's nonce with the uids in the
 *       order (from B, to A). A {@link #verify verifies} it: B knows the secret, and the answer was
 *       made for this HELLO (A's nonce is fresh) and for this pair of incarnations. A wrong MAC:
 *       A drops the connection and logs it.</li>
 *   <li>A sends a MAC over B's nonce, uids (from A, to B). B verifies it; only then does B accept
 *       A's frames (user messages, watches, heartbeats). Before that B accepts nothing but AUTH.</li>
 * </ol>
 *
 * <p>What each piece is for: a fresh nonce per side makes an old answer useless (a replayed
 * HELLO_ACK or AUTH carries a MAC over a nonce nobody asks about any more); the uids bind the proof
 * to two incarnations, so a MAC taken from a conversation with one incarnation cannot be used for
 * another; the role byte separates the two directions, so that B's answer, which anybody can obtain
 * by sending B a HELLO with a chosen nonce, can never serve as an AUTH. The nonce is
 * {@value #NONCE_BYTES} bytes from {@link SecureRandom}, the MAC is HMAC-SHA256 ({@value #MAC_BYTES}
 * bytes) keyed by the secret over {@code role (1 byte) | nonce (16) | fromUid (8, big-endian) |
 * toUid (8, big-endian)}, and comparisons are constant-time ({@link MessageDigest#isEqual}).
 *
 * <p>What it does not do: it authenticates the handshake, not the frames after it, and encrypts
 * nothing. Someone on the path between the nodes can read the traffic, relay a handshake between
 * two real nodes, or inject frames after it, as with Erlang's cookie. Remote nodes bind to loopback
 * by default; across hosts, run them on a trusted network (or a tunnel that provides TLS). Keep the
 * secret at 16 random bytes or more: HMAC does not slow down guessing a weak one, and a listener
 * who saw one handshake can test guesses offline.
 */
public final class Handshake {
    /** The role byte of B's proof, in HELLO_ACK. */
    public static final byte ROLE_ACK = 1;
    /** The role byte of A's proof, in AUTH. */
    public static final byte ROLE_AUTH = 2;
    /** Length of a nonce. */
    public static final int NONCE_BYTES = 16;
    /** Length of a MAC (HMAC-SHA256). */
    public static final int MAC_BYTES = 32;

    private static final String ALGORITHM = "HmacSHA256";
    private static final SecureRandom RANDOM = new SecureRandom();

    private Handshake() {}

    /**
     * A fresh challenge: {@value #NONCE_BYTES} bytes from a shared {@link SecureRandom} (thread
     * safe). A new array each call; about a microsecond once the generator is seeded (the first
     * call may wait for the platform's entropy source). Any thread.
     *
     * @return a new nonce
     */
    public static byte[] newNonce() {
        final byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        return nonce;
    }

    /**
     * The proof that the sender of a handshake frame knows {@code secret}: HMAC-SHA256 keyed by
     * the secret over {@code role | nonce | fromUid | toUid}. A new {@link Mac} and a few small
     * arrays per call (a handshake happens once per connection); a few microseconds. Any thread.
     *
     * @param secret the shared secret, not empty
     * @param role {@link #ROLE_ACK} or {@link #ROLE_AUTH}
     * @param nonce the other side's challenge, {@value #NONCE_BYTES} bytes
     * @param fromUid the incarnation uid of the node that sends the MAC
     * @param toUid the incarnation uid of the node that checks it
     * @return a new array of {@value #MAC_BYTES} bytes
     * @throws IllegalArgumentException if the secret is empty, the role unknown or the nonce not
     *     {@value #NONCE_BYTES} bytes
     * @throws NullPointerException if the secret or the nonce is null
     */
    public static byte[] mac(byte[] secret, byte role, byte[] nonce, long fromUid, long toUid) {
        checkOwnInputs(secret, role);
        if (nonce == null) {
            throw new NullPointerException("nonce");
        }
        if (nonce.length != NONCE_BYTES) {
            throw new IllegalArgumentException("nonce must be " + NONCE_BYTES + " bytes, was " + nonce.length);
        }
        final byte[] input = ByteBuffer.allocate(1 + NONCE_BYTES + 2 * Long.BYTES)
                .put(role).put(nonce).putLong(fromUid).putLong(toUid)
                .array();
        try {
            final Mac hmac = Mac.getInstance(ALGORITHM);
            hmac.init(new SecretKeySpec(secret, ALGORITHM));
            return hmac.doFinal(input);
        } catch (GeneralSecurityException e) {
            // every Java platform must provide HmacSHA256 (javax.crypto.Mac's javadoc)
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /**
     * Whether {@code mac} is the proof {@link #mac} computes for these inputs. The comparison takes
     * the same time wherever the first differing byte is, so a peer cannot learn the right MAC
     * byte by byte. False, never an exception, for what a peer can send wrong: a null MAC or one
     * that is not {@value #MAC_BYTES} bytes, a null nonce or one of another length. Cost as
     * {@link #mac}. Any thread.
     *
     * @param secret the shared secret, not empty
     * @param role {@link #ROLE_ACK} or {@link #ROLE_AUTH}
     * @param nonce the challenge this side sent
     * @param fromUid the incarnation uid of the node that sent the MAC
     * @param toUid this node's incarnation uid
     * @param mac the MAC received
     * @return true only for the right MAC
     * @throws IllegalArgumentException if the secret is empty or the role unknown (this side's own
     *     mistakes)
     * @throws NullPointerException if the secret is null
     */
    public static boolean verify(byte[] secret, byte role, byte[] nonce, long fromUid, long toUid, byte[] mac) {
        checkOwnInputs(secret, role);
        if (mac == null || mac.length != MAC_BYTES || nonce == null || nonce.length != NONCE_BYTES) {
            return false; // lengths are public: no need to hide this early exit
        }
        return MessageDigest.isEqual(mac(secret, role, nonce, fromUid, toUid), mac);
    }

    /** The caller's own inputs: a mistake here is a bug or a bad setting, so it throws. */
    private static void checkOwnInputs(byte[] secret, byte role) {
        if (secret == null) {
            throw new NullPointerException("secret");
        }
        if (secret.length == 0) {
            throw new IllegalArgumentException("the handshake secret must not be empty");
        }
        if (role != ROLE_ACK && role != ROLE_AUTH) {
            throw new IllegalArgumentException("role must be ROLE_ACK (1) or ROLE_AUTH (2), was " + role);
        }
    }
}
