package io.troupe.benchmarks.actors;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.DispatcherKind;
import io.troupe.actors.SpawnOptions;
import io.troupe.mailbox.OverflowPolicy;
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
 * Savina "count" with several producers: {@link Workloads#FAN_IN_SENDERS} actors each flood one
 * counter with {@link Workloads#FAN_IN_PER_SENDER} messages. Score: messages counted per second.
 * Measures contended enqueue into one mailbox and batch draining.
 *
 * <p>The counter's mailbox holds two invocations' messages (the slots of the last batch of the
 * previous invocation may not be released yet), so {@code tell} never overflows;
 * the counter checks its total and the system's dead letters are checked after each invocation.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class FanInBenchmark {
    @Param({"WORK_STEALING", "FORK_JOIN"})
    public DispatcherKind dispatcher;

    private ActorSystem system;
    private ActorRef<Object> counter;
    private ActorRef<Object>[] senders;

    /** Resets the counter; it counts down {@code done} when all messages arrived. */
    record Reset(CountDownLatch done) {}

    /** One count. */
    enum Inc { INSTANCE }

    /** Tells a sender to flood the counter. */
    enum Go { INSTANCE }

    static final class Counter extends Actor<Object> {
        private int count;
        private CountDownLatch done;

        @Override
        protected void receive(Object message) {
            if (message == Inc.INSTANCE) {
                if (++count == Workloads.FAN_IN_MESSAGES) {
                    done.countDown();
                }
            } else if (message instanceof Reset r) {
                Workloads.check("fan-in count before reset", done == null ? 0 : Workloads.FAN_IN_MESSAGES, count);
                count = 0;
                done = r.done();
            }
        }
    }

    static final class Sender extends Actor<Object> {
        private final ActorRef<Object> counter;

        Sender(ActorRef<Object> counter) {
            this.counter = counter;
        }

        @Override
        protected void receive(Object message) {
            final ActorRef<Object> c = counter;
            for (int i = 0; i < Workloads.FAN_IN_PER_SENDER; i++) {
                c.tell(Inc.INSTANCE);
            }
        }
    }

    @Setup(Level.Trial)
    @SuppressWarnings("unchecked")
    public void setUp() {
        system = TroupeSupport.newSystem("fanin", dispatcher);
        counter = system.spawn(Counter::new,
                SpawnOptions.named("counter").withMailbox(2 * Workloads.FAN_IN_MESSAGES, OverflowPolicy.DEAD_LETTER));
        senders = new ActorRef[Workloads.FAN_IN_SENDERS];
        for (int i = 0; i < senders.length; i++) {
            senders[i] = system.spawn(() -> new Sender(counter), "sender-" + i);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        system.close();
    }

    @Benchmark
    @OperationsPerInvocation(Workloads.FAN_IN_MESSAGES)
    public void fanIn() {
        final CountDownLatch done = new CountDownLatch(1);
        counter.tell(new Reset(done)); // enqueued before any Inc this invocation causes
        for (ActorRef<Object> s : senders) {
            s.tell(Go.INSTANCE);
        }
        Workloads.await(done, "fan-in");
        TroupeSupport.checkNoDeadLetters(system);
    }
}
