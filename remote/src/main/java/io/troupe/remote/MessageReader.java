package io.troupe.remote;

import io.troupe.actors.ActorRef;
import io.troupe.remote.internal.CodecBuiltins;
import io.troupe.remote.internal.CodecEntry;
import io.troupe.remote.internal.CodecText;
import io.troupe.remote.internal.RefCodec;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.agrona.DirectBuffer;

/**
 * Reads one received message's bytes, little-endian, in the format {@link MessageWriter} writes:
 * what a {@link Codec} is given to decode. NOT thread safe: the node makes one per message on its
 * receiving thread, and it is valid only during the {@link Codec#decode} call it is given to.
 *
 * <p>The bytes come from another process and are not trusted. Every read is checked against the
 * bytes left in the message first, and every length read is checked against them before anything
 * is allocated, so a truncated, garbled or hostile message costs at most a small multiple of its
 * own size and ends in a {@link CodecException}, never an {@link IndexOutOfBoundsException} or an
 * {@link OutOfMemoryError}. Only classes registered in the node's {@link Codecs} are ever
 * instantiated; the wire names a registered id, never a class. Cost: a bounds check and a load per
 * primitive; a string or byte array is copied once into its new object.
 */
public final class MessageReader {
    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    private final Codecs codecs;
    private final DirectBuffer buffer;
    private final RefCodec refs;
    private final int start;
    private final int limit;
    private int position;
    private int depth;

    MessageReader(Codecs codecs, DirectBuffer buffer, int offset, int length, RefCodec refs) {
        this.codecs = codecs;
        this.buffer = buffer;
        this.refs = refs;
        this.start = offset;
        this.limit = offset + length;
        this.position = offset;
    }

    /**
     * The bytes left to read in this message.
     *
     * @return the bytes left
     */
    public int remaining() {
        return limit - position;
    }

    /**
     * Reads one byte.
     *
     * @return the byte
     * @throws CodecException if the message ends first
     */
    public byte readByte() {
        return buffer.getByte(take(1));
    }

    /**
     * Reads a boolean: one byte, 0 or 1.
     *
     * @return the boolean
     * @throws CodecException if the message ends first, or the byte is neither 0 nor 1
     */
    public boolean readBoolean() {
        final byte b = readByte();
        if (b == 0 || b == 1) {
            return b == 1;
        }
        throw malformed("a boolean byte of " + b + " (0 or 1 expected)");
    }

    /**
     * Reads two bytes.
     *
     * @return the short
     * @throws CodecException if the message ends first
     */
    public short readShort() {
        return buffer.getShort(take(2), ORDER);
    }

    /**
     * Reads a UTF-16 unit from two bytes.
     *
     * @return the char
     * @throws CodecException if the message ends first
     */
    public char readChar() {
        return buffer.getChar(take(2), ORDER);
    }

    /**
     * Reads four bytes.
     *
     * @return the int
     * @throws CodecException if the message ends first
     */
    public int readInt() {
        return buffer.getInt(take(4), ORDER);
    }

    /**
     * Reads eight bytes.
     *
     * @return the long
     * @throws CodecException if the message ends first
     */
    public long readLong() {
        return buffer.getLong(take(8), ORDER);
    }

    /**
     * Reads a float from the four bytes of its {@link Float#floatToRawIntBits}.
     *
     * @return the float
     * @throws CodecException if the message ends first
     */
    public float readFloat() {
        return Float.intBitsToFloat(readInt());
    }

    /**
     * Reads a double from the eight bytes of its {@link Double#doubleToRawLongBits}.
     *
     * @return the double
     * @throws CodecException if the message ends first
     */
    public double readDouble() {
        return Double.longBitsToDouble(readLong());
    }

    /**
     * Reads a string written by {@link MessageWriter#writeString}. Malformed UTF-8 becomes
     * U+FFFD, as {@link String#String(byte[], java.nio.charset.Charset)} does.
     *
     * @return the string, or null
     * @throws CodecException if the length is negative (other than -1, null) or longer than the
     *     bytes left
     */
    public String readString() {
        final int length = readLength("string");
        if (length < 0) {
            return null;
        }
        final int at = take(length);
        final byte[] array = buffer.byteArray();
        if (array != null) {
            return new String(array, buffer.wrapAdjustment() + at, length, StandardCharsets.UTF_8);
        }
        final byte[] bytes = new byte[length];
        buffer.getBytes(at, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /**
     * Reads a byte array written by {@link MessageWriter#writeBytes}.
     *
     * @return a new array, or null
     * @throws CodecException if the length is negative (other than -1, null) or longer than the
     *     bytes left
     */
    public byte[] readBytes() {
        final int length = readLength("byte array");
        if (length < 0) {
            return null;
        }
        final int at = take(length);
        final byte[] bytes = new byte[length];
        buffer.getBytes(at, bytes);
        return bytes;
    }

    /**
     * Reads a ref written by {@link MessageWriter#writeRef}: resolves its URI to a usable ref (a
     * remote ref, or the local actor when the URI names this node). The ref's message type is not
     * on the wire: the caller asserts it, as with any message the node receives.
     *
     * @return the ref, or null
     * @param <M> the message type the caller expects the actor to accept
     * @throws CodecException if the URI is malformed or the node cannot resolve it
     */
    @SuppressWarnings("unchecked")
    public <M> ActorRef<M> readRef() {
        final String uri = readString();
        if (uri == null) {
            return null;
        }
        if (refs == null) {
            throw new CodecException("a ref inside a message needs the node's ref codec, and none was given");
        }
        final ActorRef<?> ref;
        try {
            ref = refs.resolve(uri);
        } catch (CodecException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CodecException("cannot resolve ref " + CodecText.quote(uri) + ": " + e.getMessage(), e);
        }
        if (ref == null) {
            throw new CodecException("the ref codec resolved " + CodecText.quote(uri) + " to nothing");
        }
        return (ActorRef<M>) ref;
    }

    /**
     * Reads an object written by {@link MessageWriter#writeObject}: its codec id, then its
     * registered codec's bytes. Cost: a hash lookup, then the codec's.
     *
     * @return the object, or null
     * @throws CodecException if no codec is registered for the id, the nesting is deeper than
     *     64 objects, or the codec finds the bytes malformed
     */
    public Object readObject() {
        final int id = readInt();
        if (id == CodecBuiltins.NULL_ID) {
            return null;
        }
        final CodecEntry entry = codecs.entryFor(id);
        if (entry == null) {
            throw new CodecException("no codec registered for id " + id);
        }
        if (depth >= MessageWriter.MAX_NESTING_DEPTH) {
            throw malformed("objects nested deeper than " + MessageWriter.MAX_NESTING_DEPTH);
        }
        depth++;
        final Object value = entry.decode(this);
        depth--;
        return value;
    }

    /**
     * Reads an object as {@link #readObject()} does and checks its class.
     *
     * @param type the class expected: the object must be an instance of it
     * @return the object, or null
     * @param <T> the class expected
     * @throws CodecException as {@link #readObject()} does, or if the object is not a {@code type}
     */
    public <T> T readObject(Class<T> type) {
        final Object value = readObject();
        if (value != null && !type.isInstance(value)) {
            throw malformed("a " + value.getClass().getName() + " where a " + type.getName() + " belongs");
        }
        return type.cast(value);
    }

    private int readLength(String what) {
        final int length = readInt();
        if (length < -1) {
            throw malformed("a " + what + " of length " + length);
        }
        return length;
    }

    /** Takes {@code n >= 0} bytes: returns where they start. */
    private int take(int n) {
        final int at = position;
        if (n > limit - at) {
            throw truncated(n);
        }
        position = at + n;
        return at;
    }

    private CodecException truncated(int n) {
        return new CodecException("truncated message: " + n + " bytes wanted at byte " + (position - start)
            + " of " + (limit - start));
    }

    private CodecException malformed(String what) {
        return new CodecException("malformed message: " + what + ", before byte " + (position - start)
            + " of " + (limit - start));
    }
}
