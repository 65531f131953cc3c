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

/** {@link io.troupe.benchmarks.actors.PingPongBenchmark} on Pekko typed. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class PekkoPingPongBenchmark {
    @Param({"5", "100"})
    public int throughput;

    @Param({"1", "8"})
    public int pairs;

    private ActorSystem<SpawnProtocol.Command> system;
    private ActorRef<Object>[] pingers;

    record Start(int roundTrips, CountDownLatch done) {}

    record Ping(ActorRef<Object> replyTo) {}

    enum Pong { INSTANCE }

    static final class Pinger extends AbstractBehavior<Object> {
        private final ActorRef<Object> ponger;
        private final Ping ping;
        private int left;
        private CountDownLatch done;

        Pinger(ActorContext<Object> context, ActorRef<Object> ponger) {
            super(context);
            this.ponger = ponger;
            this.ping = new Ping(context.getSelf());
        }

        @Override
        public Receive<Object> createReceive() {
            return newReceiveBuilder().onAnyMessage(this::onMessage).build();
        }

        private Behavior<Object> onMessage(Object message) {
            if (message == Pong.INSTANCE) {
                if (--left == 0) {
                    done.countDown();
                } else {
                    ponger.tell(ping);
                }
            } else if (message instanceof Start s) {
                left = s.roundTrips();
                done = s.done();
                ponger.tell(ping);
            }
            return this;
        }
    }

    static Behavior<Object> ponger() {
        return Behaviors.receiveMessage(message -> {
            ((Ping) message).replyTo().tell(Pong.INSTANCE);
            return Behaviors.same();
        });
    }

    @Setup(Level.Trial)
    @SuppressWarnings("unchecked")
    public void setUp() {
        system = PekkoSupport.newSystem("pingpong", throughput);
        pingers = new ActorRef[pairs];
        for (int i = 0; i < pairs; i++) {
            final ActorRef<Object> ponger = PekkoSupport.spawn(system, ponger(), "ponger-" + i);
            pingers[i] = PekkoSupport.spawn(system, Behaviors.<Object>setup(ctx -> new Pinger(ctx, ponger)), "pinger-" + i);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        PekkoSupport.terminate(system);
    }

    @Benchmark
    @OperationsPerInvocation(Workloads.PING_PONG_MESSAGES)
    public void pingPong() {
        final CountDownLatch done = new CountDownLatch(pairs);
        final Start start = new Start(Workloads.PING_PONG_MESSAGES / 2 / pairs, done);
        for (ActorRef<Object> p : pingers) {
            p.tell(start);
        }
        Workloads.await(done, "ping-pong");
    }
}
