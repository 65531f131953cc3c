package io.troupe.examples.redis;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A key (or a channel name): binary-safe bytes with their hash, for hash maps. Immutable. */
final class Key {
    final byte[] bytes;
    private final int hash;

    Key(byte[] bytes) {
        this.bytes = bytes;
        this.hash = hash(bytes);
    }

    /** The hash of {@code bytes}, spread; the same for equal contents. Shards are chosen by it too. */
    static int hash(byte[] bytes) {
        final int h = Arrays.hashCode(bytes);
        return h ^ (h >>> 16);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Key k && k.hash == hash && Arrays.equals(k.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
