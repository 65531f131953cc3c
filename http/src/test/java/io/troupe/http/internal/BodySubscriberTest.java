package io.troupe.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Flow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The subscriber the HTTP stages read outgoing bodies with: one chunk asked for at a time, every
 * signal handed into the turn in order, a second subscription or one after cancel cancelled.
 */
@Timeout(30)
class BodySubscriberTest {
    private final ArrayDeque<Runnable> turn = new ArrayDeque<>();
    private final List<String> events = new ArrayList<>();
    private final BodySubscriber sub = new BodySubscriber(turn::add, BodySubscriber.Sink.of(
            () -> events.add("subscribed"),
            chunk -> events.add("chunk:" + StandardCharsets.UTF_8.decode(chunk)),
            t -> events.add(t == null ? "complete" : "error:" + t.getMessage())));

    /** A subscription that records what it is asked. */
    private static final class Recorded implements Flow.Subscription {
        final List<String> calls = new ArrayList<>();

        @Override
        public void request(long n) {
            calls.add("request(" + n + ")");
        }

        @Override
        public void cancel() {
            calls.add("cancel");
        }
    }

    private void runTurn() {
        Runnable r;
        while ((r = turn.poll()) != null) {
            r.run();
        }
    }

    private static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void requestMore_asksOneChunkAtATime() {
        // At most one chunk is asked for until it has been received.
        final Recorded s = new Recorded();
        sub.requestMore(); // not subscribed yet: nothing to ask
        sub.onSubscribe(s);
        runTurn();
        sub.requestMore();
        sub.requestMore();
        assertEquals(List.of("request(1)"), s.calls);
        sub.onNext(bytes("a"));
        runTurn();
        sub.received();
        sub.requestMore();
        assertEquals(List.of("request(1)", "request(1)"), s.calls);
    }

    @Test
    void signals_reachTheSinkInTheTurnInOrder() {
        // Every signal is handed to the turn (nothing runs on the publisher's thread) and arrives in order.
        sub.onSubscribe(new Recorded());
        sub.onNext(bytes("a"));
        sub.onNext(bytes("b"));
        sub.onComplete();
        assertEquals(List.of(), events);
        runTurn();
        assertEquals(List.of("subscribed", "chunk:a", "chunk:b", "complete"), events);
        sub.onError(new IllegalStateException("boom"));
        runTurn();
        assertEquals("error:boom", events.get(4));
    }

    @Test
    void onSubscribe_secondOrAfterCancel_isCancelled() {
        // Rule 2.5: a second subscription is cancelled; so is one that comes after cancel, and cancel reaches the first.
        final Recorded first = new Recorded();
        final Recorded second = new Recorded();
        sub.onSubscribe(first);
        sub.onSubscribe(second);
        assertEquals(List.of("cancel"), second.calls);
        sub.cancel();
        sub.requestMore();
        assertEquals(List.of("cancel"), first.calls);

        final BodySubscriber early = new BodySubscriber(turn::add, BodySubscriber.Sink.of(() -> {}, c -> {}, t -> {}));
        early.cancel();
        final Recorded late = new Recorded();
        early.onSubscribe(late);
        assertEquals(List.of("cancel"), late.calls);
    }
}
