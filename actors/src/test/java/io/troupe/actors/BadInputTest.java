package io.troupe.actors;

import static io.troupe.actors.Testing.TIMEOUT;
import static io.troupe.actors.Testing.failureOf;
import static io.troupe.actors.Testing.join;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.testkit.TestProbe;
import io.troupe.timers.ManualClock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Bad input found by a new user's trial (issue #10, point 7): each gets a clear outcome, never an ArithmeticException. */
class BadInputTest {
    private static final Duration THOUSAND_YEARS = Duration.ofDays(365L * 1000);

    @Test
    void ask_thousandYearTimeout_isClampedAndTheReplyStillCompletesIt() {
        // An ask with a 1000-year timeout ("never") does not throw; the reply completes the stage as usual.
        try (ActorSystem system = Testing.system(DispatcherKind.WORK_STEALING)) {
            record Get(ActorRef<String> replyTo) {}
            final ActorRef<Get> echo = system.spawn(Actor.<Get>of((ctx, g) -> g.replyTo().tell("pong")), "echo");
            assertEquals("pong", join(echo.<String>ask(Get::new, THOUSAND_YEARS)));
            assertEquals("pong", join(echo.<String>ask(Get::new, Duration.ofSeconds(Long.MAX_VALUE))));
        }
    }

    @Test
    void timers_thousandYearDelays_areClampedNotOverflowing() {
        // Every timer kind and the receive timeout accept a 1000-year delay without throwing; the timer is active and does not fire.
        try (ActorSystem system = Testing.system(DispatcherKind.WORK_STEALING)) {
            final TestProbe<Object> probe = TestProbe.create(system);
            system.spawn(() -> new Actor<String>() {
                @Override
                protected void preStart() {
                    final StringBuilder report = new StringBuilder();
                    try {
                        context().timers().startSingleTimer("single", "s", THOUSAND_YEARS);
                        context().timers().startTimerWithFixedDelay("delay", "d", THOUSAND_YEARS);
                        context().timers().startTimerAtFixedRate("rate", "r", THOUSAND_YEARS);
                        context().setReceiveTimeout(THOUSAND_YEARS, "idle");
                        for (String k : List.of("single", "delay", "rate")) {
                            report.append(k).append('=').append(context().timers().isTimerActive(k)).append(' ');
                        }
                    } catch (RuntimeException e) {
                        report.append("threw ").append(e);
                    }
                    probe.ref().tell(report.toString().trim());
                }

                @Override
                protected void receive(String m) {
                    probe.ref().tell("fired " + m);
                }
            }, "patient");
            probe.expectMessage("single=true delay=true rate=true", TIMEOUT);
            probe.expectNoMessage(Duration.ofMillis(30));
        }
    }

    @Test
    void close_thousandYearTimeout_doesNotThrow() {
        // close(timeout) with a 1000-year timeout closes normally.
        final ActorSystem system = Testing.system(DispatcherKind.WORK_STEALING);
        system.spawn(Actor.<String>of((ctx, m) -> {}), "a");
        assertEquals(List.of(), system.close(THOUSAND_YEARS));
    }

    @Test
    void ask_replyAfterTimeout_isDeadLetterWithReasonAskTimedOut() throws Exception {
        // A reply that arrives after its ask timed out is a dead letter with reason ASK_TIMED_OUT (not RECIPIENT_STOPPED), addressed to the ask's reply ref; a second reply to an answered ask is ASK_ALREADY_COMPLETED.
        final ManualClock clock = new ManualClock();
        try (ActorSystem system = Testing.builder(DispatcherKind.WORK_STEALING).clock(clock).build()) {
            final LinkedBlockingQueue<DeadLetter> letters = new LinkedBlockingQueue<>();
            system.deadLetters().subscribe(letters::add);
            record Get(ActorRef<String> replyTo) {}
            final LinkedBlockingQueue<ActorRef<String>> pending = new LinkedBlockingQueue<>();
            final ActorRef<Get> slow = system.spawn(Actor.<Get>of((ctx, g) -> pending.add(g.replyTo())), "slow");
            final CompletionStage<String> answer = slow.ask(Get::new, Duration.ofSeconds(5));
            final ActorRef<String> replyTo = pending.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            clock.advance(Duration.ofSeconds(6));
            assertInstanceOf(TimeoutException.class, failureOf(answer));
            replyTo.tell("too late");
            final DeadLetter late = letters.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            assertEquals("too late", late.message());
            assertEquals(DeadLetter.Reason.ASK_TIMED_OUT, late.reason());
            assertEquals(slow.path() + "/$ask", late.recipient().path());

            final AtomicReference<ActorRef<String>> second = new AtomicReference<>();
            final CompletionStage<String> answered = slow.ask(Get::new, Duration.ofSeconds(5));
            second.set(pending.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
            second.get().tell("first");
            assertEquals("first", join(answered));
            second.get().tell("second");
            final DeadLetter dup = letters.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            assertEquals("second", dup.message());
            assertEquals(DeadLetter.Reason.ASK_ALREADY_COMPLETED, dup.reason());
        }
    }

    @Test
    void spawn_nameLongerThan255_refusedNamingTheLimit() {
        // A 256-character name is refused with an IllegalArgumentException that states the limit and the length; 255 characters are accepted.
        try (ActorSystem system = Testing.system(DispatcherKind.WORK_STEALING)) {
            final String ok = "a".repeat(255);
            assertTrue(system.spawn(Actor.<String>of((ctx, m) -> {}), ok).path().endsWith("/" + ok));
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> system.spawn(Actor.<String>of((ctx, m) -> {}), "b".repeat(256)));
            assertTrue(e.getMessage().contains("at most 255 characters, was 256"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> SpawnOptions.named("c".repeat(10_000)));
            assertThrows(IllegalArgumentException.class, () -> ActorSystem.builder("d".repeat(256)));
        }
    }
}
