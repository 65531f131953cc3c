package io.troupe.benchmarks.actors;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.DispatcherKind;
import io.troupe.actors.SpawnOptions;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
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
 * Savina "big": {@link Workloads#BIG_WORKERS} workers each send
 * {@link Workloads#BIG_PINGS_PER_WORKER} pings, one at a time, to random workers, which answer
 * with a pong. Score: messages (pings and pongs) per second. Measures many-to-many traffic among
 * many actors with little work per message.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class BigBenchmark {
    @Param({"WORK_STEALING", "FORK_JOIN"})
    public DispatcherKind dispatcher;

    private ActorSystem system;
    private ActorRef<Object>[] workers;

    /** Starts a worker; it counts down {@code done} after its last pong. */
    record Start(CountDownLatch done) {}

    /** A ping; answer {@code from}. */
    record Ping(ActorRef<Object> from) {}

    /** The answer to a ping. */
    enum Pong { INSTANCE }

    static final class Worker extends Actor<Object> {
        private final ActorRef<Object>[] neighbours;
        private Ping ping;
        private int pingsLeft;
        private CountDownLatch done;

        Worker(ActorRef<Object>[] neighbours) {
            this.neighbours = neighbours;
        }

        @Override
        protected void preStart() {
            ping = new Ping(self());
        }

        @Override
        protected void receive(Object message) {
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
        }

        private void sendPing() {
            neighbours[ThreadLocalRandom.current().nextInt(neighbours.length)].tell(ping);
        }
    }

    @Setup(Level.Trial)
    @SuppressWarnings("unchecked")
    public void setUp() {
        system = TroupeSupport.newSystem("big", dispatcher);
        final ActorRef<Object>[] all = new ActorRef[Workloads.BIG_WORKERS];
        for (int i = 0; i < all.length; i++) {
            all[i] = system.spawn(() -> new Worker(all), SpawnOptions.defaults());
        }
        workers = all; // published to the workers by Start
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        system.close();
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
        TroupeSupport.checkNoDeadLetters(system);
    }
}
