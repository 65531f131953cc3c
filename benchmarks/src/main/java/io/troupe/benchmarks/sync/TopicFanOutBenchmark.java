package io.troupe.benchmarks.sync;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.sync.Topic;
import io.troupe.benchmarks.actors.Workloads;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Topic fan-out: the benchmark thread publishes {@link #MESSAGES} messages to a topic with
 * {@link #SUBSCRIBERS} subscriber actors; the invocation ends when every subscriber counted every
 * message. Score: deliveries (messages x subscribers) per second. Peer:
 * {@code PekkoTopicFanOutBenchmark} (Pekko's typed {@code Topic}), same sizes.
 *
 * <p>The topic's bound (4,096) and the default mailboxes (10,000) hold a whole invocation, so
 * nobody lags; a subscriber that got a {@code Lagged} or a wrong count fails the run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class TopicFanOutBenchmark {
    /** Subscribers of the topic. */
    public static final int SUBSCRIBERS = 1_000;
    /** Messages published per invocation. */
    public static final int MESSAGES = 200;

    private ActorSystem system;
    private Topic<Object> topic;
    private volatile CountDownLatch done;

    /** One published message; the same object reaches every subscriber. */
    record Tick(int n) {}

    final class Subscriber extends Actor<Object> {
        private int count;

        @Override
        protected void receive(Object message) {
            if (message instanceof Tick) {
                if (++count == MESSAGES) {
                    count = 0;
                    done.countDown();
                }
            } else {
                throw new IllegalStateException("subscriber lagged: " + message);
            }
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        system = ActorSystem.create("topic-fanout");
        topic = Topic.create(system, Object.class, 4096);
        for (int i = 0; i < SUBSCRIBERS; i++) {
            final ActorRef<Object> s = system.spawn(Subscriber::new, "sub-" + i);
            topic.subscribe(s, m -> m, l -> l);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        Workloads.check("topic subscribers alive", SUBSCRIBERS, topic.subscriberCount());
        system.close();
    }

    @Benchmark
    @OperationsPerInvocation(SUBSCRIBERS * MESSAGES)
    public void fanOut() {
        final CountDownLatch latch = new CountDownLatch(SUBSCRIBERS);
        done = latch;
        for (int i = 0; i < MESSAGES; i++) {
            topic.publish(new Tick(i));
        }
        Workloads.await(latch, "topic fan-out");
    }
}
