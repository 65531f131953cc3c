package io.troupe.remote;

import io.troupe.actors.ActorRef;
import io.troupe.remote.internal.CodecBuiltins;
import io.troupe.remote.internal.CodecEntry;
import io.troupe.remote.internal.RefCodec;
import java.nio.ByteOrder;
import org.agrona.MutableDirectBuffer;

/**
 * Writes one message's bytes, little-endian: what a {@link Codec} is given to encode. NOT thread
 * safe: the node makes one per message on the sending thread, and it is valid only during the
 * {@link Codec#encode} call it is given to.
 *
 * <p>Every write is checked against the maximum message size first and never writes past it: a
 * message that outgrows it goes on being measured, not written, and the node then refuses it with
 * a {@link CodecException} stating its size. Cost: a bounds check and a store per primitive; a
 * string is encoded straight into the outgoing buffer (two passes over its characters, no
 * allocation), a byte array copied once.
 *
 * <p>Wire format of each write: primitives in their width (boolean one byte, 0 or 1; char two
 * bytes); strings as a 4-byte length then UTF-8 (length -1 for null; an unpaired surrogate is
 * written as {@code ?}, as {@link String#getBytes(java.nio.charset.Charset)} does); byte arrays as
 * a 4-byte length then the bytes (-1 for null); refs as the string of their URI; nested objects as
 * their 4-byte codec id then their codec's bytes (id 0 for null).
 */
public final class MessageWriter {
    /** How deep {@link #writeObject} may nest: deeper is a {@link CodecException}, not a stack overflow. */
    static final int MAX_NESTING_DEPTH = 64;

    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    private final Codecs codecs;
    private final MutableDirectBuffer buffer;
    private final RefCodec refs;
    private final int start;
    /** The end of the room (exclusive); drops to {@link #position} on the first overflow, so every later write is only counted. */
    private int limit;
    private int position;
    /** Bytes claimed beyond the room (0 until the first overflow). */
    private long overflowBytes;
    private int depth;

    MessageWriter(Codecs codecs, MutableDirectBuffer buffer, int offset, int maxBytes, RefCodec refs) {
        this.codecs = codecs;
        this.buffer = buffer;
        this.refs = refs;
        this.start = offset;
        this.limit = offset + maxBytes;
        this.position = offset;
    }

    /**
     * Writes one byte.
     *
     * @param value the byte
     */
    public void writeByte(byte value) {
        final int at = claim(1);
        if (at >= 0) {
            buffer.putByte(at, value);
        }
    }

    /**
     * Writes a boolean as one byte, 0 or 1.
     *
     * @param value the boolean
     */
    public void writeBoolean(boolean value) {
        writeByte(value ? (byte) 1 : (byte) 0);
    }

    /**
     * Writes two bytes.
     *
     * @param value the short
     */
    public void writeShort(short value) {
        final int at = claim(2);
        if (at >= 0) {
            buffer.putShort(at, value, ORDER);
        }
    }

    /**
     * Writes a UTF-16 unit as two bytes.
     *
     * @param value the char
     */
    public void writeChar(char value) {
        final int at = claim(2);
        if (at >= 0) {
            buffer.putChar(at, value, ORDER);
        }
    }

    /**
     * Writes four bytes.
     *
     * @param value the int
     */
    public void writeInt(int value) {
        final int at = claim(4);
        if (at >= 0) {
            buffer.putInt(at, value, ORDER);
        }
    }

    /**
     * Writes eight bytes.
     *
     * @param value the long
     */
    public void writeLong(long value) {
        final int at = claim(8);
        if (at >= 0) {
            buffer.putLong(at, value, ORDER);
        }
    }

    /**
     * Writes the four bytes of {@link Float#floatToRawIntBits}.
     *
     * @param value the float
     */
    public void writeFloat(float value) {
        writeInt(Float.floatToRawIntBits(value));
    }

    /**
     * Writes the eight bytes of {@link Double#doubleToRawLongBits}.
     *
     * @param value the double
     */
    public void writeDouble(double value) {
        writeLong(Double.doubleToRawLongBits(value));
    }

    /**
     * Writes a string as its UTF-8 length then its UTF-8 bytes; {@code null} as length -1.
     *
     * @param value the string, or null
     */
    public void writeString(String value) {
        if (value == null) {
            writeInt(-1);
            return;
        }
        final long utf8Bytes = utf8Length(value);
        final int at = claim(4 + utf8Bytes);
        if (at < 0) {
            return;
        }
        buffer.putInt(at, (int) utf8Bytes, ORDER);
        putUtf8(value, at + 4, (int) utf8Bytes);
    }

    /**
     * Writes a byte array as its length then its bytes; {@code null} as length -1.
     *
     * @param value the bytes, or null
     */
    public void writeBytes(byte[] value) {
        if (value == null) {
            writeInt(-1);
            return;
        }
        final int at = claim(4L + value.length);
        if (at >= 0) {
            buffer.putInt(at, value.length, ORDER);
            buffer.putBytes(at + 4, value);
        }
    }

    /**
     * Writes a ref as the string of its {@code troupe://} URI, which the receiving node resolves
     * back to a usable ref; {@code null} as a null string. Cost: building the URI (the node's ref
     * codec may cache it) and writing it.
     *
     * @param ref the ref, or null
     * @throws CodecException if the node cannot give the ref an address
     */
    public void writeRef(ActorRef<?> ref) {
        if (ref == null) {
            writeString(null);
            return;
        }
        if (refs == null) {
            throw new CodecException("a ref inside a message needs the node's ref codec, and none was given");
        }
        final String uri;
        try {
            uri = refs.uriOf(ref);
        } catch (CodecException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CodecException("could not address ref " + ref.path() + " for another node: " + e, e);
        }
        if (uri == null) {
            throw new CodecException("the ref codec gave no address for ref " + ref.path());
        }
        writeString(uri);
    }

    /**
     * Writes any object of a registered class as its codec id then its codec's bytes;
     * {@code null} as id 0. The class is looked up exactly (a subclass of a registered class is
     * not registered), except that every {@link ActorRef} uses the built-in ref codec and an enum
     * constant with a body uses its enum's codec. Nesting deeper than 64 objects is refused.
     * Cost: a hash lookup, then the codec's.
     *
     * @param value the object, or null
     * @throws CodecException if the class has no codec, or the nesting is too deep
     */
    public void writeObject(Object value) {
        if (value == null) {
            writeInt(CodecBuiltins.NULL_ID);
            return;
        }
        final CodecEntry entry = codecs.entryFor(value.getClass());
        if (entry == null) {
            throw Codecs.unregistered(value.getClass());
        }
        if (depth >= MAX_NESTING_DEPTH) {
            throw new CodecException("objects nested deeper than " + MAX_NESTING_DEPTH + " (at a "
                + value.getClass().getName() + "): a cycle, or a structure to send as a list");
        }
        writeInt(entry.id());
        depth++;
        entry.encode(value, this);
        depth--;
    }

    /** The bytes the message takes, counting those past the maximum; called by the engine once the codec returned. */
    long encodedLength() {
        return (long) position - start + overflowBytes;
    }

    /**
     * Claims {@code n} bytes: returns where to write them, or -1 if they do not fit under the
     * maximum (they are counted, and from then on every write is).
     */
    private int claim(long n) {
        final int at = position;
        if (n <= limit - at) {
            position = at + (int) n;
            return at;
        }
        return overflow(n);
    }

    /** The rare branch of {@link #claim}, out of line so that claim stays small enough to inline. */
    private int overflow(long n) {
        limit = position;
        overflowBytes += n;
        return -1;
    }

    private static long utf8Length(String s) {
        final int chars = s.length();
        long bytes = chars;
        for (int i = 0; i < chars; i++) {
            final char c = s.charAt(i);
            if (c < 0x80) {
                continue;
            }
            if (c < 0x800) {
                bytes += 1;
            } else if (Character.isHighSurrogate(c) && i + 1 < chars && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 2; // two chars, four bytes
                i++;
            } else if (!Character.isSurrogate(c)) {
                bytes += 2;
            } // an unpaired surrogate is written as '?': one byte
        }
        return bytes;
    }

    private void putUtf8(String s, int at, int utf8Bytes) {
        final byte[] array = buffer.byteArray();
        if (array == null) {
            final byte[] bytes = new byte[utf8Bytes];
            encodeUtf8(s, bytes, 0);
            buffer.putBytes(at, bytes);
            return;
        }
        buffer.checkLimit(at + utf8Bytes); // an expandable buffer grows here (up to the maximum at most)
        encodeUtf8(s, buffer.byteArray(), buffer.wrapAdjustment() + at);
    }

    private static void encodeUtf8(String s, byte[] dst, int index) {
        final int chars = s.length();
        int p = index;
        for (int i = 0; i < chars; i++) {
            final char c = s.charAt(i);
            if (c < 0x80) {
                dst[p++] = (byte) c;
            } else if (c < 0x800) {
                dst[p++] = (byte) (0xC0 | (c >> 6));
                dst[p++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isHighSurrogate(c) && i + 1 < chars && Character.isLowSurrogate(s.charAt(i + 1))) {
                final int cp = Character.toCodePoint(c, s.charAt(++i));
                dst[p++] = (byte) (0xF0 | (cp >> 18));
                dst[p++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                dst[p++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                dst[p++] = (byte) (0x80 | (cp & 0x3F));
            } else if (Character.isSurrogate(c)) {
                dst[p++] = (byte) '?';
            } else {
                dst[p++] = (byte) (0xE0 | (c >> 12));
                dst[p++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                dst[p++] = (byte) (0x80 | (c & 0x3F));
            }
        }
    }
}
