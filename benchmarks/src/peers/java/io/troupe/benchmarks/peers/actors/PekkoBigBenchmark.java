package io.troupe.benchmarks.peers.actors;

import io.troupe.benchmarks.actors.Workloads;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
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

/** {@link io.troupe.benchmarks.actors.BigBenchmark} on Pekko typed. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class PekkoBigBenchmark {
    @Param({"5", "100"})
    public int throughput;

    private ActorSystem<SpawnProtocol.Command> system;
    private ActorRef<Object>[] workers;

    record Start(CountDownLatch done) {}

    record Ping(ActorRef<Object> from) {}

    enum Pong { INSTANCE }

    static final class Worker extends AbstractBehavior<Object> {
        private final ActorRef<Object>[] neighbours;
        private final Ping ping;
        private int pingsLeft;
        private CountDownLatch done;

        Worker(ActorContext<Object> context, ActorRef<Object>[] neighbours) {
            super(context);
            this.neighbours = neighbours;
            this.ping = new Ping(context.getSelf());
        }

        @Override
        public Receive<Object> createReceive() {
            return newReceiveBuilder().onAnyMessage(this::onMessage).build();
        }

        private Behavior<Object> onMessage(Object message) {
            if (message instanceof Ping p) {
                p.from().tell(Pong.INSTANCE);
            } else if (message == Pong.INSTANCE) {
                if (--pingsLeft == 0) {
                    done.countDown();
                } else {
                    sendPing();
                }
            } else if (message instanceof Start s) {
                pingsLeft = Workloads.BIG_PINGS_PER_WORKER;
                done = s.done();
                sendPing();
            }
            return this;
        }

        private void sendPing() {
            neighbours[ThreadLocalRandom.current().nextInt(neighbours.length)].tell(ping);
        }
    }

    @Setup(Level.Trial)
    @SuppressWarnings("unchecked")
    public void setUp() {
        system = PekkoSupport.newSystem("big", throughput);
        final ActorRef<Object>[] all = new ActorRef[Workloads.BIG_WORKERS];
        for (int i = 0; i < all.length; i++) {
            all[i] = PekkoSupport.spawn(system, Behaviors.<Object>setup(ctx -> new Worker(ctx, all)), "worker-" + i);
        }
        workers = all;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        PekkoSupport.terminate(system);
    }

    @Benchmark
    @OperationsPerInvocation(Workloads.BIG_MESSAGES)
    public void big() {
        final CountDownLatch done = new CountDownLatch(Workloads.BIG_WORKERS);
        final Start start = new Start(done);
        for (ActorRef<Object> w : workers) {
            w.tell(start);
        }
        Workloads.await(done, "big");
    }
}
