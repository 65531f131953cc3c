package io.troupe.http;

import io.troupe.actors.ActorRef;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.Flow;
import java.util.function.Function;

/**
 * A streamed body as messages to an actor, with credit: the actor gets one {@link Chunk} at a
 * time and asks for the next with {@link Chunk#next()} once it has dealt with it, so a slow actor
 * slows the upload (the socket is not read meanwhile) and its mailbox holds at most one chunk of
 * the body. Then {@link End} or {@link Failed}.
 *
 * <pre>{@code
 * sealed interface Msg {}
 * record Upload(BodyMessage message) implements Msg {}
 * // in the handler:
 * BodyMessage.sendTo(request.body(), uploader, Upload::new);
 * // in the actor:
 * if (msg instanceof Upload u && u.message() instanceof BodyMessage.Chunk c) { write(c.data()); c.next(); }
 * }</pre>
 */
public sealed interface BodyMessage permits BodyMessage.Chunk, BodyMessage.End, BodyMessage.Failed {
    /**
     * Some bytes of the body; they belong to the receiver.
     *
     * @param data the bytes
     * @param subscription where {@link #next()} asks for more
     */
    record Chunk(ByteBuffer data, Flow.Subscription subscription) implements BodyMessage {
        /** Asks for the next chunk (or the end). Any thread; call it once per chunk. */
        public void next() {
            subscription.request(1);
        }

        /** Stops the body: no more chunks, and the connection will not be kept. Any thread. */
        public void cancel() {
            subscription.cancel();
        }
    }

    /** The body ended: every chunk has been sent. */
    record End() implements BodyMessage {}

    /**
     * The body failed (the client went away, a limit or deadline was passed).
     *
     * @param cause why
     */
    record Failed(Throwable cause) implements BodyMessage {}

    /**
     * Sends {@code body} to {@code actor} as {@link BodyMessage}s, adapted to its protocol: one
     * chunk now, the next when the actor calls {@link Chunk#next()}. A {@link Body.Bytes} body is
     * one chunk. Any thread; returns at once. Messages are told ({@link ActorRef#tell}), one
     * outstanding at a time.
     *
     * @param body the body
     * @param actor who gets the messages
     * @param adapter wraps each message in the actor's protocol
     * @param <M> the actor's message type
     */
    static <M> void sendTo(Body body, ActorRef<? super M> actor, Function<? super BodyMessage, ? extends M> adapter) {
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(actor, "actor");
        Objects.requireNonNull(adapter, "adapter");
        final Flow.Publisher<ByteBuffer> publisher;
        if (body instanceof Body.Stream s) {
            publisher = s.publisher();
        } else {
            final byte[] bytes = ((Body.Bytes) body).array();
            publisher = subscriber -> subscriber.onSubscribe(new Flow.Subscription() {
                private int state; // 0: the bytes next, 1: the end next, 2: done

                @Override
                public synchronized void request(long n) {
                    for (long i = 0; i < n && state < 2; i++) {
                        if (state++ == 0 && bytes.length > 0) {
                            subscriber.onNext(ByteBuffer.wrap(bytes));
                        } else {
                            state = 2;
                            subscriber.onComplete();
                        }
                    }
                }

                @Override
                public synchronized void cancel() {
                    state = 2;
                }
            });
        }
        publisher.subscribe(new Flow.Subscriber<>() {
            private Flow.Subscription subscription;

            @Override
            public void onSubscribe(Flow.Subscription s) {
                subscription = s;
                s.request(1);
            }

            @Override
            public void onNext(ByteBuffer item) {
                actor.tell(adapter.apply(new Chunk(item, subscription)));
            }

            @Override
            public void onError(Throwable t) {
                actor.tell(adapter.apply(new Failed(t)));
            }

            @Override
            public void onComplete() {
                actor.tell(adapter.apply(new End()));
            }
        });
    }
}
