package io.troupe.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.DeadLetter;
import io.troupe.actors.testkit.TestProbe;
import io.troupe.timers.ManualClock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * The JUnit 5 extension, checked by running small test classes through the JUnit Platform
 * launcher and reading their outcome: a system per test, closed after it, and a failure for
 * leftover actors and unexpected dead letters.
 */
class ActorSystemExtensionTest {
    private static final Duration T = Duration.ofSeconds(10);
    /** The system the last sample test ran on (the sample classes run one at a time). */
    static final AtomicReference<ActorSystem> LAST = new AtomicReference<>();

    private static TestExecutionSummary run(Class<?> testClass) {
        final SummaryGeneratingListener listener = new SummaryGeneratingListener();
        LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(testClass)).build(), listener);
        return listener.getSummary();
    }

    private static String failureMessage(TestExecutionSummary summary) {
        assertEquals(1, summary.getTestsFailedCount(), "the sample test should fail");
        return summary.getFailures().get(0).getException().getMessage();
    }

    // ------------------------------------------------------------------ sample test classes

    @ExtendWith(ActorSystemExtension.class)
    static class CleanSample {
        @Test
        void usesAndStopsItsActor(ActorSystem system) {
            LAST.set(system);
            final TestProbe<String> probe = TestProbe.create(system);
            final ActorRef<String> echo = system.spawn(Actor.<String>of((ctx, m) -> probe.ref().tell(m)), "echo");
            echo.tell("hi");
            probe.expectMessage("hi", T);
            system.stop(echo);
        }
    }

    @ExtendWith(ActorSystemExtension.class)
    static class LeftoverSample {
        @Test
        void forgetsToStop(ActorSystem system) {
            LAST.set(system);
            system.spawn(Actor.<String>of((ctx, m) -> {}), "forgotten");
        }
    }

    @ExtendWith(ActorSystemExtension.class)
    static class DeadLetterSample {
        @Test
        void tellsAStoppedActor(ActorSystem system) {
            LAST.set(system);
            final ActorRef<String> gone = system.spawn(Actor.<String>of((ctx, m) -> {}), "gone");
            TestProbe.create(system).expectTerminated(stopped(system, gone), T);
            gone.tell("hello?");
        }

        private static ActorRef<String> stopped(ActorSystem system, ActorRef<String> ref) {
            system.stop(ref);
            return ref;
        }
    }

    static class AllowedDeadLetterSample {
        @RegisterExtension
        static final ActorSystemExtension TROUPE = ActorSystemExtension.create()
                .allowDeadLetters(d -> d.reason() == DeadLetter.Reason.RECIPIENT_STOPPED);

        @Test
        void tellsAStoppedActor() {
            final ActorSystem system = TROUPE.system();
            LAST.set(system);
            final ActorRef<String> gone = system.spawn(Actor.<String>of((ctx, m) -> {}), "gone");
            system.stop(gone);
            TestProbe.create(system).expectTerminated(gone, T);
            gone.tell("hello?");
        }
    }

    static class ManualClockSample {
        @RegisterExtension
        static final ActorSystemExtension TROUPE = ActorSystemExtension.create().withManualClock().allowLeftoverActors();

        @Test
        void timerFiresWhenTheClockIsAdvanced(ActorSystem system, ManualClock clock) {
            LAST.set(system);
            assertSame(clock, TROUPE.clock());
            assertSame(system, TROUPE.system());
            final TestProbe<String> probe = TestProbe.create(system);
            system.spawn(() -> new Actor<String>() {
                @Override
                protected void preStart() {
                    context().timers().startSingleTimer("k", "fired", Duration.ofMinutes(10));
                    probe.ref().tell("armed");
                }

                @Override
                protected void receive(String m) {
                    probe.ref().tell(m);
                }
            }, "timed");
            probe.expectMessage("armed", T);
            clock.advance(Duration.ofMinutes(9));
            clock.advance(Duration.ofMinutes(1));
            probe.expectMessage("fired", T);
        }
    }

    // ------------------------------------------------------------------ the tests

    @Test
    void cleanTest_passesAndItsSystemIsClosedAfterwards() {
        // A test that stops what it spawned and causes no dead letters passes, and its system is closed when it ends.
        final TestExecutionSummary summary = run(CleanSample.class);
        assertEquals(1, summary.getTestsSucceededCount(), () -> summary.getFailures().toString());
        assertNotNull(LAST.get());
        assertTrue(LAST.get().isClosed());
    }

    @Test
    void leftoverActor_failsTheTestNamingIt() {
        // A top-level actor still running when the test ends fails the test, and the message names its path; the system is closed anyway.
        final String message = failureMessage(run(LeftoverSample.class));
        assertTrue(message.contains("actors left running") && message.contains("/user/forgotten"), message);
        assertTrue(LAST.get().isClosed());
    }

    @Test
    void unexpectedDeadLetter_failsTheTestDescribingIt() {
        // A dead letter the test did not declare fails it, naming the message class, the recipient and the reason.
        final String message = failureMessage(run(DeadLetterSample.class));
        assertTrue(message.contains("1 unexpected dead letter(s)") && message.contains("String to /user/gone (RECIPIENT_STOPPED)"), message);
    }

    @Test
    void allowedDeadLetter_passes() {
        // A dead letter accepted by allowDeadLetters does not fail the test.
        final TestExecutionSummary summary = run(AllowedDeadLetterSample.class);
        assertEquals(1, summary.getTestsSucceededCount(), () -> summary.getFailures().toString());
    }

    @Test
    void manualClock_injectedAndDrivesTheSystemsTimers() {
        // withManualClock gives the system a ManualClock, injected as a parameter and returned by clock(); timers fire when it is advanced; allowLeftoverActors lets the timed actor stay.
        final TestExecutionSummary summary = run(ManualClockSample.class);
        assertEquals(1, summary.getTestsSucceededCount(), () -> summary.getFailures().toString());
        assertTrue(LAST.get().isClosed());
    }
}
