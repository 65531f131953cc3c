package io.troupe.actors;

import static io.troupe.actors.Testing.await;
import static io.troupe.actors.Testing.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.actors.internal.jmx.ActorSystemMBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXConnectorServer;
import javax.management.remote.JMXConnectorServerFactory;
import javax.management.remote.JMXServiceURL;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The JMX MBean of an actor system (issue 15): its attributes are the counters of
 * {@link ActorSystem#counterValues()}, read locally and over a JMX connector; its {@code dump}
 * operations return the actor tree; it is unregistered when the system closes; two systems of
 * one name get two names.
 */
@Timeout(60)
class JmxMBeanTest {
    private static final MBeanServer PLATFORM = ManagementFactory.getPlatformMBeanServer();

    /** A quiet scene: two actors alive, 30 messages handled, 3 dead letters; the watchdog scans only every 30 min. */
    private static ActorSystem scene(String name) throws Exception {
        final ActorSystem system = ActorSystem.builder(name).parallelism(2).deadLetterLogsPerSecond(0)
                .slowHandlerThreshold(Duration.ofHours(1)).build();
        final CountDownLatch handled = new CountDownLatch(30);
        final ActorRef<String> a = system.spawn(Actor.<String>of((ctx, m) -> handled.countDown()), "a");
        system.spawn(Actor.<String>of((ctx, m) -> { }), "b");
        final ActorRef<String> doomed = system.spawn(Actor.<String>of((ctx, m) -> ctx.stop(ctx.self())), "doomed");
        for (int i = 0; i < 30; i++) {
            a.tell("m" + i);
        }
        await(handled, "30 messages");
        doomed.tell("stop");
        Testing.join(system.whenTerminated(doomed));
        // the alive count drops as the stop finishes, which may be just after whenTerminated completes
        awaitTrue("2 actors alive", () -> system.counterValues().get("actors alive") == 2);
        for (int i = 0; i < 3; i++) {
            doomed.tell("to a stopped actor");
        }
        awaitTrue("3 dead letters", () -> system.counterValues().get("dead letters") == 3);
        return system;
    }

    /** Reads every attribute of {@code name} through {@code server} in one call; returns them in MBeanInfo's order. */
    private static Map<String, Object> attributes(MBeanServerConnection server, ObjectName name) throws Exception {
        final List<String> names = new ArrayList<>();
        for (MBeanAttributeInfo a : server.getMBeanInfo(name).getAttributes()) {
            names.add(a.getName());
        }
        final AttributeList list = server.getAttributes(name, names.toArray(new String[0]));
        final Map<String, Object> values = new LinkedHashMap<>();
        for (Attribute a : list.asList()) {
            values.put(a.getName(), a.getValue());
        }
        return values;
    }

    /** What the MBean should show for {@code counters}: SystemName, then each counter under its camel-case name. */
    private static Map<String, Object> expected(String systemName, Map<String, Long> counters) {
        final Map<String, Object> values = new LinkedHashMap<>();
        values.put("SystemName", systemName);
        counters.forEach((label, value) -> values.put(ActorSystemMBean.attributeName(label), value));
        return values;
    }

    /**
     * Reads the MBean when the counters are still (the same before and after the read), and
     * checks it shows exactly what {@code counterValues()} shows.
     */
    private static void assertShowsCounters(MBeanServerConnection server, ObjectName name, ActorSystem system) {
        final AtomicReference<Map<String, Long>> before = new AtomicReference<>();
        final AtomicReference<Map<String, Object>> read = new AtomicReference<>();
        awaitTrue("the counters to hold still across one read", () -> {
            try {
                before.set(system.counterValues());
                read.set(attributes(server, name));
                return before.get().equals(system.counterValues());
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        assertEquals(expected(system.name(), before.get()), read.get());
    }

    @Test
    void platformServer_attributesAreTheCounterValues() throws Exception {
        // Every counter is an attribute under its camel-case name, with the value counterValues() gives, in the same order.
        try (ActorSystem system = scene(Testing.uniqueName("jmx-local"))) {
            final ObjectName name = new ObjectName("io.troupe:type=ActorSystem,name=" + system.name());
            assertEquals(name.toString(), system.jmxObjectName().orElseThrow());
            assertShowsCounters(PLATFORM, name, system);
            final Map<String, Object> values = attributes(PLATFORM, name);
            assertEquals(2L, values.get("ActorsAlive"));
            assertEquals(3L, values.get("ActorsSpawned"));
            assertEquals(3L, values.get("DeadLetters"));
            assertTrue((Long) values.get("MessagesHandled") >= 31, values.toString());
            assertTrue(values.keySet().containsAll(List.of("Activations", "Steals", "Parks", "SelectorPolls",
                    "TimersPending", "SocketsOpen", "ListenersOpen", "UdpSocketsOpen", "Restarts", "MailboxOverflows", "HeartbeatEpochMs")), values.keySet().toString());
            assertEquals(system.counterValues().get("actors alive"), PLATFORM.getAttribute(name, "ActorsAlive"));
        }
    }

    @Test
    void connector_attributesAndDumpOverJmxRemote() throws Exception {
        // Over an RMI connector on the loopback interface: the same attributes, and dump()/dump(int) return the tree.
        final JMXConnectorServer server = JMXConnectorServerFactory.newJMXConnectorServer(
                new JMXServiceURL("service:jmx:rmi://127.0.0.1"), null, PLATFORM);
        server.start();
        try (ActorSystem system = scene(Testing.uniqueName("jmx-remote"));
             JMXConnector client = JMXConnectorFactory.connect(server.getAddress())) {
            final MBeanServerConnection remote = client.getMBeanServerConnection();
            final ObjectName name = new ObjectName(system.jmxObjectName().orElseThrow());
            assertShowsCounters(remote, name, system);

            final String dump = (String) remote.invoke(name, "dump", null, null);
            final List<String> lines = dump.lines().toList();
            assertEquals("actor system " + system.name() + ": 4 actors listed, 0 not listed", lines.get(0));
            assertTrue(lines.get(1).startsWith("PATH"), lines.get(1));
            // breadth first: the guardians, then /user's children in spawn order
            final List<String> paths = lines.subList(2, lines.size()).stream().map(l -> l.split("\\s+")[0]).toList();
            assertEquals(List.of("/user", "/system", "/user/a", "/user/b"), paths.subList(0, 4));
            assertTrue(lines.get(4).matches("/user/a\\s+IDLE\\s+0/\\d+\\s+.*"), lines.get(4));

            final String one = (String) remote.invoke(name, "dump", new Object[] {1}, new String[] {"int"});
            assertEquals(List.of("actor system " + system.name() + ": 1 actors listed, 3 not listed"), one.lines().limit(1).toList());
            assertTrue(one.lines().skip(2).findFirst().orElseThrow().startsWith("/user "), one);
            assertTrue(one.endsWith("... and 3 more actors not listed\n"), one);
        } finally {
            server.stop();
        }
    }

    @Test
    void close_unregistersTheMBean() throws Exception {
        // While the system runs its MBean is registered; once close() returns it is gone.
        final ActorSystem system = Testing.system(DispatcherKind.WORK_STEALING);
        final ObjectName name = new ObjectName(system.jmxObjectName().orElseThrow());
        assertTrue(PLATFORM.isRegistered(name));
        system.close();
        assertFalse(PLATFORM.isRegistered(name), name + " after close");
        assertEquals(List.of(), List.copyOf(PLATFORM.queryNames(new ObjectName("io.troupe:type=ActorSystem,name=" + system.name() + "*"), null)));
    }

    @Test
    void twoSystemsOfOneName_twoMBeans_eachShowsItsOwn() throws Exception {
        // A second system of the same name gets name#2; each MBean reads its own system; a name freed by close is reused.
        final String n = Testing.uniqueName("jmx-twin");
        try (ActorSystem first = ActorSystem.builder(n).parallelism(1).build()) {
            final ObjectName firstName = new ObjectName("io.troupe:type=ActorSystem,name=" + n);
            final ObjectName secondName = new ObjectName("io.troupe:type=ActorSystem,name=" + n + "#2");
            first.spawn(Actor.<String>of((ctx, m) -> { }), "only");
            try (ActorSystem second = ActorSystem.builder(n).parallelism(1).build()) {
                second.spawn(Actor.<String>of((ctx, m) -> { }), "one");
                second.spawn(Actor.<String>of((ctx, m) -> { }), "two");
                assertEquals(firstName.toString(), first.jmxObjectName().orElseThrow());
                assertEquals(secondName.toString(), second.jmxObjectName().orElseThrow());
                assertEquals(List.of(n, n), List.of(PLATFORM.getAttribute(firstName, "SystemName"),
                        PLATFORM.getAttribute(secondName, "SystemName")));
                assertEquals(List.of(1L, 2L), List.of(PLATFORM.getAttribute(firstName, "ActorsAlive"),
                        PLATFORM.getAttribute(secondName, "ActorsAlive")));
                assertTrue(((String) PLATFORM.invoke(secondName, "dump", null, null)).contains("/user/two"));
                assertFalse(((String) PLATFORM.invoke(firstName, "dump", null, null)).contains("/user/two"));
                first.close();
                assertFalse(PLATFORM.isRegistered(firstName));
                assertTrue(PLATFORM.isRegistered(secondName), "the other system's MBean stays");
                try (ActorSystem third = ActorSystem.builder(n).parallelism(1).build()) {
                    assertEquals(firstName.toString(), third.jmxObjectName().orElseThrow(), "the freed name is taken again");
                }
            }
            assertFalse(PLATFORM.isRegistered(secondName));
        }
    }

    @Test
    void nameWithReservedCharacters_isQuoted() throws Exception {
        // A system name with ':' and '=' (allowed in names, reserved in ObjectName values) registers under a quoted name.
        final String n = Testing.uniqueName("jmx:a=b");
        try (ActorSystem system = ActorSystem.builder(n).parallelism(1).build()) {
            final ObjectName name = new ObjectName(system.jmxObjectName().orElseThrow());
            assertEquals(ObjectName.quote(n), name.getKeyProperty("name"));
            assertEquals(n, PLATFORM.getAttribute(name, "SystemName"));
        }
    }

    @Test
    void jmxOff_noMBean() throws Exception {
        // Builder.jmx(false): nothing registered, and jmxObjectName() says so.
        final String n = Testing.uniqueName("jmx-off");
        try (ActorSystem system = ActorSystem.builder(n).parallelism(1).jmx(false).build()) {
            assertEquals(java.util.Optional.empty(), system.jmxObjectName());
            assertEquals(List.of(), List.copyOf(PLATFORM.queryNames(new ObjectName("io.troupe:type=ActorSystem,name=" + n + "*"), null)));
        }
    }
}
