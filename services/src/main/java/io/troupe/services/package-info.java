/**
 * Services and middleware: {@link io.troupe.services.Service}, {@link io.troupe.services.Layer},
 * {@link io.troupe.services.ServiceBuilder} (obtained from {@link io.troupe.services.Services#builder()}),
 * and the actor-world face of the same, {@link io.troupe.services.Routers}.
 *
 * <p>Readiness follows Tower's {@code poll_ready}: a caller that must not queue without bound asks
 * {@link io.troupe.services.Service#isReady()} (a cheap, non-blocking check) or waits on
 * {@link io.troupe.services.Service#ready()} (a stage, never a blocked thread) before it calls. A
 * layer that is at its limit does not queue a call made anyway: it fails it with
 * {@link io.troupe.services.NotReadyException}.
 */
package io.troupe.services;
