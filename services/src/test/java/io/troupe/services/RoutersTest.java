package io.troupe.services;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.DeadLetter;
import io.troupe.actors.testkit.TestProbe;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Routers: strategies, membership by watch, resize, the balancing pool's shared queue. */
class RoutersTest {
    private static final Duration T = TestSupport.TIMEOUT;
    private final ActorSystem system = TestSupport.system();

    @AfterEach
    void close() {
        system.close();
    }

    /** A message and where the member that got it reports. */
    record Job(String key, ActorRef<String> report) {}

    /** A member that reports "its name:key" for each job. */
    private static Supplier<Actor<Job>> reporter() {
        return Actor.of((ctx, job) -> job.report().tell(ctx.self().name() + ":" + job.key()));
    }

    private static String memberOf(String report) {
        return report.substring(0, report.indexOf(':'));
    }

    @Test
    void roundRobin_eachMemberInTurn_inOrder() {
        // Six messages from one sender go to member-1, -2, -3, -1, -2, -3 (asserted as an order per key).
        final Router<Job> router = Routers.pool(system, "rr", 3, reporter(), RoutingStrategy.roundRobin());
        BufferHedgeBalanceTest.awaitTrue("3 members", () -> router.members().size() == 3);
        final TestProbe<String> probe = TestProbe.create(system);
        for (int i = 0; i < 6; i++) {
            router.ref().tell(new Job("k" + i, probe.ref()));
        }
        final Map<String, String> byKey = new HashMap<>();
        for (int i = 0; i < 6; i++) {
            final String r = probe.expectMessage(T);
            byKey.put(r.substring(r.indexOf(':') + 1), memberOf(r));
        }
        final List<String> order = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            order.add(byKey.get("k" + i));
        }
        assertEquals(List.of("member-1", "member-2", "member-3", "member-1", "member-2", "member-3"), order);
    }

    @Test
    void random_everyMessageDelivered_everyMemberUsed() {
        // 300 messages at random over 3 members: each delivered once, each member gets some.
        final Router<Job> router = Routers.pool(system, "rnd", 3, reporter(), RoutingStrategy.random());
        BufferHedgeBalanceTest.awaitTrue("3 members", () -> router.members().size() == 3);
        final TestProbe<String> probe = TestProbe.create(system);
        for (int i = 0; i < 300; i++) {
            router.ref().tell(new Job("k" + i, probe.ref()));
        }
        final Set<String> keys = new HashSet<>();
        final Set<String> members = new HashSet<>();
        for (int i = 0; i < 300; i++) {
            final String r = probe.expectMessage(T);
            assertTrue(keys.add(r.substring(r.indexOf(':') + 1)), "delivered twice: " + r);
            members.add(memberOf(r));
        }
        assertEquals(Set.of("member-1", "member-2", "member-3"), members);
    }

    @Test
    void consistentHashing_sameKeySameMember_removalMovesOnlyThatMembersKeys() {
        // Keys stick to members; when a member leaves the group, only its keys move.
        final List<ActorRef<Job>> members = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            members.add(system.spawn(reporter(), "g" + i));
        }
        final Router<Job> router = Routers.group(system, "hash", members,
                RoutingStrategy.consistentHashing(Job::key, 100));
        BufferHedgeBalanceTest.awaitTrue("4 members", () -> router.members().size() == 4);
        final TestProbe<String> probe = TestProbe.create(system);
        final Map<String, String> before = route(router, probe, 200);
        assertEquals(before, route(router, probe, 200), "same keys, same members");
        assertEquals(4, new HashSet<>(before.values()).size(), "keys spread over all members");
        router.remove(members.get(1));
        BufferHedgeBalanceTest.awaitTrue("3 members", () -> router.members().size() == 3);
        final Map<String, String> after = route(router, probe, 200);
        int moved = 0;
        for (Map.Entry<String, String> e : before.entrySet()) {
            if (e.getValue().equals("g1")) {
                assertNotEquals("g1", after.get(e.getKey()));
                moved++;
            } else {
                assertEquals(e.getValue(), after.get(e.getKey()), "key " + e.getKey() + " moved but its member stayed");
            }
        }
        assertTrue(moved > 0);
    }

    private static Map<String, String> route(Router<Job> router, TestProbe<String> probe, int n) {
        for (int i = 0; i < n; i++) {
            router.ref().tell(new Job("user-" + i, probe.ref()));
        }
        final Map<String, String> owner = new HashMap<>();
        for (int i = 0; i < n; i++) {
            final String r = probe.expectMessage(T);
            owner.put(r.substring(r.indexOf(':') + 1), memberOf(r));
        }
        return owner;
    }

    @Test
    void consistentHashing_askGoesToTheKeysMember() {
        // ask through a hashing router reaches the member owning the key and gets its reply.
        final Router<Job> router = Routers.pool(system, "hash-ask", 3, reporter(),
                RoutingStrategy.consistentHashing(Job::key, 50));
        BufferHedgeBalanceTest.awaitTrue("3 members", () -> router.members().size() == 3);
        final String first = TestSupport.join(router.ref().<String>ask(reply -> new Job("alice", reply), T));
        for (int i = 0; i < 5; i++) {
            assertEquals(first, TestSupport.join(router.ref().<String>ask(reply -> new Job("alice", reply), T)));
        }
        assertTrue(first.endsWith(":alice"));
    }

    @Test
    void smallestMailbox_sendsToTheMemberWithFewestQueued() {
        // Two members blocked on a latch; member-1 has 2 queued, member-2 has 1: the next goes to member-2.
        final CountDownLatch release = new CountDownLatch(1);
        final List<String> handled = new CopyOnWriteArrayList<>();
        final Router<String> router = Routers.pool(system, "small", 2, Actor.<String>of((ctx, m) -> {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            handled.add(ctx.self().name() + ":" + m);
        }), RoutingStrategy.smallestMailbox());
        BufferHedgeBalanceTest.awaitTrue("2 members", () -> router.members().size() == 2);
        final List<ActorRef<String>> ms = router.members();
        ms.get(0).tell("block1");
        ms.get(1).tell("block2");
        BufferHedgeBalanceTest.awaitTrue("both members busy",
                () -> ((io.troupe.mailbox.BoundedMailbox<?>) ms.get(0)).size() == 0
                        && ((io.troupe.mailbox.BoundedMailbox<?>) ms.get(1)).size() == 0);
        ms.get(0).tell("q1");
        ms.get(0).tell("q2");
        ms.get(1).tell("q3");
        router.ref().tell("routed");
        release.countDown();
        BufferHedgeBalanceTest.awaitTrue("all handled", () -> handled.size() == 6);
        assertTrue(handled.contains("member-2:routed"), handled.toString());
    }

    @Test
    void membersThatStopAreRemoved_resizeGrowsAndShrinks_emptyRouterDeadLetters() throws Exception {
        // A stopped member leaves the pool; resize spawns and stops; with no members a message
        // is a dead letter, counted.
        final Router<Job> router = Routers.pool(system, "sized", 3, reporter(), RoutingStrategy.roundRobin());
        BufferHedgeBalanceTest.awaitTrue("3 members", () -> router.members().size() == 3);
        final ActorRef<Job> victim = router.members().get(1);
        final TestProbe<String> probe = TestProbe.create(system);
        victim.tell(new Job("x", probe.ref()));
        probe.expectMessage(T);
        final ActorRef<?> manager = router.manager();
        assertEquals("/user/sized", manager.path());
        poisonPill(victim);
        BufferHedgeBalanceTest.awaitTrue("the stopped member removed", () -> router.members().size() == 2
                && !router.members().contains(victim));
        router.resize(3);
        BufferHedgeBalanceTest.awaitTrue("back to 3", () -> router.members().size() == 3);
        router.resize(5);
        BufferHedgeBalanceTest.awaitTrue("5 members", () -> router.members().size() == 5);
        router.resize(1);
        BufferHedgeBalanceTest.awaitTrue("1 member", () -> router.members().size() == 1);
        assertEquals("member-1", router.members().get(0).name(), "the newest members are stopped first");
        final List<DeadLetter> dead = new CopyOnWriteArrayList<>();
        try (AutoCloseable sub = system.deadLetters().subscribe(dead::add)) {
            router.resize(0);
            BufferHedgeBalanceTest.awaitTrue("no member", () -> router.members().isEmpty());
            router.ref().tell(new Job("lost", probe.ref()));
            BufferHedgeBalanceTest.awaitTrue("a dead letter", () -> dead.stream().anyMatch(d -> d.message() instanceof Job j && j.key().equals("lost")));
        }
        assertThrows(IllegalArgumentException.class, () -> router.resize(-1));
    }

    /** Makes a reporter member stop itself: a job whose report ref is null makes its handler throw. */
    private static void poisonPill(ActorRef<Job> member) {
        member.tell(new Job("poison", null));
    }

    @Test
    void groupMemberThatStops_isRemovedByWatch() {
        // Stopping a group member (from outside) removes it; messages then go to the others.
        final ActorRef<Job> a = system.spawn(reporter(), "a");
        final ActorRef<Job> b = system.spawn(reporter(), "b");
        final Router<Job> router = Routers.group(system, "grp", List.of(a, b), RoutingStrategy.roundRobin());
        BufferHedgeBalanceTest.awaitTrue("2 members", () -> router.members().size() == 2);
        system.stop(a);
        BufferHedgeBalanceTest.awaitTrue("a removed", () -> router.members().equals(List.of(b)));
        final TestProbe<String> probe = TestProbe.create(system);
        for (int i = 0; i < 4; i++) {
            router.ref().tell(new Job("k" + i, probe.ref()));
        }
        for (int i = 0; i < 4; i++) {
            assertEquals("b:k" + i, probe.expectMessage(T));
        }
    }

    @Test
    void balancingPool_aSlowMessageDoesNotHoldUpOthers() {
        // One worker is stuck on a slow message; the others take every other message from the
        // shared queue, and when it is released all messages have been handled once.
        final CountDownLatch release = new CountDownLatch(1);
        final List<String> handled = new CopyOnWriteArrayList<>();
        final Router<String> pool = Routers.balancingPool(system, "bal", 3, 1024, () -> m -> {
            if (m.equals("slow")) {
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            handled.add(m);
        });
        BufferHedgeBalanceTest.awaitTrue("3 workers", () -> pool.members().size() == 3);
        pool.ref().tell("slow");
        for (int i = 0; i < 100; i++) {
            pool.ref().tell("m" + i);
        }
        BufferHedgeBalanceTest.awaitTrue("the 100 quick messages handled while slow is stuck", () -> handled.size() == 100);
        assertTrue(!handled.contains("slow"));
        release.countDown();
        BufferHedgeBalanceTest.awaitTrue("slow handled", () -> handled.size() == 101);
        assertEquals(101, new HashSet<>(handled).size());
    }
}
