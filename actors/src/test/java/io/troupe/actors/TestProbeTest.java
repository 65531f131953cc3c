package io.troupe.actors;

import static io.troupe.actors.Testing.TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.testkit.TestProbe;
import java.time.Duration;

/** The test kit's probe: what it returns, and that its failed expectations fail the test. */
class TestProbeTest {
    private static final Duration SHORT = Duration.ofMillis(20);

    @BothDispatchers
    void expectMessage_messagesTold_returnsThemInOrder(DispatcherKind kind) {
        // The probe hands over what its ref received, in arrival order, and counts what is still pending.
        try (ActorSystem system = Testing.system(kind)) {
            final TestProbe<Object> probe = TestProbe.create(system, "named-probe");
            assertEquals("/system/named-probe", probe.ref().path());
            probe.ref().tell("a");
            probe.ref().tell(2);
            probe.ref().tell("c");
            Testing.awaitTrue("three messages pending", () -> probe.pendingMessages() == 3);
            assertEquals("a", probe.expectMessage(TIMEOUT));
            assertEquals(2, probe.expectMessage(2, TIMEOUT));
            assertEquals("c", probe.expectMessageClass(String.class, TIMEOUT));
            assertEquals(0, probe.pendingMessages());
        }
    }

    @BothDispatchers
    void expectations_notMet_throwAssertionError(DispatcherKind kind) {
        // A wrong message, a wrong class, a missing message and an unexpected message each fail with AssertionError.
        try (ActorSystem system = Testing.system(kind)) {
            final TestProbe<Object> probe = TestProbe.create(system);
            probe.ref().tell("x");
            assertTrue(assertThrows(AssertionError.class, () -> probe.expectMessage("y", TIMEOUT)).getMessage().contains("x"));
            probe.ref().tell("x");
            assertThrows(AssertionError.class, () -> probe.expectMessageClass(Integer.class, TIMEOUT));
            assertTrue(assertThrows(AssertionError.class, () -> probe.expectMessage(SHORT)).getMessage().contains("within"));
            assertThrows(AssertionError.class, () -> probe.expectSignal(SHORT));
            probe.ref().tell("surprise");
            Testing.awaitTrue("the surprise arrived", () -> probe.pendingMessages() == 1);
            assertThrows(AssertionError.class, () -> probe.expectNoMessage(SHORT));
            probe.expectNoMessage(SHORT);
        }
    }

    @BothDispatchers
    void expectTerminated_stoppedActor_returnsItsTerminated(DispatcherKind kind) {
        // expectTerminated watches the actor and returns its Terminated; an actor that keeps running makes it fail.
        try (ActorSystem system = Testing.system(kind)) {
            final TestProbe<Object> probe = TestProbe.create(system);
            final ActorRef<String> alive = system.spawn(Actor.<String>of((ctx, m) -> {}), "alive");
            assertThrows(AssertionError.class, () -> probe.expectTerminated(alive, SHORT));
            final ActorRef<String> doomed = system.spawn(Actor.<String>of((ctx, m) -> ctx.stop(ctx.self())), "doomed");
            doomed.tell("die");
            assertSame(doomed, probe.expectTerminated(doomed, TIMEOUT).ref());
            system.stop(alive);
            assertSame(alive, probe.expectSignal(TIMEOUT).ref(), "the earlier watch reports too");
        }
    }

    @org.junit.jupiter.api.Test
    void create_nullSystem_throwsNullPointer() {
        // The probe fails fast on a missing system.
        assertThrows(NullPointerException.class, () -> TestProbe.create(null));
    }

    @BothDispatchers
    void receiveMessages_n_returnsThemInArrivalOrderOrFailsListingWhatCame(DispatcherKind kind) {
        // receiveMessages(n) returns exactly the next n messages in order; with fewer in time it fails and lists those that came.
        try (ActorSystem system = Testing.system(kind)) {
            final TestProbe<Object> probe = TestProbe.create(system);
            for (int i = 0; i < 5; i++) {
                probe.ref().tell("m" + i);
            }
            assertEquals(java.util.List.of("m0", "m1", "m2"), probe.receiveMessages(3, TIMEOUT));
            final AssertionError e = assertThrows(AssertionError.class, () -> probe.receiveMessages(3, SHORT));
            assertTrue(e.getMessage().contains("2 of 3") && e.getMessage().contains("[m3, m4]"), e.getMessage());
            assertEquals(java.util.List.of(), probe.receiveMessages(0, SHORT));
        }
    }

    @BothDispatchers
    void fishForMessage_skipsUntilTheTargetAndReturnsIt(DispatcherKind kind) {
        // fishForMessage discards non-matching messages and returns the first match; the message after it stays for the next expectation; no match fails listing the discarded ones.
        try (ActorSystem system = Testing.system(kind)) {
            final TestProbe<Object> probe = TestProbe.create(system);
            probe.ref().tell("tick");
            probe.ref().tell("tick");
            probe.ref().tell("done 7");
            probe.ref().tell("after");
            assertEquals("done 7", probe.fishForMessage(TIMEOUT, m -> m.toString().startsWith("done")));
            assertEquals("after", probe.expectMessage(TIMEOUT));
            probe.ref().tell("noise");
            final AssertionError e = assertThrows(AssertionError.class, () -> probe.fishForMessage(SHORT, m -> false));
            assertTrue(e.getMessage().contains("[noise]"), e.getMessage());
        }
    }

    @BothDispatchers
    void awaitAssert_passesOnceTheStateHoldsAndRethrowsTheLastFailureOtherwise(DispatcherKind kind) {
        // awaitAssert retries until the assertion holds (state changed by an actor later), and rethrows the assertion's own failure when it never holds.
        try (ActorSystem system = Testing.system(kind)) {
            final TestProbe<Object> probe = TestProbe.create(system);
            final java.util.concurrent.atomic.AtomicInteger counter = new java.util.concurrent.atomic.AtomicInteger();
            final ActorRef<Integer> adder = system.spawn(Actor.<Integer>of((ctx, n) -> counter.addAndGet(n)), "adder");
            for (int i = 0; i < 10; i++) {
                adder.tell(1);
            }
            probe.awaitAssert(() -> assertEquals(10, counter.get()), TIMEOUT);
            final AssertionError e = assertThrows(AssertionError.class,
                    () -> probe.awaitAssert(() -> assertEquals(11, counter.get(), "the counter"), SHORT));
            assertTrue(e.getMessage().contains("the counter") && e.getMessage().contains("11"), e.getMessage());
        }
    }

    @BothDispatchers
    void expect_thousandYearTimeout_doesNotOverflow(DispatcherKind kind) {
        // A 1000-year wait is just a long wait: a message that is there returns at once.
        try (ActorSystem system = Testing.system(kind)) {
            final TestProbe<Object> probe = TestProbe.create(system);
            probe.ref().tell("x");
            assertEquals("x", probe.expectMessage(Duration.ofDays(365L * 1000)));
        }
    }
}
