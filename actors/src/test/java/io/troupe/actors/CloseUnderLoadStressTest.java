package io.troupe.actors;

import static io.troupe.actors.Testing.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.mailbox.OverflowPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Closing a system in the middle of a lossless flood (issue #18): 64 producers each drive
 * themselves with {@code send} then {@code pipeToSelf} of its stage into a few small consumers,
 * with dead-letter logging on; the system is closed while sends wait. Every actor must stop,
 * every watcher must hear {@code Terminated} exactly once, and close() must report nothing left.
 * Runs per case scale with {@code -Dtroupe.stress.scale} (the issue's 20 runs: scale 10).
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class CloseUnderLoadStressTest {
    private static final int PRODUCERS = 64;
    private static final int RUNS = 2 * Testing.SCALE;
    private static final long HANDLED_BEFORE_CLOSE = 20_000;

    @ParameterizedTest(name = "{0}, {1} consumers")
    @CsvSource({"WORK_STEALING, 4", "WORK_STEALING, 64", "FORK_JOIN, 4", "FORK_JOIN, 64"})
    void close_midFloodOfSendThenPipeToSelf_everyActorStopsAndEveryWatcherIsToldOnce(DispatcherKind kind, int consumers) {
        // Closing in mid-flood stops every producer and consumer, tells the watcher of each exactly once, and leaves nothing behind, run after run.
        for (int run = 0; run < RUNS; run++) {
            oneRun(kind, consumers, run);
        }
    }

    private static void oneRun(DispatcherKind kind, int consumerCount, int run) {
        final ActorSystem system = Testing.builder(kind).deadLetterLogsPerSecond(5).build();
        final AtomicLong handled = new AtomicLong();
        final CountDownLatch flooding = new CountDownLatch(1);
        final Map<ActorRef<?>, Integer> told = Collections.synchronizedMap(new IdentityHashMap<>());
        final List<ActorRef<?>> watched = new ArrayList<>();
        List<String> leftovers;
        try {
            final CountDownLatch allWatched = new CountDownLatch(PRODUCERS + consumerCount);
            // A system actor outlives the user actors during close, so it hears every Terminated.
            final ActorRef<ActorRef<?>> watcher = system.spawnSystemActor(() -> new Actor<ActorRef<?>>() {
                @Override
                protected void receive(ActorRef<?> ref) {
                    context().watch(ref);
                    allWatched.countDown();
                }

                @Override
                protected void onSignal(Signal signal) {
                    if (signal instanceof Terminated t) {
                        told.merge(t.ref(), 1, Integer::sum);
                    }
                }
            }, SpawnOptions.named("watcher"));
            final List<ActorRef<String>> consumers = new ArrayList<>();
            for (int c = 0; c < consumerCount; c++) {
                consumers.add(system.spawn(Actor.<String>of((ctx, m) -> {
                    if (handled.incrementAndGet() == HANDLED_BEFORE_CLOSE) {
                        flooding.countDown();
                    }
                }), SpawnOptions.named("consumer-" + c).withMailbox(16, OverflowPolicy.DEAD_LETTER)));
            }
            final List<ActorRef<Integer>> producers = new ArrayList<>();
            for (int p = 0; p < PRODUCERS; p++) {
                final int producer = p;
                producers.add(system.spawn(Actor.<Integer>of((ctx, step) -> {
                    final ActorRef<String> to = consumers.get((producer + step) % consumers.size());
                    ctx.pipeToSelf(to.send("p" + producer + "#" + step), (ok, error) -> error == null ? step + 1 : null);
                }), SpawnOptions.named("producer-" + p).withMailbox(4, OverflowPolicy.DEAD_LETTER)));
            }
            watched.addAll(consumers);
            watched.addAll(producers);
            watched.forEach(watcher::tell);
            await(allWatched, "the watcher to watch everybody");
            producers.forEach(p -> p.tell(0));
            await(flooding, "the flood to get going");
        } finally {
            leftovers = system.close(Duration.ofSeconds(30));
        }
        assertEquals(List.of(), leftovers, "run " + run);
        assertTrue(handled.get() >= HANDLED_BEFORE_CLOSE);
        final List<String> missing = new ArrayList<>();
        for (ActorRef<?> ref : watched) {
            final Integer times = told.get(ref);
            if (times == null || times != 1) {
                missing.add(ref.path() + " told " + times + " times");
            }
        }
        assertEquals(List.of(), missing, "run " + run + ": every watched actor's Terminated exactly once");
    }
}
