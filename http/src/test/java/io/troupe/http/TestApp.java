package io.troupe.http;

import io.troupe.services.Service;
import io.troupe.services.Services;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The handlers the end-to-end tests serve: hello, a streaming SHA-256 of an upload, a streamed
 * download of a deterministic pattern, and an echo. Bodies stream with bounded memory.
 */
final class TestApp {
    private TestApp() {}

    static final String HELLO = "hello, world\n";

    /** GET / hello; POST /sha (the upload's "sha256hex length"); GET /bytes/{n}; POST /echo. */
    static Service<Request, Response> routes() {
        return Routes.builder()
                .get("/", Services.sync(r -> Response.text(200, HELLO)))
                .post("/sha", TestApp::sha)
                .put("/sha", TestApp::sha)
                .get("/bytes/{n}", r -> CompletableFuture.completedFuture(
                        Response.of(200).withBody(pattern(Long.parseLong(r.pathParam("n")), r.query() != null))))
                .post("/echo", r -> r.body().toBytes(1 << 20).thenApply(b -> Response.of(200).withBody(Body.of(b))))
                .build();
    }

    /** Reads the body chunk by chunk (one outstanding), hashing as it goes: memory stays one chunk. */
    static CompletionStage<Response> sha(Request request) {
        final CompletableFuture<Response> result = new CompletableFuture<>();
        final Flow.Publisher<ByteBuffer> body = request.body() instanceof Body.Stream s ? s.publisher()
                : subscriber -> {
                    final byte[] b = ((Body.Bytes) request.body()).array();
                    subscriber.onSubscribe(new Flow.Subscription() {
                        boolean done;

                        @Override
                        public void request(long n) {
                            if (!done) {
                                done = true;
                                subscriber.onNext(ByteBuffer.wrap(b));
                                subscriber.onComplete();
                            }
                        }

                        @Override
                        public void cancel() {
                            done = true;
                        }
                    });
                };
        body.subscribe(new Flow.Subscriber<>() {
            final MessageDigest digest = sha256();
            long length;
            Flow.Subscription subscription;

            @Override
            public void onSubscribe(Flow.Subscription s) {
                subscription = s;
                s.request(1);
            }

            @Override
            public void onNext(ByteBuffer item) {
                length += item.remaining();
                digest.update(item);
                subscription.request(1);
            }

            @Override
            public void onError(Throwable t) {
                result.completeExceptionally(t);
            }

            @Override
            public void onComplete() {
                result.complete(Response.text(200, HexFormat.of().formatHex(digest.digest()) + " " + length));
            }
        });
        return result;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** Byte {@code i} of the download pattern. */
    static byte patternByte(long i) {
        return (byte) ((i * 31 + (i >>> 13)) & 0xff);
    }

    /** The SHA-256 of the first {@code n} pattern bytes, computed here in 64 KiB blocks. */
    static String patternSha(long n) {
        final MessageDigest d = sha256();
        final byte[] block = new byte[64 * 1024];
        long i = 0;
        while (i < n) {
            final int len = (int) Math.min(block.length, n - i);
            for (int k = 0; k < len; k++) {
                block[k] = patternByte(i + k);
            }
            d.update(block, 0, len);
            i += len;
        }
        return HexFormat.of().formatHex(d.digest());
    }

    /**
     * {@code n} pattern bytes as a stream, produced on demand in 64 KiB chunks (one made per
     * request(1)): memory is one chunk, however long. {@code chunked}: length unknown.
     */
    static Body pattern(long n, boolean chunked) {
        final Flow.Publisher<ByteBuffer> publisher = subscriber -> subscriber.onSubscribe(new Flow.Subscription() {
            final AtomicLong next = new AtomicLong();
            volatile boolean cancelled;

            @Override
            public void request(long count) {
                for (long c = 0; c < count && !cancelled; c++) {
                    final long i = next.get();
                    if (i >= n) {
                        return;
                    }
                    final int len = (int) Math.min(64 * 1024, n - i);
                    final byte[] b = new byte[len];
                    for (int k = 0; k < len; k++) {
                        b[k] = patternByte(i + k);
                    }
                    next.set(i + len);
                    subscriber.onNext(ByteBuffer.wrap(b));
                    if (i + len == n) {
                        subscriber.onComplete();
                        return;
                    }
                }
            }

            @Override
            public void cancel() {
                cancelled = true;
            }
        });
        if (n == 0) {
            return Body.empty();
        }
        return Body.stream(publisher, chunked ? -1 : n);
    }
}
