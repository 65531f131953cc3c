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

/** {@link io.troupe.benchmarks.actors.ChameneosBenchmark} on Pekko typed. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class PekkoChameneosBenchmark {
    @Param({"5", "100"})
    public int throughput;

    private ActorSystem<SpawnProtocol.Command> system;
    private ActorRef<Object> mall;

    record Start(int meetings, CountDownLatch done) {}

    record Meet(ActorRef<Object> creature, int colour) {}

    record Partner(ActorRef<Object> other, int colour) {}

    record Change(int colour) {}

    enum Go { INSTANCE }

    enum Closed { INSTANCE }

    static final class Mall extends AbstractBehavior<Object> {
        private final ActorRef<Object>[] creatures;
        private int meetingsLeft;
        private int closed;
        private ActorRef<Object> waiting;
        private CountDownLatch done;

        Mall(ActorContext<Object> context, ActorRef<Object>[] creatures) {
            super(context);
            this.creatures = creatures;
        }

        @Override
        public Receive<Object> createReceive() {
            return newReceiveBuilder().onAnyMessage(this::onMessage).build();
        }

        private Behavior<Object> onMessage(Object message) {
            if (message instanceof Meet m) {
                if (meetingsLeft == 0) {
                    m.creature().tell(Closed.INSTANCE);
                    if (++closed == creatures.length) {
                        done.countDown();
                    }
                } else if (waiting == null) {
                    waiting = m.creature();
                } else {
                    meetingsLeft--;
                    waiting.tell(new Partner(m.creature(), m.colour()));
                    waiting = null;
                }
            } else if (message instanceof Start s) {
                meetingsLeft = s.meetings();
                closed = 0;
                done = s.done();
                for (ActorRef<Object> c : creatures) {
                    c.tell(Go.INSTANCE);
                }
            }
            return this;
        }
    }

    static final class Creature extends AbstractBehavior<Object> {
        private final ActorRef<Object>[] mall;
        private final ActorRef<Object> self;
        private int colour;

        Creature(ActorContext<Object> context, ActorRef<Object>[] mall, int colour) {
            super(context);
            this.mall = mall;
            this.self = context.getSelf();
            this.colour = colour;
        }

        @Override
        public Receive<Object> createReceive() {
            return newReceiveBuilder().onAnyMessage(this::onMessage).build();
        }

        private Behavior<Object> onMessage(Object message) {
            if (message instanceof Partner p) {
                colour = Workloads.complement(colour, p.colour());
                p.other().tell(new Change(colour));
                mall[0].tell(new Meet(self, colour));
            } else if (message instanceof Change c) {
                colour = c.colour();
                mall[0].tell(new Meet(self, colour));
            } else if (message == Go.INSTANCE) {
                mall[0].tell(new Meet(self, colour));
            }
            return this;
        }
    }

    @Setup(Level.Trial)
    @SuppressWarnings("unchecked")
    public void setUp() {
        system = PekkoSupport.newSystem("chameneos", throughput);
        final ActorRef<Object>[] mallHolder = new ActorRef[1];
        final ActorRef<Object>[] creatures = new ActorRef[Workloads.CHAMENEOS];
        for (int i = 0; i < creatures.length; i++) {
            final int colour = i % 3;
            creatures[i] = PekkoSupport.spawn(system, Behaviors.<Object>setup(ctx -> new Creature(ctx, mallHolder, colour)), "creature-" + i);
        }
        mall = PekkoSupport.spawn(system, Behaviors.<Object>setup(ctx -> new Mall(ctx, creatures)), "mall");
        mallHolder[0] = mall;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        PekkoSupport.terminate(system);
    }

    @Benchmark
    @OperationsPerInvocation(Workloads.CHAMENEOS_MEETINGS)
    public void chameneos() {
        final CountDownLatch done = new CountDownLatch(1);
        mall.tell(new Start(Workloads.CHAMENEOS_MEETINGS, done));
        Workloads.await(done, "chameneos");
    }
}
