package io.troupe.services;

import io.troupe.actors.ActorSystem;
import io.troupe.services.internal.BufferService;
import io.troupe.services.internal.ConcurrencyLimitService;
import io.troupe.services.internal.HedgeService;
import io.troupe.services.internal.Checks;
import io.troupe.services.internal.CircuitBreakerService;
import io.troupe.services.internal.FilterService;
import io.troupe.services.internal.FusedService;
import io.troupe.services.internal.LoadShedService;
import io.troupe.services.internal.MapService;
import io.troupe.services.internal.RateLimitService;
import io.troupe.services.internal.RetryService;
import io.troupe.services.internal.TimeoutService;
import io.troupe.timers.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * Stacks layers around a service, outermost first (Tower's {@code ServiceBuilder}):
 *
 * <pre>{@code
 * Service<Req, Res> svc = Services.<Req, Res>builder()
 *         .timeout(Duration.ofSeconds(2))      // the whole call, retries included
 *         .retry(RetryPolicy.attempts(3))      // within a retry budget
 *         .concurrencyLimit(64)                // each attempt holds a permit
 *         .build(inner);
 * }</pre>
 *
 * <p>Fusion: adjacent {@link #timeout}, {@link #retry} and {@link #concurrencyLimit} layers in
 * that order (all three, as above, or any two) are built as one service with the same
 * semantics, which makes one call object per request instead of a future and a callback per
 * layer: a pending call through all three costs three objects (about 120 B) and a handful of
 * atomic operations, against about eight objects (about 280 B) stacked one by one. To keep layers
 * apart (to compare, say), put a layer of your own between them ({@code .layer(s -> s)}).
 *
 * <p>Every argument is checked when its method is called, so a bad setting (a negative limit, a
 * zero timeout) fails where the stack is written, with a message naming the parameter. NOT
 * thread safe: configure on one thread; {@link #build} may then be called many times (each call
 * builds a fresh stack with its own state, for example its own concurrency permits).
 *
 * @param <Req> the request type
 * @param <Res> the response type
 */
public final class ServiceBuilder<Req, Res> {
    /** A layer that is made when the stack is built, once the scheduler is known. */
    private interface LayerSpec<Req, Res> {
        Layer<Req, Res> make(Scheduler scheduler);
    }

    /** A timeout, which {@link #build} may fuse with a retry and a limit below it. */
    private record TimeoutSpec<Req, Res>(Duration timeout) implements LayerSpec<Req, Res> {
        @Override
        public Layer<Req, Res> make(Scheduler s) {
            return inner -> new TimeoutService<>(inner, s, timeout);
        }
    }

    /** Retries; a null budget means a default budget per service built. */
    private record RetrySpec<Req, Res>(RetryPolicy<? super Req> policy, RetryBudget budget) implements LayerSpec<Req, Res> {
        RetryBudget budgetFor(Scheduler s) {
            return budget != null ? budget : RetryBudget.defaults(s.clock());
        }

        @Override
        public Layer<Req, Res> make(Scheduler s) {
            return inner -> new RetryService<>(inner, policy, budgetFor(s), s);
        }
    }

    /** A concurrency limit. */
    private record LimitSpec<Req, Res>(int maxInFlight) implements LayerSpec<Req, Res> {
        @Override
        public Layer<Req, Res> make(Scheduler s) {
            return inner -> new ConcurrencyLimitService<>(inner, maxInFlight);
        }
    }

    /** Adjacent timeout, retry and limit layers (in that order; any null, at least two not). */
    private record FusedSpec<Req, Res>(TimeoutSpec<Req, Res> timeout, RetrySpec<Req, Res> retry,
                                       LimitSpec<Req, Res> limit) implements LayerSpec<Req, Res> {
        @Override
        public Layer<Req, Res> make(Scheduler s) {
            return inner -> new FusedService<>(inner, s,
                    timeout == null ? null : timeout.timeout(),
                    retry == null ? null : retry.policy(),
                    retry == null ? null : retry.budgetFor(s),
                    limit == null ? 0 : limit.maxInFlight());
        }
    }

    private final List<LayerSpec<Req, Res>> layers = new ArrayList<>();
    private Scheduler scheduler;

    ServiceBuilder() {
    }

    /**
     * Sets the scheduler that timeouts, backoffs, hedges and readiness waits use, and whose clock
     * the layers measure time on. Default: a shared scheduler on the system clock (one
     * {@code troupe-timer} thread, started on first use) whose tasks run on the common
     * {@code ForkJoinPool}. In tests, pass {@code Scheduler.create(manualClock, Runnable::run)}.
     *
     * @param scheduler the scheduler
     * @return this builder
     */
    public ServiceBuilder<Req, Res> scheduler(Scheduler scheduler) {
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        return this;
    }

    /**
     * Adds a layer of your own, inside the layers added before it.
     *
     * @param layer the layer
     * @return this builder
     */
    public ServiceBuilder<Req, Res> layer(Layer<Req, Res> layer) {
        Objects.requireNonNull(layer, "layer");
        layers.add(s -> layer);
        return this;
    }

    /**
     * Adds a timeout: a call not completed within {@code timeout} fails with
     * {@link java.util.concurrent.TimeoutException} and the inner call's result is ignored (its
     * stage cancelled if it is a {@code CompletableFuture}). The timeout fires on the scheduler's
     * task executor.
     *
     * <p>Timing is coarse, to keep the timer thread out of every call: a call never fails before
     * {@code timeout} has passed, and fails at most one tick after it, where the tick is a tenth
     * of the timeout, kept between 1 ms and 10 ms (and never longer than the timeout), plus the
     * scheduler's own delay. The layer's calls share one recurring sweep that runs while any is
     * pending, once per tick, and stops when none is.
     *
     * <p>Cost per call when the inner call does not complete at once: a future, a callback and
     * one compare-and-set on the calling thread (no clock reading, no timer, no wake-up); a
     * completed call is dropped by the next sweep. None when the inner call completes at once.
     * Fused with a retry and/or a concurrency limit right below it (see the class comment), the
     * future is the fused call object and the callback is the one on the service's stage.
     *
     * <p>The inner call's result after the timeout is ignored. Not fused, the timeout cancels the
     * stage of what is right below it (if that is a {@code CompletableFuture}). Fused with a
     * retry or a limit below, the timeout ends the call and its retries, but the attempt in
     * flight runs on and keeps its concurrency permit until it completes: as when the layers were
     * stacked one by one, where the cancelled stage was the retry layer's or the limit's, not the
     * service's.
     *
     * @param timeout positive
     * @return this builder
     * @throws IllegalArgumentException if {@code timeout} is zero or negative
     */
    public ServiceBuilder<Req, Res> timeout(Duration timeout) {
        Checks.positive(timeout, "timeout");
        layers.add(new TimeoutSpec<>(timeout));
        return this;
    }

    /**
     * Adds retries with {@code policy} within the default budget (10 s window, 10 retries per
     * second plus 20% of requests), one budget per service built.
     *
     * @param policy decides which failures to retry and the backoff
     * @return this builder
     * @see #retry(RetryPolicy, RetryBudget)
     */
    public ServiceBuilder<Req, Res> retry(RetryPolicy<? super Req> policy) {
        Objects.requireNonNull(policy, "policy");
        layers.add(new RetrySpec<>(policy, null));
        return this;
    }

    /**
     * Adds retries: a failed call is made again (with the same request object) while
     * {@code policy} says so and {@code budget} allows; then the call fails with the last
     * failure. Cost per call: one budget deposit (a compare-and-set); when the first attempt does
     * not succeed at once, one future and one callback per attempt (fused with a timeout above or
     * a limit below: one call object per call, and the callback each attempt's stage costs).
     *
     * @param policy decides which failures to retry and the backoff
     * @param budget limits retries to a fraction of recent requests; may be shared
     * @return this builder
     */
    public ServiceBuilder<Req, Res> retry(RetryPolicy<? super Req> policy, RetryBudget budget) {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(budget, "budget");
        layers.add(new RetrySpec<>(policy, budget));
        return this;
    }

    /**
     * Adds a concurrency limit: at most {@code maxInFlight} calls in the layers below at once.
     * When full the service is not ready; a call made anyway fails at once with
     * {@link NotReadyException}. Cost per call: two atomic updates (take and give back a permit),
     * plus, when the inner call does not complete at once, a callback (a shared one, but
     * registering it costs the stage's callback node and dependent future; fused with a timeout
     * or retry above, the fused call object is the callback).
     *
     * @param maxInFlight positive
     * @return this builder
     * @throws IllegalArgumentException if {@code maxInFlight} is zero or negative
     */
    public ServiceBuilder<Req, Res> concurrencyLimit(int maxInFlight) {
        Checks.positive(maxInFlight, "maxInFlight");
        layers.add(new LimitSpec<>(maxInFlight));
        return this;
    }

    /**
     * Adds load shedding: this layer is always ready, and a call while the layers below are not
     * ready fails at once with {@link OverloadedException}. Put it outside a limit.
     *
     * @return this builder
     */
    public ServiceBuilder<Req, Res> loadShed() {
        layers.add(s -> LoadShedService::new);
        return this;
    }

    /**
     * Adds a rate limit: a token bucket of {@code permits} tokens refilled at {@code permits} per
     * {@code period}. Without a token the service is not ready and a call fails at once with
     * {@link NotReadyException}. Cost per call: a clock reading and a compare-and-set.
     *
     * @param permits tokens per period, and the largest burst; positive
     * @param period positive
     * @return this builder
     */
    public ServiceBuilder<Req, Res> rateLimit(int permits, Duration period) {
        Checks.positive(permits, "permits");
        Checks.positive(period, "period");
        layers.add(s -> inner -> new RateLimitService<>(inner, s, permits, period));
        return this;
    }

    /**
     * Adds a circuit breaker; see {@link CircuitBreakerSettings}. While open, calls fail at once
     * with {@link CircuitOpenException}. Cost per call: two clock readings and two atomic
     * operations, plus a callback when the inner call does not complete at once.
     *
     * @param settings the thresholds and durations
     * @return this builder
     */
    public ServiceBuilder<Req, Res> circuitBreaker(CircuitBreakerSettings settings) {
        Objects.requireNonNull(settings, "settings");
        layers.add(s -> inner -> new CircuitBreakerService<>(inner, s, settings));
        return this;
    }

    /**
     * Adds a filter, such as an authorisation hook: a request that {@code admit} refuses fails at
     * once with {@code reject}'s exception and does not reach the layers below.
     *
     * @param admit decides on the calling thread
     * @param reject builds the failure of a refused request
     * @return this builder
     */
    public ServiceBuilder<Req, Res> filter(Predicate<? super Req> admit, Function<? super Req, ? extends Throwable> reject) {
        Objects.requireNonNull(admit, "admit");
        Objects.requireNonNull(reject, "reject");
        layers.add(s -> inner -> new FilterService<>(inner, admit, reject));
        return this;
    }

    /**
     * Adds a rewrite of the request (same type), made on the calling thread. To change the
     * request or response type, see {@link Services#map}.
     *
     * @param mapping the rewrite; if it throws, the call fails
     * @return this builder
     */
    public ServiceBuilder<Req, Res> mapRequest(UnaryOperator<Req> mapping) {
        Objects.requireNonNull(mapping, "mapping");
        layers.add(s -> inner -> new MapService<Req, Res, Req, Res>(inner, mapping, Function.identity()));
        return this;
    }

    /**
     * Adds a rewrite of the response (same type), made on the thread that completes the call.
     *
     * @param mapping the rewrite; if it throws, the call fails
     * @return this builder
     */
    public ServiceBuilder<Req, Res> mapResponse(UnaryOperator<Res> mapping) {
        Objects.requireNonNull(mapping, "mapping");
        layers.add(s -> inner -> new MapService<Req, Res, Req, Res>(inner, Function.identity(), mapping));
        return this;
    }

    /**
     * Adds hedged requests: when a call has not completed after the {@code percentile} latency
     * of the last calls (at least {@code minDelay}), a second copy of the request is sent and the
     * first success wins; the other result is ignored. Second copies are drawn from the default
     * retry budget (10 per second plus 20% of requests), so hedging adds bounded load. No call is
     * hedged before 10 latencies have been seen. Cost per call: a budget deposit, two clock
     * readings and a latency sample; when the call does not complete at once, one object (the
     * call's future, which is also the callback), the callback on the service's stage and, once
     * there are enough samples, one compare-and-set onto the layer's sweep: no timer per call.
     * Every 16 samples, a sort of the last 128.
     *
     * <p>Timing is coarse, as the timeout's: the pending calls share one sweep task that runs
     * while any is pending, once per tick (a tenth of the delay, kept between 1 ms and 10 ms,
     * never longer than the delay), so a hedge is sent no earlier than the delay after its call
     * and at most one tick later; the delay is the percentile when the sweep runs.
     *
     * @param percentile the latency percentile after which to hedge, for example 0.95; 0 to 1
     * @param minDelay the shortest wait before a hedge; zero or more
     * @return this builder
     */
    public ServiceBuilder<Req, Res> hedge(double percentile, Duration minDelay) {
        Checks.between(percentile, 0.0, 1.0, "percentile");
        Checks.notNegative(minDelay, "minDelay");
        layers.add(s -> inner -> new HedgeService<>(inner, s, percentile, 10, minDelay, RetryBudget.defaults(s.clock())));
        return this;
    }

    /**
     * Adds a buffer: a bounded actor in front of the layers below. Calls from any thread are
     * queued (at most {@code capacity}) and made one at a time on the actor's thread when the
     * service below is ready, so a service that is not thread safe can be shared. When full the
     * service is not ready and a call fails at once with {@link NotReadyException}. Cost per
     * call: a compare-and-set, one future and one message. Each {@link #build} spawns one actor
     * in {@code system}; stop it with the system.
     *
     * @param system where the buffer's actor lives
     * @param capacity the most calls waiting; positive
     * @return this builder
     */
    public ServiceBuilder<Req, Res> buffer(ActorSystem system, int capacity) {
        Objects.requireNonNull(system, "system");
        Checks.positive(capacity, "capacity");
        layers.add(s -> inner -> new BufferService<>(inner, system, capacity));
        return this;
    }

    /**
     * Builds the stack around {@code inner}: the first layer added is the outermost. Each call
     * builds new layer instances (their own limits and state). Runs on the calling thread.
     *
     * @param inner the innermost service
     * @return the stacked service
     */
    public Service<Req, Res> build(Service<Req, Res> inner) {
        Objects.requireNonNull(inner, "inner");
        final Scheduler s = scheduler != null ? scheduler : Services.defaultScheduler();
        final List<LayerSpec<Req, Res>> plan = fuse(layers);
        Service<Req, Res> service = inner;
        for (int i = plan.size() - 1; i >= 0; i--) {
            service = Objects.requireNonNull(plan.get(i).make(s).wrap(service), "a layer returned null");
        }
        return service;
    }

    /**
     * Replaces each run of adjacent timeout, retry and concurrency-limit layers that come in that
     * order (at least two of them) by one fused layer; everything else stays as it is.
     */
    private static <Req, Res> List<LayerSpec<Req, Res>> fuse(List<LayerSpec<Req, Res>> specs) {
        final List<LayerSpec<Req, Res>> plan = new ArrayList<>();
        int i = 0;
        while (i < specs.size()) {
            int j = i;
            final TimeoutSpec<Req, Res> timeout = specs.get(j) instanceof TimeoutSpec<Req, Res> t ? t : null;
            if (timeout != null) {
                j++;
            }
            final RetrySpec<Req, Res> retry = j < specs.size() && specs.get(j) instanceof RetrySpec<Req, Res> r ? r : null;
            if (retry != null) {
                j++;
            }
            final LimitSpec<Req, Res> limit = j < specs.size() && specs.get(j) instanceof LimitSpec<Req, Res> l ? l : null;
            if (limit != null) {
                j++;
            }
            if (j - i >= 2) {
                plan.add(new FusedSpec<>(timeout, retry, limit));
                i = j;
            } else {
                plan.add(specs.get(i));
                i++;
            }
        }
        return plan;
    }
}
