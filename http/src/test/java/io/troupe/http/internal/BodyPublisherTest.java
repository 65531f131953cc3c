package io.troupe.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.http.Headers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The body publisher the HTTP stages share: demand accounting, the Reactive Streams rules on
 * illegal demand, one subscriber, cancellation, the order of chunks and the end, and demand from
 * many threads at once. The connection's turn is a queue run by the test (or one thread in the
 * stress test); the protocol is a small stage that holds what arrived before there was demand,
 * as the real ones do.
 */
@Timeout(30)
class BodyPublisherTest {

    /** A connection turn the test runs by hand: execute() queues, runAll() runs in order. */
    private static final class ManualTurn implements java.util.concurrent.Executor {
        private final ArrayDeque<Runnable> actions = new ArrayDeque<>();

        @Override
        public void execute(Runnable action) {
            actions.add(action);
        }

        void runAll() {
            Runnable r;
            while ((r = actions.poll()) != null) {
                r.run();
            }
        }
    }

    /**
     * A protocol that holds chunks until there is demand (as a stage holds its stash or its
     * stream's queue), counts its wake-ups, and ends the body after what it held. Confined to the
     * turn.
     */
    private static final class Stage implements BodyPublisher.Protocol {
        final ArrayDeque<ByteBuffer> held = new ArrayDeque<>();
        BodyPublisher body;
        boolean inputEnded;
        Throwable inputFailure;
        Headers trailerFields = Headers.empty();
        int demandWakeups;
        int cancels;

        @Override
        public void onDemand() {
            demandWakeups++;
            pump();
        }

        @Override
        public void onCancel() {
            cancels++;
            held.clear();
        }

        void arrive(String chunk) {
            held.add(ByteBuffer.wrap(chunk.getBytes(StandardCharsets.UTF_8)));
            pump();
        }

        void end() {
            inputEnded = true;
            pump();
        }

        void failInput(Throwable t) {
            inputFailure = t;
            pump();
        }

        void pump() {
            while (!held.isEmpty() && body.wants()) {
                body.deliver(held.poll());
            }
            if (held.isEmpty() && inputEnded) {
                body.complete(trailerFields);
            } else if (held.isEmpty() && inputFailure != null) {
                body.fail(inputFailure);
            }
        }
    }

    /** Records every signal as text, in order; thread-safe. */
    private static final class Recorder implements Flow.Subscriber<ByteBuffer> {
        final List<String> events = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch ended = new CountDownLatch(1);
        volatile Flow.Subscription subscription;
        BodyPublisher body;

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            events.add("subscribe");
        }

        @Override
        public void onNext(ByteBuffer item) {
            events.add("next:" + StandardCharsets.UTF_8.decode(item));
        }

        @Override
        public void onError(Throwable t) {
            events.add("error:" + t.getClass().getSimpleName() + trailersState());
            ended.countDown();
        }

        @Override
        public void onComplete() {
            events.add("complete" + trailersState());
            ended.countDown();
        }

        private String trailersState() {
            if (body == null) {
                return "";
            }
            final var f = body.trailers().toCompletableFuture();
            return f.isCompletedExceptionally() ? " trailers=failed" : f.isDone() ? " trailers=" + f.getNow(null) : " trailers=open";
        }

        List<String> events() {
            synchronized (events) {
                return new ArrayList<>(events);
            }
        }
    }

    private final ManualTurn turn = new ManualTurn();
    private final Stage stage = new Stage();
    private final BodyPublisher body = new BodyPublisher("request body", turn, stage, null);
    private final Recorder sub = new Recorder();

    {
        stage.body = body;
        sub.body = body;
    }

    private void subscribe() {
        body.subscribe(sub);
        turn.runAll();
    }

    @Test
    void request_threeThenFiveChunks_exactlyThreeDeliveredUntilMoreDemand() {
        // With demand 3, three chunks go to the subscriber and two wait; more demand lets them through.
        subscribe();
        sub.subscription.request(3);
        turn.runAll();
        for (String c : List.of("a", "b", "c", "d", "e")) {
            stage.arrive(c);
        }
        assertEquals(List.of("subscribe", "next:a", "next:b", "next:c"), sub.events());
        assertEquals(2, stage.held.size());
        assertFalse(body.wants());
        sub.subscription.request(1);
        turn.runAll();
        assertEquals(List.of("subscribe", "next:a", "next:b", "next:c", "next:d"), sub.events());
        sub.subscription.request(5);
        turn.runAll();
        assertEquals(List.of("subscribe", "next:a", "next:b", "next:c", "next:d", "next:e"), sub.events());
        assertTrue(body.wants(), "four units of demand are left");
    }

    @Test
    void deliverCopy_withoutDemand_takesNothing_thenCopiesWhenAsked() {
        // Without demand deliverCopy leaves the bytes where they are; with it, the subscriber gets a copy of exactly n.
        final ByteBuffer in = ByteBuffer.wrap("hello world".getBytes(StandardCharsets.UTF_8));
        assertFalse(body.deliverCopy(in, 5), "no subscriber yet");
        subscribe();
        assertFalse(body.deliverCopy(in, 5), "no demand yet");
        assertEquals(0, in.position());
        sub.subscription.request(1);
        turn.runAll();
        assertTrue(body.deliverCopy(in, 5));
        assertEquals(5, in.position());
        assertFalse(body.deliverCopy(in, 6), "the one unit of demand is used");
        assertEquals(List.of("subscribe", "next:hello"), sub.events());
    }

    @Test
    void request_unbounded_isCappedAndNeverRunsOut() {
        // Demand that sums past Long.MAX_VALUE stays unbounded (rule 3.17) and delivering does not use it up.
        subscribe();
        sub.subscription.request(Long.MAX_VALUE);
        sub.subscription.request(Long.MAX_VALUE);
        turn.runAll();
        for (int i = 0; i < 100; i++) {
            stage.arrive("c" + i);
        }
        assertEquals(101, sub.events().size());
        assertTrue(body.wants());
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -1, Long.MIN_VALUE})
    void request_notPositive_onErrorIllegalArgumentThenProtocolCancelOnce(long n) {
        // Rule 3.9: request(n <= 0) ends the subscriber with IllegalArgumentException; the protocol hears one cancel.
        subscribe();
        stage.arrive("held");
        sub.subscription.request(n);
        sub.subscription.request(n);
        sub.subscription.cancel();
        turn.runAll();
        assertTrue(body.cancelled());
        assertEquals(List.of("subscribe", "error:IllegalArgumentException trailers=failed"), sub.events());
        assertEquals(1, stage.cancels);
        sub.subscription.request(1);
        turn.runAll();
        stage.arrive("late");
        stage.end();
        assertEquals(List.of("subscribe", "error:IllegalArgumentException trailers=failed"), sub.events());
        assertFalse(body.wants());
    }

    @Test
    void subscribe_second_refusedWithOnErrorAndFirstUntouched() {
        // A body is read once: a second subscriber hears onSubscribe then onError; the first goes on.
        subscribe();
        final Recorder second = new Recorder();
        body.subscribe(second);
        assertEquals(List.of("subscribe", "error:IllegalStateException"), second.events());
        second.subscription.request(1); // a no-op subscription
        turn.runAll();
        sub.subscription.request(1);
        turn.runAll();
        stage.arrive("a");
        assertEquals(List.of("subscribe", "next:a"), sub.events());
        assertEquals(List.of("subscribe", "error:IllegalStateException"), second.events());
    }

    @Test
    void cancel_stopsDeliveryDropsBytesAndCallsProtocolCancelOnce() {
        // After cancel no chunk reaches the subscriber, offered bytes are skipped, and the protocol hears one cancel.
        subscribe();
        sub.subscription.request(10);
        turn.runAll();
        stage.arrive("a");
        sub.subscription.cancel();
        sub.subscription.cancel();
        assertFalse(body.wants(), "cancelled at once, before the turn runs");
        turn.runAll();
        assertEquals(1, stage.cancels);
        stage.arrive("b");
        final ByteBuffer in = ByteBuffer.wrap(new byte[8]);
        assertTrue(body.deliverCopy(in, 8), "the bytes are taken (dropped), to keep the connection in step");
        assertEquals(8, in.position());
        sub.subscription.cancel();
        turn.runAll();
        assertEquals(1, stage.cancels);
        assertEquals(List.of("subscribe", "next:a"), sub.events());
    }

    @Test
    void complete_afterHeldChunks_comesLastWithTrailersDone() {
        // The end that arrives behind held chunks is told after them, in order, with the trailers completed first.
        stage.trailerFields = Headers.builder().add("x-sum", "42").build();
        subscribe();
        stage.arrive("a");
        stage.arrive("b");
        stage.arrive("c");
        stage.end();
        assertEquals(List.of("subscribe"), sub.events());
        sub.subscription.request(2);
        turn.runAll();
        assertEquals(List.of("subscribe", "next:a", "next:b"), sub.events());
        sub.subscription.request(1);
        turn.runAll();
        assertEquals(List.of("subscribe", "next:a", "next:b", "next:c", "complete trailers=" + stage.trailerFields),
                sub.events());
        body.fail(new IllegalStateException("too late"));
        body.complete(Headers.empty());
        assertEquals(5, sub.events().size(), "nothing after the end");
    }

    @Test
    void fail_afterHeldChunks_comesLastOnceWithTrailersFailed() {
        // A failure behind held chunks is told after them, once, with the trailers failed first.
        subscribe();
        stage.arrive("a");
        stage.arrive("b");
        stage.failInput(new java.io.IOException("peer went away"));
        sub.subscription.request(5);
        turn.runAll();
        body.complete(Headers.empty());
        body.fail(new IllegalStateException("twice"));
        assertEquals(List.of("subscribe", "next:a", "next:b", "error:IOException trailers=failed"), sub.events());
    }

    @Test
    void subscribe_afterTheEnd_hearsOnSubscribeThenTheEnd() {
        // A subscriber that comes after the body ended hears onSubscribe, then the end, in the turn.
        body.complete(Headers.empty());
        subscribe();
        assertEquals(List.of("subscribe", "complete trailers=" + Headers.empty()), sub.events());
        assertEquals(0, stage.demandWakeups);
    }

    @Test
    void subscribe_turnGone_startsOnCallerOnce() {
        // A closed connection drops execute()'s actions: subscribe then starts on the caller, and only once.
        final BodyPublisher gone = new BodyPublisher("response body", turn, stage, () -> true);
        gone.fail(new java.nio.channels.ClosedChannelException());
        final Recorder r = new Recorder();
        gone.subscribe(r);
        assertEquals(List.of("subscribe", "error:ClosedChannelException"), r.events());
        turn.runAll();
        gone.runPendingStart();
        assertEquals(List.of("subscribe", "error:ClosedChannelException"), r.events());
    }

    @Test
    void onNext_throws_cancelsAndDropsTheRest() {
        // A subscriber that throws from onNext is cancelled: the rest of the body is dropped, not delivered.
        final AtomicInteger calls = new AtomicInteger();
        body.subscribe(new Flow.Subscriber<>() {
            @Override public void onSubscribe(Flow.Subscription s) { s.request(5); }
            @Override public void onNext(ByteBuffer item) {
                calls.incrementAndGet();
                throw new IllegalStateException("handler bug");
            }
            @Override public void onError(Throwable t) {}
            @Override public void onComplete() {}
        });
        turn.runAll();
        stage.arrive("a");
        stage.arrive("b");
        assertEquals(1, calls.get());
        assertTrue(body.cancelled());
    }

    @Test
    void request_fromInsideOnNext_needsNoWakeup() {
        // Demand added inside onNext is seen by the delivery loop that is running: no extra turn action.
        final AtomicReference<Flow.Subscription> sr = new AtomicReference<>();
        final List<String> got = new ArrayList<>();
        body.subscribe(new Flow.Subscriber<>() {
            @Override public void onSubscribe(Flow.Subscription s) { sr.set(s); s.request(1); }
            @Override public void onNext(ByteBuffer item) {
                got.add(StandardCharsets.UTF_8.decode(item).toString());
                sr.get().request(1);
            }
            @Override public void onError(Throwable t) {}
            @Override public void onComplete() { got.add("end"); }
        });
        turn.runAll();
        final int wakeups = stage.demandWakeups;
        stage.held.addAll(List.of(ByteBuffer.wrap(new byte[] {'x'}), ByteBuffer.wrap(new byte[] {'y'})));
        stage.end();
        assertEquals(List.of("x", "y", "end"), got);
        assertTrue(turn.actions.isEmpty(), "no wake-up was queued");
        assertEquals(wakeups, stage.demandWakeups);
    }

    @Test
    @Timeout(90)
    void request_manyThreadsWhileChunksArrive_everyChunkOnceInOrderNeverAheadOfDemand() throws Exception {
        // Stress: 8 threads ask for one chunk at a time, each keeping at most a few units of demand
        // ahead of delivery, so that demand keeps falling to zero and rising from it on one thread
        // while the turn's thread delivers on another; every chunk arrives once, in order, never
        // before its unit of demand, and the end comes last.
        final int threads = 8;
        final int perThread = 5_000;
        final int window = 4;
        final int total = threads * perThread;
        final ExecutorService turnThread = Executors.newSingleThreadExecutor(r -> new Thread(r, "turn"));
        final Stage st = new Stage();
        final BodyPublisher pub = new BodyPublisher("request body", turnThread, st, null);
        st.body = pub;
        final AtomicLong requested = new AtomicLong();
        final AtomicLong delivered = new AtomicLong();
        final List<Integer> got = new ArrayList<>(total); // written on the turn thread only
        final AtomicReference<String> violation = new AtomicReference<>();
        final CountDownLatch done = new CountDownLatch(1);
        final CountDownLatch subscribed = new CountDownLatch(1);
        final AtomicReference<Flow.Subscription> sr = new AtomicReference<>();
        final java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        pub.subscribe(new Flow.Subscriber<>() {
            @Override public void onSubscribe(Flow.Subscription s) {
                sr.set(s);
                subscribed.countDown();
            }
            @Override public void onNext(ByteBuffer item) {
                if (got.size() + 1 > requested.get()) {
                    violation.compareAndSet(null, "chunk " + (got.size() + 1) + " with only " + requested.get() + " requested");
                }
                got.add(item.getInt());
                delivered.incrementAndGet();
            }
            @Override public void onError(Throwable t) {
                violation.compareAndSet(null, "onError " + t);
                done.countDown();
            }
            @Override public void onComplete() {
                if (got.size() != total) {
                    violation.compareAndSet(null, "onComplete after " + got.size());
                }
                done.countDown();
            }
        });
        final List<Thread> requesters = new ArrayList<>();
        try {
            assertTrue(subscribed.await(10, TimeUnit.SECONDS));
            for (int i = 0; i < total; i++) {
                final int v = i;
                turnThread.execute(() -> {
                    st.held.add((ByteBuffer) ByteBuffer.allocate(4).putInt(v).flip());
                    st.pump();
                });
            }
            turnThread.execute(st::end);
            final CountDownLatch go = new CountDownLatch(1);
            for (int t = 0; t < threads; t++) {
                final Thread th = new Thread(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int i = 0; i < perThread && !stop.get(); i++) {
                        while (requested.get() - delivered.get() >= window && !stop.get()) {
                            Thread.yield(); // keep demand near zero: most requests raise it from zero
                        }
                        requested.incrementAndGet(); // before the request: onNext never sees less than was asked
                        sr.get().request(1);
                    }
                }, "requester-" + t);
                th.start();
                requesters.add(th);
            }
            go.countDown();
            assertTrue(done.await(60, TimeUnit.SECONDS), "the body ended; delivered " + delivered.get()
                    + " of " + total + " with " + requested.get() + " requested");
            assertEquals(null, violation.get());
            final List<Integer> expected = new ArrayList<>(total);
            for (int i = 0; i < total; i++) {
                expected.add(i);
            }
            assertEquals(expected, onTurn(turnThread, () -> new ArrayList<>(got)));
        } finally {
            stop.set(true);
            for (Thread th : requesters) {
                th.join(TimeUnit.SECONDS.toMillis(10));
            }
            turnThread.shutdownNow();
            assertTrue(turnThread.awaitTermination(10, TimeUnit.SECONDS));
        }
    }

    private static <T> T onTurn(ExecutorService turn, java.util.concurrent.Callable<T> c) throws Exception {
        return turn.submit(c).get(10, TimeUnit.SECONDS);
    }
}
