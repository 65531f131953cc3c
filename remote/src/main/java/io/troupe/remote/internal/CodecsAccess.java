package io.troupe.remote.internal;

import io.troupe.remote.Codecs;
import io.troupe.remote.MessageReader;
import io.troupe.remote.MessageWriter;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The engine's back door into the public codec classes, whose constructors and bookkeeping stay
 * package-private: {@link Codecs} installs the one implementation when its class initialises (the
 * JDK's {@code SharedSecrets} pattern, as {@code io.troupe.actors.internal.SystemAccess}). Thread
 * safe: installed once, then read.
 */
public abstract class CodecsAccess {
    private static volatile CodecsAccess access;

    /** For {@link Codecs}' static initialiser only. */
    protected CodecsAccess() {}

    /**
     * Installs the accessor; once, from {@link Codecs}' static initialiser.
     *
     * @param accessor the accessor
     * @throws IllegalStateException if one is installed
     */
    public static synchronized void install(CodecsAccess accessor) {
        if (access != null) {
            throw new IllegalStateException("CodecsAccess is already installed");
        }
        access = accessor;
    }

    /**
     * The accessor, initialising {@link Codecs} first if need be.
     *
     * @return the accessor
     */
    public static CodecsAccess get() {
        CodecsAccess a = access;
        if (a == null) {
            try {
                Class.forName(Codecs.class.getName(), true, Codecs.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
            a = access;
        }
        return a;
    }

    /**
     * A writer for one message.
     *
     * @param codecs the registry
     * @param buffer where to write
     * @param offset the first byte
     * @param maxBytes the most bytes the message may take
     * @param refs the node's ref codec, or null if refs cannot be written
     * @return the writer
     */
    public abstract MessageWriter newWriter(Codecs codecs, MutableDirectBuffer buffer, int offset, int maxBytes, RefCodec refs);

    /**
     * The bytes the writer's message takes, counting those it measured past its maximum without
     * writing them.
     *
     * @param writer the writer
     * @return the size
     */
    public abstract long encodedLength(MessageWriter writer);

    /**
     * A reader of one message.
     *
     * @param codecs the registry
     * @param buffer where to read
     * @param offset the first byte
     * @param length the message's bytes
     * @param refs the node's ref codec, or null if refs cannot be read
     * @return the reader
     */
    public abstract MessageReader newReader(Codecs codecs, DirectBuffer buffer, int offset, int length, RefCodec refs);
}
