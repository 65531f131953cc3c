package io.troupe.io.internal;

import io.troupe.actors.ActorRef;
import java.util.function.BooleanSupplier;

/**
 * The slow path of a socket actor telling its handler an event: the handler's mailbox was full,
 * so the event goes with {@code send} (lossless, no thread blocked), and once it is in, the
 * socket actor is told {@code caughtUp} so that it can resume reading.
 */
final class Handoff {
    private Handoff() {}

    /**
     * Sends {@code event} to {@code handler} with {@code send}; when it is enqueued, tells
     * {@code self} the {@code caughtUp} message (with {@code send} too if {@code self}'s mailbox
     * is full). Nothing is told if the handler stopped first or {@code stopped} says the socket
     * actor has. Any thread; the completion runs on whichever thread frees the handler's room.
     */
    static <E> void sendThenNotify(ActorRef<E> handler, E event, ActorRef<Object> self, Object caughtUp,
                                   BooleanSupplier stopped) {
        handler.send(event).whenComplete((v, e) -> {
            if (e != null || stopped.getAsBoolean()) {
                return; // the handler stopped: Terminated follows, nothing to resume
            }
            if (!self.offer(caughtUp)) {
                self.send(caughtUp); // lossless: reading stays paused until this arrives
            }
        });
    }
}
