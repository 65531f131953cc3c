package io.troupe.site.snippets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.Signal;
import io.troupe.actors.SpawnOptions;
import io.troupe.actors.Terminated;
import io.troupe.actors.testkit.TestProbe;
import io.troupe.mailbox.OverflowPolicy;
import io.troupe.testkit.ActorSystemExtension;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The code of guides/actors.md, run. */
@ExtendWith(ActorSystemExtension.class)
class ActorsGuideTest {
    private static final Duration SECOND = Duration.ofSeconds(1);

    // region account
    static final class Account extends Actor<Account.Msg> {
        sealed interface Msg {}
        record Deposit(long cents) implements Msg {}
        record Withdraw(long cents, ActorRef<Boolean> replyTo) implements Msg {}
        record Balance(ActorRef<Long> replyTo) implements Msg {}

        private long balance;

        @Override
        protected void receive(Msg msg) {
            if (msg instanceof Deposit d) {
                balance += d.cents();
            } else if (msg instanceof Withdraw w) {
                boolean ok = w.cents() <= balance;
                if (ok) balance -= w.cents();
                w.replyTo().tell(ok);
            } else if (msg instanceof Balance b) {
                b.replyTo().tell(balance);
            }
        }
    }
    // endregion

    @Test
    void verbs_tellOfferSendAsk(ActorSystem system) {
        // The four sending verbs, each doing what the guide says.
        // region verbs
        ActorRef<Account.Msg> account = system.spawn(Account::new, "account");

        account.tell(new Account.Deposit(500));                        // fire and forget
        boolean queued = account.offer(new Account.Deposit(250));       // false if the mailbox is full
        CompletionStage<Void> enqueued = account.send(new Account.Deposit(250)); // waits for room, blocks no thread
        CompletionStage<Long> balance = account.ask(Account.Balance::new, Duration.ofSeconds(1)); // request/response
        // endregion
        assertTrue(queued);
        enqueued.toCompletableFuture().join();
        assertEquals(1000L, balance.toCompletableFuture().join());
        final boolean ok = account.<Boolean>ask(r -> new Account.Withdraw(2000, r), SECOND).toCompletableFuture().join();
        assertEquals(false, ok);
        system.stop(account);
    }

    @Test
    void spawnOptions_boundedMailboxWithPolicy(ActorSystem system) {
        // A named actor with its own mailbox size and overflow policy answers like any other.
        // region spawn-options
        ActorRef<Account.Msg> account = system.spawn(Account::new,
                SpawnOptions.named("savings").withMailbox(1024, OverflowPolicy.FAIL_SENDER));
        // endregion
        assertEquals("savings", account.name());
        account.tell(new Account.Deposit(7));
        assertEquals(7L, account.ask(Account.Balance::new, SECOND).toCompletableFuture().join());
        system.stop(account);
    }

    // region watch
    /** Spawns a worker child, watches it, and reports when it is gone. */
    static final class Parent extends Actor<String> {
        private final ActorRef<String> report;

        Parent(ActorRef<String> report) {
            this.report = report;
        }

        @Override
        protected void preStart() {
            ActorRef<String> worker = context().spawn(Actor.of((ctx, msg) -> {
                if (msg.equals("quit")) ctx.stop(ctx.self());
            }), "worker");
            context().watch(worker);
            worker.tell("quit");
        }

        @Override
        protected void receive(String msg) {}

        @Override
        protected void onSignal(Signal signal) {
            if (signal instanceof Terminated t) {
                report.tell(t.ref().name() + " stopped");
            }
        }
    }
    // endregion

    @Test
    void watch_deliversTerminated(ActorSystem system) {
        // A watched child that stops itself produces exactly one Terminated at its parent.
        final TestProbe<String> report = TestProbe.create(system);
        final ActorRef<String> parent = system.spawn(() -> new Parent(report.ref()), "parent");
        report.expectMessage("worker stopped", SECOND);
        report.expectNoMessage(Duration.ofMillis(50));
        system.stop(parent);
    }

    // region become
    /** A turnstile: locked until paid, then lets one through. */
    static final class Turnstile extends Actor<Turnstile.Msg> {
        sealed interface Msg {}
        record Coin() implements Msg {}
        record Push(ActorRef<String> replyTo) implements Msg {}

        @Override
        protected void receive(Msg msg) { // locked
            if (msg instanceof Coin) become(this::unlocked);
            else if (msg instanceof Push p) p.replyTo().tell("locked");
        }

        private void unlocked(Msg msg) {
            if (msg instanceof Push p) {
                p.replyTo().tell("through");
                unbecome(); // back to receive: locked
            }
        }
    }
    // endregion

    @Test
    void become_switchesHandler(ActorSystem system) {
        // Push, Coin, Push, Push answers locked, through, locked: the handler switched and back.
        final TestProbe<String> probe = TestProbe.create(system);
        final ActorRef<Turnstile.Msg> t = system.spawn(Turnstile::new, "turnstile");
        t.tell(new Turnstile.Push(probe.ref()));
        t.tell(new Turnstile.Coin());
        t.tell(new Turnstile.Push(probe.ref()));
        t.tell(new Turnstile.Push(probe.ref()));
        assertEquals(java.util.List.of("locked", "through", "locked"), probe.receiveMessages(3, SECOND));
        system.stop(t);
    }
}
