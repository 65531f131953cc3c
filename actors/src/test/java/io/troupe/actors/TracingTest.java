package io.troupe.actors;

import static io.troupe.actors.Testing.TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.testkit.TestProbe;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tracing: a handled message is a span; what a traced handler sends (tell, ask, timer, pipeToSelf) is its child. */
class TracingTest {
    /** A span as the test exporter saw it. */
    static final class Node {
        final Node parent;
        final String path;
        final String type;
        volatile boolean ended;
        volatile Throwable failure;

        Node(Node parent, String path, String type) {
            this.parent = parent;
            this.path = path;
            this.type = type;
        }

        @Override
        public String toString() {
            return path + ":" + type.substring(type.lastIndexOf('$') + 1) + (parent == null ? "" : " <- " + parent.path);
        }
    }

    /** Records every span; the handle it returns is the Node, so a child names its parent's Node. */
    static final class Collector implements SpanExporter {
        final ConcurrentLinkedQueue<Node> spans = new ConcurrentLinkedQueue<>();

        @Override
        public Object onStart(Object parent, String actorPath, String messageType) {
            final Node n = new Node((Node) parent, actorPath, messageType);
            spans.add(n);
            return n;
        }

        @Override
        public void onEnd(Object span, Throwable failure) {
            ((Node) span).failure = failure;
            ((Node) span).ended = true;
        }

        Node only(String path, Class<?> type) {
            final List<Node> found = spans.stream().filter(n -> n.path.equals(path) && n.type.equals(type.getName()))
                    .collect(Collectors.toList());
            assertEquals(1, found.size(), path + " " + type + " in " + spans);
            return found.get(0);
        }
    }

    record Go(ActorRef<String> done) {}

    record Work(ActorRef<String> done) {}

    record Question(ActorRef<Answer> replyTo) {}

    record Answer(String text) {}

    record Answered(String text, ActorRef<String> done) {}

    record Tick(ActorRef<String> done) {}

    /** The scene: a tells b (and starts a timer); b asks c and pipes the answer to itself; c replies. */
    static ActorRef<Object> scene(ActorSystem system, SpawnOptions aOptions) {
        final ActorRef<Question> c = system.spawn(Actor.<Question>of((ctx, q) -> q.replyTo().tell(new Answer("42"))), "c");
        final ActorRef<Object> b = system.spawn(Actor.<Object>of((ctx, m) -> {
            if (m instanceof Work w) {
                ctx.pipeToSelf(c.ask(Question::new, TIMEOUT), (ans, err) -> new Answered(ans.text(), w.done()));
            } else if (m instanceof Answered a) {
                a.done().tell("b got " + a.text());
            }
        }), "b");
        return system.spawn(Actor.<Object>of((ctx, m) -> {
            if (m instanceof Go g) {
                b.tell(new Work(g.done()));
                ctx.timers().startSingleTimer("t", new Tick(g.done()), Duration.ofMillis(1));
            } else if (m instanceof Tick t) {
                t.done().tell("tick");
            }
        }), aOptions.withName("a"));
    }

    @Test
    void tracedSystem_childSpansAcrossTellAskPipeToSelfAndTimer(@TempDir Path dir) throws Exception {
        // With tracing on, a's handling of Go is a root span; b's Work, c's Question, b's Answered (pipeToSelf after
        // the ask) and a's Tick (timer started in Go) are its descendants, in one trace, each span ended.
        final Collector collector = new Collector();
        final Recording recording = JfrEventsTest.startRecording();
        try (ActorSystem system = Testing.builder(DispatcherKind.WORK_STEALING).tracing(true).spanExporter(collector).build()) {
            final TestProbe<String> probe = TestProbe.create(system, "probe");
            final ActorRef<Object> a = scene(system, SpawnOptions.defaults());
            a.tell(new Go(probe.ref()));
            final List<String> got = probe.receiveMessages(2, TIMEOUT);
            assertEquals(List.of("b got 42", "tick"), got.stream().sorted().collect(Collectors.toList()));
        }
        final Node go = collector.only("/user/a", Go.class);
        assertNull(go.parent);
        final Node work = collector.only("/user/b", Work.class);
        assertSame(go, work.parent);
        final Node question = collector.only("/user/c", Question.class);
        assertSame(work, question.parent);
        final Node answered = collector.only("/user/b", Answered.class);
        assertSame(work, answered.parent);
        final Node tick = collector.only("/user/a", Tick.class);
        assertSame(go, tick.parent);
        for (Node n : List.of(go, work, question, answered, tick)) {
            assertTrue(n.ended, n + " ended");
            assertNull(n.failure);
        }

        // The same tree in JFR: troupe.Span events linked by ids, one trace id.
        final List<RecordedEvent> spans = JfrEventsTest.named(JfrEventsTest.readBack(recording, dir), "troupe.Span");
        final RecordedEvent jGo = JfrEventsTest.one(spans, "troupe.Span", "messageType", Go.class.getName());
        final RecordedEvent jWork = JfrEventsTest.one(spans, "troupe.Span", "messageType", Work.class.getName());
        final RecordedEvent jQuestion = JfrEventsTest.one(spans, "troupe.Span", "messageType", Question.class.getName());
        final RecordedEvent jTick = JfrEventsTest.one(spans, "troupe.Span", "messageType", Tick.class.getName());
        assertEquals(0L, jGo.getLong("parentSpanId"));
        assertEquals("/user/a", jGo.getString("path"));
        assertEquals(jGo.getLong("spanId"), jWork.getLong("parentSpanId"));
        assertEquals(jWork.getLong("spanId"), jQuestion.getLong("parentSpanId"));
        assertEquals(jGo.getLong("spanId"), jTick.getLong("parentSpanId"));
        for (RecordedEvent e : List.of(jWork, jQuestion, jTick)) {
            assertEquals(jGo.getLong("traceIdHigh"), e.getLong("traceIdHigh"));
            assertEquals(jGo.getLong("traceIdLow"), e.getLong("traceIdLow"));
            assertNotEquals(0L, e.getLong("spanId"));
        }
    }

    /** What the receiver of the offer/send/adapter scene handles; one type per way it was sent. */
    interface Done {
        ActorRef<String> done();
    }

    record Offered(ActorRef<String> done) implements Done {}

    record Sent(ActorRef<String> done) implements Done {}

    record AdapterTold(ActorRef<String> done) implements Done {}

    record AdapterOffered(ActorRef<String> done) implements Done {}

    record AdapterSent(ActorRef<String> done) implements Done {}

    record AdapterAsked(ActorRef<String> done) implements Done {}

    /** The foreign protocol of the receiver's message adapter. */
    record Foreign(String verb, ActorRef<String> done) {}

    record GetAdapter(ActorRef<ActorRef<Foreign>> replyTo) {}

    record Kick(ActorRef<Foreign> adapter, ActorRef<String> done) {}

    /** Registers an adapter for Foreign in preStart; answers every message it handles by telling its done ref the type. */
    static final class Receiver extends Actor<Object> {
        private ActorRef<Foreign> adapter;

        @Override
        protected void preStart() {
            adapter = context().messageAdapter(Foreign.class, f -> switch (f.verb()) {
                case "tell" -> new AdapterTold(f.done());
                case "offer" -> new AdapterOffered(f.done());
                case "send" -> new AdapterSent(f.done());
                default -> new AdapterAsked(f.done());
            });
        }

        @Override
        protected void receive(Object m) {
            if (m instanceof GetAdapter g) {
                g.replyTo().tell(adapter);
            } else if (m instanceof Done d) {
                d.done().tell(m.getClass().getSimpleName());
            }
        }
    }

    @Test
    void offerSendAndMessageAdapters_carryTheSendersSpan() throws Exception {
        // A traced handler's offer and send, and its tell, offer, send and ask through another actor's message adapter,
        // each reach the receiver as a span whose parent is the sender's span (the same parent object, one trace).
        final Collector collector = new Collector();
        try (ActorSystem system = Testing.builder(DispatcherKind.WORK_STEALING).tracing(true).spanExporter(collector).build()) {
            final TestProbe<String> probe = TestProbe.create(system, "probe");
            final ActorRef<Object> r = system.spawn(Receiver::new, "r");
            final ActorRef<Foreign> adapter = Testing.join(r.<ActorRef<Foreign>>ask(GetAdapter::new, TIMEOUT));
            final ActorRef<Kick> s = system.spawn(Actor.<Kick>of((ctx, k) -> {
                assertTrue(r.offer(new Offered(k.done())), "room for the offer");
                r.send(new Sent(k.done()));
                k.adapter().tell(new Foreign("tell", k.done()));
                assertTrue(k.adapter().offer(new Foreign("offer", k.done())), "room for the adapter's offer");
                k.adapter().send(new Foreign("send", k.done()));
                k.adapter().<String>ask(replyTo -> new Foreign("ask", replyTo), TIMEOUT);
            }), "s");
            s.tell(new Kick(adapter, probe.ref()));
            assertEquals(List.of("AdapterOffered", "AdapterSent", "AdapterTold", "Offered", "Sent"),
                    probe.receiveMessages(5, TIMEOUT).stream().sorted().collect(Collectors.toList()));
            // The replies are sent from inside the handlers: wait for the six spans to end.
            Testing.awaitTrue("the receiver's six spans to end", () -> collector.spans.stream()
                    .filter(n -> n.path.equals("/user/r") && n.parent != null && n.ended).count() == 6);
        }
        final Node kick = collector.only("/user/s", Kick.class);
        assertNull(kick.parent);
        final List<String> children = collector.spans.stream().filter(n -> n.path.equals("/user/r") && n.parent == kick)
                .map(Node::toString).sorted().collect(Collectors.toList());
        assertEquals(List.of("/user/r:AdapterAsked <- /user/s", "/user/r:AdapterOffered <- /user/s",
                "/user/r:AdapterSent <- /user/s", "/user/r:AdapterTold <- /user/s", "/user/r:Offered <- /user/s",
                "/user/r:Sent <- /user/s"), children);
        for (Class<?> type : List.of(Offered.class, Sent.class, AdapterTold.class, AdapterOffered.class, AdapterSent.class,
                AdapterAsked.class)) {
            final Node n = collector.only("/user/r", type);
            assertSame(kick, n.parent, n.toString());
            assertTrue(n.ended, n + " ended");
            assertNull(n.failure, n + " failed");
        }
    }

    @Test
    void spansOfOneActor_shareItsCachedPath_notARebuiltString() {
        // The path a span carries is the cell's own cached string (issue 15: rebuilding it per span was most of the
        // 248 bytes a traced message cost): two spans of one actor hand the exporter the very same String instance.
        final ConcurrentLinkedQueue<String> paths = new ConcurrentLinkedQueue<>();
        final SpanExporter exporter = new SpanExporter() {
            @Override
            public Object onStart(Object parent, String actorPath, String messageType) {
                paths.add(actorPath);
                return null;
            }

            @Override
            public void onEnd(Object span, Throwable failure) {
            }
        };
        try (ActorSystem system = Testing.builder(DispatcherKind.WORK_STEALING).tracing(true).spanExporter(exporter).build()) {
            final TestProbe<String> probe = TestProbe.create(system, "probe");
            final ActorRef<String> a = system.spawn(Actor.<String>of((ctx, m) -> probe.ref().tell(m)), "a");
            a.tell("one");
            a.tell("two");
            assertEquals(List.of("one", "two"), probe.receiveMessages(2, TIMEOUT));
            final List<String> ofA = paths.stream().filter("/user/a"::equals).collect(Collectors.toList());
            assertEquals(2, ofA.size(), "two spans of /user/a: " + paths);
            assertSame(ofA.get(0), ofA.get(1), "the same String, not rebuilt");
            assertSame(a.path(), ofA.get(0), "the cell's own path");
        }
    }

    @Test
    void untracedSystem_noSpans_evenWhileAnotherSystemTraces() {
        // Tracing is per system: a system without it records no span, though tracing is on elsewhere in the JVM.
        final Collector collector = new Collector();
        try (ActorSystem traced = Testing.builder(DispatcherKind.WORK_STEALING).tracing(true).build();
             ActorSystem plain = Testing.builder(DispatcherKind.WORK_STEALING).spanExporter(collector).build()) {
            final TestProbe<String> probe = TestProbe.create(plain, "probe");
            scene(plain, SpawnOptions.defaults()).tell(new Go(probe.ref()));
            assertEquals(2, probe.receiveMessages(2, TIMEOUT).size());
            assertTrue(TraceSpan.anyTracing(), "the traced system turned the global switch on: " + traced.name());
        }
        assertEquals(List.of(), List.copyOf(collector.spans));
    }

    @Test
    void tracedSubtree_spansOnlyFromIt_andWhatItSends() {
        // Tracing for one subtree: only a (spawned withTracing(true)) roots spans; b, c and the probe, not traced
        // themselves, record spans only for messages that carry a traced span (the probe's two replies included).
        final Collector collector = new Collector();
        try (ActorSystem system = Testing.builder(DispatcherKind.WORK_STEALING).spanExporter(collector).build()) {
            final TestProbe<String> probe = TestProbe.create(system, "probe");
            final ActorRef<Object> a = scene(system, SpawnOptions.defaults().withTracing(true));
            a.tell(new Go(probe.ref()));
            assertEquals(2, probe.receiveMessages(2, TIMEOUT).size());
        }
        assertEquals(List.of("/system/probe:java.lang.String <- /user/a", "/system/probe:java.lang.String <- /user/b",
                        "/user/a:Go", "/user/a:Tick <- /user/a", "/user/b:Answered <- /user/b", "/user/b:Work <- /user/a",
                        "/user/c:Question <- /user/b"),
                collector.spans.stream().map(Node::toString).sorted().collect(Collectors.toList()));
    }
}
