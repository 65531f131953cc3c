package io.troupe.remote.internal;

import io.troupe.remote.CodecException;
import io.troupe.remote.Codecs;
import io.troupe.remote.MessageReader;
import io.troupe.remote.MessageWriter;
import java.util.Objects;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;

/**
 * Encodes a message as its registered codec id and payload, and decodes it back: what the
 * transport calls around each frame. Thread safe and stateless beyond its immutable
 * {@link Codecs}: any number of sending threads may encode, and the receiving thread decode, at
 * once; each call makes its own small writer or reader.
 *
 * <p>Frame: a 4-byte little-endian codec id, then the codec's bytes (see {@link MessageWriter}).
 * Decoding trusts nothing: whatever the bytes, it returns a message of a registered class or
 * throws {@link CodecException}, and allocates at most a small multiple of the frame's length.
 */
public final class CodecEngine {
    /*
     * Threading protocol: stateless apart from the immutable registry; each encode or decode makes
     * its own MessageWriter or MessageReader, confined to the calling thread for that call.
     * Codecs (built-in, derived, hand-written) must be thread safe, as Codec's javadoc requires.
     *
     * Invariants: encode never writes at or past offset + maxBytes (MessageWriter.claim); decode
     * never reads outside [offset, offset + length) and never allocates for a length before
     * checking it against the bytes left (MessageReader.take); either throws only CodecException
     * for the message's own failures.
     *
     * Memory ordering: none needed; the registry is safely published through final fields.
     *
     * Shutdown: none.
     */

    private static final CodecsAccess ACCESS = CodecsAccess.get();

    private final Codecs codecs;

    private CodecEngine(Codecs codecs) {
        this.codecs = codecs;
    }

    /**
     * The engine of a registry. Cheap; any thread.
     *
     * @param codecs the registry
     * @return the engine
     */
    public static CodecEngine of(Codecs codecs) {
        return new CodecEngine(Objects.requireNonNull(codecs, "codecs"));
    }

    /**
     * The registry.
     *
     * @return the registry
     */
    public Codecs codecs() {
        return codecs;
    }

    /**
     * Writes the message's codec id and payload at {@code offset}; returns the bytes written.
     * Writes nothing at or past {@code offset + maxBytes} (the buffer grows to that at most): a
     * larger message is measured to the end without being written, then refused. Cost: one small
     * writer, then the codec's writes. Any thread.
     *
     * @param message the message, of a registered class
     * @param buffer where to write
     * @param offset the first byte to write
     * @param maxBytes the most bytes the message may take, id included: at least 4
     * @param refs turns refs inside the message into URIs; may be null if messages carry no refs
     * @return the bytes written, {@code <= maxBytes}
     * @throws CodecException naming the class if it has no codec (or a class nested in it has
     *     none), or stating the size and the maximum if the message is larger; the bytes between
     *     {@code offset} and {@code offset + maxBytes} are then undefined
     */
    public int encode(Object message, ExpandableArrayBuffer buffer, int offset, int maxBytes, RefCodec refs) {
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(buffer, "buffer");
        if (offset < 0 || maxBytes < 4 || (long) offset + maxBytes > ExpandableArrayBuffer.MAX_ARRAY_LENGTH) {
            throw new IllegalArgumentException("offset " + offset + " and maxBytes " + maxBytes
                + ": offset must be >= 0, maxBytes >= 4, and their sum fit an array");
        }
        final MessageWriter writer = ACCESS.newWriter(codecs, buffer, offset, maxBytes, refs);
        writer.writeObject(message);
        final long length = ACCESS.encodedLength(writer);
        if (length > maxBytes) {
            throw new CodecException("message " + message.getClass().getName() + " takes " + length
                + " bytes, above the maximum message size of " + maxBytes + " bytes");
        }
        return (int) length;
    }

    /**
     * Reads a message that {@link #encode} wrote, from {@code length} bytes at {@code offset}.
     * Allocates the message and at most a small multiple of {@code length}; never throws anything
     * but {@link CodecException} for any bytes. Called on the receiving thread (any thread).
     *
     * @param buffer where to read
     * @param offset the first byte
     * @param length the frame's bytes
     * @param refs resolves refs inside the message; may be null if messages carry no refs
     * @return the message, of a registered class, never null
     * @throws CodecException for an unknown codec id ("no codec registered for id 1234"), a
     *     truncated frame, bytes left over after the message, or bytes the codec refuses
     * @throws IllegalArgumentException if {@code offset} and {@code length} are not within the
     *     buffer (a caller's mistake, not bad input)
     */
    public Object decode(DirectBuffer buffer, int offset, int length, RefCodec refs) {
        Objects.requireNonNull(buffer, "buffer");
        if (offset < 0 || length < 0 || (long) offset + length > buffer.capacity()) {
            throw new IllegalArgumentException("offset " + offset + " and length " + length
                + " are not within the buffer's " + buffer.capacity() + " bytes");
        }
        final MessageReader reader = ACCESS.newReader(codecs, buffer, offset, length, refs);
        final Object message = reader.readObject();
        if (message == null) {
            throw new CodecException("malformed message: the frame holds null (codec id 0)");
        }
        if (reader.remaining() != 0) {
            throw new CodecException("malformed message: " + reader.remaining() + " bytes left over after a "
                + message.getClass().getName() + " of " + (length - reader.remaining()) + " bytes");
        }
        return message;
    }
}
