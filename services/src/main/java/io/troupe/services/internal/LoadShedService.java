package io.troupe.services.internal;

import io.troupe.services.NotReadyException;
import io.troupe.services.OverloadedException;
import io.troupe.services.Service;
import io.troupe.services.Services;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The load-shed layer: always ready; a call when the inner service is not ready fails at once
 * with {@link OverloadedException} (also when the inner service refuses it with
 * {@link NotReadyException} because another thread took the last capacity). Thread safe,
 * stateless; costs one {@code isReady()} per call.
 */
public final class LoadShedService<Req, Res> implements Service<Req, Res> {
    private final Service<Req, Res> inner;
    private final OverloadedException overloaded;

    public LoadShedService(Service<Req, Res> inner) {
        this.inner = inner;
        this.overloaded = new OverloadedException("load shed: the service was not ready (" + inner + ")");
    }

    @Override
    public CompletionStage<Res> call(Req request) {
        if (!inner.isReady()) {
            return CompletableFuture.failedFuture(overloaded);
        }
        final CompletionStage<Res> stage = Calls.call(inner, request);
        final CompletableFuture<Res> f = Calls.doneNow(stage);
        if (f != null) {
            if (f.isCompletedExceptionally() && failureOf(f) instanceof NotReadyException) {
                return CompletableFuture.failedFuture(overloaded);
            }
            return stage;
        }
        return stage.exceptionallyCompose(failure -> Calls.unwrap(failure) instanceof NotReadyException
                ? CompletableFuture.failedFuture(overloaded) : CompletableFuture.failedFuture(Calls.unwrap(failure)));
    }

    private static Throwable failureOf(CompletableFuture<?> f) {
        return f.handle((v, t) -> Calls.unwrap(t)).join();
    }

    @Override
    public boolean isReady() {
        return true;
    }

    @Override
    public CompletionStage<Void> ready() {
        return Services.readyNow();
    }

    @Override
    public String toString() {
        return "LoadShed -> " + inner;
    }
}
