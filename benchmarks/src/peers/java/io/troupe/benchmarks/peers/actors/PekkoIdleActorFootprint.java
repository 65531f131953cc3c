package io.troupe.benchmarks.peers.actors;

import io.troupe.actors.DispatcherKind;
import io.troupe.benchmarks.actors.IdleActorFootprint;
import io.troupe.benchmarks.actors.Workloads;
import java.util.concurrent.CountDownLatch;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SpawnProtocol;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * {@link IdleActorFootprint} for Troupe (both dispatchers) and Pekko typed, in one JVM: heap
 * retained per idle actor after full collections. Run with
 * {@code java -Xms2g -Xmx2g -cp benchmarks/target/benchmarks.jar io.troupe.benchmarks.peers.actors.PekkoIdleActorFootprint [actors]}.
 *
 * <p>Pekko's idle actors share one behavior object, so each one pays only for its own cell,
 * mailbox, context and ref, as Troupe's do.
 */
public final class PekkoIdleActorFootprint {
    private PekkoIdleActorFootprint() {}

    /** Tells the parent to spawn {@code actors} idle children, each counting down {@code started}. */
    record SpawnIdle(int actors, CountDownLatch started) {}

    private static final Behavior<Object> IDLE = Behaviors.receiveMessage(m -> Behaviors.same());

    static Behavior<SpawnIdle> parent() {
        return Behaviors.receive((ctx, s) -> {
            final CountDownLatch started = s.started();
            final Behavior<Object> child = Behaviors.setup(c -> {
                started.countDown();
                return IDLE;
            });
            for (int i = 0; i < s.actors(); i++) {
                ctx.spawnAnonymous(child);
            }
            return Behaviors.same();
        });
    }

    /** Heap bytes retained per idle Pekko actor on a fresh system. */
    static double bytesPerIdleActor(int actors) {
        final ActorSystem<SpawnProtocol.Command> system = PekkoSupport.newSystem("footprint", 5);
        try {
            final ActorRef<SpawnIdle> parent = PekkoSupport.spawn(system, parent(), "parent");
            final CountDownLatch started = new CountDownLatch(actors);
            final long before = Workloads.usedHeapAfterGc();
            parent.tell(new SpawnIdle(actors, started));
            Workloads.await(started, "spawning idle actors");
            final long after = Workloads.usedHeapAfterGc();
            return (double) (after - before) / actors;
        } finally {
            PekkoSupport.terminate(system);
        }
    }

    public static void main(String[] args) {
        final int actors = args.length > 0 ? Integer.parseInt(args[0]) : Workloads.IDLE_ACTORS;
        for (DispatcherKind kind : new DispatcherKind[] {DispatcherKind.WORK_STEALING, DispatcherKind.FORK_JOIN}) {
            System.out.printf("troupe-%s: %.1f bytes per idle actor (%,d actors)%n", kind,
                    IdleActorFootprint.measure(() -> IdleActorFootprint.bytesPerIdleActor(kind, actors)), actors);
        }
        System.out.printf("pekko: %.1f bytes per idle actor (%,d actors)%n",
                IdleActorFootprint.measure(() -> bytesPerIdleActor(actors)), actors);
    }
}
