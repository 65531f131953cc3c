package io.troupe.io.internal;

import java.nio.channels.SelectionKey;

/**
 * The message a {@link Reactor} tells a channel's owner when armed operations are ready. One
 * shared instance per combination of {@link SelectionKey} bits, so telling one allocates
 * nothing. Immutable.
 */
public final class Readiness {
    private static final Readiness[] BY_OPS = new Readiness[32];

    static {
        for (int i = 0; i < BY_OPS.length; i++) {
            BY_OPS[i] = new Readiness(i);
        }
    }

    private final int ops;

    private Readiness(int ops) {
        this.ops = ops;
    }

    /** The shared instance for {@code ops}. */
    static Readiness of(int ops) {
        return BY_OPS[ops & 31];
    }

    /** The ready {@link SelectionKey} bits. */
    public int ops() {
        return ops;
    }

    /** Whether the channel is readable. */
    public boolean readable() {
        return (ops & SelectionKey.OP_READ) != 0;
    }

    /** Whether the channel is writable. */
    public boolean writable() {
        return (ops & SelectionKey.OP_WRITE) != 0;
    }

    @Override
    public String toString() {
        return "Readiness[ops=" + ops + "]";
    }
}
