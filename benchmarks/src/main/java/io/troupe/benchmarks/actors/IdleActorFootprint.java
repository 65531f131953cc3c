package io.troupe.benchmarks.actors;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.DispatcherKind;
import io.troupe.actors.SpawnOptions;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;

/**
 * Retained heap per idle actor: spawns {@link Workloads#IDLE_ACTORS} actors that have started
 * (their {@code preStart} ran) and wait for messages, and reads the heap in use after full
 * collections before and after. Target: at most 200 bytes per actor.
 *
 * <p>A main class rather than a JMH benchmark: JMH sums auxiliary counters over iterations, and
 * the figure is a size, not a rate. Run it with a fixed heap so that the collector does not
 * resize it between the readings:
 * {@code java -Xms2g -Xmx2g -cp benchmarks/target/benchmarks.jar io.troupe.benchmarks.actors.IdleActorFootprint}.
 * The peers build adds {@code io.troupe.benchmarks.peers.actors.PekkoIdleActorFootprint}, which
 * measures Pekko the same way in the same JVM.
 *
 * <p>What an idle actor retains here: its cell (which is also its mailbox and its ref), its empty
 * queue with its stub node, its actor object, and its link in the parent's list of children.
 */
public final class IdleActorFootprint {
    private IdleActorFootprint() {}

    static final class Idle extends Actor<Object> {
        private final CountDownLatch started;

        Idle(CountDownLatch started) {
            this.started = started;
        }

        @Override
        protected void preStart() {
            started.countDown();
        }

        @Override
        protected void receive(Object message) {
            // idle
        }
    }

    /** Heap bytes retained per idle actor on a fresh system using {@code kind}. */
    public static double bytesPerIdleActor(DispatcherKind kind, int actors) {
        try (ActorSystem system = TroupeSupport.newSystem("footprint", kind)) {
            final CountDownLatch started = new CountDownLatch(actors);
            final Supplier<Actor<Object>> factory = () -> new Idle(started); // one factory shared by all
            final SpawnOptions options = SpawnOptions.defaults();
            final long before = Workloads.usedHeapAfterGc();
            for (int i = 0; i < actors; i++) {
                system.spawn(factory, options);
            }
            Workloads.await(started, "spawning idle actors");
            final long after = Workloads.usedHeapAfterGc();
            return (double) (after - before) / actors;
        }
    }

    /** Prints the bytes per idle actor of each dispatcher, median of five rounds after one warm-up round. */
    public static void main(String[] args) {
        final int actors = args.length > 0 ? Integer.parseInt(args[0]) : Workloads.IDLE_ACTORS;
        for (DispatcherKind kind : new DispatcherKind[] {DispatcherKind.WORK_STEALING, DispatcherKind.FORK_JOIN}) {
            System.out.printf("troupe-%s: %.1f bytes per idle actor (%,d actors)%n", kind, measure(() -> bytesPerIdleActor(kind, actors)), actors);
        }
    }

    /** Runs {@code round} once to warm up, then five times; returns the median reading. */
    public static double measure(java.util.function.DoubleSupplier round) {
        round.getAsDouble();
        final double[] readings = new double[5];
        for (int i = 0; i < readings.length; i++) {
            readings[i] = round.getAsDouble();
        }
        java.util.Arrays.sort(readings);
        return readings[readings.length / 2];
    }
}
