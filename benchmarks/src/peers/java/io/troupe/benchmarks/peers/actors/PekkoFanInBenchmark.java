package io.troupe.benchmarks.peers.actors;

import io.troupe.benchmarks.actors.Workloads;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SpawnProtocol;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
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

/** {@link io.troupe.benchmarks.actors.FanInBenchmark} on Pekko typed (unbounded mailboxes: nothing is dropped). */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class PekkoFanInBenchmark {
    @Param({"5", "100"})
    public int throughput;

    private ActorSystem<SpawnProtocol.Command> system;
    private ActorRef<Object> counter;
    private ActorRef<Object>[] senders;

    record Reset(CountDownLatch done) {}

    enum Inc { INSTANCE }

    enum Go { INSTANCE }

    static final class Counter extends AbstractBehavior<Object> {
        private int count;
        private CountDownLatch done;

        Counter(ActorContext<Object> context) {
            super(context);
        }

        @Override
        public Receive<Object> createReceive() {
            return newReceiveBuilder().onAnyMessage(this::onMessage).build();
        }

        private Behavior<Object> onMessage(Object message) {
            if (message == Inc.INSTANCE) {
                if (++count == Workloads.FAN_IN_MESSAGES) {
                    done.countDown();
                }
            } else if (message instanceof Reset r) {
                Workloads.check("fan-in count before reset", done == null ? 0 : Workloads.FAN_IN_MESSAGES, count);
                count = 0;
                done = r.done();
            }
            return this;
        }
    }

    static Behavior<Object> sender(ActorRef<Object> counter) {
        return Behaviors.receiveMessage(message -> {
            for (int i = 0; i < Workloads.FAN_IN_PER_SENDER; i++) {
                counter.tell(Inc.INSTANCE);
            }
            return Behaviors.same();
        });
    }

    @Setup(Level.Trial)
    @SuppressWarnings("unchecked")
    public void setUp() {
        system = PekkoSupport.newSystem("fanin", throughput);
        counter = PekkoSupport.spawn(system, Behaviors.setup(Counter::new), "counter");
        senders = new ActorRef[Workloads.FAN_IN_SENDERS];
        for (int i = 0; i < senders.length; i++) {
            senders[i] = PekkoSupport.spawn(system, sender(counter), "sender-" + i);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        PekkoSupport.terminate(system);
    }

    @Benchmark
    @OperationsPerInvocation(Workloads.FAN_IN_MESSAGES)
    public void fanIn() {
        final CountDownLatch done = new CountDownLatch(1);
        counter.tell(new Reset(done));
        for (ActorRef<Object> s : senders) {
            s.tell(Go.INSTANCE);
        }
        Workloads.await(done, "fan-in");
    }
}
