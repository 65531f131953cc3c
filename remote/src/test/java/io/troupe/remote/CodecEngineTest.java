package io.troupe.remote;

import static io.troupe.remote.CodecRoundTripTest.MAX;
import static io.troupe.remote.CodecRoundTripTest.REFS;
import static io.troupe.remote.CodecRoundTripTest.decode;
import static io.troupe.remote.CodecRoundTripTest.encode;
import static io.troupe.remote.CodecRoundTripTest.rich;
import static io.troupe.remote.CodecRoundTripTest.samples;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.troupe.remote.CodecRoundTripTest.FakeRef;
import io.troupe.remote.CodecRoundTripTest.Node;
import io.troupe.remote.CodecRoundTripTest.Ping;
import io.troupe.remote.CodecRoundTripTest.Positive;
import io.troupe.remote.CodecRoundTripTest.Texts;
import io.troupe.remote.internal.CodecEngine;
import io.troupe.remote.internal.RefCodec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The engine's refusals: unregistered classes both ways, oversized, truncated, left-over and malformed frames. */
@Timeout(60)
class CodecEngineTest {
    record Unregistered(int n) {}

    static final class Plain {}

    record Blob(byte[] data) {}

    record Text(String text) {}

    /** A hand-written codec that nests an object of whatever class it is given. */
    static final class Holder {
        final Object inside;

        Holder(Object inside) {
            this.inside = inside;
        }
    }

    static final Codec<Holder> HOLDER = new Codec<>() {
        @Override
        public void encode(Holder value, MessageWriter out) {
            out.writeObject(value.inside);
        }

        @Override
        public Holder decode(MessageReader in) {
            return new Holder(in.readObject());
        }
    };

    /** A hand-written codec that fails. */
    static final class Fragile {}

    static final Codec<Fragile> FRAGILE = new Codec<>() {
        @Override
        public void encode(Fragile value, MessageWriter out) {
            throw new IllegalStateException("encode broke");
        }

        @Override
        public Fragile decode(MessageReader in) {
            throw new IllegalStateException("decode broke");
        }
    };

    static byte[] frame(int... ints) {
        final ByteBuffer b = ByteBuffer.allocate(ints.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i : ints) {
            b.putInt(i);
        }
        return b.array();
    }

    static CodecException refusedOnDecode(CodecEngine engine, byte[] bytes) {
        return assertThrows(CodecException.class, () -> decode(engine, bytes));
    }

    @Test
    void encode_unregisteredClass_namesItAndTheFix() {
        // Encoding a message of an unregistered class (or nesting one) fails with a CodecException naming the class and how to register it.
        final CodecEngine engine = CodecEngine.of(Codecs.builder().register(1, Holder.class, HOLDER).build());
        final CodecException record = assertThrows(CodecException.class, () -> encode(engine, new Unregistered(1)));
        assertEquals("no codec registered for " + Unregistered.class.getName()
            + ": register it with Codecs.builder().registerRecord(id, Unregistered.class)", record.getMessage());
        final CodecException plain = assertThrows(CodecException.class, () -> encode(engine, new Plain()));
        assertEquals("no codec registered for " + Plain.class.getName()
            + ": register it with Codecs.builder().register(id, Plain.class, codec)", plain.getMessage());
        final CodecException nested = assertThrows(CodecException.class, () -> encode(engine, new Holder(new Plain())));
        assertTrue(nested.getMessage().startsWith("no codec registered for " + Plain.class.getName()), nested.getMessage());
        assertThrows(NullPointerException.class, () -> encode(engine, null));
    }

    @Test
    void decode_unknownId_isRefused_namingTheId() {
        // A frame whose id this node has not registered (the sender has) is refused: "no codec registered for id N".
        final byte[] ping = encode(CodecEngine.of(rich()), new Ping(1));
        final CodecEngine without = CodecEngine.of(Codecs.builder().build());
        assertEquals("no codec registered for id 1", refusedOnDecode(without, ping).getMessage());
        assertEquals("no codec registered for id 1234", refusedOnDecode(without, frame(1234, 0)).getMessage());
        assertEquals("no codec registered for id -12", refusedOnDecode(without, frame(-12)).getMessage());
    }

    @Test
    void encode_oversized_isRefusedWithItsSize_withoutWritingPastTheMaximum() {
        // A message above maxBytes is refused, stating its exact size and the maximum; nothing is written at or past offset + maxBytes.
        final CodecEngine engine = CodecEngine.of(Codecs.builder().registerRecord(1, Blob.class).registerRecord(2, Text.class).build());
        final int offset = 16;
        final int max = 1024;
        for (Object big : List.of(new Blob(new byte[2 << 20]), new Text("é".repeat(1 << 20)), new Text("x".repeat(max)))) {
            final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(4096);
            buffer.setMemory(0, 4096, (byte) 0x77);
            final CodecException e = assertThrows(CodecException.class, () -> engine.encode(big, buffer, offset, max, REFS));
            final long size = big instanceof Blob b ? 4 + 4 + b.data().length
                : 4 + 4 + 2L * ((Text) big).text().length() / (((Text) big).text().charAt(0) == 'x' ? 2 : 1);
            assertEquals("message " + big.getClass().getName() + " takes " + size
                + " bytes, above the maximum message size of " + max + " bytes", e.getMessage());
            assertEquals(4096, buffer.capacity(), "the buffer did not grow");
            for (int i = offset + max; i < 4096; i++) {
                if (buffer.getByte(i) != 0x77) {
                    fail("byte " + i + " written, past offset + maxBytes = " + (offset + max));
                }
            }
        }
    }

    @Test
    void encode_oversized_growsTheBufferNoFurtherThanTheMaximum() {
        // In a small expandable buffer, a 4 MiB message refused at a 64 KiB maximum grows the buffer to about the maximum only.
        final CodecEngine engine = CodecEngine.of(Codecs.builder().registerRecord(1, Blob.class).build());
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(64);
        assertThrows(CodecException.class, () -> engine.encode(new Blob(new byte[4 << 20]), buffer, 0, 64 << 10, REFS));
        assertTrue(buffer.capacity() <= 64 << 10, "capacity " + buffer.capacity());
    }

    @Test
    void encode_exactlyTheMaximum_fits_oneMoreByteDoesNot() {
        // The maximum counts the id: a message of exactly maxBytes is written whole, one byte more is refused.
        final CodecEngine engine = CodecEngine.of(Codecs.builder().registerRecord(1, Blob.class).build());
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(64);
        assertEquals(100, engine.encode(new Blob(new byte[92]), buffer, 0, 100, REFS));
        assertThrows(CodecException.class, () -> engine.encode(new Blob(new byte[93]), buffer, 0, 100, REFS));
        assertThrows(IllegalArgumentException.class, () -> engine.encode(new Blob(new byte[0]), buffer, 0, 3, REFS));
    }

    @Test
    void decode_truncatedAtEveryLength_isACodecException() {
        // Every proper prefix of every valid frame is refused as truncated, never read past its end: alone in its
        // buffer (a read past it would fault) and followed by the rest of the frame (a read past it would succeed).
        final CodecEngine engine = CodecEngine.of(rich());
        for (Object sample : samples()) {
            final byte[] bytes = encode(engine, sample);
            for (int length = 0; length < bytes.length; length++) {
                final int cut = length;
                try {
                    decode(engine, Arrays.copyOf(bytes, cut));
                    fail(sample + " decoded from " + cut + " of its " + bytes.length + " bytes");
                } catch (CodecException expected) {
                    // refused, as it must be
                }
                final CodecException e = assertThrows(CodecException.class, () -> engine.decode(new UnsafeBuffer(bytes), 0, cut, REFS));
                assertTrue(e.getMessage().startsWith("truncated message") || e.getMessage().contains(" elements in "),
                    sample + " cut at " + cut + ": " + e.getMessage());
            }
        }
    }

    @Test
    void decode_leftOverBytes_areRefused() {
        // Bytes after a complete message are refused, with the count, so a frame is exactly one message.
        final CodecEngine engine = CodecEngine.of(rich());
        for (Object sample : samples()) {
            final byte[] bytes = Arrays.copyOf(encode(engine, sample), encode(engine, sample).length + 3);
            final CodecException e = refusedOnDecode(engine, bytes);
            assertTrue(e.getMessage().contains("3 bytes left over"), e.getMessage());
        }
    }

    @Test
    void decode_malformedValues_areRefused() {
        // Values no writer produces are refused: a boolean byte of 2, a length of -2, an unknown enum name, null at the top.
        final CodecEngine engine = CodecEngine.of(rich());
        final byte[] prims = encode(engine, new CodecRoundTripTest.Primitives(true, (byte) 0, (short) 0, 'a', 0, 0, 0, 0));
        prims[4] = 2;
        assertTrue(refusedOnDecode(engine, prims).getMessage().contains("boolean byte of 2"));
        assertTrue(refusedOnDecode(engine, frame(-1, -2)).getMessage().contains("length -2"));
        final byte[] color = encode(engine, CodecRoundTripTest.Color.RED);
        color[color.length - 1] = 'X';
        assertTrue(refusedOnDecode(engine, color).getMessage().contains("has no constant \"REX\""), refusedOnDecode(engine, color).getMessage());
        assertTrue(refusedOnDecode(engine, frame(0)).getMessage().contains("null"));
        assertThrows(IllegalArgumentException.class, () -> engine.decode(new UnsafeBuffer(new byte[4]), 2, 4, REFS));
    }

    @Test
    void decode_registeredObjectOfTheWrongClass_inARecordComponent_isRefused() {
        // A frame that nests a registered record where the component's type wants another is refused, naming both classes.
        final CodecEngine engine = CodecEngine.of(rich());
        final byte[] line = encode(engine, new CodecRoundTripTest.Line(new CodecRoundTripTest.Point(7, 8), null, null));
        // Line: id 6, then the Point's id 5 at byte 4: make it Ping's id 1 (4 bytes of payload follow, as Ping needs).
        line[4] = 1;
        final byte[] spliced = Arrays.copyOf(line, line.length - 4);
        System.arraycopy(line, 12, spliced, 8, spliced.length - 8);
        final CodecException e = refusedOnDecode(engine, spliced);
        assertTrue(e.getMessage().contains("a " + Ping.class.getName() + " where a " + CodecRoundTripTest.Point.class.getName()
            + " belongs"), e.getMessage());
    }

    @Test
    void decode_recordsCompactConstructorRefusal_isACodecException() {
        // Decoding runs the canonical constructor: a value it refuses becomes a CodecException with the cause.
        final CodecEngine engine = CodecEngine.of(rich());
        final byte[] bytes = encode(engine, new Positive(5));
        bytes[7] = -128; // the int's sign
        final CodecException e = refusedOnDecode(engine, bytes);
        assertInstanceOf(IllegalArgumentException.class, e.getCause());
        assertTrue(e.getMessage().contains("refused the decoded components"), e.getMessage());
    }

    @Test
    void handWrittenCodecFailures_areWrapped_namingTheClass() {
        // Whatever a hand-written codec throws becomes a CodecException naming the class, both ways.
        final CodecEngine engine = CodecEngine.of(Codecs.builder().register(5, Fragile.class, FRAGILE).build());
        final CodecException out = assertThrows(CodecException.class, () -> encode(engine, new Fragile()));
        assertTrue(out.getMessage().contains(Fragile.class.getName()) && out.getMessage().contains("encode broke"), out.getMessage());
        final CodecException in = refusedOnDecode(engine, frame(5));
        assertTrue(in.getMessage().contains(Fragile.class.getName()) && in.getMessage().contains("decode broke"), in.getMessage());
        assertInstanceOf(IllegalStateException.class, in.getCause());
    }

    @Test
    void nestingDeeperThan64_isRefusedBothWays() {
        // A chain of nested objects deeper than 64 is refused on encode and on decode instead of overflowing the stack.
        final CodecEngine engine = CodecEngine.of(rich());
        Node shallow = null;
        for (int i = 0; i < 64; i++) {
            shallow = new Node(i, shallow);
        }
        assertEquals(shallow, decode(engine, encode(engine, shallow)));
        final Node deep = new Node(64, shallow);
        assertTrue(assertThrows(CodecException.class, () -> encode(engine, deep)).getMessage().contains("deeper than 64"));
        // 100,000 levels by hand: id 12, value, then the next node's id ...
        final int levels = 100_000;
        final ByteBuffer b = ByteBuffer.allocate(levels * 8 + 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < levels; i++) {
            b.putInt(12).putInt(i);
        }
        b.putInt(0);
        assertTrue(refusedOnDecode(engine, b.array()).getMessage().contains("deeper than 64"));
    }

    @Test
    void refFailures_areCodecExceptions() {
        // A URI the ref codec cannot resolve, or a ref without a ref codec, is a CodecException on either side.
        final CodecEngine engine = CodecEngine.of(rich());
        final byte[] bytes = encode(engine, new Texts(null, null, null, new FakeRef("/user/a")));
        bytes[bytes.length - 10] = '#';
        final CodecException bad = refusedOnDecode(engine, bytes);
        assertInstanceOf(IllegalArgumentException.class, bad.getCause());
        final Texts withRef = new Texts(null, null, null, new FakeRef("/user/a"));
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer();
        assertThrows(CodecException.class, () -> engine.encode(withRef, buffer, 0, MAX, null));
        final byte[] good = encode(engine, withRef);
        assertThrows(CodecException.class, () -> engine.decode(new UnsafeBuffer(good), 0, good.length, null));
        final RefCodec broken = new RefCodec() {
            @Override
            public String uriOf(io.troupe.actors.ActorRef<?> ref) {
                throw new IllegalStateException("no address");
            }

            @Override
            public io.troupe.actors.ActorRef<?> resolve(String uri) {
                return null;
            }
        };
        assertThrows(CodecException.class, () -> engine.encode(withRef, buffer, 0, MAX, broken));
        assertThrows(CodecException.class, () -> engine.decode(new UnsafeBuffer(good), 0, good.length, broken));
    }

    @Test
    void oneEngine_manyThreads_encodeAndDecodeEqual() throws Exception {
        // One engine serves several threads at once: each thread's round trips come back equal.
        final CodecEngine engine = CodecEngine.of(rich());
        final int threads = 4;
        final ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            final CountDownLatch start = new CountDownLatch(1);
            final List<Future<Integer>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    start.await();
                    int checked = 0;
                    final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(64);
                    for (int round = 0; round < 200; round++) {
                        for (Object sample : samples()) {
                            final int length = engine.encode(sample, buffer, 0, MAX, REFS);
                            CodecRoundTripTest.assertSame(sample, engine.decode(buffer, 0, length, REFS));
                            checked++;
                        }
                    }
                    return checked;
                }));
            }
            start.countDown();
            for (Future<Integer> f : done) {
                assertEquals(200 * samples().size(), f.get(50, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
