package io.troupe.benchmarks.peers.actors;

import io.troupe.benchmarks.actors.Workloads;
import io.troupe.benchmarks.sync.TopicFanOutBenchmark;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SpawnProtocol;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.pubsub.Topic;
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
 * {@link TopicFanOutBenchmark} on Pekko's typed {@code Topic} (local): the benchmark thread tells
 * the topic actor {@code Topic.publish(m)}, which tells each subscriber. Pekko at its best on this
 * machine: a fork-join dispatcher with one thread per core, throughput 5 (default) and 100,
 * unbounded mailboxes, logging off (the settings of the other Pekko benchmarks here).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class PekkoTopicFanOutBenchmark {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Param({"5", "100"})
    public int throughput;

    private ActorSystem<SpawnProtocol.Command> system;
    private ActorRef<Topic.Command<Object>> topic;
    private volatile CountDownLatch done;

    record Tick(int n) {}

    private Behavior<Object> subscriber() {
        final int[] count = new int[1];
        return Behaviors.receiveMessage(m -> {
            if (++count[0] == TopicFanOutBenchmark.MESSAGES) {
                count[0] = 0;
                done.countDown();
            }
            return Behaviors.same();
        });
    }

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        system = PekkoSupport.newSystem("pekko-topic-fanout", throughput);
        topic = PekkoSupport.spawn(system, Topic.create(Object.class, "fanout"), "topic");
        for (int i = 0; i < TopicFanOutBenchmark.SUBSCRIBERS; i++) {
            final ActorRef<Object> s = PekkoSupport.spawn(system, subscriber(), "sub-" + i);
            topic.tell(Topic.subscribe(s));
        }
        // subscriptions go through the receptionist: wait until the topic knows all of them
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Workloads.TIMEOUT_SECONDS);
        for (;;) {
            final Topic.TopicStats stats = AskPattern.<Topic.Command<Object>, Topic.TopicStats>ask(topic,
                    Topic::getTopicStats, TIMEOUT, system.scheduler()).toCompletableFuture().get();
            if (stats.localSubscriberCount() == TopicFanOutBenchmark.SUBSCRIBERS) {
                break;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Pekko topic has " + stats.localSubscriberCount() + " subscribers");
            }
            Thread.onSpinWait();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        PekkoSupport.terminate(system);
    }

    @Benchmark
    @OperationsPerInvocation(TopicFanOutBenchmark.SUBSCRIBERS * TopicFanOutBenchmark.MESSAGES)
    public void fanOut() {
        final CountDownLatch latch = new CountDownLatch(TopicFanOutBenchmark.SUBSCRIBERS);
        done = latch;
        for (int i = 0; i < TopicFanOutBenchmark.MESSAGES; i++) {
            topic.tell(Topic.publish(new Tick(i)));
        }
        Workloads.await(latch, "pekko topic fan-out");
    }
}
