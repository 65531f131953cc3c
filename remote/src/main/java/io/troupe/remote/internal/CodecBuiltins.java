package io.troupe.remote.internal;

import io.troupe.actors.ActorRef;
import io.troupe.remote.Codec;
import io.troupe.remote.CodecException;
import io.troupe.remote.MessageReader;
import io.troupe.remote.MessageWriter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The codecs every registry starts with, at the reserved ids {@code <= 0}. Stateless; any thread.
 *
 * <p>Id 0 is no codec: it marks a null nested object. Negative ids are built-ins; user ids are
 * positive.
 */
public final class CodecBuiltins {
    /** The id of a null nested object. */
    public static final int NULL_ID = 0;
    /** {@link String}: length-prefixed UTF-8. */
    public static final int STRING_ID = -1;
    /** {@link Integer}: 4 bytes. */
    public static final int INT_ID = -2;
    /** {@link Long}: 8 bytes. */
    public static final int LONG_ID = -3;
    /** {@link Short}: 2 bytes. */
    public static final int SHORT_ID = -4;
    /** {@link Byte}: 1 byte. */
    public static final int BYTE_ID = -5;
    /** {@link Boolean}: 1 byte, 0 or 1. */
    public static final int BOOLEAN_ID = -6;
    /** {@link Character}: 2 bytes (a UTF-16 unit). */
    public static final int CHAR_ID = -7;
    /** {@link Double}: 8 bytes (IEEE 754 bits). */
    public static final int DOUBLE_ID = -8;
    /** {@link Float}: 4 bytes (IEEE 754 bits). */
    public static final int FLOAT_ID = -9;
    /** {@code byte[]}: length-prefixed. */
    public static final int BYTES_ID = -10;
    /** {@link ActorRef}, any implementation: its URI, through the node's {@link RefCodec}. */
    public static final int REF_ID = -11;

    private CodecBuiltins() {}

    /**
     * The built-in entries, in id order (-1 down to -11).
     *
     * @return the entries
     */
    public static List<CodecEntry> entries() {
        return List.of(
            CodecEntry.of(STRING_ID, String.class, codec(MessageWriter::writeString, MessageReader::readString), false),
            CodecEntry.of(INT_ID, Integer.class, codec(MessageWriter::writeInt, MessageReader::readInt), false),
            CodecEntry.of(LONG_ID, Long.class, codec(MessageWriter::writeLong, MessageReader::readLong), false),
            CodecEntry.of(SHORT_ID, Short.class, codec(MessageWriter::writeShort, MessageReader::readShort), false),
            CodecEntry.of(BYTE_ID, Byte.class, codec(MessageWriter::writeByte, MessageReader::readByte), false),
            CodecEntry.of(BOOLEAN_ID, Boolean.class, codec(MessageWriter::writeBoolean, MessageReader::readBoolean), false),
            CodecEntry.of(CHAR_ID, Character.class, codec(MessageWriter::writeChar, MessageReader::readChar), false),
            CodecEntry.of(DOUBLE_ID, Double.class, codec(MessageWriter::writeDouble, MessageReader::readDouble), false),
            CodecEntry.of(FLOAT_ID, Float.class, codec(MessageWriter::writeFloat, MessageReader::readFloat), false),
            CodecEntry.of(BYTES_ID, byte[].class, codec(MessageWriter::writeBytes, MessageReader::readBytes), false),
            new CodecEntry(REF_ID, ActorRef.class, new Codec<Object>() {
                @Override
                public void encode(Object value, MessageWriter out) {
                    out.writeRef((ActorRef<?>) value);
                }

                @Override
                public Object decode(MessageReader in) {
                    return in.readRef();
                }
            }, false));
    }

    /**
     * A codec for the constants of an enum, by name: renaming a constant breaks the wire, adding or
     * reordering constants does not. Decoding an unknown name is a {@link CodecException}.
     *
     * @param type the enum
     * @param <E> the enum
     * @return its codec
     */
    public static <E extends Enum<E>> Codec<E> enumCodec(Class<E> type) {
        final Map<String, E> byName = new HashMap<>();
        for (E constant : type.getEnumConstants()) {
            byName.put(constant.name(), constant);
        }
        return new Codec<>() {
            @Override
            public void encode(E value, MessageWriter out) {
                out.writeString(value.name());
            }

            @Override
            public E decode(MessageReader in) {
                final String name = in.readString();
                final E constant = name == null ? null : byName.get(name);
                if (constant == null) {
                    throw new CodecException("enum " + type.getName() + " has no constant "
                        + (name == null ? "null" : CodecText.quote(name)));
                }
                return constant;
            }
        };
    }

    private interface Writes<T> {
        void write(MessageWriter out, T value);
    }

    private interface Reads<T> {
        T read(MessageReader in);
    }

    private static <T> Codec<T> codec(Writes<T> writes, Reads<T> reads) {
        return new Codec<>() {
            @Override
            public void encode(T value, MessageWriter out) {
                writes.write(out, value);
            }

            @Override
            public T decode(MessageReader in) {
                return reads.read(in);
            }
        };
    }
}
