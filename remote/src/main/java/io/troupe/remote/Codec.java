package io.troupe.remote;

/**
 * Writes values of one message class as bytes and reads them back: registered with
 * {@link Codecs.Builder#register(int, Class, Codec)}. Records need no hand-written codec
 * ({@link Codecs.Builder#registerRecord(int, Class)} derives one); write a codec for a class that
 * is not a record, or to control a record's wire format.
 *
 * <p>A codec must be stateless, or at least thread safe: one registry serves every node thread,
 * so {@link #encode} runs on the sending thread (any thread that sends to a remote actor, several
 * at once) and {@link #decode} on the node's receiving thread. {@link #decode} must read exactly
 * the bytes that {@link #encode} wrote, in the same order. Neither is ever given {@code null}:
 * nulls are written by the registry around the codec.
 *
 * <p>An exception other than {@link CodecException} thrown by a codec is wrapped in a
 * {@code CodecException} naming the class; the message is then not sent, or not delivered.
 *
 * @param <T> the message class
 */
public interface Codec<T> {
    /**
     * Writes {@code value} to {@code out}. Cost: whatever the writes cost (a few nanoseconds per
     * primitive; strings and byte arrays are copied once, into the outgoing buffer). Called on the
     * sending thread; may run on several threads at once.
     *
     * @param value the value, never null
     * @param out where to write; valid only during this call
     * @throws CodecException if the value cannot be written (the writer throws it when the
     *     message grows past the maximum size)
     */
    void encode(T value, MessageWriter out);

    /**
     * Reads a value written by {@link #encode}. Called on the node's receiving thread; the bytes
     * come from another process and may be hostile: the reader checks every length and throws
     * {@link CodecException} on a truncated or malformed payload, which a codec should let pass.
     *
     * @param in where to read; valid only during this call
     * @return the value, not null
     * @throws CodecException if the bytes are not a value of this class
     */
    T decode(MessageReader in);
}
