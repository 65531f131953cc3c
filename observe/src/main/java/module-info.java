/**
 * Troupe's observability tools: {@link io.troupe.observe.TroupeStat} prints an actor system's
 * counters file from another process, {@link io.troupe.observe.DumpPrinter} prints an actor dump.
 */
module io.troupe.observe {
    requires transitive io.troupe.actors;
    exports io.troupe.observe;
}
