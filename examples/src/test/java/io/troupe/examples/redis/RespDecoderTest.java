package io.troupe.examples.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The RESP2 decoder on its own: whole, split, pipelined and malformed input. */
@Timeout(30)
class RespDecoderTest {
    /** Multibulk, inline with quotes and escapes, an empty and a binary bulk, skipped empty commands. */
    private static final String STREAM = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nva\r\nl\r\n"
            + "PING\r\n"
            + "*0\r\n"
            + "\r\n"
            + "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n"
            + "set \"a key\" 'it\\'s' \"x\\x41\\n\"\n"
            + "*-1\r\n"
            + "*1\r\n$4\r\nPING\r\n";

    private static final List<String> COMMANDS = List.of(
            "[SET, key, va\r\nl]",
            "[PING]",
            "[ECHO, ]",
            "[set, a key, it's, xA\n]",
            "[PING]");

    private static List<String> decode(RespDecoder decoder, List<byte[]> chunks) throws RespDecoder.ProtocolException {
        final List<String> out = new ArrayList<>();
        for (byte[] chunk : chunks) {
            // A lent buffer, as a connection's read is: overwritten once decode returns.
            final ByteBuffer lent = ByteBuffer.allocateDirect(chunk.length).put(chunk).flip();
            decoder.decode(lent, args -> out.add(Arrays.stream(args)
                    .map(a -> new String(a, StandardCharsets.ISO_8859_1)).toList().toString()));
            lent.clear();
            while (lent.hasRemaining()) {
                lent.put((byte) '#');
            }
        }
        return out;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void decode_wholeStream_givesEveryCommandInOrder() throws Exception {
        // Property: one read holding several commands of every kind gives them all, in order.
        assertEquals(COMMANDS, decode(new RespDecoder(1024), List.of(bytes(STREAM))));
    }

    @Test
    void decode_splitAtEveryByte_givesTheSameCommands() throws Exception {
        // Property: wherever the stream is cut in two (and the first read's buffer reused), the
        // commands are the same; and one byte per read too.
        final byte[] all = bytes(STREAM);
        for (int cut = 0; cut <= all.length; cut++) {
            final List<byte[]> chunks = List.of(Arrays.copyOfRange(all, 0, cut), Arrays.copyOfRange(all, cut, all.length));
            assertEquals(COMMANDS, decode(new RespDecoder(1024), chunks), "cut at " + cut);
        }
        final List<byte[]> single = new ArrayList<>();
        for (byte b : all) {
            single.add(new byte[] {b});
        }
        assertEquals(COMMANDS, decode(new RespDecoder(1024), single));
    }

    @Test
    void decode_manyPipelinedCommands_inOneRead_allInOrder() throws Exception {
        // Property: 1,000 commands in one read (as redis-benchmark -P sends) come out in order.
        final StringBuilder s = new StringBuilder();
        final List<String> expected = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            final String key = "key:" + i;
            s.append("*2\r\n$3\r\nGET\r\n$").append(key.length()).append("\r\n").append(key).append("\r\n");
            expected.add("[GET, " + key + "]");
        }
        assertEquals(expected, decode(new RespDecoder(1024), List.of(bytes(s.toString()))));
    }

    private static void assertProtocolError(String input, String message, List<String> before) {
        final List<String> got = new ArrayList<>();
        final RespDecoder.ProtocolException e = assertThrows(RespDecoder.ProtocolException.class,
                () -> new RespDecoder(64).decode(ByteBuffer.wrap(bytes(input)),
                        args -> got.add(new String(args[0], StandardCharsets.ISO_8859_1))));
        assertEquals("Protocol error: " + message, e.getMessage(), input);
        assertEquals(before, got, "commands before the error");
    }

    @Test
    void decode_malformed_failsWithRedisMessage_afterTheCommandsBeforeIt() {
        // Property: malformed input fails with the text Redis sends, and only after every
        // command before it was handed over.
        final String ping = "*1\r\n$4\r\nPING\r\n";
        assertProtocolError(ping + "*abc\r\n", "invalid multibulk length", List.of("PING"));
        assertProtocolError(ping + "*2000000\r\n", "invalid multibulk length", List.of("PING"));
        assertProtocolError(ping + "*2\r\nx\r\n", "expected '$', got 'x'", List.of("PING"));
        assertProtocolError("*1\r\n$-5\r\n", "invalid bulk length", List.of());
        assertProtocolError("*1\r\n$x\r\n", "invalid bulk length", List.of());
        assertProtocolError("*1\r\n$65\r\n", "invalid bulk length", List.of()); // over maxBulkBytes (64)
        assertProtocolError("PING\r\nSET \"a b\r\n", "unbalanced quotes in request", List.of("PING"));
        assertProtocolError("SET \"a\"b c\r\n", "unbalanced quotes in request", List.of());
        assertProtocolError("x".repeat(RespDecoder.MAX_LINE_BYTES + 1), "too big inline request", List.of());
        assertProtocolError("*" + "1".repeat(RespDecoder.MAX_LINE_BYTES + 1), "too big mbulk count string", List.of());
    }
}
