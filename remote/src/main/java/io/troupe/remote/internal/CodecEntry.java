package io.troupe.remote.internal;

import io.troupe.remote.Codec;
import io.troupe.remote.CodecException;
import io.troupe.remote.MessageReader;
import io.troupe.remote.MessageWriter;

/**
 * One registration: the id a class travels under, the class, and its codec. Immutable; any
 * thread. {@link #encode} and {@link #decode} call the codec and, for a codec a user wrote, turn
 * whatever it throws into a {@link CodecException} naming the class, so that the engine throws
 * nothing else. Built-in and derived record codecs are trusted to throw only
 * {@code CodecException} (they wrap user accessors and constructors themselves): not catching
 * around them keeps a broken bounds check visible to the tests instead of hiding it.
 *
 * @param id the id on the wire
 * @param type the exact class
 * @param codec its codec
 * @param userCodec whether the codec is user code (its exceptions are wrapped)
 */
public record CodecEntry(int id, Class<?> type, Codec<Object> codec, boolean userCodec) {

    /**
     * An entry.
     *
     * @param id the id on the wire
     * @param type the exact class
     * @param codec its codec
     * @param userCodec whether the codec is user code
     * @param <T> the class
     * @return the entry
     */
    @SuppressWarnings("unchecked")
    public static <T> CodecEntry of(int id, Class<T> type, Codec<? super T> codec, boolean userCodec) {
        return new CodecEntry(id, type, (Codec<Object>) codec, userCodec);
    }

    /**
     * Writes {@code value}'s payload (not its id).
     *
     * @param value a non-null instance of {@link #type}
     * @param out the writer
     */
    public void encode(Object value, MessageWriter out) {
        if (!userCodec) {
            codec.encode(value, out);
            return;
        }
        try {
            codec.encode(value, out);
        } catch (CodecException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CodecException("codec for " + type.getName() + " (id " + id + ") failed to encode: " + e, e);
        }
    }

    /**
     * Reads a payload written by {@link #encode}.
     *
     * @param in the reader
     * @return an instance of {@link #type}, never null
     */
    public Object decode(MessageReader in) {
        final Object value;
        if (userCodec) {
            try {
                value = codec.decode(in);
            } catch (CodecException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new CodecException("codec for " + type.getName() + " (id " + id + ") failed to decode: " + e, e);
            }
        } else {
            value = codec.decode(in);
        }
        if (value == null || !type.isInstance(value)) {
            throw new CodecException("codec for " + type.getName() + " (id " + id + ") decoded "
                + (value == null ? "null" : "a " + value.getClass().getName()) + " instead of a " + type.getName());
        }
        return value;
    }
}
