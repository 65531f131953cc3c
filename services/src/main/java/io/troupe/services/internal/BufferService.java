package io.troupe.services.internal;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.SpawnOptions;
import io.troupe.mailbox.OverflowPolicy;
import io.troupe.services.NotReadyException;
import io.troupe.services.Service;
import io.troupe.services.Services;
import java.util.ArrayDeque;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;

/**
 * The buffer layer: a bounded actor in front of a service. Calls from any thread are queued (at
 * most {@code capacity} at once) and the actor makes them, one at a time, on its own thread, when
 * the inner service is ready. So any service, even one that is not thread safe, can be shared by
 * many threads, and a caller never waits on a lock. When the buffer is full the service is not
 * ready and a call fails at once with {@link NotReadyException}. Thread safe.
 */
public final class BufferService<Req, Res> implements Service<Req, Res> {
    /*
     * Threading protocol. Any thread calls: it reserves a place (CAS on `queued`), then offers a
     * Job to the actor's mailbox. Only the actor's thread touches `waiting` and calls the inner
     * service (call, isReady, ready). The inner stage completes the Job's future on whatever
     * thread completes it.
     * Invariants. queued = jobs reserved and not yet handed to the inner service
     * (in the mailbox or in `waiting`) <= capacity; the mailbox's capacity is capacity + 1 (one
     * Wake message at most, `wakePending`), so an offer after a successful reservation fails only
     * if the actor has stopped, and then the job fails with NotReadyException.
     * Memory ordering. The mailbox: the caller's offer happens-before the actor handles the Job.
     * Shutdown. postStop fails the jobs still waiting (CancellationException); jobs offered after
     * the stop fail at once.
     * References. Tower's buffer::Buffer (a bounded channel and a worker task).
     */
    private final ActorRef<Object> worker;
    private final int capacity;
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicReference<CompletableFuture<Void>> waiter = new AtomicReference<>();
    private final NotReadyException full;

    public BufferService(Service<Req, Res> inner, ActorSystem system, int capacity) {
        this.capacity = Checks.positive(capacity, "capacity");
        this.full = new NotReadyException("buffer of " + capacity + " calls is full");
        this.worker = system.spawn(() -> new Worker<>(inner, this),
                SpawnOptions.defaults().withMailbox(capacity + 1, OverflowPolicy.DEAD_LETTER));
    }

    /** A queued call. */
    private static final class Job<Req, Res> extends CompletableFuture<Res> implements BiConsumer<Res, Throwable> {
        final Req request;

        Job(Req request) {
            this.request = request;
        }

        @Override
        public void accept(Res value, Throwable failure) {
            if (failure == null) {
                complete(value);
            } else {
                completeExceptionally(Calls.unwrap(failure));
            }
        }
    }

    /** The inner service became ready. */
    private static final Object WAKE = new Object() {
        @Override
        public String toString() {
            return "BufferService.WAKE";
        }
    };

    @Override
    public CompletionStage<Res> call(Req request) {
        if (!reserve()) {
            return CompletableFuture.failedFuture(full);
        }
        final Job<Req, Res> job = new Job<>(request);
        if (!worker.offer(job)) {
            released();
            job.completeExceptionally(new NotReadyException("buffer actor " + worker.path() + " has stopped"));
        }
        return job;
    }

    private boolean reserve() {
        for (;;) {
            final int n = queued.get();
            if (n >= capacity) {
                return false;
            }
            if (queued.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    private void released() {
        queued.decrementAndGet();
        if (waiter.get() != null) {
            final CompletableFuture<Void> w = waiter.getAndSet(null);
            if (w != null) {
                w.complete(null);
            }
        }
    }

    /** Calls reserved and not yet made. Any thread; for monitoring and tests. */
    public int queued() {
        return queued.get();
    }

    /** The actor that makes the calls. */
    public ActorRef<Object> worker() {
        return worker;
    }

    @Override
    public boolean isReady() {
        return queued.get() < capacity;
    }

    @Override
    public CompletionStage<Void> ready() {
        if (queued.get() < capacity) {
            return Services.readyNow();
        }
        CompletableFuture<Void> w = waiter.get();
        if (w == null) {
            final CompletableFuture<Void> fresh = new CompletableFuture<>();
            w = waiter.compareAndExchange(null, fresh);
            if (w == null) {
                w = fresh;
            }
        }
        if (queued.get() < capacity) {
            final CompletableFuture<Void> x = waiter.getAndSet(null);
            if (x != null) {
                x.complete(null);
            }
        }
        return w;
    }

    @Override
    public String toString() {
        return "Buffer[" + queued.get() + "/" + capacity + "] -> " + worker.path();
    }

    /** The actor: hands queued calls to the inner service while it is ready. */
    private static final class Worker<Req, Res> extends Actor<Object> {
        private final Service<Req, Res> inner;
        private final BufferService<Req, Res> owner;
        private final ArrayDeque<Job<Req, Res>> waiting = new ArrayDeque<>();
        private boolean wakePending;

        Worker(Service<Req, Res> inner, BufferService<Req, Res> owner) {
            this.inner = inner;
            this.owner = owner;
        }

        @Override
        @SuppressWarnings("unchecked")
        protected void receive(Object message) {
            if (message == WAKE) {
                wakePending = false;
            } else {
                waiting.add((Job<Req, Res>) message);
            }
            drain();
        }

        private void drain() {
            while (!waiting.isEmpty()) {
                if (!ready()) {
                    if (!wakePending) {
                        wakePending = true;
                        context().pipeToSelf(readyStage(), (v, t) -> WAKE);
                    }
                    return;
                }
                final Job<Req, Res> job = waiting.poll();
                owner.released();
                Calls.call(inner, job.request).whenComplete(job);
            }
        }

        private boolean ready() {
            try {
                return inner.isReady();
            } catch (RuntimeException e) {
                return true; // a broken readiness check must not stall the queue: the call will tell
            }
        }

        private CompletionStage<Void> readyStage() {
            try {
                return inner.ready();
            } catch (RuntimeException e) {
                return Services.readyNow();
            }
        }

        @Override
        protected void postStop() {
            Job<Req, Res> job;
            while ((job = waiting.poll()) != null) {
                owner.released();
                job.completeExceptionally(new CancellationException("buffer actor stopped"));
            }
        }
    }
}
