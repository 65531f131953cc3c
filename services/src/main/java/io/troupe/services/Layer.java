package io.troupe.services;

/**
 * Middleware: wraps a service into another with the same request and response types (Tower's
 * {@code Layer}). Layers are stacked by {@link ServiceBuilder}; a layer may be applied to many
 * services and must not keep per-service state outside the service it returns.
 *
 * @param <Req> the request type
 * @param <Res> the response type
 */
@FunctionalInterface
public interface Layer<Req, Res> {

    /**
     * Returns {@code inner} wrapped by this layer. Called once per service built, on the thread
     * that builds it.
     *
     * @param inner the service to wrap
     * @return the wrapped service
     */
    Service<Req, Res> wrap(Service<Req, Res> inner);
}
