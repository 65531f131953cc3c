package io.troupe.actors;

import static io.troupe.actors.Testing.TIMEOUT;
import static io.troupe.actors.Testing.await;
import static io.troupe.actors.Testing.awaitTrue;
import static io.troupe.actors.Testing.block;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.testkit.TestProbe;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** context().log(): the logger is named after the actor's class and every record carries the actor's path; the slow-handler warning goes through it. */
class ActorLogTest {

    /** An actor class of its own, so its logger name is its class name. */
    static class Chatty extends Actor<String> {
        @Override
        protected void receive(String m) {
            context().log().log(System.Logger.Level.WARNING, "got {0}", m);
            context().log().log(System.Logger.Level.WARNING, "plain " + m);
            context().log().log(System.Logger.Level.WARNING, "with a cause", new IllegalStateException("cause-" + m));
        }
    }

    @Test
    void log_fromTwoInstancesOfOneClass_namedAfterTheClassEachRecordHeadedByItsPath() throws Exception {
        // Two actors of one class log through one logger (the class's), and each record starts with the path of the actor that wrote it.
        try (ActorSystem system = Testing.system(DispatcherKind.WORK_STEALING);
             CapturedLog log = new CapturedLog(Chatty.class.getName())) {
            final ActorRef<String> a = system.spawn(Chatty::new, "room-a");
            final ActorRef<String> b = system.spawn(Chatty::new, "room-b");
            a.tell("x");
            b.tell("y");
            awaitTrue("six records", () -> count(text(log), "WARNING:") == 6);
            final String text = text(log);
            assertTrue(text.contains("WARNING: [/user/room-a] got x"), text);
            assertTrue(text.contains("WARNING: [/user/room-a] plain x"), text);
            assertTrue(text.contains("WARNING: [/user/room-a] with a cause") && text.contains("cause-x"), text);
            assertTrue(text.contains("WARNING: [/user/room-b] got y"), text);
            assertTrue(text.contains("WARNING: [/user/room-b] plain y"), text);
            assertFalse(text.contains("[/user/room-a] got y") || text.contains("[/user/room-b] got x"), text);
        }
    }

    @Test
    void log_name_isTheActorClassOrActorForLambdas() {
        // The logger's name is the actor's class; Actor.of lambdas, whose class is synthetic, log as io.troupe.actors.Actor.
        try (ActorSystem system = Testing.system(DispatcherKind.WORK_STEALING)) {
            final TestProbe<String> probe = TestProbe.create(system);
            system.spawn(() -> new Chatty() {
                @Override
                protected void preStart() {
                    probe.ref().tell(context().log().getName());
                }
            }, "anon");
            system.spawn(Actor.<String>of((ctx, m) -> probe.ref().tell(ctx.log().getName())), "lambda").tell("go");
            final String first = probe.expectMessage(TIMEOUT);
            final String second = probe.expectMessage(TIMEOUT);
            assertEquals(java.util.Set.of(ActorLogTest.class.getName() + "$1", Actor.class.getName()),
                    java.util.Set.of(first, second));
        }
    }

    @Test
    void slowHandler_defaultWarning_goesThroughTheActorsLoggerAndNamesTheActor() throws Exception {
        // The default slow-handler warning is a record of the slow actor's own logger, headed by its path; it is not attributed to the builder's lambda.
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        try (ActorSystem system = Testing.builder(DispatcherKind.WORK_STEALING).slowHandlerThreshold(Duration.ofMillis(20)).build();
             CapturedLog log = new CapturedLog(Sleepy.class.getName())) {
            system.spawn(() -> new Sleepy(entered, release), "sleepy").tell("block");
            await(entered, "the handler to start");
            awaitTrue("the slow-handler warning", () -> text(log).contains("has been running one handler"));
            release.countDown();
            final String text = text(log);
            assertTrue(text.contains("WARNING: [/user/sleepy] this actor has been running one handler for "), text);
            assertFalse(text.contains("Builder") || text.contains("lambda$"), text);
        } finally {
            release.countDown();
        }
    }

    /** Blocks in its handler until released. */
    static final class Sleepy extends Actor<String> {
        private final CountDownLatch entered;
        private final CountDownLatch release;

        Sleepy(CountDownLatch entered, CountDownLatch release) {
            this.entered = entered;
            this.release = release;
        }

        @Override
        protected void receive(String m) {
            entered.countDown();
            block(release);
        }
    }

    private static String text(CapturedLog log) {
        try {
            return log.text();
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
