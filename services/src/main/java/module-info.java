/**
 * Troupe's service stack, what Tower is to Tokio: {@link io.troupe.services.Service}, a function
 * from a request to a {@link java.util.concurrent.CompletionStage} with a non-blocking readiness
 * signal; {@link io.troupe.services.Layer}s that wrap services (timeout, retry with a budget,
 * concurrency and rate limits, load shedding, circuit breaking, hedging, buffering, balancing);
 * actors as services ({@link io.troupe.services.Services#ask}); and routers that put a pool or a
 * group of actors behind one {@link io.troupe.actors.ActorRef}.
 *
 * <p>The API is the package {@code io.troupe.services}; the layers' machinery lives in
 * {@code io.troupe.services.internal}, which is not exported.
 */
module io.troupe.services {
    requires transitive io.troupe.actors;
    requires transitive io.troupe.timers;
    requires org.jctools.core;
    exports io.troupe.services;
}
