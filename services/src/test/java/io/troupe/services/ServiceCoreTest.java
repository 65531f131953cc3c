package io.troupe.services;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.ActorTerminatedException;
import io.troupe.actors.testkit.TestProbe;
import io.troupe.timers.ManualClock;
import io.troupe.timers.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** The core: Service, Layer, the builder's order, actors as services, services used by actors. */
class ServiceCoreTest {

    /** A layer that appends its name to the request on the way in, to show the stacking order. */
    private static Layer<String, String> tag(String name) {
        return inner -> request -> inner.call(request + ">" + name);
    }

    @Test
    void builder_layersAddedFirstAreOutermost() {
        // The first layer added sees the request first, the last one just before the inner service.
        final Service<String, String> svc = Services.<String, String>builder()
                .layer(tag("a")).layer(tag("b")).layer(tag("c"))
                .build(Services.sync(r -> r + ">inner"));
        assertEquals("req>a>b>c>inner", TestSupport.join(svc.call("req")));
    }

    @Test
    void serviceThatThrows_isAFailedCall_notACrashOfTheCaller() {
        // A call that throws becomes a failed stage at every layer and through Services.call.
        final IllegalStateException boom = new IllegalStateException("boom");
        final Service<String, String> throwing = request -> {
            throw boom;
        };
        assertSame(boom, TestSupport.failureNow(Services.call(throwing, "x")));
        final Service<String, String> stacked = Services.<String, String>builder()
                .timeout(Duration.ofSeconds(1)).retry(RetryPolicy.attempts(1)).concurrencyLimit(1)
                .build(throwing);
        assertSame(boom, TestSupport.failureNow(stacked.call("x")));
        final Service<String, String> nullReturning = request -> null;
        assertInstanceOf(NullPointerException.class, TestSupport.failureNow(Services.call(nullReturning, "x")));
        assertSame(boom, TestSupport.failureNow(Services.sync(r -> {
            throw boom;
        }).call("x")));
    }

    @Test
    void callWhenReady_waitsForReadinessWithoutBlocking() {
        // A call made through callWhenReady is made only after ready() completes.
        final CompletableFuture<Void> gate = new CompletableFuture<>();
        final List<String> seen = new ArrayList<>();
        final Service<String, String> svc = new Service<>() {
            @Override
            public CompletionStage<String> call(String request) {
                seen.add(request);
                return CompletableFuture.completedFuture(request.toUpperCase());
            }

            @Override
            public boolean isReady() {
                return gate.isDone();
            }

            @Override
            public CompletionStage<Void> ready() {
                return gate;
            }
        };
        final CompletionStage<String> r = Services.callWhenReady(svc, "a");
        assertEquals(List.of(), seen);
        gate.complete(null);
        assertEquals("A", TestSupport.join(r));
        assertEquals(List.of("a"), seen);
    }

    @Test
    void map_changesRequestAndResponseTypes() {
        // Services.map adapts types: Integer in, String out, around a String->Integer service.
        final Service<Integer, String> svc = Services.map(Services.<String, Integer>sync(String::length),
                (Integer n) -> "x".repeat(n), (Integer len) -> "len=" + len);
        assertEquals("len=3", TestSupport.join(svc.call(3)));
    }

    /** A request to an actor that doubles numbers, with its reply ref. */
    record Twice(int n, ActorRef<Integer> replyTo) {}

    @Test
    void ask_anActorIsAService() {
        // Services.ask sends the built message and completes with the actor's reply.
        try (ActorSystem system = TestSupport.system()) {
            final ActorRef<Twice> doubler = system.spawn(Actor.<Twice>of((ctx, m) -> m.replyTo().tell(m.n() * 2)), "doubler");
            final Service<Integer, Integer> svc = Services.ask(doubler, Twice::new, Duration.ofSeconds(5));
            assertEquals(42, TestSupport.join(svc.call(21)));
            assertTrue(svc.isReady());
        }
    }

    @Test
    void ask_failsWithTimeoutOnTheManualClock_andWhenTheActorStops() {
        // No reply within the timeout: TimeoutException, decided by the manual clock, no sleep.
        final ManualClock clock = new ManualClock();
        try (ActorSystem system = ActorSystem.builder("svc-ask-timeout").parallelism(1).clock(clock)
                .deadLetterLogsPerSecond(0).build()) {
            final ActorRef<Twice> silent = system.spawn(Actor.<Twice>of((ctx, m) -> { }), "silent");
            final Service<Integer, Integer> svc = Services.ask(silent, Twice::new, Duration.ofMillis(100));
            final CompletionStage<Integer> r = svc.call(1);
            clock.advance(Duration.ofMillis(99));
            assertFalse(r.toCompletableFuture().isDone());
            clock.advance(Duration.ofMillis(1));
            assertInstanceOf(TimeoutException.class, TestSupport.failureOf(r));

            final CompletionStage<Integer> r2 = svc.call(2);
            system.stop(silent);
            assertInstanceOf(ActorTerminatedException.class, TestSupport.failureOf(r2));
        }
    }

    @Test
    void ask_zeroTimeoutFailsAtBuildTimeNamingTheParameter() {
        // A zero timeout is refused where the service is made, with the parameter's name.
        try (ActorSystem system = TestSupport.system()) {
            final ActorRef<Twice> a = system.spawn(Actor.<Twice>of((ctx, m) -> { }), "a");
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Services.ask(a, Twice::new, Duration.ZERO));
            assertTrue(e.getMessage().startsWith("timeout must be positive"), e.getMessage());
        }
    }

    /** A front actor that uses a service and pipes its result back to itself. */
    static final class Front extends Actor<Object> {
        record Request(int n, ActorRef<String> replyTo) {}
        record Answered(int result, Throwable failure, ActorRef<String> replyTo) {}

        private final Service<Integer, Integer> backend;
        private final Thread[] handlerThreads;
        private int answered;

        Front(Service<Integer, Integer> backend, Thread[] handlerThreads) {
            this.backend = backend;
            this.handlerThreads = handlerThreads;
        }

        @Override
        protected void receive(Object message) {
            if (message instanceof Request r) {
                context().pipeToSelf(Services.call(backend, r.n()),
                        (value, failure) -> new Answered(value == null ? 0 : value, failure, r.replyTo()));
            } else if (message instanceof Answered a) {
                answered++; // actor state touched only on the actor's thread
                handlerThreads[0] = Thread.currentThread();
                a.replyTo().tell(a.failure() == null ? "ok " + a.result() + " #" + answered
                        : "failed " + a.failure().getClass().getSimpleName() + " #" + answered);
            }
        }
    }

    @Test
    void actorUsesAService_resultPipedBackToItsOwnThread() {
        // The service's result comes back as a message; failures too, as failures, not crashes.
        try (ActorSystem system = TestSupport.system()) {
            final ActorRef<Twice> doubler = system.spawn(Actor.<Twice>of((ctx, m) -> {
                if (m.n() < 0) {
                    throw new IllegalArgumentException("negative");
                }
                m.replyTo().tell(m.n() * 2);
            }), "doubler");
            final Service<Integer, Integer> backend = Services.<Integer, Integer>builder()
                    .filter(n -> n != 13, n -> new IllegalArgumentException("unlucky " + n))
                    .build(Services.ask(doubler, Twice::new, Duration.ofSeconds(5)));
            final Thread[] handlerThread = new Thread[1];
            final ActorRef<Object> front = system.spawn(() -> new Front(backend, handlerThread), "front");
            final TestProbe<String> probe = TestProbe.create(system);
            front.tell(new Front.Request(4, probe.ref()));
            assertEquals("ok 8 #1", probe.expectMessage(TestSupport.TIMEOUT));
            front.tell(new Front.Request(13, probe.ref()));
            assertEquals("failed IllegalArgumentException #2", probe.expectMessage(TestSupport.TIMEOUT));
            front.tell(new Front.Request(5, probe.ref()));
            assertEquals("ok 10 #3", probe.expectMessage(TestSupport.TIMEOUT));
            assertNotSame(Thread.currentThread(), handlerThread[0]);
        }
    }

    @Test
    void builder_timeoutOnManualClockScheduler() {
        // The builder's layers use the scheduler given; here a manual clock decides the timeout.
        final ManualClock clock = new ManualClock();
        try (Scheduler scheduler = Scheduler.create(clock, Runnable::run)) {
            final TestSupport.Manual<String, String> inner = new TestSupport.Manual<>();
            final Service<String, String> svc = Services.<String, String>builder().scheduler(scheduler)
                    .timeout(Duration.ofSeconds(1)).build(inner);
            final CompletionStage<String> r = svc.call("a");
            clock.advance(Duration.ofSeconds(1));
            assertInstanceOf(TimeoutException.class, TestSupport.failureNow(r));
        }
    }
}
