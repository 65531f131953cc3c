package io.troupe.remote;

import io.troupe.actors.ActorRef;
import io.troupe.remote.internal.CodecBuiltins;
import io.troupe.remote.internal.CodecEntry;
import io.troupe.remote.internal.CodecsAccess;
import io.troupe.remote.internal.RecordCodec;
import io.troupe.remote.internal.RefCodec;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;

/**
 * The message classes a node can send and receive, each with its codec and the id it travels
 * under. Only registered classes are ever encoded or decoded: no Java serialization, and the wire
 * names a registered id, never a class, so bytes from another process can instantiate nothing
 * else. Both nodes must register the same classes under the same ids.
 *
 * <pre>{@code
 * record Ping(int n, ActorRef<Pong> replyTo) {}
 * record Pong(int n) {}
 *
 * Codecs codecs = Codecs.builder()
 *     .registerRecord(1, Ping.class)
 *     .registerRecord(2, Pong.class)
 *     .build();
 * }</pre>
 *
 * <p>Built in, at reserved ids ({@code <= 0}, so user ids are positive): {@link String} (-1),
 * {@link Integer} (-2), {@link Long} (-3), {@link Short} (-4), {@link Byte} (-5),
 * {@link Boolean} (-6), {@link Character} (-7), {@link Double} (-8), {@link Float} (-9),
 * {@code byte[]} (-10) and {@link ActorRef} (-11, any implementation: its {@code troupe://} URI,
 * resolved to a usable ref by the receiving node). Id 0 marks a null nested object.
 *
 * <p>A record needs no codec of its own: {@link Builder#registerRecord(int, Class)} derives one
 * from its components, each of one of these types:
 * <ul>
 *   <li>a primitive (inline, no overhead) or its box (a presence byte, then the value);
 *   <li>{@link String}, {@code byte[]} (a 4-byte length, -1 for null, then the bytes);
 *   <li>an enum, by the name of its constant: adding or reordering constants keeps the wire
 *       compatible, renaming one does not; an unknown name is refused;
 *   <li>{@link ActorRef} (its URI, as a string);
 *   <li>a record or a class registered in the same registry, or a sealed interface whose
 *       permitted records or classes are all registered: nested as its id and payload;
 *   <li>{@link java.util.List} and {@link java.util.Optional} of any of these (a list arrives
 *       unmodifiable; its elements may be null).
 * </ul>
 * Every reference component may be null. A record {@code Ping(int n)} travels in 8 bytes, its id
 * included. Objects nest at most 64 deep.
 *
 * <p>A built {@code Codecs} is immutable and thread safe: any thread may share it, and one
 * registry may serve several nodes.
 */
public final class Codecs {
    /*
     * Threading protocol: a Builder is confined to the thread that registers; build() copies its
     * maps into a new Codecs, which no thread ever changes afterwards. Any number of sending
     * threads and receiving threads then look classes and ids up at once.
     *
     * Invariants: byClass and byId hold the same entries (built-ins at ids -1..-11, users at
     * positive ids); every record or sealed type nested in a registered record is itself
     * registered (for a sealed type, each permitted subclass), checked by build().
     *
     * Memory ordering: every field is final and the maps are filled in the constructor, so a
     * Codecs published by any means (even a data race) is seen complete (JLS 17.5). The
     * CodecsAccess bridge is installed by the static initialiser, before any instance exists.
     *
     * Shutdown: none; a registry holds no resources.
     */

    static {
        CodecsAccess.install(new CodecsAccess() {
            @Override
            public MessageWriter newWriter(Codecs codecs, MutableDirectBuffer buffer, int offset, int maxBytes, RefCodec refs) {
                return new MessageWriter(codecs, buffer, offset, maxBytes, refs);
            }

            @Override
            public long encodedLength(MessageWriter writer) {
                return writer.encodedLength();
            }

            @Override
            public MessageReader newReader(Codecs codecs, DirectBuffer buffer, int offset, int length, RefCodec refs) {
                return new MessageReader(codecs, buffer, offset, length, refs);
            }
        });
    }

    private final Map<Class<?>, CodecEntry> byClass;
    private final Int2ObjectHashMap<CodecEntry> byId;
    private final CodecEntry refEntry;

    private Codecs(Map<Class<?>, CodecEntry> byClass, Map<Integer, CodecEntry> byId) {
        this.byClass = Map.copyOf(byClass);
        this.byId = new Int2ObjectHashMap<>();
        byId.forEach(this.byId::put);
        this.refEntry = byClass.get(ActorRef.class);
    }

    /**
     * A builder with the built-in codecs registered. Cost: a few small maps.
     *
     * @return a new builder, for the calling thread
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Whether {@code type} has a codec here: exactly, or as an {@link ActorRef} or an enum
     * constant with a body. Any thread; a hash lookup.
     *
     * @param type a class
     * @return whether a message of this class can be sent and received
     */
    public boolean isRegistered(Class<?> type) {
        return entryFor(Objects.requireNonNull(type, "type")) != null;
    }

    /**
     * The number of codecs, built-ins included.
     *
     * @return the number of registered classes
     */
    public int size() {
        return byId.size();
    }

    /**
     * Lists the registered ids and classes, for logs. Allocates.
     *
     * @return text such as {@code Codecs[1=com.example.Ping, ...]}, user ids only
     */
    @Override
    public String toString() {
        final StringJoiner text = new StringJoiner(", ", "Codecs[", "]");
        byId.values().stream()
            .filter(e -> e.id() > 0)
            .sorted(Comparator.comparingInt(CodecEntry::id))
            .forEach(e -> text.add(e.id() + "=" + e.type().getName()));
        return text.toString();
    }

    /** The entry for a value's class, or null. */
    CodecEntry entryFor(Class<?> type) {
        final CodecEntry entry = byClass.get(type);
        if (entry != null) {
            return entry;
        }
        return entryForSubclass(type);
    }

    /** The rare branch of {@link #entryFor(Class)}: a ref implementation, or an enum constant with a body. */
    private CodecEntry entryForSubclass(Class<?> type) {
        if (ActorRef.class.isAssignableFrom(type)) {
            return refEntry;
        }
        final Class<?> parent = type.getSuperclass();
        if (parent != null && parent.isEnum()) {
            return byClass.get(parent);
        }
        return null;
    }

    /** The entry for an id read from the wire, or null. */
    CodecEntry entryFor(int id) {
        return byId.get(id);
    }

    /** The error for a value of an unregistered class. */
    static CodecException unregistered(Class<?> type) {
        final String how = type.isRecord()
            ? "registerRecord(id, " + type.getSimpleName() + ".class)"
            : type.isEnum() ? "registerEnum(id, " + type.getSimpleName() + ".class)"
            : "register(id, " + type.getSimpleName() + ".class, codec)";
        return new CodecException("no codec registered for " + type.getName() + ": register it with Codecs.builder()." + how);
    }

    /**
     * Collects registrations, then builds an immutable {@link Codecs}. NOT thread safe: use it on
     * one thread. Every mistake is refused when it is made, with an
     * {@link IllegalArgumentException} naming the class, id or component, except a record nesting
     * a record or sealed type that is never registered, refused by {@link #build()}. Building does
     * not consume the builder: registering more afterwards does not change a registry already
     * built.
     */
    public static final class Builder {
        private final Map<Integer, CodecEntry> byId = new LinkedHashMap<>();
        private final Map<Class<?>, CodecEntry> byClass = new HashMap<>();
        private final List<RecordCodec<?>> records = new ArrayList<>();

        Builder() {
            for (CodecEntry builtIn : CodecBuiltins.entries()) {
                byId.put(builtIn.id(), builtIn);
                byClass.put(builtIn.type(), builtIn);
            }
        }

        /**
         * Registers a codec written by hand for the class {@code type}, exactly: a subclass needs
         * its own registration. Cost: two map insertions.
         *
         * @param id the id the class travels under: positive, and the same on every node
         * @param type a concrete class (not an interface or abstract class, which no message is
         *     exactly an instance of)
         * @param codec its codec, stateless or thread safe
         * @param <T> the class
         * @return this builder
         * @throws IllegalArgumentException if the id is not positive or already used, the class
         *     already registered (built-ins included), or not concrete
         */
        public <T> Builder register(int id, Class<T> type, Codec<T> codec) {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(codec, "codec");
            if (type.isInterface() || type.isPrimitive() || Modifier.isAbstract(type.getModifiers()) && !type.isArray()) {
                throw new IllegalArgumentException(type.getName() + " is not a concrete class: register each class a message"
                    + " can be an instance of (for a sealed interface, each permitted record)");
            }
            add(CodecEntry.of(id, type, codec, true));
            return this;
        }

        /**
         * Registers a record with a codec derived from its components (see {@link Codecs} for the
         * types supported and the wire format): the accessors and canonical constructor are looked
         * up once, here, so decoding runs the constructor's checks on every message. The record's
         * package must be open to {@code io.troupe.remote} (or on the class path); otherwise use
         * {@link #registerRecord(int, Class, MethodHandles.Lookup)}. Cost: reflection, once.
         *
         * @param id the id the record travels under: positive, and the same on every node
         * @param type the record
         * @param <R> the record
         * @return this builder
         * @throws IllegalArgumentException naming the component if a component's type is not
         *     supported (a class with a hand-written codec must be registered first), if the id or
         *     class is taken, or if the record is not accessible
         */
        public <R extends Record> Builder registerRecord(int id, Class<R> type) {
            Objects.requireNonNull(type, "type");
            return registerRecord(id, type, lookupFor(type));
        }

        /**
         * Registers a record as {@link #registerRecord(int, Class)} does, reaching its accessors
         * and constructor through the caller's {@code lookup}: for a record in a package not open
         * to {@code io.troupe.remote}. Pass {@code MethodHandles.lookup()} from a class that can
         * see the record.
         *
         * @param id the id the record travels under: positive, and the same on every node
         * @param type the record
         * @param lookup a lookup with access to the record
         * @param <R> the record
         * @return this builder
         * @throws IllegalArgumentException as {@link #registerRecord(int, Class)} does
         */
        public <R extends Record> Builder registerRecord(int id, Class<R> type, MethodHandles.Lookup lookup) {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(lookup, "lookup");
            checkFree(id, type);
            final RecordCodec<R> codec = RecordCodec.derive(type, lookup, byClass::containsKey);
            add(CodecEntry.of(id, type, codec, false));
            records.add(codec);
            return this;
        }

        /**
         * Registers an enum, sent as the name of its constant: adding or reordering constants keeps
         * the wire compatible, renaming one does not; an unknown name is refused. Cost: a map of
         * the constants, once.
         *
         * @param id the id the enum travels under: positive, and the same on every node
         * @param type the enum
         * @param <E> the enum
         * @return this builder
         * @throws IllegalArgumentException if the id or class is taken
         */
        public <E extends Enum<E>> Builder registerEnum(int id, Class<E> type) {
            Objects.requireNonNull(type, "type");
            checkFree(id, type);
            add(CodecEntry.of(id, type, CodecBuiltins.enumCodec(type), false));
            return this;
        }

        /**
         * The registry. Checks that every record or sealed type nested in a registered record is
         * registered (for a sealed type: each class it permits). Cost: copies the registrations.
         *
         * @return an immutable registry, for any thread
         * @throws IllegalArgumentException naming the record and component if a nested type is
         *     not registered
         */
        public Codecs build() {
            for (RecordCodec<?> record : records) {
                record.nestedTypes().forEach(this::checkNested);
            }
            return new Codecs(byClass, byId);
        }

        private void checkNested(Class<?> type, String where) {
            if (byClass.containsKey(type)) {
                return;
            }
            if (type.isSealed()) {
                for (Class<?> permitted : type.getPermittedSubclasses()) {
                    if (!byClass.containsKey(permitted)) {
                        checkNested(permitted, where + " (permitted by " + type.getName() + ")");
                    }
                }
                return;
            }
            throw new IllegalArgumentException(where + " nests " + type.getName() + ", which is not registered:"
                + " register it in the same builder" + (type.isRecord() ? " with registerRecord(id, " + type.getSimpleName()
                + ".class)" : ""));
        }

        private void checkFree(int id, Class<?> type) {
            if (id <= 0) {
                throw new IllegalArgumentException("codec ids must be positive, was " + id + " (ids <= 0 are reserved"
                    + " for the built-in codecs)");
            }
            final CodecEntry byThisId = byId.get(id);
            if (byThisId != null) {
                throw new IllegalArgumentException("codec id " + id + " is already registered for "
                    + byThisId.type().getName() + ", cannot register " + type.getName());
            }
            final CodecEntry byThisClass = byClass.get(type);
            if (byThisClass != null) {
                throw new IllegalArgumentException(type.getName() + " is already registered, with id " + byThisClass.id());
            }
        }

        private void add(CodecEntry entry) {
            checkFree(entry.id(), entry.type());
            byId.put(entry.id(), entry);
            byClass.put(entry.type(), entry);
        }

        private static MethodHandles.Lookup lookupFor(Class<?> type) {
            final Module remote = Codecs.class.getModule();
            remote.addReads(type.getModule());
            try {
                return MethodHandles.privateLookupIn(type, MethodHandles.lookup());
            } catch (IllegalAccessException e) {
                // Not open to us: a public record in an exported package is still reachable; if
                // not, RecordCodec.derive says how to fix it.
                return MethodHandles.lookup();
            }
        }
    }
}
