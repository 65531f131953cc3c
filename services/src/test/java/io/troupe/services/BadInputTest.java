package io.troupe.services;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.timers.ManualClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Bad settings fail where the stack is written, naming the parameter and the value. */
class BadInputTest {

    private static void refused(String expectedStart, Executable e) {
        final IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
        assertTrue(x.getMessage().startsWith(expectedStart), "message was: " + x.getMessage());
    }

    @Test
    void negativeLimitsAndZeroTimeouts_failAtBuildTimeNamingTheParameter() {
        // Each bad value is refused by the builder method that receives it.
        final ServiceBuilder<String, String> b = Services.builder();
        refused("timeout must be positive, was PT0S", () -> b.timeout(Duration.ZERO));
        refused("timeout must be positive, was PT-1S", () -> b.timeout(Duration.ofSeconds(-1)));
        refused("maxInFlight must be positive, was -1", () -> b.concurrencyLimit(-1));
        refused("maxInFlight must be positive, was 0", () -> b.concurrencyLimit(0));
        refused("permits must be positive, was -5", () -> b.rateLimit(-5, Duration.ofSeconds(1)));
        refused("period must be positive, was PT0S", () -> b.rateLimit(5, Duration.ZERO));
        refused("maxAttempts must be positive, was 0", () -> RetryPolicy.attempts(0));
        refused("base must be positive, was PT0S", () -> RetryPolicy.attempts(2).withBackoff(Duration.ZERO, Duration.ofSeconds(1)));
        refused("minRetriesPerSecond must not be negative, was -1",
                () -> RetryBudget.create(new ManualClock(), Duration.ofSeconds(10), -1, 0.2));
        refused("retryRatio must be between 0.0 and 1000.0, was -0.1",
                () -> RetryBudget.create(new ManualClock(), Duration.ofSeconds(10), 1, -0.1));
        refused("windowCalls must be positive, was -3", () -> CircuitBreakerSettings.defaults().withWindow(-3, 1));
        refused("minimumCalls must be at most windowCalls (5), was 6", () -> CircuitBreakerSettings.defaults().withWindow(5, 6));
        refused("failureRatePercent must be between 1 and 100, was 0", () -> CircuitBreakerSettings.defaults().withFailureRatePercent(0));
        refused("openDuration must be positive, was PT0S", () -> CircuitBreakerSettings.defaults().withOpenDuration(Duration.ZERO));
        refused("slowCallDuration must be positive, was PT-1S",
                () -> CircuitBreakerSettings.defaults().withSlowCalls(50, Duration.ofSeconds(-1)));
    }

    @Test
    void badRouterBufferHedgeSettings_failNamingTheParameter() {
        // The routers, the buffer and the hedge check their numbers too, before anything is spawned.
        try (io.troupe.actors.ActorSystem system = TestSupport.system()) {
            final ServiceBuilder<String, String> b = Services.builder();
            refused("capacity must be positive, was 0", () -> b.buffer(system, 0));
            refused("percentile must be between 0.0 and 1.0, was 1.5", () -> b.hedge(1.5, Duration.ZERO));
            refused("minDelay must not be negative, was PT-0.001S", () -> b.hedge(0.9, Duration.ofMillis(-1)));
            refused("size must not be negative, was -1", () -> Routers.pool(system, "p", -1,
                    io.troupe.actors.Actor.<String>of((ctx, m) -> { }), RoutingStrategy.roundRobin()));
            refused("size must be positive, was 0", () -> Routers.<String>balancingPool(system, "b", 0, 16, () -> m -> { }));
            refused("queueCapacity must be positive, was -2", () -> Routers.<String>balancingPool(system, "b", 1, -2, () -> m -> { }));
            refused("virtualNodes must be positive, was 0", () -> RoutingStrategy.<String>consistentHashing(m -> m, 0));
            // the refused calls spawned nothing: their names are still free
            assertEquals("p", Routers.pool(system, "p", 1, io.troupe.actors.Actor.<String>of((ctx, m) -> { }),
                    RoutingStrategy.roundRobin()).manager().name());
            assertEquals("b", Routers.<String>balancingPool(system, "b", 1, 16, () -> m -> { }).manager().name());
        }
    }

    @Test
    void aRefusedSetting_losesNothingAlreadyConfigured() {
        // After a refused call the builder still holds exactly the layers added before it.
        final ServiceBuilder<String, String> b = Services.<String, String>builder().mapRequest(r -> r + "!");
        assertThrows(IllegalArgumentException.class, () -> b.concurrencyLimit(-1));
        final Service<String, String> svc = b.mapResponse(r -> r + "?").build(Services.sync(r -> r));
        assertEquals("a!?", TestSupport.join(svc.call("a")));
    }
}
