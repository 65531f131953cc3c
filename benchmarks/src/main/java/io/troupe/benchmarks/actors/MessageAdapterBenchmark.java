package io.troupe.benchmarks.actors;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.SpawnOptions;
import io.troupe.mailbox.OverflowPolicy;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
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
 * What a message adapter costs (issue #10): the fan-in workload ({@link Workloads#FAN_IN_SENDERS}
 * senders, {@link Workloads#FAN_IN_PER_SENDER} messages each, to one counter) with the messages
 * sent straight to the counter ({@code DIRECT}, the reference) or through a message adapter of
 * the counter that converts each one in the counter's turn ({@code ADAPTER}: one wrapper
 * allocated per message, one conversion). Report {@code ADAPTER / DIRECT} from one run.
 * Score: messages counted per second; counts and dead letters checked per invocation.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class MessageAdapterBenchmark {
    /** How the senders reach the counter. */
    public enum Path {
        /** {@code counter.tell(Inc)}. */
        DIRECT,
        /** {@code adapter.tell(Tick)}, converted to {@code Inc} in the counter's turn. */
        ADAPTER
    }

    @Param({"DIRECT", "ADAPTER"})
    public Path path;

    private ActorSystem system;
    private ActorRef<Object> counter;
    private ActorRef<Object>[] senders;

    /** Resets the counter; it counts down {@code done} when all messages arrived. */
    record Reset(CountDownLatch done) {}

    /** One count, the counter's own protocol. */
    enum Inc { INSTANCE }

    /** One count in a foreign protocol, reaching the counter through its adapter. */
    enum Tick { INSTANCE }

    /** Tells a sender to flood the counter. */
    enum Go { INSTANCE }

    static final class Counter extends Actor<Object> {
        private final AtomicReference<ActorRef<Tick>> adapter;
        private int count;
        private CountDownLatch done;

        Counter(AtomicReference<ActorRef<Tick>> adapter) {
            this.adapter = adapter;
        }

        @Override
        protected void preStart() {
            adapter.set(context().messageAdapter(Tick.class, t -> Inc.INSTANCE));
        }

        @Override
        protected void receive(Object message) {
            if (message == Inc.INSTANCE) {
                if (++count == Workloads.FAN_IN_MESSAGES) {
                    done.countDown();
                }
            } else if (message instanceof Reset r) {
                Workloads.check("adapter fan-in count before reset", done == null ? 0 : Workloads.FAN_IN_MESSAGES, count);
                count = 0;
                done = r.done();
            }
        }
    }

    static final class Sender extends Actor<Object> {
        private final ActorRef<Object> counter;
        private final ActorRef<Tick> adapter;

        Sender(ActorRef<Object> counter, ActorRef<Tick> adapter) {
            this.counter = counter;
            this.adapter = adapter;
        }

        @Override
        protected void receive(Object message) {
            if (adapter == null) {
                final ActorRef<Object> c = counter;
                for (int i = 0; i < Workloads.FAN_IN_PER_SENDER; i++) {
                    c.tell(Inc.INSTANCE);
                }
            } else {
                final ActorRef<Tick> a = adapter;
                for (int i = 0; i < Workloads.FAN_IN_PER_SENDER; i++) {
                    a.tell(Tick.INSTANCE);
                }
            }
        }
    }

    @Setup(Level.Trial)
    @SuppressWarnings("unchecked")
    public void setUp() {
        system = TroupeSupport.newSystem("adapter", io.troupe.actors.DispatcherKind.WORK_STEALING);
        final AtomicReference<ActorRef<Tick>> adapter = new AtomicReference<>();
        counter = system.spawn(() -> new Counter(adapter),
                SpawnOptions.named("counter").withMailbox(2 * Workloads.FAN_IN_MESSAGES, OverflowPolicy.DEAD_LETTER));
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (adapter.get() == null) { // set by the counter's preStart
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("the counter did not start within 60 s");
            }
            Thread.onSpinWait();
        }
        final ActorRef<Tick> through = path == Path.ADAPTER ? adapter.get() : null;
        senders = new ActorRef[Workloads.FAN_IN_SENDERS];
        for (int i = 0; i < senders.length; i++) {
            senders[i] = system.spawn(() -> new Sender(counter, through), "sender-" + i);
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
        counter.tell(new Reset(done));
        for (ActorRef<Object> s : senders) {
            s.tell(Go.INSTANCE);
        }
        Workloads.await(done, "adapter fan-in");
        TroupeSupport.checkNoDeadLetters(system);
    }
}
