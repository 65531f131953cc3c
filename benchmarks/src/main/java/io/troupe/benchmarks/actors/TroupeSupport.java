package io.troupe.benchmarks.actors;

import io.troupe.actors.ActorSystem;
import io.troupe.actors.DispatcherKind;

/** Creating and checking the Troupe systems of the actor benchmarks. */
final class TroupeSupport {
    private TroupeSupport() {}

    /**
     * A system on {@code kind} with the library's defaults otherwise (one worker per core,
     * throughput 64, mailboxes of 10,000 that dead-letter on overflow).
     */
    static ActorSystem newSystem(String name, DispatcherKind kind) {
        return ActorSystem.builder(name).dispatcher(kind).build();
    }

    /** Fails the invocation if any message went to dead letters. */
    static void checkNoDeadLetters(ActorSystem system) {
        Workloads.check("dead letters of " + system.name(), 0, system.deadLetters().count());
    }
}
