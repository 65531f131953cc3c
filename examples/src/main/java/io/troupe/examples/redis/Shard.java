package io.troupe.examples.redis;

import io.troupe.actors.Actor;
import io.troupe.io.Connection;
import java.time.Duration;

/**
 * Step 3, the actor: owns one {@link Keyspace} (the keys whose hash picks this shard), executes
 * the commands connections send it, and hands each batch back to its connection. Expiry runs on
 * one actor timer, always set to the earliest deadline.
 *
 * <p>Because only this actor touches its keys, a command is atomic with no lock: INCR reads and
 * writes in one message. A connection sends one {@link Execute} per read for all of the commands
 * of that read that go to this shard, so pipelined commands cost a message per batch, not per
 * command.
 */
final class Shard extends Actor<Shard.Msg> {
    /*
     * Implementation overview
     *
     * Threading protocol. An actor: one message at a time. Requests arrive inside Execute from
     * connection actors and leave through Connection.execute, which runs the batch's callback in
     * the connection's own turn; the requests are not touched here after that call.
     *
     * Invariants. After every message the expiry timer (key EXPIRY) is set for nextDeadline() if
     * there is one: `timerAt` is the deadline it was set for, NEVER when none is set.
     *
     * Memory ordering. A request's reply is written here before Connection.execute enqueues the
     * callback, and read by the connection after it dequeues it: the mailbox orders them.
     *
     * Shutdown. Nothing to release: the keys die with the actor (no persistence).
     */

    /** What a shard takes. */
    sealed interface Msg {}

    /**
     * Execute {@code requests} in order, then run {@code onExecuted} in {@code connection}'s turn.
     *
     * @param requests the commands, each routed to this shard
     * @param connection the connection they came from
     * @param onExecuted what that connection does with the replies
     */
    record Execute(Request[] requests, Connection connection, Runnable onExecuted) implements Msg {}

    /** The expiry timer's message. */
    private enum Expire implements Msg { DUE }

    private static final String EXPIRY = "expiry";

    /** This shard's keys; made in preStart, where the system's clock is at hand. */
    private Keyspace space;
    private long timerAt = Keyspace.NEVER;

    @Override
    protected void preStart() {
        space = new Keyspace(context().system().clock());
    }

    @Override
    protected void receive(Msg message) {
        if (message instanceof Execute e) {
            for (Request r : e.requests()) {
                space.execute(r);
            }
            scheduleExpiry(); // before the replies leave: a client that saw "OK" finds the timer set
            e.connection().execute(e.onExecuted());
        } else if (message == Expire.DUE) {
            timerAt = Keyspace.NEVER;
            space.expireDue();
            scheduleExpiry();
        }
    }

    /** Sets the timer for the earliest deadline, if it is not set for it already. */
    private void scheduleExpiry() {
        final long next = space.nextDeadline();
        if (next == Keyspace.NEVER || next == timerAt) {
            return;
        }
        final long delayNanos = Math.max(1_000_000L, next - context().system().clock().nanoTime());
        context().timers().startSingleTimer(EXPIRY, Expire.DUE, Duration.ofNanos(delayNanos));
        timerAt = next;
    }
}
