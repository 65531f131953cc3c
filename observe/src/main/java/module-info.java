/**
 * Troupe's observability tools: {@link io.troupe.observe.TroupeStat} prints an actor system's
 * counters file from another process, {@link io.troupe.observe.DumpPrinter} prints an actor dump,
 * and {@link io.troupe.observe.Console} serves a live page of the actor tree and the counters'
 * rates over Troupe's own HTTP server.
 */
module io.troupe.observe {
    requires transitive io.troupe.actors;
    requires io.troupe.http;
    exports io.troupe.observe;
}
