package io.troupe.examples.supervision;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.Signal;
import io.troupe.supervision.ChildSpec;
import io.troupe.supervision.Supervise;
import io.troupe.supervision.Supervisor;
import io.troupe.supervision.Supervisor.ChildInfo;
import io.troupe.supervision.SupervisorStrategy;
import java.time.Duration;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A supervision tree healing itself. A one-for-one supervisor runs three workers:
 * <ul>
 *   <li>{@code steady} never fails;</li>
 *   <li>{@code flaky} crashes on every third job and is replaced by a fresh actor (new ref),
 *       after a short, growing backoff;</li>
 *   <li>{@code moody} is wrapped in {@link Supervise}: a bad job is resumed (state kept), a
 *       corrupt one restarts it in place (same ref, fresh state).</li>
 * </ul>
 * The main thread sends jobs for about four seconds, printing the tree as the supervisor reports
 * it, then shuts the supervisor down (children stop last-started first) and closes the system.
 *
 * <p>Run: {@code mvn -q -pl examples -am exec:java -Dexec.mainClass=io.troupe.examples.supervision.SupervisionDemo}
 */
public final class SupervisionDemo {
    private SupervisionDemo() {}

    /** A job for a worker. */
    record Job(int n) {}

    /** Prints what it does; crashes on every {@code crashEvery}-th job it handles (0: never). */
    static final class Worker extends Actor<Job> {
        private final String id;
        private final int crashEvery;
        private int handled;

        Worker(String id, int crashEvery) {
            this.id = id;
            this.crashEvery = crashEvery;
        }

        @Override
        protected void preStart() {
            System.out.println("  + " + self().path() + " started");
        }

        @Override
        protected void receive(Job job) {
            handled++;
            if (crashEvery > 0 && handled % crashEvery == 0) {
                System.out.println("  ! " + self().path() + " crashes on job " + job.n());
                throw new IllegalStateException(id + " cannot do job " + job.n());
            }
            if (job.n() % 7 == 0 && id.equals("moody")) {
                System.out.println("  ~ " + self().path() + " dislikes job " + job.n() + " (resumed, " + handled + " handled so far)");
                throw new IllegalArgumentException("bad job " + job.n());
            }
            System.out.println("    " + self().path() + " did job " + job.n() + " (" + handled + " handled by this instance)");
        }

        @Override
        protected void postStop() {
            System.out.println("  - " + self().path() + " stopped");
        }

        @Override
        protected void postRestart(Throwable cause) {
            System.out.println("  * " + self().path() + " restarted in place after: " + cause.getMessage());
        }
    }

    /**
     * Runs the demo for about four seconds, printing to standard output.
     *
     * @param args ignored
     * @throws Exception if the main thread is interrupted, or the supervisor has not terminated
     *         within 10 seconds of being told to shut down
     */
    public static void main(String[] args) throws Exception {
        try (ActorSystem system = ActorSystem.create("demo")) {
            final ActorRef<Supervisor.Command> sup = system.spawn(Supervisor.builder(Supervisor.Strategy.ONE_FOR_ONE)
                    .restarts(SupervisorStrategy.restart()
                            .withLimit(20, Duration.ofSeconds(10))
                            .withBackoff(Duration.ofMillis(50), Duration.ofMillis(400), 0.2))
                    .child(ChildSpec.of("steady", () -> new Worker("steady", 0)))
                    .child(ChildSpec.of("flaky", () -> new Worker("flaky", 3)))
                    .child(ChildSpec.of("moody", Supervise.<Job>of(() -> new Worker("moody", 5))
                            .onFailure(IllegalArgumentException.class, SupervisorStrategy.resume())
                            .onFailure(IllegalStateException.class, SupervisorStrategy.restart())))
                    .build(), "app");

            final long end = System.nanoTime() + Duration.ofSeconds(4).toNanos();
            int n = 0;
            while (System.nanoTime() < end) {
                final List<ChildInfo> children = sup.<List<ChildInfo>>ask(Supervisor.WhichChildren::new, Duration.ofSeconds(1))
                        .toCompletableFuture().join();
                System.out.println("tree: " + describe(children));
                for (ChildInfo c : children) {
                    if (c.state() == Supervisor.ChildState.RUNNING) {
                        @SuppressWarnings("unchecked")
                        final ActorRef<Job> worker = (ActorRef<Job>) c.ref();
                        worker.tell(new Job(++n));
                    }
                }
                Thread.sleep(250); // pacing for people reading the output, nothing waits on it
            }
            System.out.println("shutting down: children stop last-started first");
            final CompletableFuture<Void> gone = new CompletableFuture<>();
            system.spawn(() -> new Actor<Object>() {
                @Override
                protected void preStart() {
                    context().watch(sup);
                }

                @Override
                protected void receive(Object m) { }

                @Override
                protected void onSignal(Signal signal) {
                    gone.complete(null);
                }
            }, "watcher");
            sup.tell(new Supervisor.Shutdown());
            gone.get(10, TimeUnit.SECONDS);
            System.out.println("supervisor terminated after its children");
        }
        System.out.println("done");
    }

    private static String describe(List<ChildInfo> children) {
        final StringJoiner j = new StringJoiner("  ");
        for (ChildInfo c : children) {
            j.add(c.id() + "=" + c.state() + "(" + c.ref().name() + ")");
        }
        return j.toString();
    }
}
