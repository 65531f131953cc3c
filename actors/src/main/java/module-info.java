/**
 * Troupe's actor runtime: {@link io.troupe.actors.ActorSystem}, typed
 * {@link io.troupe.actors.ActorRef}s, {@link io.troupe.actors.Actor}s, dispatchers, ask, death
 * watch, dead letters, and a test kit.
 */
module io.troupe.actors {
    requires transitive io.troupe.mailbox;
    requires transitive io.troupe.timers;
    requires org.jctools.core;
    // Observability (issue 15): JFR events; jdk.jfr ships with every JDK.
    requires jdk.jfr;
    // The counters and the actor dump as a JMX MBean (issue 15); java.management ships with every JDK.
    requires java.management;
    exports io.troupe.actors;
    exports io.troupe.actors.testkit;
    exports io.troupe.actors.sync;
    exports io.troupe.actors.fs;
    exports io.troupe.actors.internal to io.troupe.supervision, io.troupe.io, io.troupe.testkit, io.troupe.remote;
    exports io.troupe.actors.internal.jfr to io.troupe.io, io.troupe.observe;
    exports io.troupe.actors.internal.counters to io.troupe.io, io.troupe.observe;
}
