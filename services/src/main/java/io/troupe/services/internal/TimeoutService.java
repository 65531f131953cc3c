package io.troupe.services.internal;

import io.troupe.services.Service;
import io.troupe.timers.Cancellable;
import io.troupe.timers.Scheduler;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;

/**
 * The timeout layer: a call that has not completed within the timeout fails with
 * {@link TimeoutException}; the inner call's later result is ignored (and its stage cancelled
 * when it is a {@link CompletableFuture}). Thread safe.
 */
public final class TimeoutService<Req, Res> implements Service<Req, Res> {
    /*
     * Threading protocol. Any thread calls. The inner stage completes on its own thread; the timer
     * task runs on the scheduler's task executor. The per-call future arbitrates: the first of
     * complete (inner result) and completeExceptionally (timeout) wins, the loser does nothing.
     * Invariants. After the outcome the timer is cancelled (or has fired); a result that arrives
     * after the timeout is dropped. A call whose inner stage is already complete when call
     * returns schedules no timer and returns the inner stage itself (no allocation).
     * Memory ordering. CompletableFuture's; `timer` is volatile so that the completing thread sees
     * the handle set by the calling thread (or the calling thread sees the outcome and cancels).
     * Shutdown. Nothing to stop: a closed scheduler makes calls fail with its exception.
     * References. Tower's timeout::Timeout.
     */
    private final Service<Req, Res> inner;
    private final Scheduler scheduler;
    private final Duration timeout;

    public TimeoutService(Service<Req, Res> inner, Scheduler scheduler, Duration timeout) {
        this.inner = inner;
        this.scheduler = scheduler;
        this.timeout = Checks.positive(timeout, "timeout");
    }

    @Override
    public CompletionStage<Res> call(Req request) {
        final CompletionStage<Res> stage = Calls.call(inner, request);
        final CompletableFuture<Res> f = Calls.doneNow(stage);
        if (f != null) {
            return stage; // fast path: a synchronous answer cannot time out
        }
        final Pending<Res> pending = new Pending<>(stage, timeout);
        pending.timer = scheduler.scheduleOnce(timeout, pending);
        if (pending.isDone()) {
            pending.timer.cancel();
        }
        stage.whenComplete(pending);
        return pending;
    }

    @Override
    public boolean isReady() {
        return inner.isReady();
    }

    @Override
    public CompletionStage<Void> ready() {
        return inner.ready();
    }

    @Override
    public String toString() {
        return "Timeout[" + timeout + "] -> " + inner;
    }

    /** One call in flight: the outer future, the timer task and the inner stage's callback. */
    private static final class Pending<Res> extends CompletableFuture<Res> implements Runnable, BiConsumer<Res, Throwable> {
        private final CompletionStage<Res> innerStage;
        private final Duration timeout;
        volatile Cancellable timer;

        Pending(CompletionStage<Res> innerStage, Duration timeout) {
            this.innerStage = innerStage;
            this.timeout = timeout;
        }

        /** The timer fired. */
        @Override
        public void run() {
            if (completeExceptionally(new TimeoutException("call timed out after " + timeout))) {
                if (innerStage instanceof CompletableFuture<Res> f) {
                    try {
                        f.cancel(false);
                    } catch (UnsupportedOperationException minimalStage) {
                        // a minimal stage cannot be cancelled: its result will be ignored
                    }
                }
            }
        }

        /** The inner call completed. */
        @Override
        public void accept(Res value, Throwable failure) {
            final boolean won = failure == null ? complete(value) : completeExceptionally(Calls.unwrap(failure));
            if (won) {
                final Cancellable t = timer;
                if (t != null) {
                    t.cancel();
                }
            }
        }
    }
}
