package io.troupe.actors;

import io.troupe.mailbox.OverflowPolicy;
import java.util.Objects;

/**
 * How to spawn an actor: its name, mailbox capacity and overflow policy, and dispatcher.
 * Immutable; each {@code withX} returns a copy. Unset values take the system's defaults.
 */
public final class SpawnOptions {
    private static final SpawnOptions DEFAULTS = new SpawnOptions(null, 0, null, DispatcherKind.DEFAULT);

    private final String name;
    private final int mailboxCapacity;
    private final OverflowPolicy overflowPolicy;
    private final DispatcherKind dispatcher;

    private SpawnOptions(String name, int mailboxCapacity, OverflowPolicy overflowPolicy, DispatcherKind dispatcher) {
        this.name = name;
        this.mailboxCapacity = mailboxCapacity;
        this.overflowPolicy = overflowPolicy;
        this.dispatcher = dispatcher;
    }

    /** Options with a generated name and the system's defaults. */
    public static SpawnOptions defaults() {
        return DEFAULTS;
    }

    /** Options with this name and the system's defaults. See {@link #withName}. */
    public static SpawnOptions named(String name) {
        return DEFAULTS.withName(name);
    }

    /**
     * With this name: unique among the actor's siblings, non-empty, not starting with {@code $}
     * (kept for generated names), made of letters, digits and {@code -_.~:@+=}.
     *
     * @throws IllegalArgumentException if the name is not valid
     */
    public SpawnOptions withName(String name) {
        return new SpawnOptions(validateName(name), mailboxCapacity, overflowPolicy, dispatcher);
    }

    /**
     * With a mailbox of this capacity and policy.
     *
     * @throws IllegalArgumentException if {@code capacity} is not positive
     */
    public SpawnOptions withMailbox(int capacity, OverflowPolicy policy) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("mailbox capacity must be positive, was " + capacity);
        }
        return new SpawnOptions(name, capacity, Objects.requireNonNull(policy, "policy"), dispatcher);
    }

    /** With this dispatcher. */
    public SpawnOptions withDispatcher(DispatcherKind dispatcher) {
        return new SpawnOptions(name, mailboxCapacity, overflowPolicy, Objects.requireNonNull(dispatcher, "dispatcher"));
    }

    /** The name, or {@code null} for a generated one. */
    public String name() {
        return name;
    }

    /** The mailbox capacity, or 0 for the system's default. */
    public int mailboxCapacity() {
        return mailboxCapacity;
    }

    /** The overflow policy, or {@code null} for the system's default. */
    public OverflowPolicy overflowPolicy() {
        return overflowPolicy;
    }

    /** The dispatcher. */
    public DispatcherKind dispatcher() {
        return dispatcher;
    }

    static String validateName(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("actor name must not be empty");
        }
        if (name.charAt(0) == '$') {
            throw new IllegalArgumentException("actor name must not start with '$' (kept for generated names), was '" + name + "'");
        }
        for (int i = 0; i < name.length(); i++) {
            final char c = name.charAt(i);
            final boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "-_.~:@+=".indexOf(c) >= 0;
            if (!ok) {
                throw new IllegalArgumentException("actor name '" + name + "' has an invalid character '" + c
                        + "' at " + i + "; use letters, digits and -_.~:@+=");
            }
        }
        return name;
    }
}
