package io.troupe.benchmarks.peers.actors;

import io.troupe.benchmarks.actors.Workloads;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SpawnProtocol;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * {@link io.troupe.benchmarks.actors.AskBenchmark} on Pekko typed, with
 * {@code AskPattern.ask(ref, replyTo -> msg, timeout, system.scheduler())}. The continuation that
 * issues the next ask runs either on the actor system's dispatcher
 * ({@code whenCompleteAsync(..., system.executionContext())}: never the JDK's thread-per-task
 * fallback, which {@code *Async} without an executor uses on a 2-core machine) or on the thread
 * that completed the reply ({@code sameThread}, as Troupe's ask does).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class PekkoAskBenchmark {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Param({"5", "100"})
    public int throughput;

    @Param({"executionContext", "sameThread"})
    public String continuation;

    private ActorSystem<SpawnProtocol.Command> system;
    private ActorRef<Echo> echo;
    private Executor executor;

    record Echo(int n, ActorRef<Integer> replyTo) {}

    static Behavior<Echo> echoer() {
        return Behaviors.receiveMessage(e -> {
            e.replyTo().tell(e.n());
            return Behaviors.same();
        });
    }

    private final class Chain {
        final CompletableFuture<Integer> done = new CompletableFuture<>();
        private int answered;

        void next() {
            while (answered < Workloads.ASKS) {
                final int n = answered;
                final CompletionStage<Integer> stage = AskPattern.<Echo, Integer>ask(echo, r -> new Echo(n, r), TIMEOUT, system.scheduler());
                if (executor != null) {
                    stage.whenCompleteAsync(this::onReply, executor);
                    return;
                }
                final CompletableFuture<Integer> reply = stage.toCompletableFuture();
                if (!reply.isDone()) {
                    reply.whenComplete(this::onReply);
                    return;
                }
                if (!accept(reply.join())) {
                    return;
                }
            }
            done.complete(answered);
        }

        private void onReply(Integer value, Throwable error) {
            if (error != null) {
                done.completeExceptionally(error);
            } else if (accept(value)) {
                next();
            }
        }

        private boolean accept(int value) {
            if (value != answered) {
                done.completeExceptionally(new IllegalStateException("ask " + answered + " answered " + value));
                return false;
            }
            answered++;
            if (answered == Workloads.ASKS) {
                done.complete(answered);
                return false;
            }
            return true;
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        system = PekkoSupport.newSystem("ask", throughput);
        echo = PekkoSupport.spawn(system, echoer(), "echo");
        executor = "executionContext".equals(continuation) ? system.executionContext() : null;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        PekkoSupport.terminate(system);
    }

    @Benchmark
    @OperationsPerInvocation(Workloads.ASKS)
    public void askRoundTrip() throws Exception {
        final Chain chain = new Chain();
        chain.next();
        Workloads.check("asks answered", Workloads.ASKS, chain.done.get(Workloads.TIMEOUT_SECONDS, TimeUnit.SECONDS));
    }
}
