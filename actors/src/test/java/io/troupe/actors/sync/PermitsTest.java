package io.troupe.actors.sync;

import static io.troupe.actors.sync.SyncTesting.TIMEOUT;
import static io.troupe.actors.sync.SyncTesting.join;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.testkit.TestProbe;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PermitsTest {
    private final ActorSystem system = SyncTesting.system("permits");

    @AfterEach
    void close() {
        system.close();
    }

    @Test
    void acquire_answeredWhenFree_inRequestOrder() {
        // With one permit, the second and third requests are answered only after releases, in the order asked.
        final Permits permits = Permits.create(system, "one", 1);
        final TestProbe<Object> a = TestProbe.create(system);
        final TestProbe<Object> b = TestProbe.create(system);
        final TestProbe<Object> c = TestProbe.create(system);
        permits.acquire(a.ref(), p -> p);
        final Permits.Permit pa = (Permits.Permit) a.expectMessage(TIMEOUT);
        permits.acquire(b.ref(), p -> p);
        permits.acquire(c.ref(), p -> p);
        assertEquals(0, join(permits.available(TIMEOUT))); // both requests reached the semaphore, neither answered
        assertEquals(0, b.pendingMessages());
        assertEquals(0, c.pendingMessages());
        pa.release();
        final Permits.Permit pb = (Permits.Permit) b.expectMessage(TIMEOUT);
        assertEquals(b.ref(), pb.holder());
        assertEquals(0, c.pendingMessages());
        pb.release();
        ((Permits.Permit) c.expectMessage(TIMEOUT)).release();
        assertEquals(1, join(permits.available(TIMEOUT)));
    }

    @Test
    void holderThatStops_givesItsPermitBack_andALateReleaseIsAnError() {
        // A holder stopping without releasing frees its permit for the next waiter; releasing that permit afterwards is refused.
        final Permits permits = Permits.create(system, "crash", 1);
        final ActorRef<Object> holder = system.spawn(SyncTesting.actor((ctx, m) -> {
            if (m instanceof Permits.Permit) {
                throw new IllegalStateException("crash while holding the permit (on purpose)");
            }
        }), "holder");
        final TestProbe<Object> next = TestProbe.create(system);
        permits.acquire(holder, p -> p);
        permits.acquire(next.ref(), p -> p);
        final Permits.Permit got = (Permits.Permit) next.expectMessage(TIMEOUT);
        assertEquals(next.ref(), got.holder());
        got.release();
        final IllegalStateException e = assertThrows(IllegalStateException.class, got::release);
        assertTrue(e.getMessage().contains("already released"), e.getMessage());
        assertEquals(1, join(permits.available(TIMEOUT)));
    }

    @Test
    void badInput_clearErrors() {
        // A non-positive count and a taken name are refused with messages saying which.
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Permits.create(system, "zero", 0));
        assertTrue(e.getMessage().contains("0"), e.getMessage());
        Permits.create(system, "taken", 2);
        assertThrows(IllegalArgumentException.class, () -> Permits.create(system, "taken", 2));
        assertThrows(NullPointerException.class, () -> Permits.create(system, "x", 1).acquire(null, p -> p));
        assertEquals(Duration.ofSeconds(20), TIMEOUT);
    }
}
