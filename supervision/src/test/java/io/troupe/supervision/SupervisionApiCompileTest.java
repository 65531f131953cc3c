package io.troupe.supervision;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The javadoc examples of the supervision API, written out so that they keep compiling and working. */
class SupervisionApiCompileTest {
    static final class Cache extends Actor<String> {
        @Override
        protected void receive(String m) { }
    }

    static final class Worker extends Actor<Integer> {
        @Override
        protected void receive(Integer m) { }
    }

    @Test
    void supervisorExample_asDocumented_startsTheChildrenInOrder() {
        // The Supervisor class example builds, spawns, answers WhichChildren and shuts down.
        try (ActorSystem system = ActorSystem.create("api")) {
            Supplier<Actor<Supervisor.Command>> tree = Supervisor.builder(Supervisor.Strategy.ONE_FOR_ONE)
                    .restarts(SupervisorStrategy.restart()
                            .withLimit(3, Duration.ofSeconds(5))
                            .withBackoff(Duration.ofMillis(10), Duration.ofSeconds(1), 0.2))
                    .child(ChildSpec.of("cache", Cache::new))
                    .child(ChildSpec.of("worker", Worker::new).withRestart(ChildSpec.RestartType.TRANSIENT))
                    .build();
            ActorRef<Supervisor.Command> sup = system.spawn(tree, "sup");
            List<Supervisor.ChildInfo> kids = sup.<List<Supervisor.ChildInfo>>ask(Supervisor.WhichChildren::new,
                    Duration.ofSeconds(1)).toCompletableFuture().join();
            sup.tell(new Supervisor.Shutdown());
            assertEquals(List.of("cache", "worker"), kids.stream().map(Supervisor.ChildInfo::id).toList());
            assertEquals(ChildSpec.RestartType.TRANSIENT, kids.get(1).restartType());
        }
    }

    @Test
    void childSpecExample_asDocumented_keepsItsSettings() {
        // The ChildSpec example sets restart type, deadline and stop message.
        ChildSpec<String> db = ChildSpec.<String>of("db", Cache::new)
                .withRestart(ChildSpec.RestartType.PERMANENT)
                .withShutdown(Duration.ofSeconds(2))
                .withStopMessage("flush");
        assertEquals(Duration.ofSeconds(2), db.shutdown());
        assertEquals("flush", db.stopMessage());
        assertEquals(-1, ChildSpec.ofSupervisor("s", Supervisor.builder(Supervisor.Strategy.ONE_FOR_ONE).build()).shutdownNanos());
    }
}
