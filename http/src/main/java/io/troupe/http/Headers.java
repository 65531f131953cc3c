package io.troupe.http;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * HTTP header fields: a small, immutable, ordered multimap whose names compare ignoring ASCII
 * case. Immutable and thread safe; each {@code withX} returns a copy (a few fields are the
 * common case, so a copy of two short arrays costs less than a hash map).
 *
 * <p>Lookups are linear in the number of fields, case-insensitive and allocation-free.
 * Names and values are kept as they were given (or as they came off the wire); no value is
 * validated here: the server checks what it parses, and refuses to write a name or value with a
 * CR or LF in it.
 */
public final class Headers {
    private static final String[] NONE = new String[0];
    private static final Headers EMPTY = new Headers(NONE, NONE, 0);

    private final String[] names;
    private final String[] values;
    private final int size;

    private Headers(String[] names, String[] values, int size) {
        this.names = names;
        this.values = values;
        this.size = size;
    }

    /**
     * No fields.
     *
     * @return the empty headers (shared)
     */
    public static Headers empty() {
        return EMPTY;
    }

    /**
     * Headers from alternating names and values: {@code Headers.of("Content-Type", "text/plain")}.
     *
     * @param namesAndValues name, value, name, value, ...
     * @return the headers
     * @throws IllegalArgumentException if the count is odd
     */
    public static Headers of(String... namesAndValues) {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("headers need a value for each name, got " + namesAndValues.length + " strings");
        }
        final Builder b = builder();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            b.add(namesAndValues[i], namesAndValues[i + 1]);
        }
        return b.build();
    }

    /**
     * A builder that adds fields in order; not thread safe.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The number of fields (a name given twice counts twice).
     *
     * @return the field count
     */
    public int size() {
        return size;
    }

    /**
     * The name of field {@code index}, as given.
     *
     * @param index from 0 to {@link #size()} - 1
     * @return the name
     */
    public String name(int index) {
        Objects.checkIndex(index, size);
        return names[index];
    }

    /**
     * The value of field {@code index}.
     *
     * @param index from 0 to {@link #size()} - 1
     * @return the value
     */
    public String value(int index) {
        Objects.checkIndex(index, size);
        return values[index];
    }

    /**
     * The first value under {@code name} (ignoring case), or null.
     *
     * @param name the field name
     * @return the value, or {@code null} if there is none
     */
    public String get(String name) {
        for (int i = 0; i < size; i++) {
            if (names[i].equalsIgnoreCase(name)) {
                return values[i];
            }
        }
        return null;
    }

    /**
     * Whether a field is named {@code name} (ignoring case).
     *
     * @param name the field name
     * @return {@code true} if present
     */
    public boolean contains(String name) {
        return get(name) != null;
    }

    /**
     * Every value under {@code name} (ignoring case), in order. Allocates a list.
     *
     * @param name the field name
     * @return the values, possibly empty; unmodifiable
     */
    public List<String> all(String name) {
        List<String> out = null;
        for (int i = 0; i < size; i++) {
            if (names[i].equalsIgnoreCase(name)) {
                if (out == null) {
                    out = new ArrayList<>(2);
                }
                out.add(values[i]);
            }
        }
        return out == null ? List.of() : Collections.unmodifiableList(out);
    }

    /**
     * These fields and one more at the end (a name may repeat). Copies.
     *
     * @param name the field name
     * @param value the value
     * @return new headers
     */
    public Headers with(String name, String value) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        final String[] n = Arrays.copyOf(names, size + 1);
        final String[] v = Arrays.copyOf(values, size + 1);
        n[size] = name;
        v[size] = value;
        return new Headers(n, v, size + 1);
    }

    /**
     * These fields with every field named {@code name} replaced by one with {@code value}. Copies.
     *
     * @param name the field name
     * @param value the value
     * @return new headers
     */
    public Headers withReplaced(String name, String value) {
        return without(name).with(name, value);
    }

    /**
     * These fields without those named {@code name} (ignoring case). Copies if any is removed.
     *
     * @param name the field name
     * @return headers without the name
     */
    public Headers without(String name) {
        if (!contains(name)) {
            return this;
        }
        final Builder b = builder();
        for (int i = 0; i < size; i++) {
            if (!names[i].equalsIgnoreCase(name)) {
                b.add(names[i], values[i]);
            }
        }
        return b.build();
    }

    @Override
    public String toString() {
        final StringBuilder sb = new StringBuilder("Headers[");
        for (int i = 0; i < size; i++) {
            sb.append(i == 0 ? "" : ", ").append(names[i]).append(": ").append(values[i]);
        }
        return sb.append(']').toString();
    }

    /** Builds {@link Headers} in order. NOT thread safe; use once. */
    public static final class Builder {
        private String[] names = new String[8];
        private String[] values = new String[8];
        private int size;

        private Builder() {}

        /**
         * Adds a field at the end.
         *
         * @param name the name
         * @param value the value
         * @return this builder
         */
        public Builder add(String name, String value) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
            if (size == names.length) {
                names = Arrays.copyOf(names, size * 2);
                values = Arrays.copyOf(values, size * 2);
            }
            names[size] = name;
            values[size] = value;
            size++;
            return this;
        }

        /**
         * The number of fields added so far.
         *
         * @return the count
         */
        public int size() {
            return size;
        }

        /**
         * The headers; the builder must not be used afterwards (its arrays are handed over).
         *
         * @return the headers
         */
        public Headers build() {
            return size == 0 ? EMPTY : new Headers(names, values, size);
        }
    }
}
