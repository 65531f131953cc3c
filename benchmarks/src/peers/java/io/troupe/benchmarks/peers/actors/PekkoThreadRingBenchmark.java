package io.troupe.benchmarks.peers.actors;

import io.troupe.benchmarks.actors.Workloads;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SpawnProtocol;
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

/** {@link io.troupe.benchmarks.actors.ThreadRingBenchmark} on Pekko typed. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class PekkoThreadRingBenchmark {
    @Param({"5", "100"})
    public int throughput;

    private ActorSystem<SpawnProtocol.Command> system;
    private ActorRef<Token>[] ring;

    record Token(int hopsLeft, CountDownLatch done) {}

    static Behavior<Token> member(ActorRef<Token>[] ring, int index) {
        final int next = (index + 1) % ring.length;
        return Behaviors.receiveMessage(token -> {
            if (token.hopsLeft() == 0) {
                token.done().countDown();
            } else {
                ring[next].tell(new Token(token.hopsLeft() - 1, token.done()));
            }
            return Behaviors.same();
        });
    }

    @Setup(Level.Trial)
    @SuppressWarnings("unchecked")
    public void setUp() {
        system = PekkoSupport.newSystem("ring", throughput);
        final ActorRef<Token>[] members = new ActorRef[Workloads.RING_ACTORS];
        for (int i = 0; i < members.length; i++) {
            members[i] = PekkoSupport.spawn(system, member(members, i), "member-" + i);
        }
        ring = members;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        PekkoSupport.terminate(system);
    }

    @Benchmark
    @OperationsPerInvocation(Workloads.RING_HOPS)
    public void threadRing() {
        final CountDownLatch done = new CountDownLatch(1);
        ring[0].tell(new Token(Workloads.RING_HOPS, done));
        Workloads.await(done, "thread ring");
    }
}
