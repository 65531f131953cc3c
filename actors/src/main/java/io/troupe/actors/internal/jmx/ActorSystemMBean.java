package io.troupe.actors.internal.jmx;

import io.troupe.actors.ActorDump;
import io.troupe.actors.ActorSystem;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.InvalidAttributeValueException;
import javax.management.JMException;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanException;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanParameterInfo;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import javax.management.ReflectionException;

/**
 * One actor system seen through JMX (issue 15): its counters as read-only attributes and its
 * actor dump as operations, registered in the platform MBean server as
 * {@code io.troupe:type=ActorSystem,name=<system name>} while the system runs.
 *
 * <p>Attributes: {@code SystemName}, then one {@code long} a counter, named after the counter's
 * label in upper camel case ("messages handled" is {@code MessagesHandled}, "heartbeat (epoch
 * ms)" is {@code HeartbeatEpochMs}), with the values of {@link ActorSystem#counterValues()} (the
 * per-worker counts folded at each read). Operations: {@code dump()} and {@code dump(int
 * maxActors)}, {@link ActorSystem#dump(int)} as a text table, one actor a line (a
 * {@code String}, which jconsole and {@code jmxterm} show as it is).
 *
 * <p>Names: a second system of the same name in one JVM gets {@code name=<name>#2}, a third
 * {@code #3}, and so on ({@code #} is not allowed in a system's name, so no suffixed name can
 * be another system's own); a name with a character that {@link ObjectName} reserves is quoted.
 * {@link ActorSystem#jmxObjectName()} says which name a system got.
 *
 * <p>Thread safe: every method may be called by any thread, while or after the system runs; a
 * closed system answers with what is left (its last counters, an empty tree).
 */
public final class ActorSystemMBean implements DynamicMBean {
    /*
     * Threading protocol: JMX callers (local or a connector's threads) call getAttribute(s) and
     * invoke concurrently; both only call the system's public any-thread readers. register()
     * runs once, on the thread building the system; unregister() once, on the closing thread.
     * Invariants: `attributes` maps every attribute name but SystemName to a counter label, in
     * the counters' order; the counters' labels never change after the system is built.
     * Memory ordering: all fields are final; the MBean server publishes the instance.
     * Shutdown: unregister() removes it from the server (the server then no longer holds the
     * system); a second call, or one after someone else unregistered it, does nothing.
     * References: javax.management.DynamicMBean; Pekko and Kafka publish their metrics as
     * attributes of one MBean per instance in the same way.
     */
    private static final System.Logger LOG = System.getLogger("io.troupe.actors.jmx");
    /** The domain of Troupe's MBeans. */
    public static final String DOMAIN = "io.troupe";
    /** The attribute holding the system's name. */
    public static final String SYSTEM_NAME = "SystemName";
    /** The dump operation's name. */
    public static final String DUMP = "dump";
    /** The actors a {@code dump()} without argument lists at most (as {@link ActorSystem#dump()}). */
    public static final int DEFAULT_MAX_ACTORS = 10_000;

    private final ActorSystem system;
    private final MBeanServer server;
    private final ObjectName objectName;
    /** Attribute name to counter label, in the counters' order. */
    private final Map<String, String> attributes;
    private final MBeanInfo info;

    private ActorSystemMBean(ActorSystem system, MBeanServer server, ObjectName objectName, Map<String, String> attributes) {
        this.system = system;
        this.server = server;
        this.objectName = objectName;
        this.attributes = attributes;
        this.info = describe(system.name(), attributes);
    }

    /**
     * Registers {@code system}'s MBean in the platform MBean server under the first free name
     * ({@code name}, {@code name#2}, ...). A failure (no platform server, a security manager
     * that refuses) logs one warning and returns null: the system runs regardless. Called once,
     * by the system's constructor; cost: the platform server's first creation in the JVM (some
     * tens of milliseconds, once), then a map insertion.
     *
     * @param system the system, with its counters open
     * @return the registered MBean, or null if it could not be registered
     */
    public static ActorSystemMBean register(ActorSystem system) {
        Objects.requireNonNull(system, "system");
        try {
            final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            final Map<String, String> attributes = new LinkedHashMap<>();
            for (String label : system.counterValues().keySet()) {
                attributes.put(attributeName(label), label);
            }
            for (int n = 1; ; n++) {
                final ObjectName name = objectName(system.name(), n);
                final ActorSystemMBean bean = new ActorSystemMBean(system, server, name, Map.copyOf(attributes));
                try {
                    server.registerMBean(bean, name);
                    return bean;
                } catch (InstanceAlreadyExistsException taken) {
                    // another system of this name: try the next suffix
                }
            }
        } catch (JMException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "actor system ''{0}'': cannot register its JMX MBean ({1});"
                    + " the counters and the dump stay readable in-process", system.name(), e.toString());
            return null;
        }
    }

    /**
     * The name of the {@code n}th system called {@code systemName} (1: no suffix).
     *
     * @param systemName the system's name
     * @param n 1 for the first, 2 for the second of that name, ...
     * @return {@code io.troupe:type=ActorSystem,name=<systemName>[#n]}
     * @throws MalformedObjectNameException never for a valid system name
     */
    public static ObjectName objectName(String systemName, int n) throws MalformedObjectNameException {
        final String value = n == 1 ? systemName : systemName + "#" + n;
        return new ObjectName(DOMAIN + ":type=ActorSystem,name=" + quoteIfNeeded(value));
    }

    private static String quoteIfNeeded(String value) {
        for (int i = 0; i < value.length(); i++) {
            final char c = value.charAt(i);
            if (c == ',' || c == '=' || c == ':' || c == '"' || c == '*' || c == '?' || c == '\n' || c == '\\') {
                return ObjectName.quote(value);
            }
        }
        return value;
    }

    /**
     * A counter's attribute name: its label's words in upper camel case, other characters
     * dropped ("heartbeat (epoch ms)" is {@code HeartbeatEpochMs}).
     *
     * @param label the counter's label
     * @return the attribute's name
     */
    public static String attributeName(String label) {
        final StringBuilder sb = new StringBuilder(label.length());
        boolean upper = true;
        for (int i = 0; i < label.length(); i++) {
            final char c = label.charAt(i);
            if (Character.isLetterOrDigit(c)) {
                sb.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            } else {
                upper = true;
            }
        }
        return sb.toString();
    }

    /** The name this MBean is registered under. Any thread. */
    public ObjectName objectName() {
        return objectName;
    }

    /**
     * Removes this MBean from the server. Idempotent; any thread (the system's shutdown calls
     * it once its actors have stopped).
     */
    public void unregister() {
        try {
            server.unregisterMBean(objectName);
        } catch (InstanceNotFoundException gone) {
            // already unregistered, by us or by someone with access to the server
        } catch (JMException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot unregister the JMX MBean {0}: {1}", objectName, e.toString());
        }
    }

    @Override
    public Object getAttribute(String attribute) throws AttributeNotFoundException {
        if (SYSTEM_NAME.equals(attribute)) {
            return system.name();
        }
        final String label = attributes.get(attribute);
        if (label == null) {
            throw new AttributeNotFoundException("no attribute " + attribute + " in " + objectName
                    + "; there are " + SYSTEM_NAME + " and " + attributes.keySet());
        }
        final Long value = system.counterValues().get(label);
        return value == null ? 0L : value;
    }

    @Override
    public AttributeList getAttributes(String[] names) {
        // One fold for all of them, so that the values of one call come from one snapshot.
        final Map<String, Long> values = system.counterValues();
        final AttributeList list = new AttributeList(names.length);
        for (String name : names) {
            if (SYSTEM_NAME.equals(name)) {
                list.add(new Attribute(name, system.name()));
            } else {
                final String label = attributes.get(name);
                if (label != null) {
                    list.add(new Attribute(name, values.getOrDefault(label, 0L)));
                }
            }
        }
        return list;
    }

    @Override
    public void setAttribute(Attribute attribute) throws AttributeNotFoundException, InvalidAttributeValueException {
        throw new AttributeNotFoundException("the attributes of " + objectName + " are read-only");
    }

    @Override
    public AttributeList setAttributes(AttributeList attributes) {
        return new AttributeList(); // read-only: nothing set
    }

    @Override
    public Object invoke(String actionName, Object[] params, String[] signature) throws MBeanException, ReflectionException {
        final int n = params == null ? 0 : params.length;
        if (DUMP.equals(actionName) && n == 0) {
            return format(system.name(), system.dump(DEFAULT_MAX_ACTORS));
        }
        if (DUMP.equals(actionName) && n == 1 && params[0] instanceof Integer max) {
            if (max < 0) {
                throw new MBeanException(new IllegalArgumentException("maxActors must not be negative, was " + max));
            }
            return format(system.name(), system.dump(max));
        }
        throw new ReflectionException(new NoSuchMethodException(actionName + " with " + n + " parameters"),
                "no operation " + actionName + "/" + n + " in " + objectName + "; there are dump() and dump(int maxActors)");
    }

    @Override
    public MBeanInfo getMBeanInfo() {
        return info;
    }

    /**
     * The dump as a table, one actor a line, breadth first: path, state, mailbox depth/capacity,
     * the message being handled and for how long, dispatcher, children, class.
     *
     * @param systemName the system's name, for the heading
     * @param dump the dump
     * @return the table, lines ending in {@code \n}
     */
    public static String format(String systemName, ActorDump dump) {
        final StringBuilder sb = new StringBuilder(160 + 120 * dump.actors().size());
        sb.append("actor system ").append(systemName).append(": ").append(dump.actors().size()).append(" actors listed, ")
                .append(dump.omitted()).append(" not listed\n");
        sb.append(String.format(Locale.ROOT, "%-50s %-10s %11s %10s %8s %-30s %-20s %8s %s%n",
                "PATH", "STATE", "MAILBOX", "HANDLED", "RESTARTS", "HANDLING (FOR)", "DISPATCHER", "CHILDREN", "CLASS"));
        for (ActorDump.Entry e : dump.actors()) {
            final String handling = e.state() == ActorDump.State.RUNNING
                    ? (e.currentMessageType() == null ? "(system work)" : e.currentMessageType())
                            + " (" + e.timeInHandler().toMillis() + " ms)"
                    : "";
            sb.append(String.format(Locale.ROOT, "%-50s %-10s %11s %10d %8d %-30s %-20s %8d %s%n", e.path(), e.state(),
                    e.mailboxDepth() + "/" + e.mailboxCapacity(), e.messagesHandled(), e.restarts(), handling, e.dispatcher(), e.children(),
                    e.actorClass() == null ? "-" : e.actorClass()));
        }
        if (dump.omitted() > 0) {
            sb.append("... and ").append(dump.omitted()).append(" more actors not listed\n");
        }
        return sb.toString();
    }

    private static MBeanInfo describe(String systemName, Map<String, String> attributes) {
        final List<MBeanAttributeInfo> attrs = new ArrayList<>();
        attrs.add(new MBeanAttributeInfo(SYSTEM_NAME, String.class.getName(), "the actor system's name", true, false, false));
        for (Map.Entry<String, String> a : attributes.entrySet()) {
            attrs.add(new MBeanAttributeInfo(a.getKey(), long.class.getName(),
                    "counter '" + a.getValue() + "' (as ActorSystem.counterValues() and the counters file)", true, false, false));
        }
        final MBeanOperationInfo dump = new MBeanOperationInfo(DUMP,
                "the actor tree, at most " + DEFAULT_MAX_ACTORS + " actors, as a table (ActorSystem.dump())",
                new MBeanParameterInfo[0], String.class.getName(), MBeanOperationInfo.INFO);
        final MBeanOperationInfo dumpMax = new MBeanOperationInfo(DUMP,
                "the actor tree, at most maxActors actors, as a table (ActorSystem.dump(int))",
                new MBeanParameterInfo[] {new MBeanParameterInfo("maxActors", int.class.getName(), "the most actors to list")},
                String.class.getName(), MBeanOperationInfo.INFO);
        return new MBeanInfo(ActorSystemMBean.class.getName(), "Troupe actor system " + systemName + ": counters and actor dump",
                attrs.toArray(new MBeanAttributeInfo[0]), null, new MBeanOperationInfo[] {dump, dumpMax}, null);
    }
}
