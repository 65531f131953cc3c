package io.troupe.actors;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The one-shot reply ref of an {@link ActorRef#ask}: the first reply completes the stage;
 * a timeout or the target's termination fails it.
 */
final class AskPromise<R> implements ActorRef<R>, SystemMessages.Watcher {
    /*
     * Threading protocol. The replier (any thread) tells; the timer thread hands the timeout to
     * the target's dispatcher (no user code on the timer thread); the target's thread reports
     * its termination. The CompletableFuture arbitrates: exactly one outcome wins.
     * Invariants. After the outcome the timer is cancelled and the watch removed.
     * Memory ordering. CompletableFuture's; `timer` is volatile.
     * Shutdown. A system close terminates the target, which fails the stage.
     * References. Pekko's PromiseActorRef.
     */
    final CompletableFuture<R> future = new CompletableFuture<>();
    private final ActorCell<?> target;
    private volatile TimerService.Handle timer;

    AskPromise(ActorCell<?> target) {
        this.target = target;
    }

    void startTimer(Duration timeout) {
        final long nanos = TimerService.clampedNanos(timeout); // 1000 years means never, not an ArithmeticException
        timer = target.system.timerService().schedule(nanos, () -> target.dispatcher.execute(() -> onTimeout(timeout)));
        if (future.isDone()) {
            timer.cancel();
        }
    }

    private void onTimeout(Duration timeout) {
        if (!future.completeExceptionally(new TimeoutException("ask to " + target.path() + " timed out after " + timeout))) {
            return; // answered (or failed) first
        }
        cleanUp(true);
        target.system.counters().askTimeouts.increment();
        if (io.troupe.actors.internal.jfr.TroupeEvents.ASK_TIMEOUT_PROBE.isEnabled()) {
            final io.troupe.actors.internal.jfr.TroupeEvents.AskTimeout e = new io.troupe.actors.internal.jfr.TroupeEvents.AskTimeout();
            e.target = target.path();
            e.timeoutNanos = TimerService.clampedNanos(timeout);
            e.commit();
        }
    }

    void fail(Throwable cause) {
        if (future.completeExceptionally(cause)) {
            cleanUp(true);
        }
    }

    private void cleanUp(boolean unwatch) {
        final TimerService.Handle t = timer;
        if (t != null) {
            t.cancel();
        }
        if (unwatch) {
            target.enqueueSystem(new SystemMessages.Unwatch(this));
        }
    }

    @Override
    public void onWatchedTerminated(ActorCell<?> who) {
        if (future.completeExceptionally(new ActorTerminatedException(who.path() + " stopped before it replied"))) {
            cleanUp(false);
        }
    }

    @Override
    public void tell(R message) {
        Objects.requireNonNull(message, "message");
        if (future.complete(message)) {
            cleanUp(true);
        } else {
            target.system.deadLetters().publish(new DeadLetter(message, runningActor(), this, lateReplyReason()));
        }
    }

    /** Why a reply is too late: the ask timed out, or it was already answered or failed otherwise. */
    private DeadLetter.Reason lateReplyReason() {
        try {
            future.getNow(null);
            return DeadLetter.Reason.ASK_ALREADY_COMPLETED;
        } catch (java.util.concurrent.CompletionException e) {
            return e.getCause() instanceof TimeoutException ? DeadLetter.Reason.ASK_TIMED_OUT : DeadLetter.Reason.ASK_ALREADY_COMPLETED;
        } catch (java.util.concurrent.CancellationException e) {
            return DeadLetter.Reason.ASK_ALREADY_COMPLETED;
        }
    }

    /** The actor whose handler is replying, if the reply comes from one. */
    private static ActorRef<?> runningActor() {
        final io.troupe.actors.internal.ActivationProbe probe = io.troupe.actors.internal.ActivationProbe.current();
        return probe != null && probe.lvCurrent() instanceof ActorCell<?> c ? c : null;
    }

    @Override
    public boolean offer(R message) {
        Objects.requireNonNull(message, "message");
        if (future.complete(message)) {
            cleanUp(true);
            return true;
        }
        return false;
    }

    @Override
    public CompletionStage<Void> send(R message) {
        tell(message);
        return CompletableFuture.completedStage(null);
    }

    @Override
    public <Q> CompletionStage<Q> ask(Function<ActorRef<Q>, ? extends R> request, Duration timeout) {
        throw new IllegalStateException("the reply ref of an ask cannot be asked; reply to it with tell");
    }

    @Override
    public String path() {
        return target.path() + "/$ask";
    }

    @Override
    public String name() {
        return "$ask";
    }

    @Override
    public String toString() {
        return "ActorRef[" + path() + "]";
    }
}
