package io.troupe.services.internal;

import io.troupe.services.Service;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * The map layer: the request is turned into the inner service's request on the calling thread,
 * and the inner response into this service's response on the thread that completes the inner
 * call. A mapping that throws fails the call. Thread safe if the functions are.
 */
public final class MapService<Req, Res, InReq, InRes> implements Service<Req, Res> {
    private final Service<InReq, InRes> inner;
    private final Function<? super Req, ? extends InReq> mapRequest;
    private final Function<? super InRes, ? extends Res> mapResponse;

    public MapService(Service<InReq, InRes> inner, Function<? super Req, ? extends InReq> mapRequest,
                      Function<? super InRes, ? extends Res> mapResponse) {
        this.inner = inner;
        this.mapRequest = mapRequest;
        this.mapResponse = mapResponse;
    }

    @Override
    public CompletionStage<Res> call(Req request) {
        final InReq mapped;
        try {
            mapped = mapRequest.apply(request);
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) {
            return CompletableFuture.failedFuture(e);
        }
        return Calls.call(inner, mapped).thenApply(mapResponse);
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
        return "Map -> " + inner;
    }
}
