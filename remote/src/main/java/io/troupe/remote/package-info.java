/**
 * Remote actors over Aeron: the same {@link io.troupe.actors.ActorRef} verbs to actors in other
 * processes and on other hosts.
 *
 * <p>A {@link io.troupe.remote.RemoteNode} makes one {@link io.troupe.actors.ActorSystem}
 * reachable at {@code troupe://system@host:port}; {@link io.troupe.remote.RemoteNode#resolve}
 * turns {@code troupe://system@host:port/user/path} into a {@link io.troupe.remote.RemoteRef}.
 * Messages are records (or classes with a hand-written {@link io.troupe.remote.Codec}) registered
 * by id in {@link io.troupe.remote.Codecs} on both nodes; refs inside messages travel and stay
 * usable; {@code ask} works across the wire; {@code watch} gives {@code Terminated} when the remote
 * actor stops or its node is declared down by a phi-accrual failure detector over heartbeats.
 *
 * <pre>{@code
 * record Ping(int n, ActorRef<Pong> replyTo) {}
 * record Pong(int n) {}
 * Codecs codecs = Codecs.builder().registerRecord(1, Ping.class).registerRecord(2, Pong.class).build();
 *
 * try (ActorSystem system = ActorSystem.create("client");
 *      RemoteNode node = RemoteNode.start(system, RemoteSettings.udp(0).withSecret(secret).withCodecs(codecs))) {
 *     ActorRef<Ping> ponger = node.resolve("troupe://server@127.0.0.1:25520/user/ponger");
 *     Pong pong = ponger.<Pong>ask(r -> new Ping(1, r), Duration.ofSeconds(1)).toCompletableFuture().join();
 * }
 * }</pre>
 *
 * <p>Running it: Aeron's Agrona uses {@code jdk.internal.misc.Unsafe}, so the JVM needs
 * {@code --add-exports java.base/jdk.internal.misc=ALL-UNNAMED} (class path) or
 * {@code =org.agrona} (module path). The node binds to loopback unless told otherwise, and talks
 * only to nodes that prove the shared secret; frames are not encrypted.
 *
 * <p>Delivery: per sender and receiver, in order, over one Aeron publication per destination node
 * (Aeron retransmits what UDP loses). {@code tell} to a node Aeron cannot take a message for now is
 * a dead letter on the sending node naming that node; {@code send} waits, end to end, without a
 * thread; {@code offer} returns false. A node that restarts is a new incarnation: refs to the old
 * one make dead letters, and its watchers hear {@code Terminated}.
 */
package io.troupe.remote;
