package io.troupe.benchmarks.actors;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.DispatcherKind;
import io.troupe.actors.SpawnOptions;
import java.util.concurrent.CountDownLatch;
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
 * Savina "threadring": {@link Workloads#RING_ACTORS} actors in a ring pass one token
 * {@link Workloads#RING_HOPS} times per invocation. Score: hops per second. Measures the wake-up
 * of an idle actor by another, one at a time: pure scheduling latency.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class ThreadRingBenchmark {
    @Param({"WORK_STEALING", "FORK_JOIN"})
    public DispatcherKind dispatcher;

    private ActorSystem system;
    private ActorRef<Token>[] ring;

    /** The token: {@code hopsLeft} more passes, then {@code done} is counted down. */
    record Token(int hopsLeft, CountDownLatch done) {}

    static final class Member extends Actor<Token> {
        private final ActorRef<Token>[] ring;
        private final int next;

        Member(ActorRef<Token>[] ring, int index) {
            this.ring = ring;
            this.next = (index + 1) % ring.length;
        }

        @Override
        protected void receive(Token token) {
            if (token.hopsLeft() == 0) {
                token.done().countDown();
            } else {
                ring[next].tell(new Token(token.hopsLeft() - 1, token.done()));
            }
        }
    }

    @Setup(Level.Trial)
    @SuppressWarnings("unchecked")
    public void setUp() {
        system = TroupeSupport.newSystem("ring", dispatcher);
        final ActorRef<Token>[] members = new ActorRef[Workloads.RING_ACTORS];
        for (int i = 0; i < members.length; i++) {
            final int index = i;
            members[i] = system.spawn(() -> new Member(members, index), SpawnOptions.defaults());
        }
        ring = members; // published to the members by the first token's send
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        system.close();
    }

    @Benchmark
    @OperationsPerInvocation(Workloads.RING_HOPS)
    public void threadRing() {
        final CountDownLatch done = new CountDownLatch(1);
        ring[0].tell(new Token(Workloads.RING_HOPS, done));
        Workloads.await(done, "thread ring");
        TroupeSupport.checkNoDeadLetters(system);
    }
}
