package io.troupe.remote.internal;

/** STUB until the detector branch lands. */
public final class Handshake {
    private Handshake() {}
    public static final byte ROLE_ACK = 1;
    public static final byte ROLE_AUTH = 2;
    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();
    public static byte[] newNonce() { byte[] b = new byte[16]; RANDOM.nextBytes(b); return b; }
    public static byte[] mac(byte[] secret, byte role, byte[] nonce, long fromUid, long toUid) {
        try {
            javax.crypto.Mac m = javax.crypto.Mac.getInstance("HmacSHA256");
            m.init(new javax.crypto.spec.SecretKeySpec(secret, "HmacSHA256"));
            m.update(role); m.update(nonce);
            m.update(java.nio.ByteBuffer.allocate(16).putLong(fromUid).putLong(toUid).array());
            return m.doFinal();
        } catch (java.security.GeneralSecurityException e) { throw new IllegalStateException(e); }
    }
    public static boolean verify(byte[] secret, byte role, byte[] nonce, long fromUid, long toUid, byte[] mac) {
        return mac != null && java.security.MessageDigest.isEqual(mac(secret, role, nonce, fromUid, toUid), mac);
    }
}
