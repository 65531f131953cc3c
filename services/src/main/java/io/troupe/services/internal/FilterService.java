package io.troupe.services.internal;

import io.troupe.services.Service;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The filter layer (an authorisation or validation hook): a request that {@code admit} refuses
 * fails at once with the exception {@code reject} builds, and never reaches the inner service.
 * A predicate that throws fails the call with that exception. Thread safe if the functions are;
 * they run on the calling thread.
 */
public final class FilterService<Req, Res> implements Service<Req, Res> {
    private final Service<Req, Res> inner;
    private final Predicate<? super Req> admit;
    private final Function<? super Req, ? extends Throwable> reject;

    public FilterService(Service<Req, Res> inner, Predicate<? super Req> admit,
                         Function<? super Req, ? extends Throwable> reject) {
        this.inner = inner;
        this.admit = admit;
        this.reject = reject;
    }

    @Override
    public CompletionStage<Res> call(Req request) {
        try {
            if (!admit.test(request)) {
                final Throwable refusal = reject.apply(request);
                return CompletableFuture.failedFuture(refusal != null ? refusal
                        : new IllegalArgumentException("request refused by the filter"));
            }
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) {
            return CompletableFuture.failedFuture(e);
        }
        return Calls.call(inner, request);
    }

    @Override
    public boolean isReady() {
        return inner.isReady();
    }

    @Override
    public CompletionStage<Void> ready() {
        return inner.ready();
    }

    @Override
    public String toString() {
        return "Filter -> " + inner;
    }
}
