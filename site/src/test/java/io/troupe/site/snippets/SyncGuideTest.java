package io.troupe.site.snippets;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.sync.Permits;
import io.troupe.actors.sync.Topic;
import io.troupe.actors.testkit.TestProbe;
import io.troupe.testkit.ActorSystemExtension;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The code of guides/sync.md, run. */
class SyncGuideTest {
    @RegisterExtension
    static final ActorSystemExtension troupe = ActorSystemExtension.create().allowLeftoverActors();

    private static final Duration SECOND = Duration.ofSeconds(1);

    // region topic
    record Price(String symbol, long cents) {}

    /** Follows a topic of prices; a subscriber that falls too far behind is told how much it missed. */
    static final class Ticker extends Actor<Ticker.Msg> {
        sealed interface Msg {}
        record Tick(Price price) implements Msg {}
        record Missed(long count) implements Msg {}

        private final Topic<Price> prices;
        private final ActorRef<String> out;

        Ticker(Topic<Price> prices, ActorRef<String> out) {
            this.prices = prices;
            this.out = out;
        }

        @Override
        protected void preStart() {
            prices.subscribe(self(), Tick::new, lagged -> new Missed(lagged.missed()));
            out.tell("subscribed");
        }

        @Override
        protected void receive(Msg msg) {
            if (msg instanceof Tick t) out.tell(t.price().symbol() + " " + t.price().cents());
            else if (msg instanceof Missed m) out.tell("missed " + m.count());
        }
    }
    // endregion

    @Test
    void topic_deliversInPublishOrder(ActorSystem system) {
        // Every price published after the subscription reaches the subscriber, in order.
        final TestProbe<String> out = TestProbe.create(system);
        // region publish
        Topic<Price> prices = Topic.named(system, "prices", Price.class, 1024); // keeps the last 1,024
        system.spawn(() -> new Ticker(prices, out.ref()), "ticker");
        // endregion
        out.expectMessage("subscribed", SECOND);
        prices.publish(new Price("ACME", 4200));
        prices.publish(new Price("ACME", 4210));
        assertEquals(List.of("ACME 4200", "ACME 4210"), out.receiveMessages(2, SECOND));
    }

    // region permits
    /** Holds one of a few permits (say, database connections) while it works. */
    static final class Job extends Actor<Job.Msg> {
        sealed interface Msg {}
        record Granted(Permits.Permit permit) implements Msg {}

        private final Permits db;
        private final ActorRef<String> out;

        Job(Permits db, ActorRef<String> out) {
            this.db = db;
            this.out = out;
        }

        @Override
        protected void preStart() {
            db.acquire(self(), Granted::new); // no thread waits: the grant arrives as a message
        }

        @Override
        protected void receive(Msg msg) {
            if (msg instanceof Granted g) {
                out.tell("working");
                g.permit().release(); // (stopping would release it too)
            }
        }
    }
    // endregion

    @Test
    void permits_grantInTurn(ActorSystem system) {
        // Three jobs sharing two permits all get to work: releases hand permits on.
        final TestProbe<String> out = TestProbe.create(system);
        final Permits db = Permits.create(system, "db", 2);
        for (int i = 0; i < 3; i++) {
            system.spawn(() -> new Job(db, out.ref()), "job-" + i);
        }
        assertEquals(List.of("working", "working", "working"), out.receiveMessages(3, SECOND));
    }
}
