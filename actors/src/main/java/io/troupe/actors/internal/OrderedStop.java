package io.troupe.actors.internal;

import io.troupe.actors.ActorRef;
import java.util.List;

/**
 * Implemented by an actor that wants its children stopped one at a time, in an order of its
 * choosing, when it stops (OTP supervisors: reverse start order, each child within its shutdown
 * deadline). Without it, a stopping actor stops all its children at once.
 *
 * <p>The runtime calls {@link #childStopOrder()} once, on the actor's thread, when the actor
 * begins to stop. It then stops each listed child and waits for its termination or its deadline
 * ("forced": the runtime cannot interrupt a handler, so it stops waiting and moves on to the
 * next child; the stopping actor still terminates only after every child has). Children not
 * listed are stopped at once.
 */
public interface OrderedStop {
    /** The children to stop in order, each with its deadline. */
    List<Step> childStopOrder();

    /**
     * One child to stop.
     *
     * @param child the child
     * @param deadlineNanos how long to wait for it: 0 = do not wait, negative = as long as it takes
     */
    record Step(ActorRef<?> child, long deadlineNanos) {}
}
