package io.troupe.http.internal;

import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.function.Consumer;

/**
 * Reads a body to be written on a connection from its {@link Flow.Publisher}, one chunk at a time:
 * the stage asks for the next chunk ({@link #requestMore}) only when it has room for it, and every
 * signal of the publisher is handed into the connection's turn, where the stage's {@link Sink}
 * handles it. It serves HTTP/1.1 and HTTP/2 server response bodies and HTTP/1.1 client request
 * bodies. NOT thread safe: {@link #requestMore}, {@link #received} and {@link #cancel} are for the
 * turn; the {@link Flow.Subscriber} methods are for the publisher's thread.
 */
public final class BodySubscriber implements Flow.Subscriber<ByteBuffer> {
    /*
     * Threading protocol. onSubscribe, onNext, onError, onComplete: the publisher's thread (any;
     * serial by rule 1.3). They touch only `subscription` and `cancelled` (volatile) and hand the
     * signal over to the connection actor's turn with turn.execute() (Connection.execute); the
     * Sink runs there. requestMore, received and cancel run in the turn; `outstanding` is
     * turn-confined.
     *
     * Invariants.
     *  1. At most one chunk is asked for and not yet received (`outstanding`): the stage holds at
     *     most one chunk of this body beside the connection's write queue.
     *  2. A second onSubscribe, or one after cancel, is cancelled at once (rule 2.5).
     *
     * Memory ordering. `subscription` is volatile (a publisher may call onSubscribe on any
     * thread); the signals reach the turn through execute(), a mailbox hand-off (happens-before).
     *
     * Shutdown. The stage cancels (cancel) when the exchange ends early or the connection closes;
     * signals that come after the connection closed are dropped by execute().
     *
     * References. Reactive Streams 1.0.4, rules 1.3, 2.5, 2.13.
     */

    /** What the stage does with the publisher's signals. All called in the connection's turn. */
    public interface Sink {
        /** The publisher has subscribed us: ask for the first chunk when there is room ({@link #requestMore}). */
        void onSubscribed();

        /**
         * A chunk the stage asked for ({@link #received} clears the request).
         *
         * @param chunk the chunk, the stage's from now on
         */
        void onChunk(ByteBuffer chunk);

        /**
         * The body ended.
         *
         * @param failure why it failed, or null when it completed
         */
        void onEnd(Throwable failure);

        /**
         * A sink of three actions.
         *
         * @param onSubscribed what {@link #onSubscribed} does
         * @param onChunk what {@link #onChunk} does
         * @param onEnd what {@link #onEnd} does
         * @return the sink
         */
        static Sink of(Runnable onSubscribed, Consumer<ByteBuffer> onChunk, Consumer<Throwable> onEnd) {
            Objects.requireNonNull(onSubscribed, "onSubscribed");
            Objects.requireNonNull(onChunk, "onChunk");
            Objects.requireNonNull(onEnd, "onEnd");
            return new Sink() {
                @Override
                public void onSubscribed() {
                    onSubscribed.run();
                }

                @Override
                public void onChunk(ByteBuffer chunk) {
                    onChunk.accept(chunk);
                }

                @Override
                public void onEnd(Throwable failure) {
                    onEnd.accept(failure);
                }
            };
        }
    }

    private final Executor turn;
    private final Sink sink;
    private volatile Flow.Subscription subscription;
    private volatile boolean cancelled;
    // turn-confined
    private boolean outstanding;

    /**
     * A subscriber that hands what its publisher signals to {@code sink} in the connection's turn.
     *
     * @param turn runs an action in the connection's turn ({@code Connection::execute})
     * @param sink what the stage does with the signals
     */
    public BodySubscriber(Executor turn, Sink sink) {
        this.turn = Objects.requireNonNull(turn, "turn");
        this.sink = Objects.requireNonNull(sink, "sink");
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        if (subscription != null || cancelled) {
            s.cancel();
            return;
        }
        subscription = s;
        turn.execute(sink::onSubscribed);
    }

    /** In the turn: asks for one more chunk, unless one is on its way, or not subscribed yet, or cancelled. */
    public void requestMore() {
        final Flow.Subscription s = subscription;
        if (s != null && !outstanding && !cancelled) {
            outstanding = true;
            s.request(1);
        }
    }

    /** In the turn: the chunk asked for has come (the next {@link #requestMore} asks again). */
    public void received() {
        outstanding = false;
    }

    /** In the turn: nothing more is wanted; the publisher is cancelled if it has subscribed us, or when it does. */
    public void cancel() {
        cancelled = true;
        final Flow.Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
    }

    @Override
    public void onNext(ByteBuffer item) {
        turn.execute(() -> sink.onChunk(item));
    }

    @Override
    public void onError(Throwable t) {
        turn.execute(() -> sink.onEnd(t));
    }

    @Override
    public void onComplete() {
        turn.execute(() -> sink.onEnd(null));
    }
}
