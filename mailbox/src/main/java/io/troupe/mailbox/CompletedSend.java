package io.troupe.mailbox;

import java.util.concurrent.CompletableFuture;

/**
 * The stage {@link BoundedMailbox#send} returns when the message went in at once: one shared
 * future, completed with {@code null} before anyone sees it. Thread safe and immutable:
 * {@code complete} and {@code completeExceptionally} return {@code false} as on any completed
 * future, and the methods that would overwrite the result throw, so one caller cannot change
 * what another sees. {@code isDone()}, {@code join()} and {@code toCompletableFuture()} answer
 * without allocating.
 */
final class CompletedSend extends CompletableFuture<Void> {
    static final CompletedSend INSTANCE = new CompletedSend();

    private CompletedSend() {
        super.complete(null);
    }

    @Override
    public void obtrudeValue(Void value) {
        throw new UnsupportedOperationException("the shared completed stage of send() cannot be changed");
    }

    @Override
    public void obtrudeException(Throwable ex) {
        throw new UnsupportedOperationException("the shared completed stage of send() cannot be changed");
    }

    @Override
    public String toString() {
        return "CompletedSend[completed normally]";
    }
}
