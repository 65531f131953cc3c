package io.troupe.observe.otel;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.troupe.actors.SpanExporter;
import java.util.Objects;

/**
 * A {@link SpanExporter} that makes each traced message an OpenTelemetry span: named after the
 * message's simple class name, with the attributes {@code troupe.actor.path} and
 * {@code troupe.message.type}, child of the span that sent the message (a root span otherwise),
 * and current ({@link Span#current()}) while the handler runs, so that the handler's own
 * OpenTelemetry instrumentation nests under it. A handler that throws ends its span with status
 * ERROR and the exception recorded.
 *
 * <pre>{@code
 * ActorSystem system = ActorSystem.builder("app")
 *         .tracing(true)
 *         .spanExporter(OpenTelemetrySpans.create(openTelemetry))
 *         .build();
 * }</pre>
 *
 * <p>Thread safe: its methods run on the dispatcher threads, around each handler (a span
 * builder, a start, a context switch and an end per traced message).
 */
public final class OpenTelemetrySpans implements SpanExporter {
    /** The instrumentation scope name spans are created under. */
    public static final String INSTRUMENTATION_NAME = "io.troupe.actors";
    /** Attribute: the handling actor's path. */
    public static final AttributeKey<String> ACTOR_PATH = AttributeKey.stringKey("troupe.actor.path");
    /** Attribute: the message's class name. */
    public static final AttributeKey<String> MESSAGE_TYPE = AttributeKey.stringKey("troupe.message.type");

    private final Tracer tracer;

    private OpenTelemetrySpans(Tracer tracer) {
        this.tracer = tracer;
    }

    /**
     * An exporter creating spans with {@code openTelemetry}'s tracer for
     * {@link #INSTRUMENTATION_NAME}. Any thread.
     *
     * @param openTelemetry the OpenTelemetry instance (the SDK the application configured)
     * @return the exporter, to pass to {@code ActorSystem.Builder.spanExporter}
     */
    public static OpenTelemetrySpans create(OpenTelemetry openTelemetry) {
        Objects.requireNonNull(openTelemetry, "openTelemetry");
        return new OpenTelemetrySpans(openTelemetry.getTracer(INSTRUMENTATION_NAME));
    }

    /** What onStart hands back: the span and the scope that made it current, closed by onEnd. */
    private record Handle(Span span, Scope scope) {}

    /**
     * Starts the message's span and makes it current on this thread. Dispatcher thread.
     *
     * @param parent the sender's handle, or null
     * @param actorPath the handling actor's path
     * @param messageType the message's class name
     * @return the handle of the new span
     */
    @Override
    public Object onStart(Object parent, String actorPath, String messageType) {
        final SpanBuilder b = tracer.spanBuilder(simpleName(messageType))
                .setSpanKind(SpanKind.INTERNAL)
                .setAttribute(ACTOR_PATH, actorPath)
                .setAttribute(MESSAGE_TYPE, messageType);
        if (parent instanceof Handle h) {
            b.setParent(Context.root().with(h.span()));
        } else {
            b.setNoParent(); // the worker thread's context belongs to no request
        }
        final Span span = b.startSpan();
        return new Handle(span, span.makeCurrent());
    }

    /**
     * Ends the span, recording {@code failure} if any. Dispatcher thread, the one that started it.
     *
     * @param span the handle {@link #onStart} returned
     * @param failure what the handler threw, or null
     */
    @Override
    public void onEnd(Object span, Throwable failure) {
        final Handle h = (Handle) span;
        h.scope().close();
        if (failure != null) {
            h.span().recordException(failure);
            h.span().setStatus(StatusCode.ERROR, failure.toString());
        }
        h.span().end();
    }

    private static String simpleName(String className) {
        if (className == null) {
            return "message";
        }
        final int dot = Math.max(className.lastIndexOf('.'), className.lastIndexOf('$'));
        return className.substring(dot + 1);
    }
}
