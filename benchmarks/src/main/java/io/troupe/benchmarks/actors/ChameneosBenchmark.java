package io.troupe.benchmarks.actors;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.DispatcherKind;
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
 * Savina "chameneos": {@link Workloads#CHAMENEOS} creatures ask a mall for a partner; the mall
 * pairs them two by two; each pair swaps colours and asks again, until
 * {@link Workloads#CHAMENEOS_MEETINGS} meetings happened. About four messages per meeting, all
 * through one hot actor (the mall). Score: meetings per second.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class ChameneosBenchmark {
    @Param({"WORK_STEALING", "FORK_JOIN"})
    public DispatcherKind dispatcher;

    private ActorSystem system;
    private ActorRef<Object> mall;

    /** To the mall: run {@code meetings} meetings, then count down {@code done}. */
    record Start(int meetings, CountDownLatch done) {}

    /** To the mall: {@code creature} of {@code colour} wants a partner. */
    record Meet(ActorRef<Object> creature, int colour) {}

    /** To a creature: from the mall, the partner found for it. */
    record Partner(ActorRef<Object> other, int colour) {}

    /** To a creature: from its partner, the colour both take. */
    record Change(int colour) {}

    /** To a creature: from the mall, ask for a partner. */
    enum Go { INSTANCE }

    /** To a creature: from the mall, no meetings are left. */
    enum Closed { INSTANCE }

    static final class Mall extends Actor<Object> {
        private final ActorRef<Object>[] creatures;
        private int meetingsLeft;
        private int closed;
        private ActorRef<Object> waiting;
        private int waitingColour;
        private CountDownLatch done;

        Mall(ActorRef<Object>[] creatures) {
            this.creatures = creatures;
        }

        @Override
        protected void receive(Object message) {
            if (message instanceof Meet m) {
                if (meetingsLeft == 0) {
                    m.creature().tell(Closed.INSTANCE);
                    if (++closed == creatures.length) {
                        done.countDown();
                    }
                } else if (waiting == null) {
                    waiting = m.creature();
                    waitingColour = m.colour();
                } else {
                    meetingsLeft--;
                    waiting.tell(new Partner(m.creature(), m.colour()));
                    waiting = null;
                }
            } else if (message instanceof Start s) {
                meetingsLeft = s.meetings();
                closed = 0;
                done = s.done();
                for (ActorRef<Object> c : creatures) {
                    c.tell(Go.INSTANCE);
                }
            }
        }
    }

    static final class Creature extends Actor<Object> {
        private final ActorRef<Object>[] mall;
        private int colour;

        Creature(ActorRef<Object>[] mall, int colour) {
            this.mall = mall;
            this.colour = colour;
        }

        @Override
        protected void receive(Object message) {
            if (message instanceof Partner p) {
                colour = Workloads.complement(colour, p.colour());
                p.other().tell(new Change(colour));
                mall[0].tell(new Meet(self(), colour));
            } else if (message instanceof Change c) {
                colour = c.colour();
                mall[0].tell(new Meet(self(), colour));
            } else if (message == Go.INSTANCE) {
                mall[0].tell(new Meet(self(), colour));
            }
            // Closed: nothing more to do this invocation
        }
    }

    @Setup(Level.Trial)
    @SuppressWarnings("unchecked")
    public void setUp() {
        system = TroupeSupport.newSystem("chameneos", dispatcher);
        final ActorRef<Object>[] mallHolder = new ActorRef[1];
        final ActorRef<Object>[] creatures = new ActorRef[Workloads.CHAMENEOS];
        for (int i = 0; i < creatures.length; i++) {
            final int colour = i % 3;
            creatures[i] = system.spawn(() -> new Creature(mallHolder, colour), "creature-" + i);
        }
        mall = system.spawn(() -> new Mall(creatures), "mall");
        mallHolder[0] = mall; // published to the creatures by the mall's Go
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        system.close();
    }

    @Benchmark
    @OperationsPerInvocation(Workloads.CHAMENEOS_MEETINGS)
    public void chameneos() {
        final CountDownLatch done = new CountDownLatch(1);
        mall.tell(new Start(Workloads.CHAMENEOS_MEETINGS, done));
        Workloads.await(done, "chameneos");
        TroupeSupport.checkNoDeadLetters(system);
    }
}
