package io.troupe.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.remote.CodecRoundTripTest.Money;
import io.troupe.remote.CodecRoundTripTest.Ping;
import io.troupe.remote.CodecRoundTripTest.Point;
import io.troupe.remote.internal.CodecEngine;
import java.lang.invoke.MethodHandles;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Registration mistakes are refused when they are made (or at build), with a message naming the culprit. */
class CodecRegistrationTest {
    record WithMap(int n, Map<String, Integer> counts) {}

    record WithObject(Object any) {}

    record WithIntArray(int[] values) {}

    record WithRawList(@SuppressWarnings("rawtypes") List values) {}

    record WithWildcardList(List<?> values) {}

    record Generic<T>(T value) {}

    record WithMoney(Money money) {}

    record WithOptionalMap(Optional<Map<String, String>> options) {}

    record Inner(int n) {}

    record Outer(Inner inner) {}

    sealed interface Animal permits Cat, Dog {}

    record Cat(String name) implements Animal {}

    record Dog(String name) implements Animal {}

    record Pet(Animal animal) {}

    record SelfNested(int n, SelfNested next) {}

    static IllegalArgumentException refused(Runnable registration) {
        return assertThrows(IllegalArgumentException.class, registration::run);
    }

    @Test
    void unsupportedComponent_isRefusedAtRegistration_namingIt() {
        // A record with a component of an unsupported type is refused by registerRecord itself, naming the record, component and type.
        final IllegalArgumentException map = refused(() -> Codecs.builder().registerRecord(1, WithMap.class));
        assertTrue(map.getMessage().contains(WithMap.class.getName()), map.getMessage());
        assertTrue(map.getMessage().contains("'counts'"), map.getMessage());
        assertTrue(map.getMessage().contains("java.util.Map<java.lang.String, java.lang.Integer>"), map.getMessage());
        for (Class<? extends Record> type : List.of(WithObject.class, WithIntArray.class, WithRawList.class,
                WithWildcardList.class, Generic.class, WithOptionalMap.class)) {
            final IllegalArgumentException e = refused(() -> Codecs.builder().registerRecord(1, type.asSubclass(Record.class)));
            final String component = type.getRecordComponents()[0].getName();
            assertTrue(e.getMessage().contains("component '" + component + "'"), e.getMessage());
        }
    }

    @Test
    void classWithItsOwnCodec_mustBeRegisteredBeforeTheRecordNestingIt() {
        // A non-record class is a supported component only once registered; the refusal says so.
        final IllegalArgumentException e = refused(() -> Codecs.builder().registerRecord(2, WithMoney.class));
        assertTrue(e.getMessage().contains("'money'") && e.getMessage().contains("registered before"), e.getMessage());
        final Codecs codecs = Codecs.builder().register(1, Money.class, CodecRoundTripTest.MONEY)
            .registerRecord(2, WithMoney.class).build();
        assertTrue(codecs.isRegistered(WithMoney.class));
    }

    @Test
    void nestedRecordNeverRegistered_isRefusedAtBuild_namingTheComponent() {
        // A nested record may be registered after the record nesting it, but build() refuses it if it never is.
        final Codecs.Builder builder = Codecs.builder().registerRecord(1, Outer.class);
        final IllegalArgumentException e = refused(builder::build);
        assertTrue(e.getMessage().contains("'inner'") && e.getMessage().contains(Inner.class.getName()), e.getMessage());
        builder.registerRecord(2, Inner.class);
        assertTrue(builder.build().isRegistered(Outer.class));
    }

    @Test
    void sealedComponent_needsEveryPermittedRecordRegistered() {
        // A sealed interface component is accepted once each permitted record is registered; a missing one is named.
        final Codecs.Builder builder = Codecs.builder().registerRecord(1, Pet.class).registerRecord(2, Cat.class);
        final IllegalArgumentException e = refused(builder::build);
        assertTrue(e.getMessage().contains(Dog.class.getName()) && e.getMessage().contains("'animal'"), e.getMessage());
        final CodecEngine engine = CodecEngine.of(builder.registerRecord(3, Dog.class).build());
        assertEquals(new Pet(new Dog("rex")), CodecRoundTripTest.decode(engine, CodecRoundTripTest.encode(engine, new Pet(new Dog("rex")))));
    }

    @Test
    void recursiveRecord_registers() {
        // A record nesting itself is accepted (its own registration satisfies the nested check).
        assertTrue(Codecs.builder().registerRecord(1, SelfNested.class).build().isRegistered(SelfNested.class));
    }

    @Test
    void nonPositiveIds_areRefused() {
        // Ids 0 and below are reserved for the built-ins, for every kind of registration.
        for (int id : new int[] {0, -1, -11, Integer.MIN_VALUE}) {
            final IllegalArgumentException e = refused(() -> Codecs.builder().registerRecord(id, Ping.class));
            assertTrue(e.getMessage().contains("positive, was " + id), e.getMessage());
            refused(() -> Codecs.builder().register(id, Money.class, CodecRoundTripTest.MONEY));
            refused(() -> Codecs.builder().registerEnum(id, CodecRoundTripTest.Color.class));
        }
    }

    @Test
    void duplicateIdOrClass_isRefused_namingBoth() {
        // A second registration under a used id, or of a registered class (a built-in included), is refused.
        final Codecs.Builder builder = Codecs.builder().registerRecord(7, Ping.class);
        final IllegalArgumentException id = refused(() -> builder.registerRecord(7, Point.class));
        assertTrue(id.getMessage().contains("7") && id.getMessage().contains(Ping.class.getName())
            && id.getMessage().contains(Point.class.getName()), id.getMessage());
        final IllegalArgumentException type = refused(() -> builder.registerRecord(8, Ping.class));
        assertTrue(type.getMessage().contains(Ping.class.getName() + " is already registered, with id 7"), type.getMessage());
        refused(() -> builder.register(9, String.class, new Codec<>() {
            @Override
            public void encode(String value, MessageWriter out) {}

            @Override
            public String decode(MessageReader in) {
                return "";
            }
        }));
        assertTrue(builder.build().isRegistered(Ping.class));
    }

    @Test
    void interfacesAndAbstractClasses_cannotHaveAHandWrittenCodec() {
        // No message is exactly an instance of an interface or abstract class, so registering one is refused.
        refused(() -> Codecs.builder().register(1, CharSequence.class, new Codec<>() {
            @Override
            public void encode(CharSequence value, MessageWriter out) {}

            @Override
            public CharSequence decode(MessageReader in) {
                return "";
            }
        }));
        refused(() -> Codecs.builder().register(1, Number.class, new Codec<>() {
            @Override
            public void encode(Number value, MessageWriter out) {}

            @Override
            public Number decode(MessageReader in) {
                return 0;
            }
        }));
    }

    @Test
    void builtRegistry_isNotChangedByLaterRegistrations() {
        // build() copies: registering more afterwards leaves a built registry as it was.
        final Codecs.Builder builder = Codecs.builder().registerRecord(1, Ping.class);
        final Codecs first = builder.build();
        builder.registerRecord(2, Point.class);
        assertFalse(first.isRegistered(Point.class));
        assertTrue(builder.build().isRegistered(Point.class));
        assertEquals("Codecs[1=" + Ping.class.getName() + "]", first.toString());
        assertEquals(11 + 1, first.size());
    }

    @Test
    void registerRecord_withACallersLookup_works() {
        // A record can be registered through the caller's own lookup (for packages not open to the module).
        final CodecEngine engine = CodecEngine.of(Codecs.builder().registerRecord(1, Ping.class, MethodHandles.lookup()).build());
        assertEquals(new Ping(3), CodecRoundTripTest.decode(engine, CodecRoundTripTest.encode(engine, new Ping(3))));
    }

    @Test
    void nullArguments_failFastWithTheirName() {
        // Null type, codec or lookup are refused with the parameter's name.
        assertEquals("type", assertThrows(NullPointerException.class, () -> Codecs.builder().registerRecord(1, null)).getMessage());
        assertEquals("codec", assertThrows(NullPointerException.class,
            () -> Codecs.builder().register(1, Money.class, null)).getMessage());
        assertEquals("lookup", assertThrows(NullPointerException.class,
            () -> Codecs.builder().registerRecord(1, Ping.class, null)).getMessage());
    }
}
