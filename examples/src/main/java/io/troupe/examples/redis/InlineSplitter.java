package io.troupe.examples.redis;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits an inline command line into arguments the way Redis does ({@code sdssplitargs}):
 * spaces separate arguments; {@code "..."} may hold spaces and the escapes {@code \n \r \t \b
 * \a \\ \" \xHH}; {@code '...'} may hold spaces and {@code \'}. A closing quote must be followed
 * by a space or the end of the line. Stateless.
 */
final class InlineSplitter {
    private static final byte[][] NONE = new byte[0][];

    private InlineSplitter() {}

    /**
     * The arguments of the line {@code [from, end)} of {@code buf} (no line end).
     *
     * @return the arguments; empty for a blank line
     * @throws RespDecoder.ProtocolException on unbalanced quotes
     */
    static byte[][] split(ByteBuffer buf, int from, int end) throws RespDecoder.ProtocolException {
        List<byte[]> args = null;
        int p = from;
        while (true) {
            while (p < end && isSpace(buf.get(p))) {
                p++;
            }
            if (p == end) {
                return args == null ? NONE : args.toArray(NONE);
            }
            if (args == null) {
                args = new ArrayList<>(4);
            }
            final int start = p;
            while (p < end && !isSpace(buf.get(p)) && buf.get(p) != '"' && buf.get(p) != '\'') {
                p++;
            }
            if (p == end || isSpace(buf.get(p))) { // the common case: a plain word
                final byte[] word = new byte[p - start];
                buf.get(start, word);
                args.add(word);
                continue;
            }
            p = quoted(buf, start, end, args);
        }
    }

    /** Rare path: an argument with quotes in it, from {@code p}; returns where it ends. */
    private static int quoted(ByteBuffer buf, int p, int end, List<byte[]> args) throws RespDecoder.ProtocolException {
        final ByteArrayOutputStream arg = new ByteArrayOutputStream();
        boolean inDouble = false;
        boolean inSingle = false;
        while (true) {
            if (inDouble) {
                if (p == end) {
                    throw unbalanced();
                }
                final byte c = buf.get(p);
                if (c == '\\' && p + 3 < end && buf.get(p + 1) == 'x' && hex(buf.get(p + 2)) >= 0 && hex(buf.get(p + 3)) >= 0) {
                    arg.write(hex(buf.get(p + 2)) * 16 + hex(buf.get(p + 3)));
                    p += 3;
                } else if (c == '\\' && p + 1 < end) {
                    p++;
                    arg.write(switch (buf.get(p)) {
                        case 'n' -> '\n';
                        case 'r' -> '\r';
                        case 't' -> '\t';
                        case 'b' -> '\b';
                        case 'a' -> 7;
                        default -> buf.get(p);
                    });
                } else if (c == '"') {
                    if (p + 1 < end && !isSpace(buf.get(p + 1))) {
                        throw unbalanced(); // a closing quote must end the argument
                    }
                    args.add(arg.toByteArray());
                    return p + 1;
                } else {
                    arg.write(c);
                }
            } else if (inSingle) {
                if (p == end) {
                    throw unbalanced();
                }
                final byte c = buf.get(p);
                if (c == '\\' && p + 1 < end && buf.get(p + 1) == '\'') {
                    p++;
                    arg.write('\'');
                } else if (c == '\'') {
                    if (p + 1 < end && !isSpace(buf.get(p + 1))) {
                        throw unbalanced();
                    }
                    args.add(arg.toByteArray());
                    return p + 1;
                } else {
                    arg.write(c);
                }
            } else {
                if (p == end || isSpace(buf.get(p))) {
                    args.add(arg.toByteArray());
                    return p;
                }
                final byte c = buf.get(p);
                if (c == '"') {
                    inDouble = true;
                } else if (c == '\'') {
                    inSingle = true;
                } else {
                    arg.write(c);
                }
            }
            p++;
        }
    }

    private static RespDecoder.ProtocolException unbalanced() {
        return new RespDecoder.ProtocolException("unbalanced quotes in request");
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == 0 || b == 0x0B || b == 0x0C;
    }

    private static int hex(byte b) {
        if (b >= '0' && b <= '9') {
            return b - '0';
        }
        if (b >= 'a' && b <= 'f') {
            return b - 'a' + 10;
        }
        if (b >= 'A' && b <= 'F') {
            return b - 'A' + 10;
        }
        return -1;
    }
}
