package io.troupe.remote.internal;

import io.troupe.remote.Codecs;
import java.nio.charset.StandardCharsets;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;

/**
 * PLACEHOLDER (the codec helper replaces this file): encodes a message as its registered id and
 * payload, and decodes it back; strings only for now.
 */
public final class CodecEngine {
    private final Codecs codecs;

    private CodecEngine(Codecs codecs) {
        this.codecs = codecs;
    }

    /** The engine of a registry. */
    public static CodecEngine of(Codecs codecs) {
        return new CodecEngine(codecs);
    }

    /**
     * Writes the message's codec id and payload at {@code offset}; returns the bytes written.
     *
     * @throws io.troupe.remote.CodecException for an unregistered class, or above {@code maxBytes}
     */
    public int encode(Object message, ExpandableArrayBuffer buffer, int offset, int maxBytes, RefCodec refs) {
        if (!(message instanceof String s)) {
            throw new io.troupe.remote.CodecException("no codec registered for " + message.getClass().getName());
        }
        final byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length + 4 > maxBytes) {
            throw new io.troupe.remote.CodecException("message of " + (b.length + 4) + " bytes is above the maximum " + maxBytes);
        }
        buffer.putInt(offset, 1);
        buffer.putBytes(offset + 4, b);
        return b.length + 4;
    }

    /**
     * Reads what {@link #encode} wrote.
     *
     * @throws io.troupe.remote.CodecException for an unknown id or a malformed payload
     */
    public Object decode(DirectBuffer buffer, int offset, int length, RefCodec refs) {
        if (length < 4 || buffer.getInt(offset) != 1) {
            throw new io.troupe.remote.CodecException("unknown codec id");
        }
        final byte[] b = new byte[length - 4];
        buffer.getBytes(offset + 4, b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
