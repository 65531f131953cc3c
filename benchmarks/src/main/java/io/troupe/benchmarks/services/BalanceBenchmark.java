package io.troupe.benchmarks.services;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.services.Balancer;
import io.troupe.services.Router;
import io.troupe.services.Routers;
import io.troupe.services.RoutingStrategy;
import io.troupe.services.Service;
import io.troupe.services.Services;
import io.troupe.timers.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Eight actors answer requests; one of them takes 50 times as long per request. The latency
 * distribution (look at p99) of a request/response through a round-robin router against a
 * power-of-two-choices balancer (peak EWMA or outstanding requests) over the same eight actors,
 * with four callers, each with one request in flight.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Threads(4)
public class BalanceBenchmark {
    /** CPU work per request of a normal actor, in JMH tokens (about 2-3 µs). */
    static final long FAST_TOKENS = 1_000;
    /** The slow actor's work: 50 times as much. */
    static final long SLOW_TOKENS = 50 * FAST_TOKENS;

    @Param({"roundRobin", "p2cPeakEwma", "p2cOutstanding"})
    public String how;

    /** A request with its reply ref. */
    public record Req(long n, ActorRef<Long> replyTo) {}

    private ActorSystem system;
    private Service<Long, Long> service;

    @Setup(Level.Trial)
    public void setUp() {
        system = ActorSystem.builder("balance-bench").deadLetterLogsPerSecond(0).build();
        final List<ActorRef<Req>> actors = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            final long tokens = i == 7 ? SLOW_TOKENS : FAST_TOKENS;
            actors.add(system.spawn(Actor.<Req>of((ctx, r) -> {
                Blackhole.consumeCPU(tokens);
                r.replyTo().tell(r.n());
            }), "worker-" + i));
        }
        final Duration timeout = Duration.ofSeconds(10);
        if (how.equals("roundRobin")) {
            final Router<Req> router = Routers.group(system, "rr", actors, RoutingStrategy.roundRobin());
            while (router.members().size() < 8) {
                Thread.onSpinWait();
            }
            service = Services.ask(router.ref(), Req::new, timeout);
        } else {
            final Balancer<String, Long, Long> balancer = Services.balance(
                    how.equals("p2cPeakEwma") ? Balancer.Load.PEAK_EWMA : Balancer.Load.OUTSTANDING, Clock.system());
            for (ActorRef<Req> a : actors) {
                balancer.add(a.path(), Services.ask(a, Req::new, timeout));
            }
            service = balancer;
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        system.close();
    }

    /** Per caller thread: the request counter. */
    @State(Scope.Thread)
    public static class Caller {
        long n;
    }

    /** One request/response through the router or balancer. */
    @Benchmark
    public long call(Caller caller) {
        return service.call(caller.n++).toCompletableFuture().join();
    }
}
