package io.troupe.site.snippets;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.troupe.services.Service;
import io.troupe.services.Services;
import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The code of guides/services.md, run. */
@Timeout(30)
class ServicesGuideTest {
    @Test
    void stack_callsThroughTheLayers() {
        // A call through timeout and concurrency limit reaches the inner service and returns its answer.
        // region stack
        Service<String, String> upper = Services.sync(s -> s.toUpperCase(Locale.ROOT)); // the inner service

        Service<String, String> guarded = Services.<String, String>builder()
                .timeout(Duration.ofSeconds(2))   // outermost: bounds the whole call
                .concurrencyLimit(64)             // at most 64 calls in flight; more fail fast as not ready
                .build(upper);

        String answer = guarded.call("hello").toCompletableFuture().join(); // "HELLO"
        // endregion
        assertEquals("HELLO", answer);
    }
}
