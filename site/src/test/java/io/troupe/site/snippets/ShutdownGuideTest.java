package io.troupe.site.snippets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.ShutdownReport;
import io.troupe.actors.ShuttingDown;
import io.troupe.actors.Signal;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The code of guides/shutdown.md, run. */
@Timeout(30)
class ShutdownGuideTest {
    // region drain
    /** Finishes the work it has accepted before the system stops it. */
    static final class Worker extends Actor<Worker.Msg> {
        sealed interface Msg {}
        record Job(String name) implements Msg {}
        private record Drained() implements Msg {}

        private final List<String> done;
        private CompletableFuture<Void> drained;

        Worker(List<String> done) {
            this.done = done;
        }

        @Override
        protected void receive(Msg msg) {
            if (msg instanceof Job j) {
                done.add(j.name());
            } else if (msg instanceof Drained) {
                drained.complete(null); // every job queued before the notice is done
            }
        }

        @Override
        protected void onSignal(Signal signal) {
            if (signal instanceof ShuttingDown s) {
                drained = new CompletableFuture<>();
                s.holdUntil(drained);          // the phase waits for it, up to its deadline
                self().tell(new Drained());    // handled after everything queued before it
            }
        }
    }
    // endregion

    @Test
    void shutdown_letsTheWorkerFinish() {
        // Jobs told before shutdown() are all handled, in order, and the report is clean.
        final List<String> done = new CopyOnWriteArrayList<>();
        // region shutdown
        ActorSystem system = ActorSystem.builder("jobs")
                .shutdownOnJvmExit(true) // SIGTERM / Ctrl-C run the same graceful shutdown
                .build();
        ActorRef<Worker.Msg> worker = system.spawn(() -> new Worker(done), "worker");
        worker.tell(new Worker.Job("a"));
        worker.tell(new Worker.Job("b"));
        ShutdownReport report = system.shutdown().toCompletableFuture().join();
        // endregion
        assertEquals(List.of("a", "b"), done);
        assertTrue(report.isClean(), report.toString());
        assertTrue(system.isClosed());
    }
}
