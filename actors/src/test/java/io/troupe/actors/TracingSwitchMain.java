package io.troupe.actors;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Run in a JVM of its own by {@link TracingSwitchTest}: tracing off in the whole JVM while the send
 * and handle paths get hot (so compiled code folds {@link TraceSpan#anyTracing()} to false), then
 * a traced system: its spans must still be recorded, with the parent link a compiled tell carries.
 * Exits 0 if so; prints what went wrong and exits 1 otherwise.
 */
public final class TracingSwitchMain {
    private TracingSwitchMain() {}

    record Hop(int left, CountDownLatch done) {}

    public static void main(String[] args) throws Exception {
        if (TraceSpan.anyTracing()) {
            fail("tracing was on before any system asked for it");
        }
        // 1. no tracing anywhere: a hot ping-pong compiles ActorCell.tell and invoke with the switch off
        try (ActorSystem plain = ActorSystem.builder("plain").build()) {
            final ActorRef<Hop>[] peer = newPair(plain);
            for (int round = 0; round < 20; round++) {
                final CountDownLatch done = new CountDownLatch(1);
                peer[0].tell(new Hop(20_000, done));
                if (!done.await(30, TimeUnit.SECONDS)) {
                    fail("the untraced ping-pong did not finish");
                }
            }
        }
        if (TraceSpan.anyTracing()) {
            fail("an untraced system turned tracing on");
        }
        // 2. a traced system: a tells b from inside a's handler; b's span must be a's child
        final TracingTest.Collector collector = new TracingTest.Collector();
        try (ActorSystem traced = ActorSystem.builder("traced").tracing(true).spanExporter(collector).build()) {
            if (!TraceSpan.anyTracing()) {
                fail("a traced system did not turn the switch on");
            }
            final ActorRef<Hop>[] peer = newPair(traced);
            final CountDownLatch done = new CountDownLatch(1);
            peer[0].tell(new Hop(2, done)); // a handles 2, tells b 1, b tells a 0, a counts down
            if (!done.await(30, TimeUnit.SECONDS)) {
                fail("the traced hops did not finish");
            }
        }
        // a's first turn is the one root; b's span its child; a's second turn b's child
        final java.util.List<TracingTest.Node> roots = collector.spans.stream().filter(n -> n.parent == null).toList();
        if (roots.size() != 1 || !roots.get(0).path.equals("/user/a")) {
            fail("expected one root span, a's: " + collector.spans);
        }
        final java.util.List<TracingTest.Node> children = collector.spans.stream().filter(n -> n.parent == roots.get(0)).toList();
        if (children.size() != 1 || !children.get(0).path.equals("/user/b")) {
            fail("b's span is not the child of a's: " + collector.spans);
        }
        final TracingTest.Node b = children.get(0);
        if (collector.spans.stream().filter(n -> n.parent == b && n.path.equals("/user/a")).count() != 1) {
            fail("a's second span is not the child of b's: " + collector.spans);
        }
        System.out.println("ok: " + collector.spans.size() + " spans");
        System.exit(0);
    }

    @SuppressWarnings("unchecked")
    private static ActorRef<Hop>[] newPair(ActorSystem system) {
        final ActorRef<Hop>[] peer = new ActorRef[2];
        peer[0] = system.spawn(hopper(peer, 1), "a");
        peer[1] = system.spawn(hopper(peer, 0), "b");
        return peer;
    }

    /** Counts a hop down and passes it to {@code peer[other]}, or ends it at zero. */
    private static java.util.function.Supplier<Actor<Hop>> hopper(ActorRef<Hop>[] peer, int other) {
        return Actor.<Hop>of((ctx, h) -> {
            if (h.left() == 0) {
                h.done().countDown();
            } else {
                peer[other].tell(new Hop(h.left() - 1, h.done()));
            }
        });
    }

    private static void fail(String why) {
        System.out.println("FAILED: " + why);
        System.exit(1);
    }
}
