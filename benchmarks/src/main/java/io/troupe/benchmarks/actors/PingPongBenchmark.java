package io.troupe.benchmarks.actors;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.DispatcherKind;
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
 * Savina "pingpong": {@code pairs} independent pairs each bounce a message back and forth;
 * {@link Workloads#PING_PONG_MESSAGES} messages in all per invocation. Score: messages per
 * second. Measures the cost of one send plus one activation when the receiver is idle.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class PingPongBenchmark {
    @Param({"WORK_STEALING", "FORK_JOIN"})
    public DispatcherKind dispatcher;

    @Param({"1", "8"})
    public int pairs;

    private ActorSystem system;
    private ActorRef<Object>[] pingers;

    /** Starts a pinger: it sends {@code roundTrips} pings and counts down {@code done} after the last pong. */
    record Start(int roundTrips, CountDownLatch done) {}

    /** A ping; the ponger answers {@code replyTo}. */
    record Ping(ActorRef<Object> replyTo) {}

    /** The answer to a ping. */
    enum Pong { INSTANCE }

    static final class Pinger extends Actor<Object> {
        private final ActorRef<Object> ponger;
        private Ping ping;
        private int left;
        private CountDownLatch done;

        Pinger(ActorRef<Object> ponger) {
            this.ponger = ponger;
        }

        @Override
        protected void preStart() {
            ping = new Ping(self());
        }

        @Override
        protected void receive(Object message) {
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
        }
    }

    static final class Ponger extends Actor<Object> {
        @Override
        protected void receive(Object message) {
            ((Ping) message).replyTo().tell(Pong.INSTANCE);
        }
    }

    @Setup(Level.Trial)
    @SuppressWarnings("unchecked")
    public void setUp() {
        system = TroupeSupport.newSystem("pingpong", dispatcher);
        pingers = new ActorRef[pairs];
        for (int i = 0; i < pairs; i++) {
            final ActorRef<Object> ponger = system.spawn(Ponger::new, "ponger-" + i);
            pingers[i] = system.spawn(() -> new Pinger(ponger), "pinger-" + i);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        system.close();
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
        TroupeSupport.checkNoDeadLetters(system);
    }
}
