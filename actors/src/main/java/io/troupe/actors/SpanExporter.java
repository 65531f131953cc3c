package io.troupe.actors;

/**
 * Receives the spans of traced messages (see {@link ActorSystem.Builder#tracing(boolean)}): an
 * exporter such as the OpenTelemetry bridge of {@code troupe-observe-otel} turns them into its
 * own spans. Install one with {@link ActorSystem.Builder#spanExporter(SpanExporter)}.
 *
 * <p>Both methods run on the actor's dispatcher thread, around the handler, once per traced
 * message: they must be quick and must not block. What they throw is logged and ignored.
 */
public interface SpanExporter {
    /**
     * A traced message starts being handled.
     *
     * @param parent the handle this exporter returned for the span that sent the message
     *     (a tell, ask, timer or {@code pipeToSelf} from inside a traced handler), or null for a
     *     root span
     * @param actorPath the handling actor's path
     * @param messageType the message's class name
     * @return this exporter's handle for the new span (passed to {@link #onEnd} and, as
     *     {@code parent}, to the spans of the messages this handler sends); may be null
     */
    Object onStart(Object parent, String actorPath, String messageType);

    /**
     * The handler returned or threw.
     *
     * @param span the handle {@link #onStart} returned
     * @param failure what the handler threw, or null
     */
    void onEnd(Object span, Throwable failure);
}
