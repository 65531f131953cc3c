package io.troupe.remote;

import io.troupe.actors.Actor;
import io.troupe.actors.ActorRef;
import io.troupe.actors.ActorSystem;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The other process of {@link RemoteProcessTest}: a system "child" with a remote node on loopback.
 * Its actor {@code /user/echo} answers {@code "ping:N"} with {@code "pong:N"} to the parent's
 * {@code /user/inbox}, and stops on {@code "stop"}. Prints {@code READY <address> <uid>} when bound;
 * exits when its standard input closes (or when killed).
 *
 * <p>Arguments: port, secret, parent node address.
 */
public final class RemoteChild {
    private RemoteChild() {}

    public static void main(String[] args) throws Exception {
        final int port = Integer.parseInt(args[0]);
        final String secret = args[1];
        final String parent = args[2];
        try (ActorSystem system = ActorSystem.create("child");
             RemoteNode node = RemoteNode.start(system, RemoteSettings.udp(port).withSecret(secret)
                     .withCodecs(RemoteProcessTest.codecs())
                     .withFailureDetector(Duration.ofMillis(200), 8.0, Duration.ofSeconds(2)))) {
            final ActorRef<String> inbox = node.resolve(parent + "/user/inbox");
            system.spawn(() -> new Actor<Object>() {
                @Override
                protected void receive(Object m) {
                    if (m instanceof String s && s.equals("stop")) {
                        context().stop(context().self());
                    } else if (m instanceof String s && s.startsWith("ping:")) {
                        inbox.tell("pong:" + s.substring(5));
                    } else {
                        RemoteProcessTest.childReceive(m, node);
                    }
                }
            }, "echo");
            System.out.println("READY " + node.address() + " " + Long.toHexString(node.uid));
            System.out.flush();
            final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            while (in.readLine() != null) {
                // until the parent closes our stdin
            }
        }
    }
}
