package io.troupe.actors;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The system is shutting down gracefully ({@link ActorSystem#shutdown()}): delivered once to
 * every actor under {@code /user} in phase {@link ShutdownPhase#SERVICE_REQUESTS_DONE}, before
 * any of them is stopped. An actor may say goodbye to its peers, stop taking new work, and hold
 * the phase until it has drained:
 *
 * <pre>{@code
 * protected void onSignal(Signal signal) {
 *     if (signal instanceof ShuttingDown s) {
 *         drained = new CompletableFuture<>();
 *         s.holdUntil(drained);          // the phase waits for it (up to its deadline)
 *         self().tell(new DrainMarker()); // handled after every message queued before it
 *     }
 * }
 * }</pre>
 *
 * <p>The phase ends when every notified actor has handled the signal and every stage it passed
 * to {@link #holdUntil} has completed (or the actor has stopped), or when the phase's deadline
 * passes; then {@link ShutdownPhase#STOP_USER_ACTORS} stops the actors. An actor that is
 * restarting when the notice arrives, or spawned after it went out, does not receive it.
 * {@link ActorSystem#close()} sends no notice. Not thread safe: use it on the actor's thread,
 * inside {@code onSignal}.
 */
public final class ShuttingDown implements Signal {
    private final ActorRef<?> ref;
    private List<CompletionStage<?>> holds;
    private boolean sealed;

    ShuttingDown(ActorRef<?> ref) {
        this.ref = ref;
    }

    /** The actor receiving the notice (this actor). */
    @Override
    public ActorRef<?> ref() {
        return ref;
    }

    /**
     * Holds phase {@link ShutdownPhase#SERVICE_REQUESTS_DONE} until {@code done} completes
     * (normally or not), bounded by the phase's deadline. Call it while handling the signal;
     * cost: one list entry. Actor thread only.
     *
     * @param done the phase is held until this completes
     * @throws IllegalStateException if called after {@code onSignal} returned
     */
    public void holdUntil(CompletionStage<?> done) {
        Objects.requireNonNull(done, "done");
        if (sealed) {
            throw new IllegalStateException("holdUntil must be called while handling the ShuttingDown signal, not later");
        }
        if (holds == null) {
            holds = new ArrayList<>(2);
        }
        holds.add(done);
    }

    /** After onSignal: a stage completed once every hold has; no more holds are taken. */
    CompletableFuture<Void> seal() {
        sealed = true;
        if (holds == null) {
            return CompletableFuture.completedFuture(null);
        }
        final CompletableFuture<?>[] fs = new CompletableFuture<?>[holds.size()];
        for (int i = 0; i < fs.length; i++) {
            fs[i] = GracefulShutdown.settled(holds.get(i));
        }
        return CompletableFuture.allOf(fs);
    }

    @Override
    public String toString() {
        return "ShuttingDown[" + ref.path() + "]";
    }
}
