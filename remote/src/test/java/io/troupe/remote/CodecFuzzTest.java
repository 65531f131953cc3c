package io.troupe.remote;

import static io.troupe.remote.CodecRoundTripTest.REFS;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.troupe.remote.internal.CodecEngine;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile bytes: whatever a frame holds, decoding returns a message or throws a CodecException,
 * nothing else, and allocates no more than a small multiple of the frame (a length prefix of
 * 2^31-1 is refused before anything is allocated for it).
 */
@Timeout(120)
class CodecFuzzTest {
    static final long SEED = 0x7E0FE17L;
    static final int INPUTS = 100_000;
    /** Allowed allocation per decode: a fixed part (the exception and its stack trace) plus this many bytes per input byte. */
    static final long FIXED_BYTES = 64 << 10;
    static final long BYTES_PER_INPUT_BYTE = 64;

    private static Object threadBean;
    private static Method allocatedBytes;

    record Blob(byte[] data) {}

    record Texts(List<String> strings) {}

    record Handmade(byte[] data) {}

    static final Codec<Handmade> HANDMADE = new Codec<>() {
        @Override
        public void encode(Handmade value, MessageWriter out) {
            out.writeBytes(value.data());
        }

        @Override
        public Handmade decode(MessageReader in) {
            return new Handmade(in.readBytes());
        }
    };

    @BeforeAll
    static void allocationCounter() throws Exception {
        // com.sun.management.ThreadMXBean, reached by reflection: the module reads neither java.management nor jdk.management.
        threadBean = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
        final Class<?> type = Class.forName("com.sun.management.ThreadMXBean");
        Assumptions.assumeTrue(type.isInstance(threadBean), "no per-thread allocation counter in this JVM");
        allocatedBytes = type.getMethod("getCurrentThreadAllocatedBytes");
    }

    static long allocated() {
        try {
            return (Long) allocatedBytes.invoke(threadBean);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    static CodecEngine engine() {
        return CodecEngine.of(Codecs.builder()
            .registerRecord(101, Blob.class)
            .registerRecord(102, Texts.class)
            .register(103, Handmade.class, HANDMADE)
            .build());
    }

    /** Decodes {@code bytes}; fails the test on anything but a message or a CodecException, or on too much allocation. */
    static boolean decodeHostile(CodecEngine engine, byte[] bytes, String what) {
        final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
        decodeOnce(engine, buffer, bytes, what); // the first run of a path links call sites and loads classes: not measured
        final long before = allocated();
        final boolean decoded = decodeOnce(engine, buffer, bytes, what);
        final long used = allocated() - before;
        if (used > FIXED_BYTES + BYTES_PER_INPUT_BYTE * bytes.length) {
            fail(what + ": decoding " + bytes.length + " bytes allocated " + used + " bytes: " + HexFormat.of().formatHex(bytes));
        }
        return decoded;
    }

    /** Whether the bytes decoded to a message (false: refused with a CodecException). */
    private static boolean decodeOnce(CodecEngine engine, UnsafeBuffer buffer, byte[] bytes, String what) {
        try {
            return engine.decode(buffer, 0, bytes.length, REFS) != null;
        } catch (CodecException refused) {
            return false;
        } catch (Throwable t) {
            throw new AssertionError(what + ": " + t + " decoding " + HexFormat.of().formatHex(bytes), t);
        }
    }

    @Test
    void hostileLengthPrefixes_areRefusedBeforeAllocating() {
        // A string, byte array or list whose length prefix is 2^31-1 (or any length beyond the frame) is refused before any allocation.
        final CodecEngine engine = engine();
        final int[][] frames = {
            {-1, Integer.MAX_VALUE},                 // String
            {-10, Integer.MAX_VALUE},                // byte[]
            {-10, Integer.MAX_VALUE - 8},
            {101, Integer.MAX_VALUE},                // Blob(byte[])
            {102, Integer.MAX_VALUE},                // Texts(List<String>): the count
            {102, 1 << 28},
            {102, 1, Integer.MAX_VALUE},             // the list's first string
            {103, Integer.MAX_VALUE},                // a hand-written codec's readBytes
            {-11, Integer.MAX_VALUE},                // a ref's URI
        };
        for (int[] ints : frames) {
            final ByteBuffer b = ByteBuffer.allocate(ints.length * 4 + 16).order(ByteOrder.LITTLE_ENDIAN);
            for (int i : ints) {
                b.putInt(i);
            }
            final byte[] bytes = b.array();
            decodeHostile(engine, bytes, "hostile length");
            assertThrows(CodecException.class, () -> engine.decode(new UnsafeBuffer(bytes), 0, bytes.length, REFS));
        }
    }

    @Test
    void randomAndMutatedFrames_decodeOrThrowCodecExceptionOnly() {
        // 100,000 seeded frames (random bytes behind a known id, bit flips, hostile ints spliced into valid frames, pure noise): a message or a CodecException, within the allocation bound.
        final CodecEngine rich = CodecEngine.of(CodecRoundTripTest.rich());
        final CodecEngine small = engine();
        final List<byte[]> valid = new java.util.ArrayList<>();
        for (Object sample : CodecRoundTripTest.samples()) {
            valid.add(CodecRoundTripTest.encode(rich, sample));
        }
        final int[] ids = {-11, -10, -9, -8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17};
        final int[] hostile = {Integer.MAX_VALUE, Integer.MIN_VALUE, -2, -1, 0, 1, 2, 63, 64, 65, 1 << 16, 1 << 30};
        final Random random = new Random(SEED);
        int decoded = 0;
        int refused = 0;
        for (int n = 0; n < INPUTS; n++) {
            final int kind = random.nextInt(10);
            final byte[] bytes;
            if (kind < 4) { // random payload behind a registered id
                bytes = new byte[4 + random.nextInt(64)];
                random.nextBytes(bytes);
                ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(0, ids[random.nextInt(ids.length)]);
            } else if (kind < 7) { // a valid frame with 1 to 3 bits flipped
                bytes = valid.get(random.nextInt(valid.size())).clone();
                for (int flips = 1 + random.nextInt(3); flips > 0; flips--) {
                    final int bit = random.nextInt(bytes.length * 8);
                    bytes[bit / 8] ^= (byte) (1 << (bit % 8));
                }
            } else if (kind < 9) { // a valid frame with a hostile int spliced in
                bytes = valid.get(random.nextInt(valid.size())).clone();
                if (bytes.length >= 4) {
                    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN)
                        .putInt(random.nextInt(bytes.length - 3), hostile[random.nextInt(hostile.length)]);
                }
            } else { // noise
                bytes = new byte[random.nextInt(40)];
                random.nextBytes(bytes);
            }
            if (decodeHostile(rich, bytes, "input " + n + " of seed " + SEED)) {
                decoded++;
            } else {
                refused++;
            }
            decodeHostile(small, bytes, "input " + n + " of seed " + SEED + " (small registry)");
        }
        // The mutations reach past the first checks: a good share of inputs still decode (a flipped bit in a value).
        assertTrue(decoded > INPUTS / 20 && refused > INPUTS / 2, decoded + " decoded, " + refused + " refused");
    }
}
