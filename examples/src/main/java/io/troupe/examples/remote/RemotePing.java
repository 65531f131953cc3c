package io.troupe.examples.remote;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import io.troupe.actors.Signal;
import io.troupe.actors.Terminated;
import io.troupe.remote.Codecs;
import io.troupe.remote.RemoteNode;
import io.troupe.remote.RemoteSettings;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Two nodes on one machine, one command: a "pong" node serves {@code /user/ponger}; a "ping" node
 * reaches it by its {@code troupe://} address, asks it five times, watches it, stops it, and
 * hears {@code Terminated} across the wire.
 *
 * <pre>
 * mvn -q -B -pl examples exec:java -Dexec.mainClass=io.troupe.examples.remote.RemotePing
 * </pre>
 *
 * With {@code serve PORT} it runs only the pong node (in its own terminal), and with
 * {@code ping troupe://pong@127.0.0.1:PORT} only the ping node, in another.
 */
public final class RemotePing {
    private RemotePing() {}

    /** The protocol: records, registered by id on both nodes. */
    public record Ping(int n, ActorRef<Pong> replyTo) {}

    /** The answer. */
    public record Pong(int n, String from) {}

    /** The shared secret (a real deployment reads it from its environment). */
    static final String SECRET = "troupe-example-secret";

    /**
     * The codecs both nodes register: only these classes are ever decoded.
     *
     * @return the registry of {@link Ping} (id 1) and {@link Pong} (id 2)
     */
    public static Codecs codecs() {
        return Codecs.builder().registerRecord(1, Ping.class).registerRecord(2, Pong.class).build();
    }

    /** Answers a Ping with a Pong; stops on "stop". */
    static final class Ponger extends Actor<Object> {
        @Override
        protected void receive(Object m) {
            if (m instanceof Ping p) {
                p.replyTo().tell(new Pong(p.n(), context().self().path()));
            } else if ("stop".equals(m)) {
                context().stop(context().self());
            }
        }
    }

    /** Watches the ref it is given and completes {@code gone} with its Terminated. */
    static final class Watcher extends Actor<ActorRef<?>> {
        private final CompletableFuture<Terminated> gone;

        Watcher(CompletableFuture<Terminated> gone) {
            this.gone = gone;
        }

        @Override
        protected void receive(ActorRef<?> ref) {
            context().watch(ref);
        }

        @Override
        protected void onSignal(Signal signal) {
            if (signal instanceof Terminated t) {
                gone.complete(t);
            }
        }
    }

    /**
     * Runs both nodes (no arguments), only the pong node ({@code serve PORT}), or only the ping
     * node ({@code ping troupe://pong@HOST:PORT}).
     *
     * @param args as above
     * @throws Exception if an ask fails or times out
     */
    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("serve")) {
            try (ActorSystem system = ActorSystem.create("pong");
                 RemoteNode node = RemoteNode.start(system, RemoteSettings.udp(Integer.parseInt(args[1])).withSecret(SECRET).withCodecs(codecs()))) {
                system.spawn(Ponger::new, "ponger");
                System.out.println("serving " + node.address() + "/user/ponger (Ctrl-C to stop)");
                system.whenTerminated().toCompletableFuture().join();
            }
            return;
        }
        if (args.length == 2 && args[0].equals("ping")) {
            try (ActorSystem system = ActorSystem.create("ping");
                 RemoteNode node = RemoteNode.start(system, RemoteSettings.udp(0).withSecret(SECRET).withCodecs(codecs()))) {
                ping(system, node, args[1] + "/user/ponger");
            }
            return;
        }
        try (ActorSystem pongSystem = ActorSystem.create("pong"); ActorSystem pingSystem = ActorSystem.create("ping");
             RemoteNode pongNode = RemoteNode.start(pongSystem, RemoteSettings.udp(0).withSecret(SECRET).withCodecs(codecs()));
             RemoteNode pingNode = RemoteNode.start(pingSystem, RemoteSettings.udp(0).withSecret(SECRET).withCodecs(codecs()))) {
            pongSystem.spawn(Ponger::new, "ponger");
            System.out.println("pong node: " + pongNode.address() + ", ping node: " + pingNode.address());
            ping(pingSystem, pingNode, pongNode.address() + "/user/ponger");
        }
    }

    private static void ping(ActorSystem system, RemoteNode node, String uri) throws Exception {
        final ActorRef<Object> ponger = node.resolve(uri);
        for (int i = 1; i <= 5; i++) {
            final int n = i;
            final long t0 = System.nanoTime();
            final Pong pong = ponger.<Pong>ask(replyTo -> new Ping(n, replyTo), Duration.ofSeconds(10))
                    .toCompletableFuture().get(15, TimeUnit.SECONDS);
            System.out.printf("pong %d from %s%s in %d us%n", pong.n(), ponger instanceof io.troupe.remote.RemoteRef<?> r ? r.node() : "",
                    pong.from(), (System.nanoTime() - t0) / 1000);
        }
        final CompletableFuture<Terminated> gone = new CompletableFuture<>();
        system.spawn(() -> new Watcher(gone), "watcher").tell(ponger);
        ponger.tell("stop");
        System.out.println("stopped it; the watcher heard: " + gone.get(15, TimeUnit.SECONDS));
    }
}
