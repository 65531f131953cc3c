package io.troupe.actors.testkit;

import io.troupe.actors.ActorRef;
import java.time.Duration;

/**
 * What an actor did to the runtime while {@link BehaviorTestKit} ran one of its handlers:
 * recorded in order, taken with {@link BehaviorTestKit#retrieveAllEffects()}. Messages it sent
 * are not effects: they are in the {@link TestInbox}es they were sent to.
 */
public sealed interface Effect {
    /**
     * A child was spawned (its factory was not run: the child is a {@link TestInbox}).
     *
     * @param name the child's name
     * @param ref the child's ref, backed by {@link BehaviorTestKit#childInbox(String)}
     */
    record Spawned(String name, ActorRef<?> ref) implements Effect {}

    /**
     * The actor stopped a child, or itself.
     *
     * @param ref what was stopped
     */
    record Stopped(ActorRef<?> ref) implements Effect {}

    /**
     * The actor watched {@code ref}.
     *
     * @param ref the watched actor
     */
    record Watched(ActorRef<?> ref) implements Effect {}

    /**
     * The actor stopped watching {@code ref}.
     *
     * @param ref the actor no longer watched
     */
    record Unwatched(ActorRef<?> ref) implements Effect {}

    /**
     * A timer was started (or replaced, under the same key).
     *
     * @param key its key
     * @param message what it will send
     * @param delay its delay or interval
     * @param kind single, fixed delay or fixed rate
     */
    record TimerStarted(Object key, Object message, Duration delay, TimerKind kind) implements Effect {}

    /**
     * A timer was cancelled.
     *
     * @param key its key
     */
    record TimerCancelled(Object key) implements Effect {}

    /**
     * A receive timeout was set.
     *
     * @param timeout after how long without messages
     * @param message what it will send
     */
    record ReceiveTimeoutSet(Duration timeout, Object message) implements Effect {}

    /** The receive timeout was cancelled. */
    record ReceiveTimeoutCancelled() implements Effect {}

    /** Which kind of timer. */
    enum TimerKind {
        /** {@code startSingleTimer}. */
        SINGLE,
        /** {@code startTimerWithFixedDelay}. */
        FIXED_DELAY,
        /** {@code startTimerAtFixedRate}. */
        FIXED_RATE
    }
}
