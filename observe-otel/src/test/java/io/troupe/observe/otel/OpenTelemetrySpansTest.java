package io.troupe.observe.otel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Traced messages become OpenTelemetry spans linked parent to child across actors and an ask. */
@Timeout(60)
class OpenTelemetrySpansTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    record Go(String id) {}

    record Work(String id) {}

    record Question(String id, ActorRef<Answer> replyTo) {}

    record Answer(String text) {}

    record Answered(String text) {}

    @Test
    void threeActorsAndAnAsk_spansLinkedParentToChild_inOneTrace() throws Exception {
        // a handles Go and tells b Work; b asks c a Question and pipes the Answer to itself; each span's parent is the
        // span that sent its message (Answered: the Work span that asked), all in one trace, rooted at a's Go.
        final InMemorySpanExporter exported = InMemorySpanExporter.create();
        final SdkTracerProvider provider = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exported)).build();
        final OpenTelemetrySdk otel = OpenTelemetrySdk.builder().setTracerProvider(provider).build();
        final BlockingQueue<String> done = new ArrayBlockingQueue<>(4);
        try (ActorSystem system = ActorSystem.builder("otel").parallelism(2).tracing(true)
                .spanExporter(OpenTelemetrySpans.create(otel)).build()) {
            final ActorRef<Question> c = system.spawn(Actor.<Question>of((ctx, q) -> q.replyTo().tell(new Answer("42 for " + q.id()))), "c");
            final ActorRef<Object> b = system.spawn(Actor.<Object>of((ctx, m) -> {
                if (m instanceof Work w) {
                    ctx.pipeToSelf(c.<Answer>ask(r -> new Question(w.id(), r), WAIT),
                            (ans, err) -> new Answered(err == null ? ans.text() : err.toString()));
                } else if (m instanceof Answered a) {
                    done.add(a.text());
                }
            }), "b");
            final ActorRef<Go> a = system.spawn(Actor.<Go>of((ctx, g) -> b.tell(new Work(g.id()))), "a");
            a.tell(new Go("r1"));
            assertEquals("42 for r1", done.poll(WAIT.toSeconds(), TimeUnit.SECONDS));
        }
        provider.forceFlush().join(WAIT.toSeconds(), TimeUnit.SECONDS);
        final List<SpanData> spans = exported.getFinishedSpanItems();
        assertEquals(List.of("Answered", "Go", "Question", "Work"), spans.stream().map(SpanData::getName).sorted().collect(Collectors.toList()));
        final SpanData go = named(spans, "Go");
        final SpanData work = named(spans, "Work");
        final SpanData question = named(spans, "Question");
        final SpanData answered = named(spans, "Answered");
        assertFalse(go.getParentSpanContext().isValid(), "Go is a root span");
        assertEquals(SpanId.getInvalid(), go.getParentSpanId());
        assertEquals(go.getSpanId(), work.getParentSpanId());
        assertEquals(work.getSpanId(), question.getParentSpanId());
        assertEquals(work.getSpanId(), answered.getParentSpanId());
        for (SpanData s : List.of(work, question, answered)) {
            assertEquals(go.getTraceId(), s.getTraceId(), s.getName());
        }
        assertEquals("/user/a", go.getAttributes().get(OpenTelemetrySpans.ACTOR_PATH));
        assertEquals("/user/c", question.getAttributes().get(OpenTelemetrySpans.ACTOR_PATH));
        assertEquals(Question.class.getName(), question.getAttributes().get(OpenTelemetrySpans.MESSAGE_TYPE));
        assertTrue(spans.stream().allMatch(s -> s.getStatus().getStatusCode() == StatusCode.UNSET));
    }

    @Test
    void failingHandler_spanEndsWithErrorAndException() throws Exception {
        // A handler that throws ends its span with status ERROR and the exception recorded as an event.
        final InMemorySpanExporter exported = InMemorySpanExporter.create();
        final SdkTracerProvider provider = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exported)).build();
        final OpenTelemetrySdk otel = OpenTelemetrySdk.builder().setTracerProvider(provider).build();
        try (ActorSystem system = ActorSystem.builder("otel-fail").parallelism(2).tracing(true)
                .spanExporter(OpenTelemetrySpans.create(otel)).build()) {
            final ActorRef<Go> bad = system.spawn(Actor.<Go>of((ctx, g) -> {
                throw new IllegalStateException("bad " + g.id());
            }), "bad");
            final var gone = system.whenTerminated(bad);
            bad.tell(new Go("x"));
            gone.toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
        final SpanData s = named(exported.getFinishedSpanItems(), "Go");
        assertEquals(StatusCode.ERROR, s.getStatus().getStatusCode());
        assertEquals("exception", s.getEvents().get(0).getName());
        assertTrue(s.getStatus().getDescription().contains("bad x"), s.getStatus().getDescription());
    }

    private static SpanData named(List<SpanData> spans, String name) {
        final List<SpanData> found = spans.stream().filter(s -> s.getName().equals(name)).collect(Collectors.toList());
        assertEquals(1, found.size(), name + " in " + spans);
        return found.get(0);
    }
}
