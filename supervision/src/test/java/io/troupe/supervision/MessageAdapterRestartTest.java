package io.troupe.supervision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.DeadLetter;
import io.troupe.actors.testkit.TestProbe;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A message adapter outlives a restart of its actor: the ref stays valid, the conversion is the fresh instance's. */
class MessageAdapterRestartTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Test
    void restart_freshInstanceRegistersAgain_sameRefConvertsWithTheFreshInstance() throws Exception {
        // After a restart the adapter ref handed out before still works, and its messages reach the fresh instance (generation 2), not the old one.
        try (ActorSystem system = ActorSystem.builder("adapter-restart").deadLetterLogsPerSecond(0).build()) {
            final TestProbe<Object> probe = TestProbe.create(system);
            final int[] generations = {0};
            final ActorRef<String> ref = system.spawn(Supervise.<String>of(() -> new Actor<>() {
                final int generation = ++generations[0];

                @Override
                protected void preStart() {
                    probe.ref().tell(context().messageAdapter(Integer.class, n -> "gen" + generation + " n" + n));
                }

                @Override
                protected void receive(String m) {
                    if (m.equals("boom")) {
                        throw new IllegalStateException("boom");
                    }
                    probe.ref().tell(m);
                }
            }).onFailure(IllegalStateException.class, SupervisorStrategy.restart()), "w");
            @SuppressWarnings("unchecked")
            final ActorRef<Integer> before = (ActorRef<Integer>) probe.expectMessage(TIMEOUT);
            before.tell(1);
            probe.expectMessage("gen1 n1", TIMEOUT);
            ref.tell("boom");
            final Object after = probe.expectMessage(TIMEOUT);
            assertSame(before, after, "registering again after the restart returns the same ref");
            before.tell(2);
            probe.expectMessage("gen2 n2", TIMEOUT);
        }
    }

    @Test
    void restart_freshInstanceDoesNotRegister_adaptedMessageIsNoAdapterDeadLetter() throws Exception {
        // A restart drops the old instance's conversion; if the fresh instance does not register again, a message through the old ref is a dead letter (NO_ADAPTER), never handed to the old instance.
        try (ActorSystem system = ActorSystem.builder("adapter-restart2").deadLetterLogsPerSecond(0).build()) {
            final TestProbe<Object> probe = TestProbe.create(system);
            final LinkedBlockingQueue<DeadLetter> letters = new LinkedBlockingQueue<>();
            system.deadLetters().subscribe(letters::add);
            final int[] generations = {0};
            final ActorRef<String> ref = system.spawn(Supervise.<String>of(() -> new Actor<>() {
                final int generation = ++generations[0];

                @Override
                protected void preStart() {
                    if (generation == 1) {
                        probe.ref().tell(context().messageAdapter(Integer.class, n -> "gen" + generation + " n" + n));
                    }
                }

                @Override
                protected void receive(String m) {
                    if (m.equals("boom")) {
                        throw new IllegalStateException("boom");
                    }
                    probe.ref().tell(m);
                }
            }).onFailure(IllegalStateException.class, SupervisorStrategy.restart()), "w");
            @SuppressWarnings("unchecked")
            final ActorRef<Integer> ints = (ActorRef<Integer>) probe.expectMessage(TIMEOUT);
            ref.tell("boom");
            ints.tell(5);
            ref.tell("after");
            probe.expectMessage("after", TIMEOUT);
            final DeadLetter d = letters.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            assertEquals(5, d.message());
            assertEquals(DeadLetter.Reason.NO_ADAPTER, d.reason());
            assertSame(ref, d.recipient());
        }
    }
}
