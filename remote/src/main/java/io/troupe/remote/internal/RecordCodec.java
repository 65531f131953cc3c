package io.troupe.remote.internal;

import io.troupe.actors.ActorRef;
import io.troupe.remote.Codec;
import io.troupe.remote.CodecException;
import io.troupe.remote.MessageReader;
import io.troupe.remote.MessageWriter;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A codec derived from a record's components: each component in declaration order, read back
 * through the canonical constructor (so a compact constructor's checks run on every received
 * message). The accessors and the constructor are looked up once, when the record is registered;
 * encoding then costs one method-handle call per component, decoding one {@code Object[]} of the
 * components (primitives boxed) and the constructor call. Immutable; any thread.
 *
 * <p>Wire format: primitives inline (no presence byte), reference components as
 * {@link RecordValue} writes them. A record {@code Ping(int n)} is its 4-byte id and 4 bytes.
 *
 * @param <R> the record
 */
public final class RecordCodec<R extends Record> implements Codec<R> {
    private static final String SUPPORTED = "supported: primitives and their boxes, String, byte[], enums,"
        + " ActorRef, List<T> and Optional<T> of a supported T, records, sealed interfaces and registered classes";

    private final Class<R> type;
    private final Component[] components;
    /** (Object[])Object: the canonical constructor, spread. */
    private final MethodHandle constructor;
    private final Map<Class<?>, String> nestedTypes;

    private RecordCodec(Class<R> type, Component[] components, MethodHandle constructor, Map<Class<?>, String> nestedTypes) {
        this.type = type;
        this.components = components;
        this.constructor = constructor;
        this.nestedTypes = nestedTypes;
    }

    /**
     * Derives the codec of a record. Cost: reflection and method-handle lookups, once.
     *
     * @param type the record
     * @param lookup a lookup with access to the record, its accessors and its canonical constructor
     * @param registered whether a class is already registered (a class that is neither a record
     *     nor a sealed type may be a component only if it is)
     * @param <R> the record
     * @return the codec
     * @throws IllegalArgumentException naming the component, if a component's type is not supported
     *     or the record is not accessible through {@code lookup}
     */
    public static <R extends Record> RecordCodec<R> derive(Class<R> type, MethodHandles.Lookup lookup,
            Predicate<Class<?>> registered) {
        if (!type.isRecord()) {
            throw new IllegalArgumentException(type.getName() + " is not a record");
        }
        final RecordComponent[] recordComponents = type.getRecordComponents();
        final Component[] components = new Component[recordComponents.length];
        final Class<?>[] erased = new Class<?>[recordComponents.length];
        final Map<Class<?>, String> nested = new LinkedHashMap<>();
        try {
            for (int i = 0; i < recordComponents.length; i++) {
                final RecordComponent rc = recordComponents[i];
                erased[i] = rc.getType();
                final String where = "record " + type.getName() + ": component '" + rc.getName() + "'";
                final MethodHandle accessor = lookup.unreflect(rc.getAccessor());
                components[i] = component(rc, accessor, where, registered, nested);
            }
            final MethodHandle canonical = lookup.findConstructor(type, MethodType.methodType(void.class, erased));
            final MethodHandle spread = canonical.asSpreader(Object[].class, erased.length)
                .asType(MethodType.methodType(Object.class, Object[].class));
            return new RecordCodec<>(type, components, spread, Map.copyOf(nested));
        } catch (IllegalAccessException e) {
            throw new IllegalArgumentException("record " + type.getName() + " is not accessible to io.troupe.remote ("
                + e.getMessage() + "): open its package to io.troupe.remote, or register it with a lookup:"
                + " registerRecord(id, " + type.getSimpleName() + ".class, MethodHandles.lookup())", e);
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException("record " + type.getName() + " has no canonical constructor", e);
        }
    }

    /**
     * The records and sealed types nested in this record, which the registry must hold when it is
     * built, each with the first component that nests it ("record X: component 'y'").
     *
     * @return the classes and where they are nested
     */
    public Map<Class<?>, String> nestedTypes() {
        return nestedTypes;
    }

    /**
     * The record.
     *
     * @return its class
     */
    public Class<R> type() {
        return type;
    }

    @Override
    public void encode(R value, MessageWriter out) {
        final Object record = value;
        int i = 0;
        try {
            for (; i < components.length; i++) {
                components[i].write(record, out);
            }
        } catch (CodecException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new CodecException("record " + type.getName() + ": component '" + components[i].name
                + "' could not be encoded: " + t, t);
        }
    }

    @Override
    public R decode(MessageReader in) {
        final Object[] args = new Object[components.length];
        for (int i = 0; i < args.length; i++) {
            args[i] = components[i].read(in);
        }
        final Object record;
        try {
            record = (Object) constructor.invokeExact(args);
        } catch (Error e) {
            throw e;
        } catch (Throwable t) {
            throw new CodecException("record " + type.getName() + " refused the decoded components: " + t, t);
        }
        return type.cast(record);
    }

    private static Component component(RecordComponent rc, MethodHandle accessor, String where,
            Predicate<Class<?>> registered, Map<Class<?>, String> nested) {
        final Class<?> raw = rc.getType();
        if (raw.isPrimitive()) {
            final MethodHandle getter = accessor.asType(MethodType.methodType(raw, Object.class));
            return new Component(rc.getName(), Kind.of(raw), getter, null);
        }
        final MethodHandle getter = accessor.asType(MethodType.methodType(Object.class, Object.class));
        return new Component(rc.getName(), Kind.REFERENCE, getter, value(rc.getGenericType(), where, registered, nested));
    }

    /**
     * The value codec of a declared type.
     *
     * @throws IllegalArgumentException naming {@code where} if the type is not supported
     */
    static RecordValue value(Type declared, String where, Predicate<Class<?>> registered, Map<Class<?>, String> nested) {
        if (declared instanceof Class<?> c) {
            final RecordValue box = RecordValue.Box.of(c);
            if (box != null) {
                return box;
            }
            if (c == String.class) {
                return RecordValue.Prefixed.STRING;
            }
            if (c == byte[].class) {
                return RecordValue.Prefixed.BYTES;
            }
            if (c == ActorRef.class) {
                return RecordValue.Prefixed.REF;
            }
            if (c.isEnum()) {
                return new RecordValue.EnumByName(c);
            }
            if (c == List.class || c == Optional.class) {
                throw unsupported(where, declared, "a raw " + c.getSimpleName() + ": give its element type");
            }
            return nested(c, declared, where, registered, nested);
        }
        if (declared instanceof ParameterizedType p && p.getRawType() instanceof Class<?> raw) {
            if (raw == ActorRef.class) {
                return RecordValue.Prefixed.REF;
            }
            if (raw == List.class || raw == Optional.class) {
                final RecordValue element = value(p.getActualTypeArguments()[0], where + " (element of " + p.getTypeName() + ")",
                    registered, nested);
                return raw == List.class ? new RecordValue.ListOf(element) : new RecordValue.OptionalOf(element);
            }
            return nested(raw, declared, where, registered, nested);
        }
        throw unsupported(where, declared, "a type variable, wildcard or generic array");
    }

    /** A registered class, record or sealed type, nested by id; or the refusal. */
    private static RecordValue nested(Class<?> c, Type declared, String where, Predicate<Class<?>> registered,
            Map<Class<?>, String> nested) {
        if (registered.test(c)) {
            return new RecordValue.Nested(c);
        }
        if (c.isRecord() || c.isSealed()) {
            nested.putIfAbsent(c, where); // checked when the registry is built: it may be registered after this record
            return new RecordValue.Nested(c);
        }
        throw unsupported(where, declared, "neither a record, a sealed type nor a registered class;"
            + " a class with its own codec must be registered before this record");
    }

    private static IllegalArgumentException unsupported(String where, Type declared, String why) {
        return new IllegalArgumentException(where + " has type " + declared.getTypeName() + ", which has no codec ("
            + why + "); " + SUPPORTED);
    }

    /** How a component travels. */
    private enum Kind {
        BOOLEAN, BYTE, SHORT, CHAR, INT, LONG, FLOAT, DOUBLE, REFERENCE;

        static Kind of(Class<?> primitive) {
            return switch (primitive.getName()) {
                case "boolean" -> BOOLEAN;
                case "byte" -> BYTE;
                case "short" -> SHORT;
                case "char" -> CHAR;
                case "int" -> INT;
                case "long" -> LONG;
                case "float" -> FLOAT;
                case "double" -> DOUBLE;
                default -> throw new IllegalArgumentException(primitive.getName());
            };
        }
    }

    /**
     * One component: a primitive's getter is typed {@code (Object)prim} so that encoding does not
     * box; a reference's is {@code (Object)Object}.
     */
    private static final class Component {
        final String name;
        final Kind kind;
        final MethodHandle getter;
        final RecordValue value;

        Component(String name, Kind kind, MethodHandle getter, RecordValue value) {
            this.name = name;
            this.kind = kind;
            this.getter = getter;
            this.value = value;
        }

        void write(Object record, MessageWriter out) throws Throwable {
            switch (kind) {
                case BOOLEAN -> out.writeBoolean((boolean) getter.invokeExact(record));
                case BYTE -> out.writeByte((byte) getter.invokeExact(record));
                case SHORT -> out.writeShort((short) getter.invokeExact(record));
                case CHAR -> out.writeChar((char) getter.invokeExact(record));
                case INT -> out.writeInt((int) getter.invokeExact(record));
                case LONG -> out.writeLong((long) getter.invokeExact(record));
                case FLOAT -> out.writeFloat((float) getter.invokeExact(record));
                case DOUBLE -> out.writeDouble((double) getter.invokeExact(record));
                case REFERENCE -> value.write(out, (Object) getter.invokeExact(record));
                default -> throw new AssertionError(kind);
            }
        }

        Object read(MessageReader in) {
            return switch (kind) {
                case BOOLEAN -> in.readBoolean();
                case BYTE -> in.readByte();
                case SHORT -> in.readShort();
                case CHAR -> in.readChar();
                case INT -> in.readInt();
                case LONG -> in.readLong();
                case FLOAT -> in.readFloat();
                case DOUBLE -> in.readDouble();
                case REFERENCE -> value.read(in);
            };
        }
    }
}
