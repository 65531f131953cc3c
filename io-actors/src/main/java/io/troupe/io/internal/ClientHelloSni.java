package io.troupe.io.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Reads the SNI host name from the first bytes a TLS client sends (its ClientHello), so that a
 * server can choose the {@link javax.net.ssl.SSLContext} for that name before it makes its
 * {@link javax.net.ssl.SSLEngine}. Stateless; any thread.
 *
 * <p>The ClientHello may span several handshake records; its bytes are gathered from
 * consecutive records until it is whole. Anything that is not a well-formed ClientHello (not a
 * handshake record, another message, lengths that do not add up) is reported as complete with
 * no name: the engine of the default context then sees the same bytes and fails the handshake
 * with its own, precise, error.
 *
 * <p>References: RFC 8446 4.1.2 (ClientHello), RFC 6066 3 (server_name), RFC 5246 6.2 (records).
 */
final class ClientHelloSni {
    private ClientHelloSni() {}

    /** Not enough bytes yet: read more and call {@link #parse} again with all of them. */
    static final String NEED_MORE = new String("need more"); // an identity, never a host name

    /** The most bytes a ClientHello may take before it is given up on (several records of one). */
    static final int MAX_HELLO_BYTES = 5 * (5 + (16 << 10));

    private static final int HANDSHAKE_RECORD = 22;
    private static final int CLIENT_HELLO = 1;
    private static final int SERVER_NAME_EXTENSION = 0;
    private static final int HOST_NAME = 0;

    /**
     * The SNI host name (lower case) of the ClientHello at the start of {@code in} (from its
     * position; not moved), {@code null} if it has none or the bytes are not a ClientHello, or
     * {@link #NEED_MORE} (compare with {@code ==}) if it is not whole yet.
     *
     * @param in the bytes received so far, in read mode
     * @return the host name, {@code null}, or {@link #NEED_MORE}
     */
    static String parse(ByteBuffer in) {
        final ByteBuffer b = in.duplicate();
        final ByteBuffer hello = ByteBuffer.allocate(Math.min(b.remaining(), MAX_HELLO_BYTES));
        int helloBytes = -1; // the ClientHello's size with its 4-byte header, once known
        while (b.remaining() >= 5) {
            final int p = b.position();
            if ((b.get(p) & 0xff) != HANDSHAKE_RECORD) {
                return null;
            }
            final int length = u16(b, p + 3);
            if (b.remaining() < 5 + length) {
                return NEED_MORE;
            }
            final ByteBuffer fragment = b.duplicate().position(p + 5).limit(p + 5 + length);
            if (fragment.remaining() > hello.remaining()) {
                return null; // larger than any ClientHello we take
            }
            hello.put(fragment);
            b.position(p + 5 + length);
            if (helloBytes < 0 && hello.position() >= 4) {
                if ((hello.get(0) & 0xff) != CLIENT_HELLO) {
                    return null;
                }
                helloBytes = 4 + ((hello.get(1) & 0xff) << 16 | u16(hello, 2));
            }
            if (helloBytes >= 0 && hello.position() >= helloBytes) {
                return serverName(hello.flip().position(4).limit(helloBytes).slice());
            }
        }
        return NEED_MORE;
    }

    /** The host name in a ClientHello's body, or null; any inconsistency gives null. */
    private static String serverName(ByteBuffer body) {
        try {
            skip(body, 2 + 32); // legacy_version, random
            skip(body, u8(body)); // legacy_session_id
            skip(body, u16(body)); // cipher_suites
            skip(body, u8(body)); // legacy_compression_methods
            if (!body.hasRemaining()) {
                return null; // no extensions
            }
            final ByteBuffer extensions = take(body, u16(body));
            while (extensions.remaining() >= 4) {
                final int type = u16(extensions);
                final ByteBuffer data = take(extensions, u16(extensions));
                if (type != SERVER_NAME_EXTENSION) {
                    continue;
                }
                final ByteBuffer list = take(data, u16(data));
                while (list.remaining() >= 3) {
                    final int nameType = u8(list);
                    final ByteBuffer name = take(list, u16(list));
                    if (nameType == HOST_NAME) {
                        return StandardCharsets.US_ASCII.decode(name).toString().toLowerCase(Locale.ROOT);
                    }
                }
                return null;
            }
            return null;
        } catch (java.nio.BufferUnderflowException | IndexOutOfBoundsException | IllegalArgumentException e) {
            return null; // malformed: the engine will say what is wrong
        }
    }

    private static int u8(ByteBuffer b) {
        return b.get() & 0xff;
    }

    private static int u16(ByteBuffer b) {
        return (b.get() & 0xff) << 8 | (b.get() & 0xff);
    }

    private static int u16(ByteBuffer b, int at) {
        return (b.get(at) & 0xff) << 8 | (b.get(at + 1) & 0xff);
    }

    private static void skip(ByteBuffer b, int n) {
        b.position(b.position() + n);
    }

    /** The next {@code n} bytes as a buffer of their own; {@code b} moves past them. */
    private static ByteBuffer take(ByteBuffer b, int n) {
        final ByteBuffer s = b.slice().limit(n);
        skip(b, n);
        return s;
    }
}
