package io.troupe.http;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * A message body: either {@link Bytes}, held in memory, or a {@link Stream} of chunks with
 * explicit demand ({@link Flow.Publisher} of {@link ByteBuffer}s, the JDK's reactive-streams
 * interface, which {@code java.net.http.HttpRequest.BodyPublisher} also is).
 *
 * <p>Credit. A stream moves only as fast as its subscriber asks: a request body's chunks are
 * read from the socket only while its subscriber has demand ({@link Flow.Subscription#request}),
 * so an upload of any size takes the memory of one read; a response body's publisher is asked
 * for a chunk only when the connection's write queue has room, so a download of any size takes
 * the write queue's bound. Each chunk a request body hands out is a fresh buffer that belongs to
 * the subscriber.
 *
 * <p>Threads. A request body's subscriber is called inside its connection actor's turn (one call
 * at a time, never concurrently); it may call {@code request} and {@code cancel} from any thread.
 * A response body's publisher may call its subscriber from any thread, one call at a time (as
 * {@link Flow} requires); the server takes each chunk back into the connection's turn.
 *
 * <p>A request body's stream takes one subscriber; a second is refused with
 * {@link IllegalStateException} through its {@code onError}.
 *
 * <p>Trailers. A chunked message may end with trailer fields (RFC 9110 6.5), such as a
 * checksum computed while the body streamed. {@link #trailers()} gives them: for a body the
 * server or the client read, a stage that completes when the body has been read to its end,
 * before the subscriber's {@code onComplete} (empty if there were none), and fails as the body
 * does; to send them, {@link Stream#withTrailers} (over HTTP/1.1 on a body of unknown length,
 * which goes chunked). An HTTP/2 request small enough to be read whole ({@link Bytes}) keeps no
 * trailers.
 */
public abstract sealed class Body permits Body.Bytes, Body.Stream {
    private static final Bytes EMPTY = new Bytes(new byte[0]);
    private static final CompletionStage<Headers> NO_TRAILERS = CompletableFuture.completedStage(Headers.empty());

    private Body() {}

    /**
     * No body.
     *
     * @return the empty body (shared)
     */
    public static Bytes empty() {
        return EMPTY;
    }

    /**
     * A body of these bytes; the array is not copied and must not change afterwards.
     *
     * @param bytes the bytes
     * @return the body
     */
    public static Bytes of(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        return bytes.length == 0 ? EMPTY : new Bytes(bytes);
    }

    /**
     * A body of this text's UTF-8 bytes. Allocates the encoding.
     *
     * @param text the text
     * @return the body
     */
    public static Bytes utf8(String text) {
        return of(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A streamed body.
     *
     * @param publisher the chunks; subscribed once
     * @param contentLength the total length if known (a response then carries
     *     {@code Content-Length}, and a chunk count that differs aborts the connection); -1 if
     *     unknown (a response is then sent chunked)
     * @return the body
     */
    public static Stream stream(Flow.Publisher<ByteBuffer> publisher, long contentLength) {
        Objects.requireNonNull(publisher, "publisher");
        if (contentLength < -1) {
            throw new IllegalArgumentException("contentLength must be -1 (unknown) or at least 0, was " + contentLength);
        }
        return new Stream(publisher, contentLength, NO_TRAILERS);
    }

    /**
     * The body's length in bytes, or -1 if not known in advance.
     *
     * @return the length, or -1
     */
    public abstract long length();

    /**
     * The whole body in one array: at once for {@link Bytes} (the array itself, not a copy), or
     * by reading a stream to its end, holding at most {@code maxBytes}. A stream longer than
     * that fails the stage with {@link BodyTooLargeException} and cancels the stream. Any thread;
     * the stage completes on the thread that delivers the last chunk.
     *
     * @param maxBytes the most bytes to hold
     * @return the bytes
     */
    public abstract CompletionStage<byte[]> toBytes(int maxBytes);

    /**
     * The trailer fields that follow the body. For a body read from a connection: completes
     * once the body has been read to its end (before its subscriber hears {@code onComplete}),
     * with the fields of a chunked message's trailer section, or empty; fails if the body does.
     * For a body to send: what {@link Stream#withTrailers} gave, else empty. {@link Bytes}
     * bodies have none. Any thread; the stage completes on the connection's thread.
     *
     * @return the trailer fields, when known
     */
    public abstract CompletionStage<Headers> trailers();

    /** A body held in memory. Immutable (its array must not be changed by anyone). */
    public static final class Bytes extends Body {
        private final byte[] bytes;

        private Bytes(byte[] bytes) {
            this.bytes = bytes;
        }

        /**
         * The bytes themselves (not a copy): do not modify.
         *
         * @return the bytes
         */
        public byte[] array() {
            return bytes;
        }

        /**
         * The bytes decoded as UTF-8. Allocates.
         *
         * @return the text
         */
        public String utf8() {
            return new String(bytes, StandardCharsets.UTF_8);
        }

        @Override
        public long length() {
            return bytes.length;
        }

        @Override
        public CompletionStage<byte[]> toBytes(int maxBytes) {
            if (bytes.length > maxBytes) {
                return CompletableFuture.failedStage(new BodyTooLargeException(bytes.length, maxBytes));
            }
            return CompletableFuture.completedStage(bytes);
        }

        @Override
        public CompletionStage<Headers> trailers() {
            return NO_TRAILERS;
        }

        @Override
        public String toString() {
            return "Body.Bytes[" + bytes.length + " bytes]";
        }
    }

    /** A body streamed as chunks with explicit demand. */
    public static final class Stream extends Body {
        private final Flow.Publisher<ByteBuffer> publisher;
        private final long contentLength;
        private final CompletionStage<Headers> trailers;

        private Stream(Flow.Publisher<ByteBuffer> publisher, long contentLength, CompletionStage<Headers> trailers) {
            this.publisher = publisher;
            this.contentLength = contentLength;
            this.trailers = trailers;
        }

        /**
         * This body with trailer fields to send after its last chunk. Over HTTP/1.1 they go out
         * only if the message is sent chunked (a length of -1, and not in answer to
         * {@code HEAD}), otherwise they are dropped; an HTTP/2 server sends them as a final
         * HEADERS frame whatever the length (not for {@code HEAD}, 204 or 304); the HTTP/2 client
         * does not send them yet. The connection waits for {@code trailers}
         * once the publisher has completed, so it must complete then at the latest; if it fails,
         * the message is cut off (the connection aborted), as when the body fails. Fields that
         * frame or route the message ({@code Content-Length}, {@code Transfer-Encoding},
         * {@code Connection}, {@code Host}, {@code Trailer}) are left out; a name that is not a
         * token or a value with CR, LF or NUL aborts the message. Cost: none until the end.
         *
         * @param trailers completes with the fields (for example a digest of the body)
         * @return a copy of this body with the trailers
         */
        public Stream withTrailers(CompletionStage<Headers> trailers) {
            return new Stream(publisher, contentLength, Objects.requireNonNull(trailers, "trailers"));
        }

        @Override
        public CompletionStage<Headers> trailers() {
            return trailers;
        }

        /**
         * The chunks.
         *
         * @return the publisher
         */
        public Flow.Publisher<ByteBuffer> publisher() {
            return publisher;
        }

        @Override
        public long length() {
            return contentLength;
        }

        @Override
        public CompletionStage<byte[]> toBytes(int maxBytes) {
            final CompletableFuture<byte[]> result = new CompletableFuture<>();
            publisher.subscribe(new Flow.Subscriber<>() {
                private byte[] buf = new byte[(int) Math.min(Math.max(contentLength, 256), Math.max(maxBytes, 0))];
                private int size;
                private Flow.Subscription subscription;

                @Override
                public void onSubscribe(Flow.Subscription s) {
                    subscription = s;
                    s.request(Long.MAX_VALUE);
                }

                @Override
                public void onNext(ByteBuffer chunk) {
                    if (result.isDone()) {
                        return;
                    }
                    final int n = chunk.remaining();
                    if ((long) size + n > maxBytes) {
                        subscription.cancel();
                        result.completeExceptionally(new BodyTooLargeException((long) size + n, maxBytes));
                        return;
                    }
                    if (size + n > buf.length) {
                        buf = Arrays.copyOf(buf, (int) Math.min(maxBytes, Math.max((long) buf.length * 2, size + n)));
                    }
                    chunk.get(buf, size, n);
                    size += n;
                }

                @Override
                public void onError(Throwable t) {
                    result.completeExceptionally(t);
                }

                @Override
                public void onComplete() {
                    result.complete(size == buf.length ? buf : Arrays.copyOf(buf, size));
                }
            });
            return result;
        }

        @Override
        public String toString() {
            return "Body.Stream[" + (contentLength < 0 ? "length unknown" : contentLength + " bytes") + "]";
        }
    }
}
