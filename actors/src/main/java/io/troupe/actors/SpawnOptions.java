package io.troupe.actors;

import io.troupe.mailbox.OverflowPolicy;
import java.util.Objects;

/**
 * How to spawn an actor: its name, mailbox capacity and overflow policy, and dispatcher.
 * Immutable; each {@code withX} returns a copy. Unset values take the system's defaults.
 */
public final class SpawnOptions {
    /** The longest actor (and system) name accepted, in characters. */
    public static final int MAX_NAME_LENGTH = 255;

    private static final SpawnOptions DEFAULTS = new SpawnOptions(null, 0, null, DispatcherKind.DEFAULT, 0, null);

    private final String name;
    private final int mailboxCapacity;
    private final OverflowPolicy overflowPolicy;
    private final DispatcherKind dispatcher;
    private final int throughput;
    /** Tracing for this subtree: TRUE on, FALSE off, null as the parent. */
    private final Boolean tracing;

    private SpawnOptions(String name, int mailboxCapacity, OverflowPolicy overflowPolicy, DispatcherKind dispatcher,
                         int throughput, Boolean tracing) {
        this.name = name;
        this.mailboxCapacity = mailboxCapacity;
        this.overflowPolicy = overflowPolicy;
        this.dispatcher = dispatcher;
        this.throughput = throughput;
        this.tracing = tracing;
    }

    /**
     * With tracing on or off for the subtree this actor roots (its descendants inherit it
     * unless they choose): a traced actor handles each message as a span, and what it sends
     * from a handler carries that span as parent (see {@link ActorSystem.Builder#tracing}). A
     * message that arrives with a parent span is a span whatever this setting. Default: as the
     * parent (for top-level actors, the system's setting).
     *
     * @param enabled whether this subtree's messages are spans
     * @return a copy with that setting
     */
    public SpawnOptions withTracing(boolean enabled) {
        return new SpawnOptions(name, mailboxCapacity, overflowPolicy, dispatcher, throughput, enabled);
    }

    /**
     * The tracing setting for this subtree: {@code TRUE} on, {@code FALSE} off, null to inherit
     * the parent's.
     *
     * @return the setting, or null
     */
    public Boolean tracing() {
        return tracing;
    }

    /**
     * Options with a generated name and the system's defaults.
     *
     * @return the default options
     */
    public static SpawnOptions defaults() {
        return DEFAULTS;
    }

    /**
     * Options with this name and the system's defaults. See {@link #withName}.
     *
     * @param name the actor's name
     * @return options with that name
     */
    public static SpawnOptions named(String name) {
        return DEFAULTS.withName(name);
    }

    /**
     * With this name: unique among the actor's siblings, non-empty, at most
     * {@link #MAX_NAME_LENGTH} characters, not starting with {@code $} (kept for generated
     * names), made of letters, digits and {@code -_.~:@+=}.
     *
     * @param name the actor's name
     * @return a copy with that name
     * @throws IllegalArgumentException if the name is not valid
     */
    public SpawnOptions withName(String name) {
        return new SpawnOptions(validateName(name), mailboxCapacity, overflowPolicy, dispatcher, throughput, tracing);
    }

    /**
     * With a mailbox of this capacity and policy.
     *
     * @param capacity messages the mailbox holds; must be positive
     * @param policy what a full mailbox does with a new message
     * @return a copy with that mailbox
     * @throws IllegalArgumentException if {@code capacity} is not positive
     */
    public SpawnOptions withMailbox(int capacity, OverflowPolicy policy) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("mailbox capacity must be positive, was " + capacity);
        }
        return new SpawnOptions(name, capacity, Objects.requireNonNull(policy, "policy"), dispatcher, throughput, tracing);
    }

    /**
     * With an unbounded mailbox: {@code tell} never finds it full, so no message is ever dropped
     * for lack of room, and nothing slows a sender down either: a receiver slower than its
     * senders grows its queue until the heap runs out. Use it where a bound cannot be chosen and
     * the flow is known to be finite (a start-up burst, a log sink with its own rate limit);
     * between steady flows prefer a bound with {@link OverflowPolicy#MUTE_SENDER} or
     * {@code send}. It is a mailbox of capacity {@link io.troupe.mailbox.BoundedMailbox#MAX_CAPACITY}
     * (2^29 - 1 messages); empty, it costs what any mailbox costs.
     *
     * @return new options with this mailbox
     */
    public SpawnOptions withUnboundedMailbox() {
        return new SpawnOptions(name, io.troupe.mailbox.BoundedMailbox.MAX_CAPACITY, OverflowPolicy.DEAD_LETTER, dispatcher, throughput, tracing);
    }

    /**
     * With this dispatcher.
     *
     * @param dispatcher the dispatcher
     * @return a copy with that dispatcher
     */
    public SpawnOptions withDispatcher(DispatcherKind dispatcher) {
        return new SpawnOptions(name, mailboxCapacity, overflowPolicy, Objects.requireNonNull(dispatcher, "dispatcher"), throughput, tracing);
    }

    /**
     * With this throughput budget: the most messages the actor handles per activation before it
     * yields its thread, instead of the system's (default 64). A small budget suits a hub that
     * many actors talk to (it lets the actors it woke run sooner); a large one suits an actor
     * that drains floods. Costs a small object per actor that sets it.
     *
     * @param messages the budget; must be positive
     * @return a copy with that budget
     * @throws IllegalArgumentException if {@code messages} is not positive
     */
    public SpawnOptions withThroughput(int messages) {
        if (messages <= 0) {
            throw new IllegalArgumentException("throughput must be positive, was " + messages);
        }
        return new SpawnOptions(name, mailboxCapacity, overflowPolicy, dispatcher, messages, tracing);
    }

    /**
     * The throughput budget, or 0 for the system's.
     *
     * @return the budget, or 0
     */
    public int throughput() {
        return throughput;
    }

    /**
     * The name, or {@code null} for a generated one.
     *
     * @return the name, or null
     */
    public String name() {
        return name;
    }

    /**
     * The mailbox capacity, or 0 for the system's default.
     *
     * @return the capacity, or 0
     */
    public int mailboxCapacity() {
        return mailboxCapacity;
    }

    /**
     * The overflow policy, or {@code null} for the system's default.
     *
     * @return the policy, or null
     */
    public OverflowPolicy overflowPolicy() {
        return overflowPolicy;
    }

    /**
     * The dispatcher.
     *
     * @return the dispatcher
     */
    public DispatcherKind dispatcher() {
        return dispatcher;
    }

    static String validateName(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("actor name must not be empty");
        }
        if (name.length() > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("actor name must be at most " + MAX_NAME_LENGTH + " characters, was "
                    + name.length() + " ('" + name.substring(0, 32) + "...')");
        }
        if (name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("actor name must not be '.' or '..' (they would read as path steps), was '" + name + "'");
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
