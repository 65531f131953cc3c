package io.troupe.remote.internal;

import java.nio.charset.StandardCharsets;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The frame layout between nodes: every Aeron message is one frame, little-endian.
 *
 * <pre>
 *  0  int   magic "TRP1"
 *  4  byte  type (HELLO .. TERMINATED)
 *  5  byte  verb of a MESSAGE (TELL, OFFER, SEND); 0 otherwise
 *  6  short reserved, 0
 *  8  long  uid of the sending node's incarnation
 * 16  long  uid of the receiving node's incarnation (0 in HELLO)
 * 24  ...   body
 * </pre>
 *
 * Bodies: HELLO: nonce(16), address string. HELLO_ACK: nonce(16), mac(32), address string.
 * AUTH: mac(32). MESSAGE: path string, then the codec engine's id and payload to the end.
 * HEARTBEAT: empty. WATCH, UNWATCH, TERMINATED: path string. A string is a short length and
 * that many UTF-8 bytes. Stateless; any thread.
 */
public final class Wire {
    private Wire() {}

    /** "TRP1" read little-endian: the first four bytes of every frame. */
    public static final int MAGIC = 0x31505254;
    /** Bytes before the body. */
    public static final int HEADER = 24;
    /** The longest string (address or path) a frame carries. */
    public static final int MAX_STRING = 2048;
    /** Bytes of a handshake nonce. */
    public static final int NONCE = 16;
    /** Bytes of a handshake MAC. */
    public static final int MAC = 32;

    /** Frame types. */
    public static final byte HELLO = 1;
    /** Answer to HELLO: proves the secret, challenges back. */
    public static final byte HELLO_ACK = 2;
    /** Answer to HELLO_ACK: proves the secret. */
    public static final byte AUTH = 3;
    /** A user message for an actor. */
    public static final byte MESSAGE = 4;
    /** Failure-detector heartbeat. */
    public static final byte HEARTBEAT = 5;
    /** Watch the actor at a path. */
    public static final byte WATCH = 6;
    /** Stop watching the actor at a path. */
    public static final byte UNWATCH = 7;
    /** The actor at a path is gone (or never was). */
    public static final byte TERMINATED = 8;

    /** Message verbs. */
    public static final byte TELL = 1;
    /** Delivered with offer at the receiver: a full mailbox makes a dead letter there. */
    public static final byte OFFER = 2;
    /** Delivered losslessly: a full mailbox holds the sender's stream until there is room. */
    public static final byte SEND = 3;

    /** Writes a header; returns the body's offset. */
    public static int header(MutableDirectBuffer b, int offset, byte type, byte verb, long fromUid, long toUid) {
        b.putInt(offset, MAGIC);
        b.putByte(offset + 4, type);
        b.putByte(offset + 5, verb);
        b.putShort(offset + 6, (short) 0);
        b.putLong(offset + 8, fromUid);
        b.putLong(offset + 16, toUid);
        return offset + HEADER;
    }

    /** Writes a string; returns the offset after it. */
    public static int putString(MutableDirectBuffer b, int offset, String s) {
        final byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_STRING) {
            throw new IllegalArgumentException("string of " + bytes.length + " bytes is above " + MAX_STRING);
        }
        b.putShort(offset, (short) bytes.length);
        b.putBytes(offset + 2, bytes);
        return offset + 2 + bytes.length;
    }

    /** Writes a string already encoded as UTF-8; returns the offset after it. */
    public static int putStringBytes(MutableDirectBuffer b, int offset, byte[] utf8) {
        if (utf8.length > MAX_STRING) {
            throw new IllegalArgumentException("string of " + utf8.length + " bytes is above " + MAX_STRING);
        }
        b.putShort(offset, (short) utf8.length);
        b.putBytes(offset + 2, utf8);
        return offset + 2 + utf8.length;
    }

    /** The length of the string at {@code offset}, checked against {@code end}; -1 if malformed. */
    public static int stringLength(DirectBuffer b, int offset, int end) {
        if (offset + 2 > end) {
            return -1;
        }
        final int n = b.getShort(offset) & 0xFFFF;
        return n > MAX_STRING || offset + 2 + n > end ? -1 : n;
    }

    /** Reads the string at {@code offset} whose length {@link #stringLength} checked. */
    public static String getString(DirectBuffer b, int offset, int length) {
        final byte[] bytes = new byte[length];
        b.getBytes(offset + 2, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
