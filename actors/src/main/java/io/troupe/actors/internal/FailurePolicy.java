package io.troupe.actors.internal;

/**
 * How an actor's failures are handled; the bridge between the actor runtime and the
 * supervision module. A factory ({@code Supplier<Actor<M>>}) that also implements
 * {@link Carrier} gives every actor it creates this policy; otherwise a failure stops the
 * actor.
 *
 * <p>Both methods are called on the failing actor's own thread; the state object is owned by
 * that actor (one per actor, kept across restarts), so it needs no synchronization.
 */
public interface FailurePolicy {
    /** Creates the per-actor state (for example the restart history). */
    Object newState();

    /**
     * Decides what to do about {@code cause}.
     *
     * @param state this actor's state from {@link #newState()}
     * @param cause what the handler threw (never a {@link VirtualMachineError})
     * @param nowNanos the runtime clock's reading
     */
    Decision decide(Object state, Throwable cause, long nowNanos);

    /** What to do, and for a restart after how long. */
    record Decision(Directive directive, long restartDelayNanos) {
        /** A decision without delay. */
        public static Decision of(Directive directive) {
            return new Decision(directive, 0);
        }
    }

    /** The four classic directives. */
    enum Directive {
        /** Keep the instance and its state; drop the failing message. */
        RESUME,
        /** Stop the children, then replace the instance with a fresh one from the factory; keep ref and mailbox. */
        RESTART,
        /** Stop the actor; its parent gets ChildFailed. */
        STOP,
        /** Stop the actor and fail its parent with the same cause. */
        ESCALATE
    }

    /** Implemented by factories that carry a failure policy. */
    interface Carrier {
        /**
         * The policy of the actors this factory creates.
         *
         * @return the failure policy, never null
         */
        FailurePolicy failurePolicy();
    }
}
