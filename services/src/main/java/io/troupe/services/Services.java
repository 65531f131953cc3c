package io.troupe.services;

import io.troupe.actors.ActorRef;
import io.troupe.mailbox.BoundedMailbox;
import io.troupe.services.internal.Calls;
import io.troupe.services.internal.Checks;
import io.troupe.timers.Clock;
import io.troupe.timers.Scheduler;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ForkJoinPool;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Entry points of the service stack: {@link #builder()}, services from functions, actors as
 * services ({@link #ask}), and a safe {@link #call}. Stateless; every method may be called from
 * any thread.
 */
public final class Services {
    /** The stage {@link Service#ready()} returns when a service is ready: shared, completed. */
    static final CompletionStage<Void> READY = CompletableFuture.completedStage(null);

    private Services() {}

    /**
     * Returns an empty builder: layers added to it are stacked outermost first, so that
     * {@code builder().timeout(t).retry(p).concurrencyLimit(n).build(inner)} is a timeout around
     * retries around a limit around {@code inner}. In a chain, give the types:
     * {@code Services.<Req, Res>builder()}.
     *
     * @param <Req> the request type
     * @param <Res> the response type
     * @return a new builder using the shared default scheduler (see {@link ServiceBuilder#scheduler})
     */
    public static <Req, Res> ServiceBuilder<Req, Res> builder() {
        return new ServiceBuilder<>();
    }

    /**
     * Returns a stage that is already completed, for {@link Service#ready()} implementations.
     *
     * @return the shared completed stage
     */
    public static CompletionStage<Void> readyNow() {
        return READY;
    }

    /**
     * A service from an asynchronous function. If {@code fn} throws, the call fails with that
     * exception. No cost beyond the function's.
     *
     * @param fn the function
     * @param <Req> the request type
     * @param <Res> the response type
     * @return a service that is always ready
     */
    public static <Req, Res> Service<Req, Res> of(Function<? super Req, ? extends CompletionStage<Res>> fn) {
        Objects.requireNonNull(fn, "fn");
        return new Service<>() {
            @Override
            public CompletionStage<Res> call(Req request) {
                try {
                    return fn.apply(request);
                } catch (VirtualMachineError e) {
                    throw e;
                } catch (Throwable e) {
                    return CompletableFuture.failedFuture(e);
                }
            }

            @Override
            public String toString() {
                return "Service[" + fn + "]";
            }
        };
    }

    /**
     * A service from a synchronous function that runs on the calling thread (it must be quick and
     * must not block). A throwing function fails the call. Costs one completed future per call.
     *
     * @param fn the function
     * @param <Req> the request type
     * @param <Res> the response type
     * @return a service that is always ready
     */
    public static <Req, Res> Service<Req, Res> sync(Function<? super Req, ? extends Res> fn) {
        Objects.requireNonNull(fn, "fn");
        return of(request -> CompletableFuture.completedFuture(fn.apply(request)));
    }

    /**
     * Calls {@code service} so that it cannot crash the caller: a {@code call} that throws (other
     * than a {@link VirtualMachineError}) or returns {@code null} becomes a failed stage. Any
     * thread; no allocation when the call returns a stage.
     *
     * @param service the service
     * @param request the request
     * @param <Req> the request type
     * @param <Res> the response type
     * @return the call's stage, or a failed one
     */
    public static <Req, Res> CompletionStage<Res> call(Service<Req, Res> service, Req request) {
        return Calls.call(Objects.requireNonNull(service, "service"), request);
    }

    /**
     * Calls {@code service} once it is ready: {@code service.ready()} then {@code call}. The wait
     * blocks no thread. Under contention the call can still fail with {@link NotReadyException}
     * (readiness reserves nothing).
     *
     * @param service the service
     * @param request the request
     * @param <Req> the request type
     * @param <Res> the response type
     * @return the call's stage
     */
    public static <Req, Res> CompletionStage<Res> callWhenReady(Service<Req, Res> service, Req request) {
        Objects.requireNonNull(service, "service");
        if (service.isReady()) {
            return Calls.call(service, request);
        }
        return service.ready().thenCompose(ignored -> Calls.call(service, request));
    }

    /**
     * An actor as a service: each call sends {@code toMessage.apply(request, replyTo)} to
     * {@code ref} with {@link ActorRef#ask} and completes with the actor's reply.
     *
     * <p>The call fails with {@link java.util.concurrent.TimeoutException} if no reply comes
     * within {@code timeout}, with {@link io.troupe.actors.ActorTerminatedException} if the actor
     * stops first, and with {@link io.troupe.mailbox.MailboxFullException} if its mailbox is full.
     * {@link Service#isReady()} is {@code false} while the actor's mailbox is full (when the ref
     * is a local actor); {@link Service#ready()} is always completed (a mailbox gives no signal
     * when it frees). Cost per call: that of an ask, a few small objects and one timer.
     *
     * @param ref the actor
     * @param toMessage builds the actor's message from the request and the one-shot reply ref
     * @param timeout how long to wait for the reply; positive
     * @param <Req> the request type
     * @param <Res> the reply type
     * @param <M> the actor's message type
     * @return the service
     * @throws IllegalArgumentException if {@code timeout} is not positive
     */
    public static <Req, Res, M> Service<Req, Res> ask(ActorRef<M> ref,
                                                      BiFunction<? super Req, ActorRef<Res>, ? extends M> toMessage,
                                                      Duration timeout) {
        Objects.requireNonNull(ref, "ref");
        Objects.requireNonNull(toMessage, "toMessage");
        Checks.positive(timeout, "timeout");
        return new Service<>() {
            @Override
            public CompletionStage<Res> call(Req request) {
                return ref.ask(replyTo -> toMessage.apply(request, replyTo), timeout);
            }

            @Override
            public boolean isReady() {
                return !(ref instanceof BoundedMailbox<?> mailbox) || mailbox.size() < mailbox.capacity();
            }

            @Override
            public String toString() {
                return "Service[ask " + ref.path() + "]";
            }
        };
    }

    /**
     * A service of other request and response types in front of {@code inner}: requests are
     * mapped on the calling thread, responses on the thread that completes the inner call. A
     * mapping that throws fails the call. Readiness is {@code inner}'s.
     *
     * @param inner the service
     * @param mapRequest from this service's request to the inner one's
     * @param mapResponse from the inner response to this service's
     * @param <Req> this service's request type
     * @param <Res> this service's response type
     * @param <InReq> the inner request type
     * @param <InRes> the inner response type
     * @return the mapped service
     */
    public static <Req, Res, InReq, InRes> Service<Req, Res> map(Service<InReq, InRes> inner,
                                                                 Function<? super Req, ? extends InReq> mapRequest,
                                                                 Function<? super InRes, ? extends Res> mapResponse) {
        return new io.troupe.services.internal.MapService<>(Objects.requireNonNull(inner, "inner"),
                Objects.requireNonNull(mapRequest, "mapRequest"), Objects.requireNonNull(mapResponse, "mapResponse"));
    }

    /**
     * A balancer over endpoints added at run time; see {@link Balancer}. Endpoints are often
     * other stacks or actors ({@link #ask}).
     *
     * @param load how endpoints are compared
     * @param clock the clock latencies are measured on (peak EWMA)
     * @param <K> the endpoint key type
     * @param <Req> the request type
     * @param <Res> the response type
     * @return an empty balancer: add endpoints before calling it
     */
    public static <K, Req, Res> Balancer<K, Req, Res> balance(Balancer.Load load, Clock clock) {
        return new io.troupe.services.internal.P2cBalancer<>(load, clock, Duration.ofSeconds(10),
                io.troupe.services.internal.P2cBalancer.threadLocalRandom());
    }

    /** The scheduler that builders use when none is given: the system clock, tasks on the common pool. */
    static Scheduler defaultScheduler() {
        return DefaultScheduler.INSTANCE;
    }

    /** Holder: the default scheduler's thread starts on first use only. */
    private static final class DefaultScheduler {
        static final Scheduler INSTANCE = Scheduler.create(Clock.system(), ForkJoinPool.commonPool());
    }
}
