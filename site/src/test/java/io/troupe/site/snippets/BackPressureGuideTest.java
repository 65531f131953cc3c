package io.troupe.site.snippets;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.SpawnOptions;
import io.troupe.mailbox.OverflowPolicy;
import io.troupe.testkit.ActorSystemExtension;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The code of guides/back-pressure.md, run. */
@ExtendWith(ActorSystemExtension.class)
class BackPressureGuideTest {
    /** Counts what it is sent; answers the count. */
    static final class Sink extends Actor<Object> {
        private long count;

        @Override
        protected void receive(Object msg) {
            if (msg instanceof CompletableFuture<?> f) {
                @SuppressWarnings("unchecked")
                final CompletableFuture<Long> answer = (CompletableFuture<Long>) f;
                answer.complete(count);
            } else {
                count++;
            }
        }
    }

    // region produce
    /** Sends n messages without losing one and without blocking a thread: each send waits for room. */
    static CompletionStage<Void> produce(ActorRef<Object> sink, int n) {
        CompletionStage<Void> last = CompletableFuture.completedFuture(null);
        for (int i = 0; i < n; i++) {
            final int item = i;
            last = last.thenCompose(ignored -> sink.send(item)); // the next send starts once this one is in
        }
        return last;
    }
    // endregion

    @Test
    void send_intoASmallMailbox_losesNothing(ActorSystem system) {
        // 10,000 sends through a mailbox of 16 all arrive: send waits for room, nothing is dropped.
        // region small-mailbox
        ActorRef<Object> sink = system.spawn(Sink::new, SpawnOptions.named("sink").withMailbox(16, OverflowPolicy.DEAD_LETTER));
        produce(sink, 10_000).toCompletableFuture().join();
        // endregion
        final CompletableFuture<Long> count = new CompletableFuture<>();
        sink.send(count); // (tell could find the mailbox full)
        assertEquals(10_000L, count.orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).join());
        system.stop(sink);
    }
}
