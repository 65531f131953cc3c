package io.troupe.remote.internal;

import static io.troupe.remote.internal.Handshake.ROLE_ACK;
import static io.troupe.remote.internal.Handshake.ROLE_AUTH;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The handshake's MACs: only the right secret, role, nonce and pair of uids verify. */
@Timeout(30)
class HandshakeTest {
    private static final byte[] SECRET = "correct horse battery staple".getBytes(StandardCharsets.UTF_8);
    private static final long UID_A = 0x1111_2222_3333_4444L;
    private static final long UID_B = -7L;

    @Test
    void handshake_bothSidesKnowTheSecret_bothProofsVerify() {
        // The three-frame run of the class comment succeeds end to end when both know the secret.
        final byte[] nonceA = Handshake.newNonce(); // HELLO
        final byte[] nonceB = Handshake.newNonce();
        final byte[] ack = Handshake.mac(SECRET, ROLE_ACK, nonceA, UID_B, UID_A); // HELLO_ACK, by B
        assertTrue(Handshake.verify(SECRET, ROLE_ACK, nonceA, UID_B, UID_A, ack)); // A checks B
        final byte[] auth = Handshake.mac(SECRET, ROLE_AUTH, nonceB, UID_A, UID_B); // AUTH, by A
        assertTrue(Handshake.verify(SECRET, ROLE_AUTH, nonceB, UID_A, UID_B, auth)); // B checks A
    }

    @Test
    void mac_isHmacSha256OverRoleNonceAndUids() {
        // The MAC is exactly HMAC-SHA256(secret, role | nonce | fromUid | toUid), big-endian: the
        // wire format other implementations must reproduce.
        final byte[] nonce = new byte[16];
        Arrays.fill(nonce, (byte) 0x5a);
        final byte[] input = ByteBuffer.allocate(33).put(ROLE_AUTH).put(nonce).putLong(UID_A).putLong(UID_B).array();
        final byte[] expected;
        try {
            final Mac hmac = Mac.getInstance("HmacSHA256");
            hmac.init(new SecretKeySpec(SECRET, "HmacSHA256"));
            expected = hmac.doFinal(input);
        } catch (java.security.GeneralSecurityException e) {
            throw new AssertionError(e);
        }
        final byte[] mac = Handshake.mac(SECRET, ROLE_AUTH, nonce, UID_A, UID_B);
        assertEquals(Handshake.MAC_BYTES, mac.length);
        assertArrayEquals(expected, mac);
    }

    @Test
    void verify_wrongSecret_fails() {
        // A node with another secret (or one differing in a single bit) cannot produce a valid proof.
        final byte[] nonce = Handshake.newNonce();
        final byte[] almost = SECRET.clone();
        almost[0] ^= 1;
        for (byte[] wrong : new byte[][] {"guess".getBytes(StandardCharsets.UTF_8), almost}) {
            final byte[] forged = Handshake.mac(wrong, ROLE_AUTH, nonce, UID_A, UID_B);
            assertFalse(Handshake.verify(SECRET, ROLE_AUTH, nonce, UID_A, UID_B, forged));
        }
    }

    @Test
    void verify_swappedUids_fails() {
        // A proof made from A to B is no proof from B to A: the direction is bound.
        final byte[] nonce = Handshake.newNonce();
        final byte[] mac = Handshake.mac(SECRET, ROLE_AUTH, nonce, UID_A, UID_B);
        assertFalse(Handshake.verify(SECRET, ROLE_AUTH, nonce, UID_B, UID_A, mac));
    }

    @Test
    void verify_otherRole_fails() {
        // B's answer (ROLE_ACK), which anybody can get by sending B a HELLO, never passes as an AUTH.
        final byte[] nonce = Handshake.newNonce();
        final byte[] ack = Handshake.mac(SECRET, ROLE_ACK, nonce, UID_A, UID_B);
        assertFalse(Handshake.verify(SECRET, ROLE_AUTH, nonce, UID_A, UID_B, ack));
        final byte[] auth = Handshake.mac(SECRET, ROLE_AUTH, nonce, UID_A, UID_B);
        assertFalse(Handshake.verify(SECRET, ROLE_ACK, nonce, UID_A, UID_B, auth));
    }

    @Test
    void verify_replayedProof_failsForANewNonceOrOtherUids() {
        // A proof recorded from an old handshake fails against a fresh nonce, and fails against the
        // same nonce with another incarnation's uid.
        final byte[] oldNonce = Handshake.newNonce();
        final byte[] recorded = Handshake.mac(SECRET, ROLE_AUTH, oldNonce, UID_A, UID_B);
        assertFalse(Handshake.verify(SECRET, ROLE_AUTH, Handshake.newNonce(), UID_A, UID_B, recorded));
        assertFalse(Handshake.verify(SECRET, ROLE_AUTH, oldNonce, UID_A + 1, UID_B, recorded));
        assertFalse(Handshake.verify(SECRET, ROLE_AUTH, oldNonce, UID_A, UID_B + 1, recorded));
        assertTrue(Handshake.verify(SECRET, ROLE_AUTH, oldNonce, UID_A, UID_B, recorded)); // the control
    }

    @Test
    void verify_malformedMacOrNonce_falseNotAnException() {
        // What a peer can send wrong gives false: a null, truncated, extended or tampered MAC, a bad nonce.
        final byte[] nonce = Handshake.newNonce();
        final byte[] mac = Handshake.mac(SECRET, ROLE_AUTH, nonce, UID_A, UID_B);
        assertFalse(Handshake.verify(SECRET, ROLE_AUTH, nonce, UID_A, UID_B, null));
        assertFalse(Handshake.verify(SECRET, ROLE_AUTH, nonce, UID_A, UID_B, new byte[0]));
        assertFalse(Handshake.verify(SECRET, ROLE_AUTH, nonce, UID_A, UID_B, Arrays.copyOf(mac, 31)));
        assertFalse(Handshake.verify(SECRET, ROLE_AUTH, nonce, UID_A, UID_B, Arrays.copyOf(mac, 16)));
        assertFalse(Handshake.verify(SECRET, ROLE_AUTH, nonce, UID_A, UID_B, Arrays.copyOf(mac, 33)));
        for (int i = 0; i < mac.length; i++) {
            final byte[] tampered = mac.clone();
            tampered[i] ^= (byte) 0x80;
            assertFalse(Handshake.verify(SECRET, ROLE_AUTH, nonce, UID_A, UID_B, tampered), "byte " + i);
        }
        assertFalse(Handshake.verify(SECRET, ROLE_AUTH, null, UID_A, UID_B, mac));
        assertFalse(Handshake.verify(SECRET, ROLE_AUTH, Arrays.copyOf(nonce, 15), UID_A, UID_B, mac));
    }

    @Test
    void newNonce_sixteenFreshBytes() {
        // Nonces are 16 bytes and do not repeat.
        final Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1_000; i++) {
            final byte[] nonce = Handshake.newNonce();
            assertEquals(Handshake.NONCE_BYTES, nonce.length);
            assertTrue(seen.add(Arrays.toString(nonce)), "a nonce repeated");
        }
        assertNotEquals(Arrays.toString(Handshake.newNonce()), Arrays.toString(Handshake.newNonce()));
    }

    @Test
    void mac_ownMistakes_rejectedWithAMessage() {
        // This side's own bad inputs (an empty or missing secret, an unknown role, a nonce of the
        // wrong size) are bugs or bad settings and throw, naming the problem.
        final byte[] nonce = Handshake.newNonce();
        assertEquals("the handshake secret must not be empty", assertThrows(IllegalArgumentException.class,
                () -> Handshake.mac(new byte[0], ROLE_ACK, nonce, 1, 2)).getMessage());
        assertEquals("the handshake secret must not be empty", assertThrows(IllegalArgumentException.class,
                () -> Handshake.verify(new byte[0], ROLE_ACK, nonce, 1, 2, null)).getMessage());
        assertEquals("role must be ROLE_ACK (1) or ROLE_AUTH (2), was 3", assertThrows(IllegalArgumentException.class,
                () -> Handshake.mac(SECRET, (byte) 3, nonce, 1, 2)).getMessage());
        assertEquals("role must be ROLE_ACK (1) or ROLE_AUTH (2), was 0", assertThrows(IllegalArgumentException.class,
                () -> Handshake.verify(SECRET, (byte) 0, nonce, 1, 2, new byte[32])).getMessage());
        assertEquals("nonce must be 16 bytes, was 8", assertThrows(IllegalArgumentException.class,
                () -> Handshake.mac(SECRET, ROLE_ACK, new byte[8], 1, 2)).getMessage());
        assertEquals("secret", assertThrows(NullPointerException.class,
                () -> Handshake.mac(null, ROLE_ACK, nonce, 1, 2)).getMessage());
        assertEquals("nonce", assertThrows(NullPointerException.class,
                () -> Handshake.mac(SECRET, ROLE_ACK, null, 1, 2)).getMessage());
    }
}
