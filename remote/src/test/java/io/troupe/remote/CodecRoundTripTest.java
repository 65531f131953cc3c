package io.troupe.remote;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.troupe.actors.ActorRef;
import io.troupe.remote.internal.CodecEngine;
import io.troupe.remote.internal.RefCodec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * Round trips through {@link CodecEngine}: every built-in and every supported record component
 * type comes back equal. Also holds the fixtures (records, a fake ref codec) the other codec tests
 * share.
 */
class CodecRoundTripTest {
    static final int MAX = 1 << 20;

    // ---- fixtures shared by the codec tests ----

    /** A ref that only has a path; equal by path. */
    record FakeRef(String path) implements ActorRef<Object> {
        @Override
        public void tell(Object message) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean offer(Object message) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletionStage<Void> send(Object message) {
            throw new UnsupportedOperationException();
        }

        @Override
        public <R> CompletionStage<R> ask(Function<ActorRef<R>, ?> request, Duration timeout) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String name() {
            return path.substring(path.lastIndexOf('/') + 1);
        }
    }

    /** URIs under one fake node; anything else is malformed. */
    static final class FakeRefs implements RefCodec {
        static final String NODE = "troupe://test@127.0.0.1:2552";

        @Override
        public String uriOf(ActorRef<?> ref) {
            return NODE + ref.path();
        }

        @Override
        public ActorRef<?> resolve(String uri) {
            if (!uri.startsWith(NODE + "/")) {
                throw new IllegalArgumentException("not a troupe URI of this test: " + uri);
            }
            return new FakeRef(uri.substring(NODE.length()));
        }
    }

    static final FakeRefs REFS = new FakeRefs();

    enum Color { RED, GREEN, BLUE { @Override public String toString() { return "blue"; } } }

    record Ping(int n) {}

    record Primitives(boolean z, byte b, short s, char c, int i, long l, float f, double d) {}

    record Boxes(Boolean z, Byte b, Short s, Character c, Integer i, Long l, Float f, Double d) {}

    record Texts(String s, byte[] bytes, Color color, ActorRef<?> ref) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Texts t && java.util.Objects.equals(s, t.s) && Arrays.equals(bytes, t.bytes)
                && color == t.color && java.util.Objects.equals(ref, t.ref);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(s, Arrays.hashCode(bytes), color, ref);
        }
    }

    record Point(int x, int y) {}

    record Line(Point from, Point to, String label) {}

    sealed interface Shape permits Circle, Square {}

    record Circle(Point center, double radius) implements Shape {}

    record Square(Point corner, double side) implements Shape {}

    record Drawing(List<Shape> shapes, Optional<Shape> focus, Shape background) {}

    record Lists(List<String> strings, List<Integer> ints, List<Point> points, List<List<Color>> nested,
            List<ActorRef<Object>> refs) {}

    record Optionals(Optional<String> s, Optional<Point> p, Optional<List<Long>> ls) {}

    record Node(int value, Node next) {}

    record Empty() {}

    record Positive(int n) {
        Positive {
            if (n <= 0) {
                throw new IllegalArgumentException("n must be positive, was " + n);
            }
        }
    }

    /** A class with a hand-written codec. */
    static final class Money {
        final long cents;
        final String currency;

        Money(long cents, String currency) {
            this.cents = cents;
            this.currency = currency;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Money m && m.cents == cents && m.currency.equals(currency);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(cents) * 31 + currency.hashCode();
        }
    }

    static final Codec<Money> MONEY = new Codec<>() {
        @Override
        public void encode(Money value, MessageWriter out) {
            out.writeLong(value.cents);
            out.writeString(value.currency);
        }

        @Override
        public Money decode(MessageReader in) {
            return new Money(in.readLong(), java.util.Objects.requireNonNull(in.readString(), "currency"));
        }
    };

    record Invoice(Money total, List<Money> lines) {}

    /** A registry with every fixture. */
    static Codecs rich() {
        return Codecs.builder()
            .registerRecord(1, Ping.class)
            .registerRecord(2, Primitives.class)
            .registerRecord(3, Boxes.class)
            .registerRecord(4, Texts.class)
            .registerRecord(5, Point.class)
            .registerRecord(6, Line.class)
            .registerRecord(7, Circle.class)
            .registerRecord(8, Square.class)
            .registerRecord(9, Drawing.class)
            .registerRecord(10, Lists.class)
            .registerRecord(11, Optionals.class)
            .registerRecord(12, Node.class)
            .registerRecord(13, Empty.class)
            .registerRecord(14, Positive.class)
            .register(15, Money.class, MONEY)
            .registerRecord(16, Invoice.class)
            .registerEnum(17, Color.class)
            .build();
    }

    /** Valid messages of every fixture, for round trips, truncation and fuzzing. */
    static List<Object> samples() {
        final Point p = new Point(3, -4);
        return List.of(
            new Ping(42),
            new Primitives(true, (byte) -7, (short) 300, 'é', Integer.MIN_VALUE, Long.MAX_VALUE, -0.0f, Double.NaN),
            new Boxes(false, (byte) 1, (short) -2, '\uD83D', 5, -6L, 7.5f, Double.MIN_VALUE),
            new Boxes(null, null, null, null, null, null, null, null),
            new Texts("héllo wörld \uD83D\uDE00 日本", new byte[] {0, -1, 127, -128}, Color.BLUE, new FakeRef("/user/a")),
            new Texts(null, null, null, null),
            new Texts("", new byte[0], Color.RED, new FakeRef("/user/parent/child")),
            new Line(p, new Point(0, 0), "diagonal"),
            new Line(null, p, null),
            new Drawing(List.of(new Circle(p, 1.5), new Square(new Point(1, 1), 2)), Optional.of(new Circle(null, 0)),
                new Square(p, 9)),
            new Drawing(null, Optional.empty(), null),
            new Lists(List.of("a", "", "ü"), Arrays.asList(1, null, 3), List.of(p, p), List.of(List.of(Color.GREEN), List.of()),
                List.of(new FakeRef("/user/x"))),
            new Lists(List.of(), null, Arrays.asList((Point) null), null, List.of()),
            new Optionals(Optional.of("x"), Optional.of(p), Optional.of(List.of(1L, 2L))),
            new Optionals(Optional.empty(), null, Optional.empty()),
            new Node(1, new Node(2, new Node(3, null))),
            new Empty(),
            new Positive(9),
            new Invoice(new Money(1999, "EUR"), List.of(new Money(999, "EUR"), new Money(1000, "EUR"))),
            Color.GREEN,
            Color.BLUE,
            "a string",
            17,
            -5L,
            (short) 12,
            (byte) 3,
            true,
            'q',
            2.5d,
            -1.25f,
            new byte[] {1, 2, 3});
    }

    static byte[] encode(CodecEngine engine, Object message) {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(16);
        final int length = engine.encode(message, buffer, 0, MAX, REFS);
        return Arrays.copyOf(buffer.byteArray(), length);
    }

    static Object decode(CodecEngine engine, byte[] bytes) {
        return engine.decode(new UnsafeBuffer(bytes), 0, bytes.length, REFS);
    }

    static void assertSame(Object expected, Object actual) {
        if (expected instanceof byte[] b) {
            assertArrayEquals(b, (byte[]) actual);
        } else {
            assertEquals(expected, actual);
        }
    }

    // ---- tests ----

    @Test
    void everySample_roundTrips_equal() {
        // Each sample, built-ins and records of every supported component type, decodes equal to what was encoded.
        final CodecEngine engine = CodecEngine.of(rich());
        for (Object sample : samples()) {
            final Object back = decode(engine, encode(engine, sample));
            assertSame(sample, back);
            if (sample instanceof Record) {
                assertNotSame(sample, back);
            }
        }
    }

    @Test
    void builtIns_roundTripAtTheEdges() {
        // The built-in codecs keep extreme values: min/max, NaN bits, negative zero, every kind of string.
        final CodecEngine engine = CodecEngine.of(Codecs.builder().build());
        final List<Object> values = new ArrayList<>(List.of(Integer.MIN_VALUE, Integer.MAX_VALUE, Long.MIN_VALUE,
            Short.MIN_VALUE, Byte.MAX_VALUE, false, Character.MAX_VALUE, '\0', -0.0d, Double.POSITIVE_INFINITY,
            Float.NaN, Float.MIN_VALUE, "", "ascii", "Ünïcödé", "\uD83D\uDE00\uD83D\uDE01", "a\u0000b",
            "x".repeat(70_000), new byte[0], new byte[100_000], new FakeRef("/user/r")));
        for (Object value : values) {
            assertSame(value, decode(engine, encode(engine, value)));
        }
        assertEquals(Double.doubleToRawLongBits(-0.0d), Double.doubleToRawLongBits((Double) decode(engine, encode(engine, -0.0d))));
    }

    @Test
    void strings_areStandardUtf8_evenWithUnpairedSurrogates() {
        // A string's bytes are its UTF-8 as the JDK writes it, an unpaired surrogate as '?', after a little-endian length.
        final CodecEngine engine = CodecEngine.of(Codecs.builder().build());
        for (String s : List.of("plain", "é", "€", "\uD83D\uDE00", "lone \uD800 high", "lone \uDC00 low", "end \uD83D")) {
            final byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            final ByteBuffer expected = ByteBuffer.allocate(8 + utf8.length).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(-1).putInt(utf8.length).put(utf8);
            assertArrayEquals(expected.array(), encode(engine, s), s);
            assertEquals(new String(utf8, StandardCharsets.UTF_8), decode(engine, encode(engine, s)));
        }
    }

    @Test
    void ping_isEightBytes_idThenIntLittleEndian() {
        // A record Ping(int n) travels as its 4-byte id and its 4-byte int, little-endian: nothing else.
        final byte[] bytes = encode(CodecEngine.of(rich()), new Ping(0x01020304));
        assertArrayEquals(new byte[] {1, 0, 0, 0, 4, 3, 2, 1}, bytes);
    }

    @Test
    void refs_travelAsTheirUri_andResolveThroughTheRefCodec() {
        // A ref component is written as the URI the ref codec gives it and read back through the ref codec's resolve.
        final CodecEngine engine = CodecEngine.of(rich());
        final byte[] bytes = encode(engine, new Texts(null, null, null, new FakeRef("/user/echo")));
        final String uri = FakeRefs.NODE + "/user/echo";
        assertEquals(uri, new String(bytes, bytes.length - uri.length(), uri.length(), StandardCharsets.UTF_8));
        final Texts back = (Texts) decode(engine, bytes);
        assertEquals(new FakeRef("/user/echo"), back.ref());
    }

    @Test
    void decodedLists_areUnmodifiable_andKeepNulls() {
        // A decoded list keeps its null elements and its order, and cannot be changed.
        final CodecEngine engine = CodecEngine.of(rich());
        final Lists back = (Lists) decode(engine, encode(engine,
            new Lists(List.of("c", "b", "a"), Arrays.asList(null, 2, null), null, null, null)));
        assertEquals(List.of("c", "b", "a"), back.strings());
        assertEquals(Arrays.asList(null, 2, null), back.ints());
        assertThrows(UnsupportedOperationException.class, () -> back.strings().add("d"));
    }

    @Test
    void sealedComponent_keepsTheConcreteRecord() {
        // A component typed by a sealed interface comes back as the same permitted record.
        final CodecEngine engine = CodecEngine.of(rich());
        final Drawing back = (Drawing) decode(engine, encode(engine,
            new Drawing(List.of(), Optional.empty(), new Circle(new Point(1, 2), 3))));
        assertInstanceOf(Circle.class, back.background());
        assertEquals(new Circle(new Point(1, 2), 3), back.background());
    }

    @Test
    void enumConstantWithABody_travelsByItsEnumsName() {
        // An enum constant with a body (an anonymous subclass) uses its enum's codec and comes back as the same constant.
        final CodecEngine engine = CodecEngine.of(rich());
        assertEquals(Color.BLUE, decode(engine, encode(engine, Color.BLUE)));
        assertEquals(Color.BLUE, ((Texts) decode(engine, encode(engine, new Texts(null, null, Color.BLUE, null)))).color());
    }

    @Test
    void decode_readsFromOffHeapAndOffsetBuffers() {
        // A frame decodes the same from a direct (off-heap) buffer and from an array wrapped at an offset, as Aeron hands them over.
        final CodecEngine engine = CodecEngine.of(rich());
        for (Object sample : samples()) {
            final byte[] bytes = encode(engine, sample);
            final UnsafeBuffer direct = new UnsafeBuffer(ByteBuffer.allocateDirect(bytes.length + 10));
            direct.putBytes(5, bytes);
            assertSame(sample, engine.decode(direct, 5, bytes.length, REFS));
            final byte[] padded = new byte[bytes.length + 20];
            System.arraycopy(bytes, 0, padded, 7, bytes.length);
            final UnsafeBuffer wrapped = new UnsafeBuffer(padded, 3, bytes.length + 10);
            assertSame(sample, engine.decode(wrapped, 4, bytes.length, REFS));
        }
    }

    @Test
    void encode_atAnOffset_leavesTheBytesBeforeItAlone() {
        // Encoding at an offset writes from there on and returns the length written.
        final CodecEngine engine = CodecEngine.of(rich());
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(4);
        buffer.setMemory(0, 4, (byte) 0x5A);
        final int length = engine.encode(new Ping(7), buffer, 4, 8, REFS);
        assertEquals(8, length);
        assertArrayEquals(new byte[] {0x5A, 0x5A, 0x5A, 0x5A, 1, 0, 0, 0, 7, 0, 0, 0}, Arrays.copyOf(buffer.byteArray(), 12));
        assertEquals(new Ping(7), engine.decode(buffer, 4, length, REFS));
    }

    @Test
    void customCodec_nestedInARecord_roundTrips() {
        // A class with a hand-written codec works alone and nested in a record (by id), in a list too.
        final CodecEngine engine = CodecEngine.of(rich());
        final Invoice invoice = new Invoice(new Money(5, "USD"), List.of(new Money(2, "USD"), new Money(3, "USD")));
        assertEquals(invoice, decode(engine, encode(engine, invoice)));
        assertEquals(new Money(1, "CHF"), decode(engine, encode(engine, new Money(1, "CHF"))));
    }
}
