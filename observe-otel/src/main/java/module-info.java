/**
 * Troupe's OpenTelemetry bridge: {@link io.troupe.observe.otel.OpenTelemetrySpans} turns the
 * spans of traced messages into OpenTelemetry spans, parent and child as the messages flowed.
 */
module io.troupe.observe.otel {
    requires transitive io.troupe.actors;
    requires transitive io.opentelemetry.api;
    requires transitive io.opentelemetry.context;
    exports io.troupe.observe.otel;
}
