/**
 * Troupe's JUnit 5 support: {@link io.troupe.testkit.ActorSystemExtension} gives each test an
 * actor system and checks, when the test ends, that it left no actors and no unexpected dead
 * letters behind.
 */
module io.troupe.testkit {
    requires transitive io.troupe.actors;
    requires transitive org.junit.jupiter.api;
    exports io.troupe.testkit;
}
