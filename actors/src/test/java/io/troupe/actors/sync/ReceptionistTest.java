package io.troupe.actors.sync;

import static io.troupe.actors.sync.SyncTesting.TIMEOUT;
import static io.troupe.actors.sync.SyncTesting.awaitTrue;
import static io.troupe.actors.sync.SyncTesting.join;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.DeadLetter;
import io.troupe.actors.testkit.TestProbe;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ReceptionistTest {
    private static final ServiceKey<String> ECHO = ServiceKey.of("echo", String.class);

    private final ActorSystem system = SyncTesting.system("reception");

    @AfterEach
    void close() {
        system.close();
    }

    private ActorRef<String> service(String name) {
        return system.spawn(SyncTesting.<String>actor((ctx, m) -> { }), name);
    }

    @Test
    void register_find_deregister_listsTheActorsInRegistrationOrder() {
        // find answers the registered set in registration order; deregister removes exactly that actor.
        final Receptionist r = Receptionist.of(system);
        assertSame(r, Receptionist.of(system));
        final ActorRef<String> a = service("a");
        final ActorRef<String> b = service("b");
        r.register(ECHO, a);
        r.register(ECHO, b);
        r.register(ECHO, a); // twice is once
        final Receptionist.Listing<String> both = join(r.find(ECHO, TIMEOUT));
        assertEquals(ECHO, both.key());
        assertEquals(List.of(a, b), List.copyOf(both.services()));
        r.deregister(ECHO, a);
        assertEquals(Set.of(b), join(r.find(ECHO, TIMEOUT)).services());
        assertEquals(Set.of(), join(r.find(ServiceKey.of("nobody", String.class), TIMEOUT)).services());
    }

    @Test
    void keys_equalByIdAndType_notByIdentity() {
        // A key rebuilt from the same id and type finds what was registered under another instance.
        final Receptionist r = Receptionist.of(system);
        final ActorRef<String> a = service("a");
        r.register(ServiceKey.of("echo", String.class), a);
        assertEquals(Set.of(a), join(r.find(new ServiceKey<>("echo", String.class), TIMEOUT)).services());
    }

    @Test
    void subscribe_getsCurrentSetThenEveryChange_includingStop() {
        // A subscriber receives the listing at once, after each registration, and after a registered actor stops.
        final Receptionist r = Receptionist.of(system);
        final TestProbe<Object> probe = TestProbe.create(system);
        r.subscribe(ECHO, probe.ref(), listing -> listing);
        assertEquals(Set.of(), ((Receptionist.Listing<?>) probe.expectMessage(TIMEOUT)).services());
        final ActorRef<String> a = service("a");
        r.register(ECHO, a);
        assertEquals(Set.of(a), ((Receptionist.Listing<?>) probe.expectMessage(TIMEOUT)).services());
        final ActorRef<String> b = service("b");
        r.register(ECHO, b);
        assertEquals(List.of(a, b), List.copyOf(((Receptionist.Listing<?>) probe.expectMessage(TIMEOUT)).services()));
        system.stop(a);
        assertEquals(Set.of(b), ((Receptionist.Listing<?>) probe.expectMessage(TIMEOUT)).services());
        assertEquals(Set.of(b), join(r.find(ECHO, TIMEOUT)).services());
    }

    @Test
    void keyOfAnotherType_isAClearErrorNamingBothTypes() {
        // An id belongs to its first type: another type under it is refused at once, and nothing is registered.
        final Receptionist r = Receptionist.of(system);
        r.register(ECHO, service("a"));
        final ServiceKey<Integer> wrong = ServiceKey.of("echo", Integer.class);
        final ActorRef<Integer> numbers = system.spawn(SyncTesting.<Integer>actor((ctx, m) -> { }), "numbers");
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> r.register(wrong, numbers));
        assertTrue(e.getMessage().contains("java.lang.String") && e.getMessage().contains("java.lang.Integer"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> r.find(wrong, TIMEOUT));
        assertEquals(1, join(r.find(ECHO, TIMEOUT)).services().size());
    }

    @Test
    void subscribingStoppedActor_firstListingIsADeadLetter_thenItIsDropped() {
        // A stopped subscriber is not kept: its first listing goes to dead letters (counted, visible), later changes send it nothing.
        final Receptionist r = Receptionist.of(system);
        final List<DeadLetter> letters = new CopyOnWriteArrayList<>();
        system.deadLetters().subscribe(letters::add);
        final ActorRef<Object> gone = system.spawn(SyncTesting.actor((ctx, m) -> { }), "gone");
        final TestProbe<Object> watcher = TestProbe.create(system);
        watcher.watch(gone);
        system.stop(gone);
        watcher.expectTerminated(gone, TIMEOUT);
        r.subscribe(ECHO, gone, listing -> listing);
        awaitTrue("the first listing is a dead letter", () -> letters.size() == 1);
        assertEquals(gone, letters.get(0).recipient());
        assertTrue(letters.get(0).message() instanceof Receptionist.Listing<?>);
        // the Terminated from watching a stopped actor comes through the system lane, ahead of this registration
        r.register(ECHO, service("a"));
        join(r.find(ECHO, TIMEOUT)); // the registration (and any listing it sends) is done
        assertEquals(1, letters.size(), "a listing was sent to the stopped subscriber after it was dropped");
    }
}
