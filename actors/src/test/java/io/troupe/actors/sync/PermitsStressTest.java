package io.troupe.actors.sync;

import static io.troupe.actors.sync.SyncTesting.SCALE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorSystem;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Churn: thousands of short-lived holders from several threads; a holder releases, stops
 * while holding, crashes while holding, or crashes before its permit comes. The permits in use
 * never exceed the count, every surviving request is granted, and at the end all permits are free.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class PermitsStressTest {
    private static final int COUNT = 3;
    private static final int HOLDERS = 2_000 * SCALE;
    private static final int SPAWNERS = 4;

    @Test
    void churnWithCrashingHolders_neverMoreThanCount_noPermitLeaks() throws Exception {
        // In-use (incremented on grant, decremented before any give-back) never exceeds COUNT; all end free.
        try (ActorSystem system = SyncTesting.system("permits-stress")) {
            final Permits permits = Permits.create(system, "pool", COUNT);
            final AtomicInteger inUse = new AtomicInteger();
            final AtomicInteger maxInUse = new AtomicInteger();
            final AtomicInteger granted = new AtomicInteger();
            final int crashEarly = HOLDERS / 10; // every 10th holder crashes before its grant can arrive
            final CountDownLatch done = new CountDownLatch(HOLDERS - crashEarly);
            final List<Thread> spawners = new ArrayList<>();
            for (int s = 0; s < SPAWNERS; s++) {
                final int first = s;
                spawners.add(new Thread(() -> {
                    for (int i = first; i < HOLDERS; i += SPAWNERS) {
                        final boolean early = i % 10 == 9;
                        final int way = i % 3;
                        system.spawnAnonymous(() -> new Holder(permits, early, way, inUse, maxInUse, granted, done));
                    }
                }, "spawner-" + s));
            }
            spawners.forEach(Thread::start);
            for (Thread t : spawners) {
                t.join();
            }
            assertTrue(done.await(150, TimeUnit.SECONDS), "holders still waiting: " + done.getCount());
            assertTrue(maxInUse.get() <= COUNT, "in use at once: " + maxInUse.get() + " > " + COUNT);
            // every early crasher's request was either dropped or granted and freed by its stop
            SyncTesting.awaitTrue("every permit is free again",
                    () -> SyncTesting.join(permits.available(SyncTesting.TIMEOUT)) == COUNT);
            System.out.println("PermitsStressTest: " + granted.get() + " grants, max in use " + maxInUse.get());
            assertEquals(COUNT, maxInUse.get(), "the churn never had all permits out at once (too little contention)");
        }
    }

    /** Asks for a permit in preStart; on grant, gives it back in one of three ways. */
    static final class Holder extends Actor<Object> {
        private final Permits permits;
        private final boolean crashEarly;
        private final int way;
        private final AtomicInteger inUse;
        private final AtomicInteger maxInUse;
        private final AtomicInteger granted;
        private final CountDownLatch done;

        Holder(Permits permits, boolean crashEarly, int way, AtomicInteger inUse, AtomicInteger maxInUse,
               AtomicInteger granted, CountDownLatch done) {
            this.permits = permits;
            this.crashEarly = crashEarly;
            this.way = way;
            this.inUse = inUse;
            this.maxInUse = maxInUse;
            this.granted = granted;
            this.done = done;
        }

        @Override
        protected void preStart() {
            permits.acquire(self(), p -> p);
            if (crashEarly) {
                throw new IllegalStateException("crash before the grant (on purpose)");
            }
        }

        record Done(Permits.Permit permit) {}

        @Override
        protected void receive(Object m) {
            if (m instanceof Permits.Permit p) {
                // held from here until Done is handled: other holders run in between
                final int now = inUse.incrementAndGet();
                maxInUse.accumulateAndGet(now, Math::max);
                granted.incrementAndGet();
                context().timers().startSingleTimer("hold", new Done(p), java.time.Duration.ofMillis(1));
                return;
            }
            final Permits.Permit p = ((Done) m).permit();
            inUse.decrementAndGet(); // before any give-back: the next holder may start at once
            done.countDown();
            switch (way) {
                case 0 -> {
                    p.release();
                    context().stop(self());
                }
                case 1 -> context().stop(self()); // stops holding it
                default -> throw new IllegalStateException("crash while holding (on purpose)");
            }
        }
    }
}
