package io.troupe.benchmarks.actors;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.DispatcherKind;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
 * Ask round trip: {@link Workloads#ASKS} asks to an echo actor, one after the other, each issued
 * by the completion of the previous one (so the chain runs on the dispatcher, not on the
 * benchmark thread). Score: asks per second. Measures the whole ask machinery: the one-shot
 * reply ref, its watch, its timeout timer, and the completion of the stage.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class AskBenchmark {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Param({"WORK_STEALING", "FORK_JOIN"})
    public DispatcherKind dispatcher;

    private ActorSystem system;
    private ActorRef<Echo> echo;

    /** Answer {@code replyTo} with {@code n}. */
    record Echo(int n, ActorRef<Integer> replyTo) {}

    static final class Echoer extends Actor<Echo> {
        @Override
        protected void receive(Echo e) {
            e.replyTo().tell(e.n());
        }
    }

    /** One chain of asks; completes {@code done} with the number of answers. */
    private final class Chain {
        final CompletableFuture<Integer> done = new CompletableFuture<>();
        private int answered;

        void next() {
            while (answered < Workloads.ASKS) {
                final int n = answered;
                final CompletableFuture<Integer> reply = echo.<Integer>ask(r -> new Echo(n, r), TIMEOUT).toCompletableFuture();
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
        system = TroupeSupport.newSystem("ask", dispatcher);
        echo = system.spawn(Echoer::new, "echo");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        system.close();
    }

    @Benchmark
    @OperationsPerInvocation(Workloads.ASKS)
    public void askRoundTrip() throws Exception {
        final Chain chain = new Chain();
        chain.next();
        Workloads.check("asks answered", Workloads.ASKS, chain.done.get(Workloads.TIMEOUT_SECONDS, TimeUnit.SECONDS));
        TroupeSupport.checkNoDeadLetters(system);
    }
}
