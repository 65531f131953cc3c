package io.troupe.http.internal;

import io.troupe.http.Headers;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * A body read off a connection, as a {@link Flow.Publisher} of {@link ByteBuffer}: one subscriber,
 * chunks handed to it in the connection's turn as its demand allows, its trailers completed before
 * it hears the end. It serves HTTP/1.1 and HTTP/2 server request bodies and HTTP/1.1 client
 * response bodies; what demand and cancellation do to the connection is the protocol's
 * ({@link Protocol}). NOT thread safe, except {@link #subscribe}, {@link #request} and
 * {@link #cancel}, which any thread may call.
 *
 * <p>It holds no bytes itself: the stage keeps what arrived before there was demand (HTTP/1.1 in
 * its codec's stash with reading suspended, HTTP/2 in the stream's queue within its window) and
 * offers it again when {@link Protocol#onDemand} tells it demand came back. Costs per chunk: one
 * atomic decrement (none under unbounded demand) and, for {@link #deliverCopy}, one copy.
 */
public final class BodyPublisher implements Flow.Publisher<ByteBuffer>, Flow.Subscription {
    /*
     * Threading protocol. subscribe, request and cancel: any thread (the subscriber's, Reactive
     * Streams rules 2.7 and 3.x put no thread on them). They touch only the atomics and volatile
     * flags (`subscribed`, `demand`, `cancelRequested`, `cancelled`) and hand over to the
     * connection actor's turn with turn.execute() (Connection.execute: the action runs in a
     * later turn of that actor). Everything else
     * (deliver, deliverCopy, complete, fail, wants, and every call of the subscriber: onSubscribe,
     * onNext, onComplete, onError) runs in the turn, so the subscriber's signals are serial
     * (rule 1.3) and in order. One exception: a connection that is gone drops what execute()
     * is given, so when `turnGone` says so, subscribe runs its start itself (the stage's state is
     * final by then) and the stage's onClosed calls runPendingStart(); `started` lets only one
     * of them run it.
     *
     * Demand. request(n) adds n to `demand` (capped at Long.MAX_VALUE, which then means
     * unbounded: no decrement). Only a rise from zero wakes the turn (Protocol.onDemand): a stage
     * delivers while demand is positive, so a rise from more than zero is seen by the loop that
     * is running. A request from inside onNext (the turn's thread is `delivering`) needs no wake
     * either: the stage's delivery loop looks at the demand again when onNext returns.
     *
     * States (flags; `ended` means the subscriber has heard onComplete or onError):
     *   NEW       -> SUBSCRIBED  // subscribe (second and later subscribers: refused with onError)
     *   SUBSCRIBED-> ENDED       // complete / fail, after the chunks the stage delivered before
     *   any       -> CANCELLED   // cancel (at once), request(n <= 0) (in the turn, right before
     *                            // its onError, rule 3.9: a stage that saw `cancelled` earlier
     *                            // might close the connection, and execute() would drop the
     *                            // onError), or onNext threw; chunks offered then are dropped
     *
     * Invariants.
     *  1. At most one subscriber ever; it hears onSubscribe first and at most one of onComplete,
     *     onError, and nothing after it.
     *  2. onNext is called only while the demand was positive, once per unit (bounded demand).
     *  3. `trailers` is completed (or failed) before the subscriber hears onComplete (onError).
     *  4. Protocol.onCancel runs at most once (`cancelRequested` is set by one CAS), in the turn.
     *
     * Memory ordering. The subscriber is published to the turn by execute() (a mailbox hand-off:
     * happens-before). `demand` is an AtomicLong; `cancelRequested`, `cancelled`, `delivering`,
     * `completed`, `failure` and `pendingStart` are volatile, so that a start run off the turn
     * (connection gone) sees the final state.
     *
     * Shutdown. The stage fails the body (fail) when its connection closes; the subscriber then
     * hears onError once, or at subscribe if it comes later. An action execute() dropped because
     * the connection closed first (a request(n <= 0)'s onError among them) is replaced by that.
     *
     * References. Reactive Streams 1.0.4 specification (java.util.concurrent.Flow), rules 1.3,
     * 1.9, 2.13, 3.6, 3.7, 3.9, 3.17.
     */

    private static final System.Logger LOG = System.getLogger(BodyPublisher.class.getName());

    /** What demand and cancellation do to the connection. Both are called in the connection's turn. */
    public interface Protocol {
        /**
         * The subscriber has just subscribed, or its demand rose from zero: hand over what is held
         * ({@link #deliver}, {@link #deliverCopy}) and open the way for more (HTTP/1.1 resumes
         * reading the socket; HTTP/2 gives window back as chunks are delivered).
         */
        void onDemand();

        /**
         * Nobody will read on: the subscriber cancelled, or asked for {@code n <= 0} (it has heard
         * onError). Drop what is held; HTTP/1.1 server reads on and drops, the client aborts the
         * connection, HTTP/2 gives the window back. At most once.
         */
        void onCancel();

        /**
         * A protocol of two actions.
         *
         * @param onDemand what {@link #onDemand} does
         * @param onCancel what {@link #onCancel} does
         * @return the protocol
         */
        static Protocol of(Runnable onDemand, Runnable onCancel) {
            Objects.requireNonNull(onDemand, "onDemand");
            Objects.requireNonNull(onCancel, "onCancel");
            return new Protocol() {
                @Override
                public void onDemand() {
                    onDemand.run();
                }

                @Override
                public void onCancel() {
                    onCancel.run();
                }
            };
        }
    }

    private final String what;
    private final Executor turn;
    private final Protocol protocol;
    private final BooleanSupplier turnGone;
    private final AtomicBoolean subscribed = new AtomicBoolean();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicLong demand = new AtomicLong();
    /** The trailer fields, completed (by complete or fail) before the subscriber hears the end. */
    private final CompletableFuture<Headers> trailers = new CompletableFuture<>();
    private volatile Runnable pendingStart;
    /** Set once, by the first cancel or request(n <= 0): the protocol hears onCancel once. */
    private volatile boolean cancelRequested;
    /** Nobody reads on: chunks are dropped (see cancelled()). */
    private volatile boolean cancelled;
    /** The thread inside onNext, so that request() from within onNext needs no execute. */
    private volatile Thread delivering;
    private volatile boolean completed;
    private volatile Throwable failure;
    // turn-confined
    private Flow.Subscriber<? super ByteBuffer> subscriber;
    private boolean ended;

    /**
     * A body of the connection whose turn {@code turn} enters.
     *
     * @param what "request body" or "response body", for messages
     * @param turn runs an action in the connection's turn ({@code Connection::execute}); drops it
     *     once the connection has closed
     * @param protocol what demand and cancellation do to the connection
     * @param turnGone true once {@code turn} drops actions (read from any thread: volatile), or
     *     null where the stage runs {@link #runPendingStart} on no path and a subscriber that comes
     *     after the close may wait forever (the servers: their handler has long been answered)
     */
    public BodyPublisher(String what, Executor turn, Protocol protocol, BooleanSupplier turnGone) {
        this.what = Objects.requireNonNull(what, "what");
        this.turn = Objects.requireNonNull(turn, "turn");
        this.protocol = Objects.requireNonNull(protocol, "protocol");
        this.turnGone = turnGone;
    }

    /** The trailer fields: completed before the subscriber's onComplete, failed as the body is. */
    public CompletionStage<Headers> trailers() {
        return trailers.minimalCompletionStage();
    }

    /**
     * Any thread. The first subscriber is started in the turn: onSubscribe, then the end if the
     * body has ended already, else {@link Protocol#onDemand}. Any other hears onSubscribe (with a
     * subscription that does nothing) and onError(IllegalStateException) on the calling thread.
     */
    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> s) {
        Objects.requireNonNull(s, "subscriber");
        if (!subscribed.compareAndSet(false, true)) {
            s.onSubscribe(new Flow.Subscription() {
                @Override public void request(long n) {}
                @Override public void cancel() {}
            });
            s.onError(new IllegalStateException("a " + what + " can be read once; it already has a subscriber"));
            return;
        }
        final Runnable start = () -> start(s);
        pendingStart = start;
        turn.execute(start);
        // A connection that has closed drops the action: run it here (its state is final by
        // then); the stage's onClosed runs it too (runPendingStart), whichever is first.
        if (turnGone != null && turnGone.getAsBoolean()) {
            start.run();
        }
    }

    private void start(Flow.Subscriber<? super ByteBuffer> s) {
        if (!started.compareAndSet(false, true)) {
            return;
        }
        subscriber = s;
        s.onSubscribe(this);
        if (completed) {
            ended = true;
            s.onComplete();
        } else if (failure != null) {
            ended = true;
            s.onError(failure);
        } else {
            protocol.onDemand();
        }
    }

    /** In the turn (or after the close): runs a subscribe whose action the closed connection may have dropped. */
    public void runPendingStart() {
        final Runnable r = pendingStart;
        if (r != null) {
            r.run();
        }
    }

    /**
     * Any thread. Adds {@code n} to the demand; a rise from zero wakes the turn
     * ({@link Protocol#onDemand}). {@code n <= 0} cancels, and the subscriber hears
     * onError(IllegalArgumentException) in the turn (rule 3.9), then the protocol
     * {@link Protocol#onCancel}; after a cancel it does nothing (rule 3.6).
     */
    @Override
    public void request(long n) {
        if (n <= 0) {
            // `cancelled` is set in the turn, just before onError: a stage that saw it earlier
            // could close the connection first, and execute() would then drop the onError.
            if (CANCEL_REQUESTED.compareAndSet(this, false, true)) {
                turn.execute(() -> {
                    cancelled = true;
                    fail(new IllegalArgumentException("request(" + n + "): demand must be positive"));
                    protocol.onCancel();
                });
            }
            return;
        }
        final long before = demand.getAndAccumulate(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
        if (before == 0 && Thread.currentThread() != delivering) {
            turn.execute(protocol::onDemand);
        }
    }

    /** Any thread. The first call wakes the turn ({@link Protocol#onCancel}); later ones do nothing (rule 3.7). */
    @Override
    public void cancel() {
        if (CANCEL_REQUESTED.compareAndSet(this, false, true)) {
            cancelled = true;
            turn.execute(protocol::onCancel);
        }
    }

    /**
     * Any thread: nobody reads on. True from cancel() on, from the turn action that tells a
     * subscriber that asked for {@code n <= 0} its onError, and from an onNext that threw.
     */
    public boolean cancelled() {
        return cancelled;
    }

    /** In the turn: a chunk given to {@link #deliver} now goes to the subscriber (it has demand and reads on). */
    public boolean wants() {
        return subscriber != null && !ended && !cancelled && demand.get() > 0;
    }

    /**
     * In the turn, when {@link #wants}: hands {@code chunk} (the subscriber's from now on) to
     * onNext. A subscriber that throws is cancelled (without {@link Protocol#onCancel}: the stage
     * sees {@link #cancelled} on its next look) and the rest is dropped.
     */
    public void deliver(ByteBuffer chunk) {
        if (demand.get() != Long.MAX_VALUE) {
            demand.decrementAndGet();
        }
        delivering = Thread.currentThread();
        try {
            subscriber.onNext(chunk);
        } catch (RuntimeException e) {
            cancelRequested = true; // a later cancel() from the subscriber does nothing
            cancelled = true;
            LOG.log(System.Logger.Level.WARNING, "a " + what + " subscriber threw; the rest is dropped", e);
        } finally {
            delivering = null;
        }
    }

    /**
     * In the turn: hands a copy of the next {@code n} bytes of {@code in} to the subscriber; or,
     * when nobody reads on (cancelled, ended), skips them. Returns false, taking nothing, when the
     * subscriber has not subscribed yet or has no demand: the stage keeps the bytes and waits for
     * {@link Protocol#onDemand}.
     */
    public boolean deliverCopy(ByteBuffer in, int n) {
        if (cancelled || ended) {
            in.position(in.position() + n); // nobody reads them: drop, to keep the connection in step
            return true;
        }
        if (subscriber == null || demand.get() == 0) {
            return false;
        }
        final byte[] copy = new byte[n];
        in.get(copy);
        deliver(ByteBuffer.wrap(copy));
        return true;
    }

    /** In the turn: the body has been read (after its last chunk was delivered): its trailers first, then onComplete. */
    public void complete(Headers trailerFields) {
        if (completed || failure != null) {
            return;
        }
        completed = true;
        trailers.complete(trailerFields);
        if (subscriber != null && !ended) {
            ended = true;
            subscriber.onComplete();
        }
    }

    /** In the turn: the body cannot be read to its end: the trailers fail, then the subscriber hears onError. Once. */
    public void fail(Throwable t) {
        if (completed || failure != null) {
            return;
        }
        failure = t;
        trailers.completeExceptionally(t);
        if (subscriber != null && !ended) {
            ended = true;
            subscriber.onError(t);
        }
    }

    private static final VarHandle CANCEL_REQUESTED;

    static {
        try {
            CANCEL_REQUESTED = MethodHandles.lookup().findVarHandle(BodyPublisher.class, "cancelRequested", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
