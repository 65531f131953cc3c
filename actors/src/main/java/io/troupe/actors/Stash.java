package io.troupe.actors;

import java.util.ArrayDeque;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * An actor's bounded stash: messages it is not ready for yet, put aside and handled later, in
 * the order they arrived. NOT thread safe: only the owning actor's thread may use it (from its
 * handlers). Obtained from {@link ActorContext#stash(int)}.
 *
 * <p>Typical use: a session that waits for a reply stashes the commands that arrive meanwhile,
 * and unstashes them when the reply is in:
 *
 * <pre>{@code
 * protected void receive(Msg msg) {
 *     if (waiting && msg instanceof Command) {
 *         stash.stash(msg);                  // throws StashOverflowException when full
 *     } else if (msg instanceof Reply r) {
 *         waiting = false;
 *         stash.unstashAll();                // handled next, in arrival order, before newer messages
 *     } ...
 * }
 * }</pre>
 *
 * <p>Unstashed messages are handled by the actor's current handler ({@code receive} or the
 * {@code become} handler in force when each is handled), one per turn step like mailbox
 * messages: they count against the throughput budget, system messages (a stop) are handled
 * between them, and a handler may stash one again. The stash belongs to the actor, not to the
 * instance: it survives a supervisor's restart (the fresh instance gets the same stash back from
 * {@link ActorContext#stash(int)}), and when the actor stops, what is still stashed or
 * unstashed goes to dead letters ({@link DeadLetter.Reason#RECIPIENT_STOPPED}), never lost
 * silently. Cost: the buffer grows with use up to the capacity (an {@code ArrayDeque}).
 *
 * @param <M> the actor's message type
 */
public final class Stash<M> {
    private final Supplier<String> path;
    private final Consumer<ArrayDeque<? extends M>> unstash;
    private final Consumer<Object> deadLetter;
    private final int capacity;
    private final ArrayDeque<M> buffer = new ArrayDeque<>();

    /**
     * A stash whose owner is reached through callbacks (the actor cell, or the synchronous
     * test kit's context).
     */
    Stash(Supplier<String> path, Consumer<ArrayDeque<? extends M>> unstash, Consumer<Object> deadLetter, int capacity) {
        this.path = path;
        this.unstash = unstash;
        this.deadLetter = deadLetter;
        this.capacity = capacity;
    }

    /**
     * Puts {@code message} aside, after those already stashed. Owner's thread only.
     *
     * @param message the message, usually the one being handled
     * @throws StashOverflowException if the stash holds {@link #capacity()} messages already;
     *     nothing is stashed (thrown from a handler, it fails the actor like any exception)
     * @throws NullPointerException if {@code message} is null
     */
    public void stash(M message) {
        Objects.requireNonNull(message, "message");
        if (buffer.size() >= capacity) {
            throw new StashOverflowException("the stash of " + path.get() + " is full (capacity " + capacity
                    + "); could not stash " + message.getClass().getName()
                    + ": unstash sooner, give a larger capacity, or refuse the message");
        }
        buffer.addLast(message);
    }

    /**
     * Hands every stashed message back to the actor: they are handled next, in the order they
     * were stashed, before any message still in the mailbox, and before messages unstashed
     * earlier and not yet handled (those arrived later). Returns at once; the stash is empty
     * afterwards. Owner's thread only.
     *
     * @return how many messages were unstashed
     */
    public int unstashAll() {
        final int n = buffer.size();
        if (n > 0) {
            unstash.accept(buffer);
            buffer.clear();
        }
        return n;
    }

    /**
     * Whether the stash holds {@link #capacity()} messages: the next {@link #stash} would throw.
     *
     * @return {@code true} if full
     */
    public boolean isFull() {
        return buffer.size() >= capacity;
    }

    /**
     * Whether nothing is stashed.
     *
     * @return {@code true} if empty
     */
    public boolean isEmpty() {
        return buffer.isEmpty();
    }

    /**
     * How many messages are stashed.
     *
     * @return the number of stashed messages
     */
    public int size() {
        return buffer.size();
    }

    /**
     * The most messages the stash holds.
     *
     * @return the capacity given at creation
     */
    public int capacity() {
        return capacity;
    }

    /** Stop: what is stashed goes to dead letters, oldest first. */
    void drainToDeadLetters() {
        for (M m; (m = buffer.pollFirst()) != null; ) {
            deadLetter.accept(m);
        }
    }
}
