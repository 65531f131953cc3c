package io.troupe.services;

import java.util.concurrent.CompletionStage;

/**
 * An asynchronous function from a request to a response, with a readiness signal: what a Tower
 * {@code Service} is to Tokio. Handlers, clients, actors reached by ask, and every layer of
 * middleware are services.
 *
 * <p>Readiness (Tower's {@code poll_ready}). A service that is at a limit (in-flight calls, rate,
 * an open circuit) says so through {@link #isReady()} and {@link #ready()} instead of queueing
 * without bound; a call made while it is not ready fails at once with
 * {@link NotReadyException} (or, under a load-shed layer, {@link OverloadedException}). Readiness
 * is advice under concurrency: another thread may take the capacity between {@code ready()} and
 * {@code call}, and the call then fails as not ready; nothing is reserved.
 *
 * <p>Failure. A call fails by returning a failed stage. A service whose {@code call} throws, or
 * returns {@code null}, is treated by every layer and by {@link Services#call} as a failed call
 * (the exception, or a {@link NullPointerException}); it never crashes the caller.
 *
 * <p>Threads. Unless an implementation says otherwise, {@code call}, {@code isReady} and
 * {@code ready} may be called from any thread, and the returned stages complete on whichever
 * thread completes them (the inner service's, a timer's): dependent actions should be short or
 * use the {@code *Async} variants. From an actor, hand the stage to
 * {@link io.troupe.actors.ActorContext#pipeToSelf} to handle the result on the actor's thread.
 *
 * @param <Req> the request type
 * @param <Res> the response type
 */
@FunctionalInterface
public interface Service<Req, Res> {

    /**
     * Handles {@code request}. Must not block the calling thread: long work completes the
     * returned stage later. What it costs is the implementation's (each layer documents its own).
     *
     * @param request the request; a layer that may call twice (retry, hedge) reuses it, so it
     *     should be immutable
     * @return a stage completed with the response, or failed
     */
    CompletionStage<Res> call(Req request);

    /**
     * Tells whether a call made now would be admitted rather than rejected as not ready. Cheap
     * (a few volatile reads, no allocation), never blocks, any thread. Default: {@code true}.
     *
     * @return {@code true} if the service has capacity now
     */
    default boolean isReady() {
        return true;
    }

    /**
     * Returns a stage that completes when the service has (or is likely to have) capacity: an
     * already completed stage when {@link #isReady()}, otherwise one completed when a limit frees
     * (a call finishes, a token is refilled, the circuit may close). Never blocks; any thread.
     * Allocates at most one shared stage per period of unreadiness. Default: always completed.
     *
     * @return a stage that completes when the service is ready
     */
    default CompletionStage<Void> ready() {
        return Services.READY;
    }
}
