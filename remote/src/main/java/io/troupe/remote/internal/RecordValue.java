package io.troupe.remote.internal;

import io.troupe.remote.CodecException;
import io.troupe.remote.MessageReader;
import io.troupe.remote.MessageWriter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How a derived record codec writes and reads one value of a reference type (a record component,
 * or a list's or optional's element), null included. Immutable; any thread.
 *
 * <p>Wire format: a box is a presence byte (0 null, 1 present) then the primitive; a string, byte
 * array, ref or enum (by name) is a length-prefixed string or array, length -1 for null; a nested
 * object is its codec id then its payload (id 0 for null); a list is a 4-byte count (-1 for null)
 * then each element; an optional is one byte (0 null, 1 empty, 2 present) then the element.
 */
public interface RecordValue {
    /**
     * Writes {@code value}.
     *
     * @param out the writer
     * @param value the value, or null
     */
    void write(MessageWriter out, Object value);

    /**
     * Reads a value.
     *
     * @param in the reader
     * @return the value, or null
     * @throws CodecException if the bytes are not such a value
     */
    Object read(MessageReader in);

    /**
     * The fewest bytes a value (null included) takes on the wire: a list's count is checked
     * against it before anything is allocated.
     *
     * @return at least 1
     */
    int minBytes();

    /** A box: presence byte, then the primitive. */
    enum Box implements RecordValue {
        /** {@link Boolean}. */
        BOOLEAN {
            @Override
            void writePresent(MessageWriter out, Object value) {
                out.writeBoolean((Boolean) value);
            }

            @Override
            Object readPresent(MessageReader in) {
                return in.readBoolean();
            }
        },
        /** {@link Byte}. */
        BYTE {
            @Override
            void writePresent(MessageWriter out, Object value) {
                out.writeByte((Byte) value);
            }

            @Override
            Object readPresent(MessageReader in) {
                return in.readByte();
            }
        },
        /** {@link Short}. */
        SHORT {
            @Override
            void writePresent(MessageWriter out, Object value) {
                out.writeShort((Short) value);
            }

            @Override
            Object readPresent(MessageReader in) {
                return in.readShort();
            }
        },
        /** {@link Character}. */
        CHAR {
            @Override
            void writePresent(MessageWriter out, Object value) {
                out.writeChar((Character) value);
            }

            @Override
            Object readPresent(MessageReader in) {
                return in.readChar();
            }
        },
        /** {@link Integer}. */
        INT {
            @Override
            void writePresent(MessageWriter out, Object value) {
                out.writeInt((Integer) value);
            }

            @Override
            Object readPresent(MessageReader in) {
                return in.readInt();
            }
        },
        /** {@link Long}. */
        LONG {
            @Override
            void writePresent(MessageWriter out, Object value) {
                out.writeLong((Long) value);
            }

            @Override
            Object readPresent(MessageReader in) {
                return in.readLong();
            }
        },
        /** {@link Float}. */
        FLOAT {
            @Override
            void writePresent(MessageWriter out, Object value) {
                out.writeFloat((Float) value);
            }

            @Override
            Object readPresent(MessageReader in) {
                return in.readFloat();
            }
        },
        /** {@link Double}. */
        DOUBLE {
            @Override
            void writePresent(MessageWriter out, Object value) {
                out.writeDouble((Double) value);
            }

            @Override
            Object readPresent(MessageReader in) {
                return in.readDouble();
            }
        };

        abstract void writePresent(MessageWriter out, Object value);

        abstract Object readPresent(MessageReader in);

        @Override
        public void write(MessageWriter out, Object value) {
            out.writeBoolean(value != null);
            if (value != null) {
                writePresent(out, value);
            }
        }

        @Override
        public Object read(MessageReader in) {
            return in.readBoolean() ? readPresent(in) : null;
        }

        @Override
        public int minBytes() {
            return 1;
        }

        /**
         * The box codec of a box class.
         *
         * @param type a class
         * @return its box codec, or null if it is not a box
         */
        static Box of(Class<?> type) {
            return BOXES.get(type);
        }

        private static final Map<Class<?>, Box> BOXES = Map.of(
            Boolean.class, BOOLEAN, Byte.class, BYTE, Short.class, SHORT, Character.class, CHAR,
            Integer.class, INT, Long.class, LONG, Float.class, FLOAT, Double.class, DOUBLE);
    }

    /** A string, byte array or ref: nullable by its length prefix. */
    enum Prefixed implements RecordValue {
        /** {@link String}. */
        STRING {
            @Override
            public void write(MessageWriter out, Object value) {
                out.writeString((String) value);
            }

            @Override
            public Object read(MessageReader in) {
                return in.readString();
            }
        },
        /** {@code byte[]}. */
        BYTES {
            @Override
            public void write(MessageWriter out, Object value) {
                out.writeBytes((byte[]) value);
            }

            @Override
            public Object read(MessageReader in) {
                return in.readBytes();
            }
        },
        /** {@link io.troupe.actors.ActorRef}. */
        REF {
            @Override
            public void write(MessageWriter out, Object value) {
                out.writeRef((io.troupe.actors.ActorRef<?>) value);
            }

            @Override
            public Object read(MessageReader in) {
                return in.readRef();
            }
        };

        @Override
        public int minBytes() {
            return 4;
        }
    }

    /** An enum constant by name. */
    final class EnumByName implements RecordValue {
        private final Class<?> type;
        private final Map<String, Object> byName;

        EnumByName(Class<?> type) {
            this.type = type;
            final Map<String, Object> constants = new HashMap<>();
            for (Object constant : type.getEnumConstants()) {
                constants.put(((Enum<?>) constant).name(), constant);
            }
            this.byName = Map.copyOf(constants);
        }

        @Override
        public void write(MessageWriter out, Object value) {
            out.writeString(value == null ? null : ((Enum<?>) value).name());
        }

        @Override
        public Object read(MessageReader in) {
            final String name = in.readString();
            if (name == null) {
                return null;
            }
            final Object constant = byName.get(name);
            if (constant == null) {
                throw new CodecException("enum " + type.getName() + " has no constant " + CodecText.quote(name));
            }
            return constant;
        }

        @Override
        public int minBytes() {
            return 4;
        }
    }

    /** A registered class, record or sealed interface: nested by codec id, its class checked on reading. */
    final class Nested implements RecordValue {
        private final Class<?> type;

        Nested(Class<?> type) {
            this.type = type;
        }

        @Override
        public void write(MessageWriter out, Object value) {
            out.writeObject(value);
        }

        @Override
        public Object read(MessageReader in) {
            return in.readObject(type);
        }

        @Override
        public int minBytes() {
            return 4;
        }
    }

    /** A {@link List}: count (-1 for null), then each element; read back as an unmodifiable list. */
    final class ListOf implements RecordValue {
        private final RecordValue element;

        ListOf(RecordValue element) {
            this.element = element;
        }

        @Override
        public void write(MessageWriter out, Object value) {
            if (value == null) {
                out.writeInt(-1);
                return;
            }
            final List<?> list = (List<?>) value;
            final int size = list.size();
            out.writeInt(size);
            int written = 0;
            for (Object e : list) {
                if (written == size) {
                    break;
                }
                element.write(out, e);
                written++;
            }
            if (written != size) {
                throw new CodecException("a list changed size while it was encoded (" + size + " then " + written + ")");
            }
        }

        @Override
        public Object read(MessageReader in) {
            final int count = in.readInt();
            if (count == -1) {
                return null;
            }
            // Checked before allocating: a hostile count cannot make us allocate more than the
            // bytes present allow.
            if (count < 0 || (long) count * element.minBytes() > in.remaining()) {
                throw new CodecException("malformed message: a list of " + count + " elements in "
                    + in.remaining() + " bytes");
            }
            final List<Object> list = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                list.add(element.read(in));
            }
            return Collections.unmodifiableList(list);
        }

        @Override
        public int minBytes() {
            return 4;
        }
    }

    /** An {@link Optional}: 0 null, 1 empty, 2 present then the element. */
    final class OptionalOf implements RecordValue {
        private final RecordValue element;

        OptionalOf(RecordValue element) {
            this.element = element;
        }

        @Override
        public void write(MessageWriter out, Object value) {
            if (value == null) {
                out.writeByte((byte) 0);
                return;
            }
            final Optional<?> optional = (Optional<?>) value;
            if (optional.isEmpty()) {
                out.writeByte((byte) 1);
                return;
            }
            out.writeByte((byte) 2);
            element.write(out, optional.get());
        }

        @Override
        public Object read(MessageReader in) {
            final byte tag = in.readByte();
            switch (tag) {
                case 0:
                    return null;
                case 1:
                    return Optional.empty();
                case 2:
                    final Object value = element.read(in);
                    if (value == null) {
                        throw new CodecException("malformed message: a present optional holding null");
                    }
                    return Optional.of(value);
                default:
                    throw new CodecException("malformed message: an optional tag of " + tag + " (0, 1 or 2 expected)");
            }
        }

        @Override
        public int minBytes() {
            return 1;
        }
    }
}
