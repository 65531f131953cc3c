/**
 * Troupe's socket actors: NIO reactors that turn socket readiness into messages, TCP
 * listeners and connections as actors, UDP, and reusable framing.
 *
 * <p>The API is {@link io.troupe.io}; the reactors and socket actors live in
 * {@code io.troupe.io.internal}, which is not exported.
 */
module io.troupe.io {
    requires transitive io.troupe.actors;
    requires jdk.jfr; // the socket events of troupe.* (issue 15)
    exports io.troupe.io;
}
