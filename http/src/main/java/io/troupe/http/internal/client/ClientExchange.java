package io.troupe.http.internal.client;

import io.troupe.http.Request;
import io.troupe.http.Response;
import java.util.concurrent.CompletableFuture;

/**
 * One attempt to send a request and get its response head: what the pool queues and a connection
 * stage works on. Its fields are written by the caller's thread before it is handed over (through
 * the pool's lock or the stage's hand-off) and then only by the stage that runs it.
 */
public final class ClientExchange {
    final Request request;
    final Origin origin;
    /** The request target in origin form ({@code /path?query}). */
    final String target;
    final CompletableFuture<Response> result;
    /** The request deadline on the system clock's nanoTime. */
    final long deadlineNanos;
    /** Attempts made so far on connections that failed before sending (or idempotent, reused). */
    int attempts;
    /** In its origin's waiting queue; guarded by that OriginPool's monitor. */
    boolean waiting;

    /**
     * An exchange.
     *
     * @param request the request
     * @param origin its origin
     * @param target the origin-form target
     * @param result completed with the response (head)
     * @param deadlineNanos when it times out, in clock nanos
     */
    public ClientExchange(Request request, Origin origin, String target, CompletableFuture<Response> result,
                          long deadlineNanos) {
        this.request = request;
        this.origin = origin;
        this.target = target;
        this.result = result;
        this.deadlineNanos = deadlineNanos;
    }

    /**
     * Whether sending the request again cannot change the server's state twice
     * (RFC 9110 9.2.2) and its body can be sent again.
     */
    boolean replayable() {
        final String m = request.method();
        final boolean idempotent = m.equals("GET") || m.equals("HEAD") || m.equals("OPTIONS") || m.equals("PUT")
                || m.equals("DELETE") || m.equals("TRACE");
        return idempotent && request.body() instanceof io.troupe.http.Body.Bytes;
    }

    @Override
    public String toString() {
        return request.method() + " " + origin + target;
    }
}
