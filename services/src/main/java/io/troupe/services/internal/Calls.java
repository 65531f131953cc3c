package io.troupe.services.internal;

import io.troupe.services.Service;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/** Calling a service safely, and unwrapping failures. Stateless; any thread. */
public final class Calls {
    private Calls() {}

    /**
     * Calls {@code service}; a {@code call} that throws, or returns null, becomes a failed stage.
     * A {@link VirtualMachineError} is rethrown. No allocation on the normal path.
     */
    public static <Req, Res> CompletionStage<Res> call(Service<Req, Res> service, Req request) {
        final CompletionStage<Res> stage;
        try {
            stage = service.call(request);
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) {
            return CompletableFuture.failedFuture(e);
        }
        if (stage == null) {
            return CompletableFuture.failedFuture(new NullPointerException(
                    "service " + service + " returned null instead of a stage"));
        }
        return stage;
    }

    /**
     * Returns {@code stage} as a future if it is a {@link CompletableFuture} that is already
     * complete, else {@code null}. A minimal stage (which refuses {@code isDone}) counts as not
     * complete. No allocation; lets layers skip their per-call machinery for answers that are
     * already there.
     */
    public static <T> CompletableFuture<T> doneNow(CompletionStage<T> stage) {
        if (stage instanceof CompletableFuture<T> f) {
            try {
                return f.isDone() ? f : null;
            } catch (UnsupportedOperationException minimalStage) {
                return null;
            }
        }
        return null;
    }

    /**
     * Cancels {@code stage} if it is a {@link CompletableFuture} (a minimal stage, which refuses,
     * is left alone: its result will be ignored). Any thread.
     */
    public static void cancel(CompletionStage<?> stage) {
        if (stage instanceof CompletableFuture<?> f) {
            try {
                f.cancel(false);
            } catch (UnsupportedOperationException minimalStage) {
                // a minimal stage cannot be cancelled: its result will be ignored
            }
        }
    }

    /**
     * The failure of a future that is known to have completed exceptionally, unwrapped as a
     * dependent action would see it. Allocates (the exception {@code join} throws): for failure
     * paths only.
     */
    public static Throwable failureOf(CompletableFuture<?> failed) {
        try {
            failed.join();
        } catch (java.util.concurrent.CancellationException e) {
            return e;
        } catch (CompletionException e) {
            return unwrap(e);
        }
        throw new IllegalStateException("not failed: " + failed);
    }

    /** The failure a dependent action sees, without the CompletionException wrapper. */
    public static Throwable unwrap(Throwable t) {
        Throwable c = t;
        while (c instanceof CompletionException && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }
}
