package io.troupe.actors;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * A typed handle to an actor: the only way to reach it. Any thread may use an {@code ActorRef};
 * refs are cheap to pass around in messages and stay valid (pointing at dead letters) after
 * the actor stops.
 *
 * <p>Memory consistency effects: actions in a thread before it sends a message
 * <em>happen-before</em> the receiving actor handles that message. Messages from one sender to
 * one receiver arrive in the order sent.
 *
 * @param <M> the type of message the actor accepts
 */
public interface ActorRef<M> {
    /**
     * Sends {@code message} and returns at once. Lock-free; allocates one queue node. If the
     * mailbox is full the receiver's overflow policy applies: the message goes to dead letters
     * (the default), the oldest queued message goes to dead letters instead, this method
     * throws {@link io.troupe.mailbox.MailboxFullException}, or (under
     * {@link io.troupe.mailbox.OverflowPolicy#MUTE_SENDER}, from inside an actor) the message is
     * held and the sending actor is not run again until the receiver has drained to half its
     * capacity. A message to a stopped actor goes to dead letters.
     *
     * @param message the message
     * @throws NullPointerException if {@code message} is null
     */
    void tell(M message);

    /**
     * Enqueues {@code message} if there is room. Lock-free; any thread.
     *
     * @param message the message
     * @return {@code false} if the mailbox is full, sends are waiting for room, or the actor has
     *     stopped; nothing was enqueued and the message is still the caller's
     */
    boolean offer(M message);

    /**
     * Enqueues {@code message}, waiting for room without blocking any thread: lossless
     * back-pressure. The stage completes when the message is in the mailbox, or exceptionally
     * with {@link io.troupe.mailbox.MailboxClosedException} if the actor stops first (the
     * message then goes to dead letters). Dependent actions run on the thread that completes
     * the stage, often a dispatcher thread: keep them short or use the {@code *Async} variants.
     *
     * @param message the message
     * @return completes when the message is enqueued
     */
    CompletionStage<Void> send(M message);

    /**
     * Request/response: builds a request carrying a one-shot reply ref, sends it with
     * {@link #tell}, and returns a stage completed by the first reply.
     *
     * <p>The stage fails with {@link java.util.concurrent.TimeoutException} if no reply comes
     * within {@code timeout}, with {@link ActorTerminatedException} if this actor stops first,
     * and with {@link io.troupe.mailbox.MailboxFullException} if the request could not be
     * enqueued. Replies after that go to dead letters, with reason
     * {@link DeadLetter.Reason#ASK_TIMED_OUT} or {@link DeadLetter.Reason#ASK_ALREADY_COMPLETED}.
     * Cost: a few small objects and one timer.
     *
     * @return the path
     * @param request builds the request from the reply ref
     * @param timeout how long to wait; must be positive; a timeout longer than about 73 years
     *     (2^61 ns: "never", such as 1000 years) is clamped to that
     * @param <R> the reply type
     */
    <R> CompletionStage<R> ask(Function<ActorRef<R>, ? extends M> request, Duration timeout);

    /**
     * The actor's path, such as {@code /user/parent/child}. Any thread; an actor builds it once and
     * keeps it, other refs (a message adapter's) may build it per call.
     *
     * @return the name
     */
    String path();

    /**
     * The actor's name: the last element of its path.
     *
     * @return this ref
     */
    String name();

    /**
     * This ref, seen as accepting a narrower message type: no cost, no new object.
     *
     * @return this ref
     * @param <U> a subtype of {@code M}
     */
    @SuppressWarnings("unchecked")
    default <U extends M> ActorRef<U> narrow() {
        return (ActorRef<U>) this;
    }
}
